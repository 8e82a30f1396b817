import { isMainThread } from 'node:worker_threads';

/** The action's entry. Load workers run the same bundle; only the main thread is the action. */
export async function actionEntry(): Promise<void> {
  if (!isMainThread) return;
  // Loaded here, not at the bundle's start: the CLI and the load workers never pay for @actions/* (about 0.1 s).
  const { run } = await import('./main.ts');
  await run();
  // Nothing left behind (a stray timer or socket) may hold the job until its 6-hour timeout.
  setTimeout(() => process.exit(), 2000).unref();
}
