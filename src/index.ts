// The one bundle (dist/lib/index.js) behind the action's and the CLI's entries, and what a load
// worker thread runs: importing it starts nothing but a worker's load (see pipeline/worker.ts).
export { actionEntry } from './action/entry.ts';
export { cliEntry } from './cli/entry.ts';
import './pipeline/worker.ts';
