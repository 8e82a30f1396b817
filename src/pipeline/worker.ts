import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  isPrediction,
  runLoad,
  shardOf,
  shareOf,
  type EngineResult,
  type Outcome,
  type Phase,
  type ShardPart,
} from '../engine/index.ts';
import { Recorder, type OnTimeWatch, type RecorderState, type SecondState } from '../metrics/index.ts';
import { compileRequests, type GoodputSpec, type LoadPlan, type RequestSpec } from '../scenario/index.ts';

/** What a load worker runs: the plan as data (structured-cloned), nothing read again from files. */
export interface WorkerPlan {
  requests: RequestSpec[];
  /** The load as the parent would run it, overrides and a paired block applied; the worker takes its share. */
  load: LoadPlan;
  seed: number;
  headers: Record<string, string>;
  origin: string;
  /** The bound spike recovery is measured against, when there is one. */
  onTime?: OnTimeWatch | null;
  /** What makes a streamed answer good, when goodput is counted. */
  goodput?: GoodputSpec | null;
  /** This generator's part of a schedule shared with others (`--shard`), open model: the workers split it further. */
  shard?: ShardPart | null;
}

/** What the parent hands a load worker. */
export interface WorkerJob {
  mlloadWorker: true;
  plan: WorkerPlan;
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

/** One load worker: its share of the load, its own recorder, seconds and totals sent to the parent. */
async function work(job: WorkerJob): Promise<void> {
  const port = parentPort!;
  try {
    const { plan } = job;
    const requests = compileRequests(plan.requests);
    // In a shard the workers take turns through the shard's arrivals of the one schedule (the same
    // seed everywhere); else each runs its share of the rate with a schedule of its own.
    const part = plan.shard
      ? { index: plan.shard.index + plan.shard.count * job.index, count: plan.shard.count * job.count }
      : undefined;
    const load = part ? shardOf(plan.load, job.index, job.count) : shareOf(plan.load, job.index, job.count);
    const recorder = new Recorder(requests, load.warmupMs, 0, plan.onTime ?? null, plan.goodput ?? null);
    const stop = new AbortController();
    port.on('message', (m: { type: string; reason?: string }) => {
      if (m.type === 'stop') stop.abort(new Error(m.reason ?? 'stopped'));
    });
    let tick = 0;
    let firstPredictionMs: number | null = null;
    const result = await runLoad({
      origin: plan.origin,
      requests,
      load,
      // Each worker its own payload and arrival streams.
      seed: part ? plan.seed : plan.seed + job.index * 7919,
      shard: part,
      headers: plan.headers,
      signal: stop.signal,
      sink: {
        record(i: number, o: Outcome) {
          if (firstPredictionMs === null && isPrediction(o)) firstPredictionMs = o.done;
          recorder.record(i, o);
        },
        second(now: number, state: { inFlight: number; users: number; phase: Phase }) {
          const second = recorder.secondState();
          recorder.second(now, state);
          port.postMessage({ type: 'second', tick: tick++, now, state, second } satisfies WorkerMessage);
        },
      },
    });
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
