import { isMainThread } from 'node:worker_threads';
import { run } from './main.ts';

// Load workers run this same bundle; only the main thread is the action.
if (isMainThread) {
  await run();
  // Nothing left behind (a stray timer or socket) may hold the job until its 6-hour timeout.
  setTimeout(() => process.exit(), 2000).unref();
}
