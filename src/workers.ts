import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EngineResult, Phase } from './engine/types.ts';
import type { Recorder, WindowState } from './metrics/recorder.ts';
import type { Scenario } from './scenario/types.ts';
import type { WorkerJob, WorkerMessage } from './worker.ts';
import './worker.ts';

/**
 * The worker script: beside this file when running from source; in a bundle, the bundle itself
 * (its entry only runs on the main thread, and worker.ts starts the work on a worker thread).
 */
function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? join(dirname(here), 'worker.ts') : here;
}

interface Tick {
  windows: WindowState[];
  inFlight: number;
  users: number;
  now: number;
  phase: Phase;
}

/** Splits the load over `count` worker threads and merges their seconds and totals exactly into `recorder`. */
export async function runWorkers(
  scenario: Scenario,
  origin: string,
  count: number,
  recorder: Recorder,
  signal: AbortSignal,
  onFirstSuccess: (ms: number) => void,
  block?: WorkerJob['block'],
): Promise<EngineResult> {
  const ticks = new Map<number, Tick>();
  let nextTick = 0;
  let firstSuccess = Number.POSITIVE_INFINITY;
  // Seconds are merged in order, once every worker has closed them.
  const flush = (all: boolean) => {
    for (;;) {
      const t = ticks.get(nextTick);
      if (!t || (!all && t.windows.length < count)) return;
      for (const w of t.windows) recorder.addWindow(w);
      recorder.second(t.now, { inFlight: t.inFlight, users: t.users, phase: t.phase });
      ticks.delete(nextTick++);
    }
  };
  const runs = Array.from({ length: count }, (_, index) => {
    const job: WorkerJob = { mlloadWorker: true, file: scenario.file, durationMs: scenario.load.durationMs, index, count, origin, block };
    const worker = new Worker(workerEntry(), { workerData: job });
    const onAbort = () => worker.postMessage({ type: 'stop', reason: signal.reason instanceof Error ? signal.reason.message : String(signal.reason) });
    signal.addEventListener('abort', onAbort, { once: true });
    return new Promise<EngineResult>((resolve, reject) => {
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'second') {
          const t = ticks.get(m.tick) ?? { windows: [], inFlight: 0, users: 0, now: 0, phase: m.state.phase };
          t.windows.push(m.window);
          t.inFlight += m.state.inFlight;
          t.users += m.state.users;
          t.now = Math.max(t.now, m.now);
          ticks.set(m.tick, t);
          flush(false);
        } else if (m.type === 'done') {
          recorder.absorb(m.state);
          if (m.firstSuccessMs !== null) firstSuccess = Math.min(firstSuccess, m.firstSuccessMs);
          resolve(m.result);
          // Its stop listener would keep the thread (and the process) alive.
          void worker.terminate();
        } else reject(new Error(`load worker ${index}: ${m.message}`));
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        signal.removeEventListener('abort', onAbort);
        if (code !== 0) reject(new Error(`load worker ${index} exited with code ${code}`));
      });
    });
  });
  const results = await Promise.all(runs);
  flush(true);
  if (firstSuccess !== Number.POSITIVE_INFINITY) onFirstSuccess(firstSuccess);
  return {
    elapsedMs: Math.max(...results.map((r) => r.elapsedMs)),
    measuredMs: Math.min(...results.map((r) => r.measuredMs)),
    interrupted: results.some((r) => r.interrupted),
    stopReason: results.find((r) => r.stopReason !== null)?.stopReason ?? null,
    startedAt: new Date(Math.min(...results.map((r) => new Date(r.startedAt).getTime()))),
    finishedAt: new Date(Math.max(...results.map((r) => new Date(r.finishedAt).getTime()))),
  };
}
