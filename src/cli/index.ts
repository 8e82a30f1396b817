#!/usr/bin/env node
import { isMainThread } from 'node:worker_threads';
import { main } from './main.ts';

// Load workers run this same bundle; only the main thread is the CLI.
if (isMainThread) main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`mlload: unexpected error: ${err.stack ?? err.message}\n`);
    process.exitCode = 1;
  },
);
