#!/usr/bin/env node
// Entry point of the `tessera` command (run through bin/tessera.js, which needs no build step).
import { runCli } from './run-cli.js';

const code = await runCli(process.argv);
process.exitCode = code;
// Commands close what they opened; should a stray handle (a peer's keep-alive socket) remain,
// exit anyway shortly after, instead of hanging the shell. The timer itself keeps nothing alive.
setTimeout(() => process.exit(code), 1000).unref();
