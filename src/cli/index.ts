#!/usr/bin/env node
import { main } from './main.ts';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`mlload: unexpected error: ${err.stack ?? err.message}\n`);
    process.exitCode = 1;
  },
);
