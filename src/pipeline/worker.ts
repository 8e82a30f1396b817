import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  isPrediction,
  runLoad,
  workerPlan,
  type EngineResult,
  type EnginePlan,
  type OutcomeSink,
  type Phase,
} from '../engine/index.ts';
import { Recorder, type OnTimeWatch, type RecorderState, type SecondState } from '../metrics/index.ts';
import type { GoodputSpec } from '../scenario/index.ts';

/** What a recorder needs beyond the requests: the bound spike recovery is held to, what makes an answer good. */
export interface Recording {
  onTime: OnTimeWatch | null;
  goodput: GoodputSpec | null;
}

/**
 * The sink of every load, on this thread or a worker: outcomes into the recorder, the first
 * prediction's time noted once, and each second passed on after the recorder closed it.
 */
export function recordingSink(
  recorder: Recorder,
  onFirstPrediction: (ms: number) => void,
  onSecond: (now: number, state: { inFlight: number; users: number; phase: Phase }) => void = () => {},
): OutcomeSink {
  let predicted = false;
  return {
    record(index, outcome) {
      if (!predicted && isPrediction(outcome)) {
        predicted = true;
        onFirstPrediction(outcome.done);
      }
      recorder.record(index, outcome);
    },
    second(now, state) {
      onSecond(now, state);
      recorder.second(now, state);
    },
  };
}

/** What the parent hands a load worker. */
export interface WorkerJob {
  mlloadWorker: true;
  plan: EnginePlan;
  recording: Recording;
  index: number;
  count: number;
}

export type WorkerMessage =
  | {
      type: 'second';
      tick: number;
      now: number;
      state: { inFlight: number; users: number; phase: Phase };
      second: SecondState;
    }
  | { type: 'done'; result: EngineResult; state: RecorderState; firstPredictionMs: number | null }
  | { type: 'error'; message: string };

/** One load worker: its part of the plan, its own recorder, seconds and totals sent to the parent. */
async function work(job: WorkerJob): Promise<void> {
  const port = parentPort!;
  try {
    const plan = workerPlan(job.plan, job.index, job.count);
    const recorder = new Recorder(plan.requests, plan.load.warmupMs, 0, job.recording.onTime, job.recording.goodput);
    const stop = new AbortController();
    port.on('message', (m: { type: string; reason?: string }) => {
      if (m.type === 'stop') stop.abort(new Error(m.reason ?? 'stopped'));
    });
    let tick = 0;
    let firstPredictionMs: number | null = null;
    // The second's state is taken before the recorder closes it.
    const sink = recordingSink(
      recorder,
      (ms) => (firstPredictionMs = ms),
      (now, state) =>
        port.postMessage({
          type: 'second',
          tick: tick++,
          now,
          state,
          second: recorder.secondState(),
        } satisfies WorkerMessage),
    );
    const result = await runLoad({ ...plan, sink, signal: stop.signal });
    port.postMessage({
      type: 'done',
      result,
      state: recorder.exportState(),
      firstPredictionMs,
    } satisfies WorkerMessage);
  } catch (err) {
    port.postMessage({ type: 'error', message: (err as Error).message } satisfies WorkerMessage);
  }
}

if (!isMainThread && (workerData as WorkerJob | undefined)?.mlloadWorker) void work(workerData as WorkerJob);
