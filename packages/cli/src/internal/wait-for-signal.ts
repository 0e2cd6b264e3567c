import { note } from './io.js';

/**
 * Resolves at the first SIGINT or SIGTERM after running `close` (graceful shutdown of whatever the
 * command started). A second signal while closing exits at once with 130, the shell's Ctrl-C code.
 *
 * The handlers are installed when this is called, so call it before printing the ready line: a
 * supervisor (or a test) may signal as soon as it reads that line, and a SIGTERM that finds no
 * handler kills the process without draining.
 */
export function waitForSignal(close: () => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let closing = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (closing) {
        note(`tessera: ${signal} again, exiting without waiting`);
        process.exit(130);
      }
      closing = true;
      note(`tessera: ${signal} received, closing...`);
      close().then(() => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        note('tessera: stopped');
        resolve();
      }, reject);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
