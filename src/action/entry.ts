import { isMainThread } from 'node:worker_threads';
import { run } from './main.ts';

/** The action's entry. Load workers run the same bundle; only the main thread is the action. */
export async function actionEntry(): Promise<void> {
  if (!isMainThread) return;
  await run();
  // Nothing left behind (a stray timer or socket) may hold the job until its 6-hour timeout.
  setTimeout(() => process.exit(), 2000).unref();
}
