// @tessera/core public entry point: re-exports only, no logic (ARCHITECTURE.md, "Layout").
export * from './errors/index.js';
export * from './config/index.js';
export * from './jose/index.js';
export * from './http/index.js';
export * from './policy/index.js';
export * from './middleware/index.js';
