#!/usr/bin/env node
// Entry point of the `tessera` command (run through bin/tessera.js, which needs no build step).
import { runCli } from './run-cli.js';

const code = await runCli(process.argv);
// Let open handles finish on their own; servers are closed by the commands before they return.
process.exitCode = code;
