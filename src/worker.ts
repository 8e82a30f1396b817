import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { blockLoad, type Block } from './engine/blocks.ts';
import { runLoad } from './engine/run.ts';
import { shareOf } from './engine/share.ts';
import { isPrediction, type EngineResult, type Outcome, type Phase } from './engine/types.ts';
import { Recorder, type RecorderState, type WindowState } from './metrics/recorder.ts';
import { loadScenario } from './scenario/parse.ts';

/** What the parent hands a load worker. */
export interface WorkerJob {
  mlloadWorker: true;
  file: string;
  durationMs: number;
  index: number;
  count: number;
  origin: string;
  /** A paired run's block: this slice of the schedule, with this seed. */
  block?: Block & { seed: number };
}

export type WorkerMessage =
  | { type: 'second'; tick: number; now: number; state: { inFlight: number; users: number; phase: Phase }; window: WindowState }
  | { type: 'done'; result: EngineResult; state: RecorderState; firstSuccessMs: number | null }
  | { type: 'error'; message: string };

/** One load worker: its share of the load, its own recorder, seconds and totals sent to the parent. */
async function work(job: WorkerJob): Promise<void> {
  const port = parentPort!;
  try {
    const scenario = loadScenario(job.file, { url: job.origin, durationMs: job.durationMs, compare: false });
    const recorder = new Recorder(scenario.requests, scenario.load.warmupMs);
    const stop = new AbortController();
    port.on('message', (m: { type: string; reason?: string }) => {
      if (m.type === 'stop') stop.abort(new Error(m.reason ?? 'stopped'));
    });
    let tick = 0;
    let firstSuccessMs: number | null = null;
    const result = await runLoad({
      origin: job.origin,
      requests: scenario.requests,
      load: shareOf(job.block ? blockLoad(scenario.load, job.block) : scenario.load, job.index, job.count),
      // Each worker its own payload and arrival streams.
      seed: (job.block?.seed ?? scenario.seed) + job.index * 7919,
      headers: scenario.target.headers,
      signal: stop.signal,
      sink: {
        record(i: number, o: Outcome) {
          if (firstSuccessMs === null && isPrediction(o)) firstSuccessMs = o.done;
          recorder.record(i, o);
        },
        second(now: number, state: { inFlight: number; users: number; phase: Phase }) {
          const window = recorder.windowState();
          recorder.second(now, state);
          port.postMessage({ type: 'second', tick: tick++, now, state, window } satisfies WorkerMessage);
        },
      },
    });
    port.postMessage({ type: 'done', result, state: recorder.exportState(), firstSuccessMs } satisfies WorkerMessage);
  } catch (err) {
    port.postMessage({ type: 'error', message: (err as Error).message } satisfies WorkerMessage);
  }
}

if (!isMainThread && (workerData as WorkerJob | undefined)?.mlloadWorker) void work(workerData as WorkerJob);
