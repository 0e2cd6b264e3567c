import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The build goes into @tessera/token-service (console/), which serves it at /console/ and ships it
// in its npm package and the container image.
export default defineConfig({
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../../packages/token-service/console/', import.meta.url)),
    emptyOutDir: true,
    // Every supported browser loads modules natively; the polyfill would only add bytes.
    modulePreload: { polyfill: false },
    target: 'es2022',
    reportCompressedSize: true,
  },
});
