import { isMainThread } from 'node:worker_threads';
import { EXIT } from './errors.ts';
import { main } from './main.ts';

/** Once the command is done, nothing left behind (a stray timer or socket) may keep the process alive. */
function exitSoon(): void {
  setTimeout(() => process.exit(), 2000).unref();
}

/** The CLI's entry. Load workers run the same bundle; only the main thread is the CLI. */
export function cliEntry(): void {
  if (!isMainThread) return;
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      exitSoon();
    },
    (err: Error) => {
      process.stderr.write(`mlload: internal error (please report it): ${err.stack ?? err.message}\n`);
      process.exitCode = EXIT.internal;
      exitSoon();
    },
  );
}
