// @tessera/cli public entry point: re-exports only (ARCHITECTURE.md, "Layout").
export { runCli } from './run-cli.js';
export { createProgram } from './program.js';
export { cliErrors, type CliErrorCode } from './errors.js';
export { startJwksServer, publicJwks, type JwksServer, type JwksServerOptions } from './jwks-server.js';
export { generateKeyOutput, type KeyOutput } from './commands/keys-generate.js';
