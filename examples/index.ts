// The examples' entry point for `tessera demo` and test/e2e: re-exports only.
export type { ExampleCheck, ExampleOptions, RunningExample } from './types.js';
export { examples, type ExampleEntry } from './catalog.js';
export { runExamples, type DemoRow } from './run-examples.js';
export { headlessBrowser, type HeadlessBrowser, type HeadlessPage } from './internal/headless-browser.js';
export { freePort } from './internal/free-port.js';
