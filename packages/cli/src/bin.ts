#!/usr/bin/env node
// Entry point of the `tessera` command, compiled to dist/bin.js and started by bin/tessera.js.
import { runCli } from './run-cli.js';

const code = await runCli(process.argv);
process.exitCode = code;
// Commands close what they opened; should a stray handle (a peer's keep-alive socket) remain,
// exit anyway shortly after, instead of hanging the shell. The timer itself keeps nothing alive.
setTimeout(() => process.exit(code), 1000).unref();
