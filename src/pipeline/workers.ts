import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { StopRequest, type EngineResult, type EnginePlan, type Phase } from '../engine/index.ts';
import type { Recorder, SecondState } from '../metrics/index.ts';
import type { Recording, WorkerJob, WorkerMessage } from './worker.ts';
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
  seconds: SecondState[];
  inFlight: number;
  users: number;
  now: number;
  phase: Phase;
}

/** Splits the load over `count` worker threads and merges their seconds and totals exactly into `recorder`. */
export async function runWorkers(
  plan: EnginePlan,
  recording: Recording,
  recorder: Recorder,
  signal: AbortSignal,
  onFirstPrediction: (ms: number) => void,
): Promise<EngineResult> {
  const count = plan.load.workers;
  const ticks = new Map<number, Tick>();
  let nextTick = 0;
  let firstPrediction = Number.POSITIVE_INFINITY;
  // Seconds are merged in order, once every worker has closed them.
  const flush = (all: boolean) => {
    for (;;) {
      const t = ticks.get(nextTick);
      if (!t || (!all && t.seconds.length < count)) return;
      for (const w of t.seconds) recorder.addSecond(w);
      recorder.second(t.now, { inFlight: t.inFlight, users: t.users, phase: t.phase });
      ticks.delete(nextTick++);
    }
  };
  const runs = Array.from({ length: count }, (_, index) => {
    const job: WorkerJob = { mlloadWorker: true, plan, recording, index, count };
    const worker = new Worker(workerEntry(), { workerData: job });
    const onAbort = () =>
      worker.postMessage({
        type: 'stop',
        reason: signal.reason instanceof Error ? signal.reason.message : String(signal.reason),
      });
    signal.addEventListener('abort', onAbort, { once: true });
    return new Promise<EngineResult>((resolve, reject) => {
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'second') {
          const t = ticks.get(m.tick) ?? { seconds: [], inFlight: 0, users: 0, now: 0, phase: m.state.phase };
          t.seconds.push(m.second);
          t.inFlight += m.state.inFlight;
          t.users += m.state.users;
          t.now = Math.max(t.now, m.now);
          ticks.set(m.tick, t);
          flush(false);
        } else if (m.type === 'done') {
          recorder.absorb(m.state);
          if (m.firstPredictionMs !== null) firstPrediction = Math.min(firstPrediction, m.firstPredictionMs);
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
  if (firstPrediction !== Number.POSITIVE_INFINITY) onFirstPrediction(firstPrediction);
  return {
    elapsedMs: Math.max(...results.map((r) => r.elapsedMs)),
    measuredMs: Math.min(...results.map((r) => r.measuredMs)),
    stop: stopOf(results, signal),
    startedAt: new Date(Math.min(...results.map((r) => new Date(r.startedAt).getTime()))),
    finishedAt: new Date(Math.max(...results.map((r) => new Date(r.finishedAt).getTime()))),
  };
}

/** The workers' stop, with its kind from the parent's signal (a worker hears only the words). */
function stopOf(results: EngineResult[], signal: AbortSignal): EngineResult['stop'] {
  const stopped = results.find((r) => r.stop)?.stop;
  if (!stopped) return null;
  return signal.reason instanceof StopRequest
    ? { cause: signal.reason.stopCause, reason: signal.reason.message }
    : stopped;
}
