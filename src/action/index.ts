import { isMainThread } from 'node:worker_threads';
import { run } from './main.ts';

// Load workers run this same bundle; only the main thread is the action.
if (isMainThread) await run();
