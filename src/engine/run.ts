import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  compileRequests,
  Rng,
  type ClosedLoad,
  type LoadPlan,
  type OpenLoad,
  type Payload,
  type RequestPlan,
  type RequestSpec,
} from '../scenario/index.ts';
import { ArrivalSchedule } from './arrivals.ts';
import { UndiciClient, type Done } from './http.ts';
import { GrpcClient } from './grpc.ts';
import { Http1Client } from './http1.ts';
import { StopRequest, type EngineResult, type OutcomeSink, type Phase, type Stop } from './types.ts';

/**
 * A load as data: where, what, how much and from which seed. Serialisable, so the same plan runs on
 * this thread or is handed to a load worker, which runs it through the same `runLoad`.
 */
export interface EnginePlan {
  /** Origin of the target, e.g. http://127.0.0.1:8080 */
  origin: string;
  /** The requests as the scenario checked them; the engine compiles their payload sources. */
  requests: RequestSpec[];
  load: LoadPlan;
  seed: number;
  headers?: Record<string, string>;
  /** A grpc:// target's HTTP/2 connections (`target.channels`); 1 when absent. */
  channels?: number;
  /**
   * This generator's part of a schedule shared by `count` (open model): the arrivals whose index is
   * `index` modulo `count`, each with the request and payload it has in the whole schedule.
   */
  shard?: ShardPart | null;
}

export interface LoadRun extends EnginePlan {
  sink: OutcomeSink;
  /** Aborting stops the run early; the abort reason becomes the stop reason. */
  signal?: AbortSignal;
}

/** A run with its requests compiled. */
interface LiveRun extends Omit<LoadRun, 'requests'> {
  requests: RequestPlan[];
}

/** One of `count` generators sharing one schedule: 0 ≤ index < count. */
export interface ShardPart {
  index: number;
  count: number;
}

/** What the engine needs of an HTTP client: the lean one for http, undici for https. */
interface Transport {
  send(plan: RequestPlan, payload: Payload | null, scheduled: number, done: Done): void;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

/** How long requests still in flight may finish after an early stop. */
const STOP_GRACE_MS = 2_000;

/** Weighted choice among the requests (like Locust task weights). */
function picker(requests: RequestPlan[], rng: Rng): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (const r of requests) cumulative.push((total += r.weight));
  if (requests.length === 1) return () => 0;
  return () => {
    const x = rng.next() * total;
    let i = 0;
    while (cumulative[i]! <= x) i++;
    return i;
  };
}

function stopOf(signal: AbortSignal): Stop {
  const r = signal.reason as unknown;
  if (r instanceof StopRequest) return { cause: r.stopCause, reason: r.message };
  return { cause: 'interrupted', reason: r instanceof Error ? r.message : typeof r === 'string' ? r : 'stopped' };
}

/** A run's moving parts, shared by the generator's callbacks. */
interface RunState {
  inFlight: number;
  users: number;
  /** No new requests. */
  stopped: boolean;
  /** Outcomes after the grace period are not counted. */
  discard: boolean;
  stop: Stop | null;
  /** Aborted when no more requests may start: cancels every pending sleep of the generator. */
  halt: AbortController;
}

const newRunState = (): RunState => ({
  inFlight: 0,
  users: 0,
  stopped: false,
  discard: false,
  stop: null,
  halt: new AbortController(),
});

/** Generates the scenario's load against one origin and streams every outcome into the sink. */
export async function runLoad(plan: LoadRun): Promise<EngineResult> {
  const run: LiveRun = { ...plan, requests: compileRequests(plan.requests) };
  const root = new Rng(run.seed);
  const choose = picker(run.requests, root.fork(1));
  const maxTimeout = Math.max(...run.requests.map((r) => r.timeoutMs));
  const startedAt = new Date();
  const t0 = performance.now();
  const clock = () => performance.now() - t0;
  const http = transportOf(run, maxTimeout, clock);
  const endMs = run.load.warmupMs + run.load.durationMs;
  const state = newRunState();
  const { wake, phase, fail, ticker, onAbort } = controls(run, state, clock, endMs);
  let timer: NodeJS.Timeout | undefined;
  try {
    if (run.signal?.aborted) onAbort();
    run.signal?.addEventListener('abort', onAbort, { once: true });
    const { send, drawOrFail } = senders(run, http, state, fail, root.fork(2));
    // An arrival that was due but never sent is a failure, and its wait is its latency.
    const unsent = (scheduled: number, reason: string, index = choose()): void => {
      const now = clock();
      run.sink.record(index, { scheduled, sent: now, done: now, status: 0, bytes: 0, failure: reason });
    };
    const finished =
      run.load.model === 'open'
        ? runOpen(run.load, root.fork(0), {
            choose,
            send,
            unsent,
            clock,
            isAborted: () => state.stop !== null,
            inFlight: () => state.inFlight,
            halt: state.halt.signal,
            shard: run.shard ? { ...run.shard, draw: drawOrFail } : null,
          })
        : runClosed(
            run.load,
            root.fork(3),
            choose,
            send,
            clock,
            () => state.stopped,
            (n) => (state.users = n),
            state.halt.signal,
          );

    // Stop at the end of the schedule, or earlier on abort; then let in-flight requests finish.
    // The closed model's users stop at the end; the open model's schedule ends on its own, every
    // arrival due before the end sent however late a timer fires (none is lost at the edge).
    timer = setTimeout(() => {
      state.stopped = true;
      if (run.load.model === 'closed') wake();
    }, endMs);
    await finished.generated;
    clearTimeout(timer);
    state.stopped = true;
    const drained = await drain(finished, state.stop === null ? maxTimeout + 1000 : STOP_GRACE_MS);
    for (const { scheduled, index } of finished.leftover()) unsent(scheduled, 'not sent: queue', index);
    if (!drained) state.discard = true;
    const elapsedMs = clock();
    clearInterval(ticker);
    run.sink.second(elapsedMs, { inFlight: state.inFlight, users: state.users, phase: phase() });
    await (drained ? http.close() : http.destroy());
    const stop = state.stop as Stop | null;
    const measuredMs =
      stop === null ? run.load.durationMs : Math.max(0, Math.min(elapsedMs, endMs) - run.load.warmupMs);
    return { elapsedMs, measuredMs, stop, startedAt, finishedAt: new Date() };
  } catch (err) {
    // Nothing of the run may outlive it: a timer left here keeps the process alive forever.
    state.stopped = true;
    wake();
    await http.destroy();
    throw err;
  } finally {
    clearInterval(ticker);
    clearTimeout(timer);
    run.signal?.removeEventListener('abort', onAbort);
  }
}

/** Stopping the run (on a signal, or on a throw in a callback), the phase of a second, and the seconds' ticker. */
function controls(run: LiveRun, state: RunState, clock: () => number, endMs: number) {
  const wake = () => state.halt.abort();
  // A second of the series belongs to the phase its middle falls in.
  const phase = (): Phase => {
    const mid = clock() - 500;
    if (mid >= endMs || (state.stop !== null && clock() < endMs)) return 'drain';
    return mid < run.load.warmupMs ? 'warmup' : 'measure';
  };
  // A throw in a callback of the generator (a payload source, the sink) would be uncaught and lose
  // the run: it stops the run instead, as an engine error, and what was measured is kept.
  const fail = (err: unknown) => {
    if (state.stop?.cause === 'engine-error') return;
    const reason = `the load generator failed: ${err instanceof Error ? err.message : String(err)}`;
    state.stop = { cause: 'engine-error', reason };
    state.stopped = true;
    wake();
  };
  const ticker = setInterval(() => {
    try {
      run.sink.second(clock(), { inFlight: state.inFlight, users: state.users, phase: phase() });
    } catch (err) {
      fail(err);
    }
  }, 1000);
  const onAbort = () => {
    if (state.stopped) return;
    state.stopped = true;
    state.stop = stopOf(run.signal!);
    wake();
  };
  return { wake, phase, fail, ticker, onAbort };
}

/** The client: gRPC for grpc://, the lean HTTP/1.1 one for plain http, undici for https. */
function transportOf(run: LiveRun, maxTimeout: number, clock: () => number): Transport {
  const connections =
    run.load.model === 'open' ? run.load.maxInFlight : Math.max(...run.load.stages.map((s) => s.users));
  if (run.origin.startsWith('grpc:')) return new GrpcClient(run.origin, run.channels ?? 1, run.headers ?? {}, clock);
  return run.origin.startsWith('http:')
    ? new Http1Client(run.origin, connections, run.headers ?? {}, clock)
    : new UndiciClient(run.origin, connections, Math.min(maxTimeout, 10_000), run.headers ?? {}, clock);
}

/** Whether every started request finished within the grace time. */
async function drain(phases: Phases, graceMs: number): Promise<boolean> {
  const graceOver = new AbortController();
  const drained = await Promise.race([
    phases.drained.then(() => true),
    sleep(graceMs, false, { signal: graceOver.signal }).catch(() => false),
  ]);
  graceOver.abort();
  return drained;
}

/** Sending a request with its payload, drawn in arrival order (FIFO sends keep that order). */
function senders(run: LiveRun, http: Transport, state: RunState, fail: (err: unknown) => void, payloadRng: Rng) {
  const draw = (index: number): Payload | null => {
    const plan = run.requests[index]!;
    return plan.body ? plan.body.next(payloadRng) : null;
  };
  const send = (index: number, scheduled: number, next: () => void, drawn?: Payload | null): void => {
    const plan = run.requests[index]!;
    let payload: Payload | null;
    try {
      payload = drawn !== undefined ? drawn : draw(index);
    } catch (err) {
      fail(err);
      return next();
    }
    state.inFlight++;
    http.send(plan, payload, scheduled, (outcome) => {
      state.inFlight--;
      try {
        if (!state.discard) run.sink.record(index, outcome);
      } catch (err) {
        fail(err);
      }
      next();
    });
  };
  // A shard draws every arrival's payload at arrival, outside `send`: a source that throws stops the run there too.
  const drawOrFail = (index: number): Payload | null => {
    try {
      return draw(index);
    } catch (err) {
      fail(err);
      return null;
    }
  };
  return { send, drawOrFail };
}

interface Phases {
  /** Resolves when no more requests will be started. */
  generated: Promise<void>;
  /** Resolves when every started request has finished. */
  drained: Promise<void>;
  /**
   * Arrivals still queued when the run stopped, with their request when drawn already; they are taken out of the queue.
   */
  leftover(): Array<{ scheduled: number; index?: number }>;
}

/** Arrivals waiting for a free slot, at most; later ones are failures at once ("not sent: queue full"). */
export const MAX_QUEUED = 1_000_000;

/** Starts a request; `next` runs when it has finished and been recorded. */
type Send = (index: number, scheduled: number, next: () => void, drawn?: Payload | null) => void;

/** Open model: requests start at their arrival times, whatever the responses do. */
/** What the open model's generator uses of the run. */
interface OpenPorts {
  choose: () => number;
  send: Send;
  unsent: (scheduled: number, reason: string, index?: number) => void;
  clock: () => number;
  isAborted: () => boolean;
  inFlight: () => number;
  halt: AbortSignal;
  shard: (ShardPart & { draw: (index: number) => Payload | null }) | null;
}

/** A drawn arrival: its request and payload. */
type Drawn = { index: number; payload: Payload | null };

/**
 * The request and payload of the next arrival of the whole schedule: a shard draws every arrival's, its own and the
 * others' alike, so its requests are the whole schedule's; undefined when the arrival is another shard's, null when
 * the generator is not a shard (it draws at sending).
 */
function arrivalTaker(shard: OpenPorts['shard'], choose: () => number): () => Drawn | null | undefined {
  let arrival = 0;
  return () => {
    if (!shard) return null;
    const own = arrival++ % shard.count === shard.index;
    const index = choose();
    const payload = shard.draw(index);
    return own ? { index, payload } : undefined;
  };
}

function runOpen(load: OpenLoad, rng: Rng, ports: OpenPorts): Phases {
  const { choose, send, unsent, clock, isAborted, inFlight, halt, shard } = ports;
  const schedule = new ArrivalSchedule(load.stages, load.warmupMs, load.arrival, rng);
  // Arrivals that found every slot busy wait here; their wait counts as latency.
  const queue: number[] = [];
  // A shard's own queued arrivals keep their drawn request and payload here.
  const drawn: Array<Drawn | undefined> = [];
  let head = 0;
  let pending = 0;
  let onIdle: (() => void) | null = null;
  let next = schedule.next();
  let timer: NodeJS.Timeout | undefined;

  // Queued arrivals are still sent after the schedule ends (their wait is their latency), not after an abort.
  const finished = () => {
    pending--;
    if (head < queue.length && !isAborted()) {
      const d = drawn[head];
      drawn[head] = undefined;
      start(queue[head++]!, d);
      if (head > 65_536 && head * 2 > queue.length) {
        queue.splice(0, head);
        if (shard) drawn.splice(0, head);
        head = 0;
      }
    } else if (pending === 0 && onIdle) onIdle();
  };
  const start = (scheduled: number, d?: Drawn) => {
    pending++;
    if (d) send(d.index, scheduled, finished, d.payload);
    else send(choose(), scheduled, finished);
  };
  const take = arrivalTaker(shard, choose);

  const generated = new Promise<void>((resolve) => {
    const pump = () => {
      timer = undefined;
      if (isAborted()) return resolve();
      const now = clock();
      while (next <= now) {
        const d = take();
        if (d !== undefined) {
          if (inFlight() < load.maxInFlight && head === queue.length) start(next, d ?? undefined);
          else if (queue.length - head < MAX_QUEUED) {
            queue.push(next);
            if (d) drawn[queue.length - 1] = d;
          } else unsent(next, 'not sent: queue full', d?.index);
        }
        next = schedule.next();
      }
      if (next === Number.POSITIVE_INFINITY) return resolve();
      timer = setTimeout(pump, Math.max(0, next - clock()));
    };
    halt.addEventListener('abort', () => {
      if (timer) clearTimeout(timer);
      resolve();
    });
    pump();
  });
  const drained = generated.then(() =>
    pending === 0 ? undefined : new Promise<void>((resolve) => (onIdle = resolve)),
  );
  const leftover = () => {
    const rest = queue.slice(head).map((scheduled, k) => ({ scheduled, index: drawn[head + k]?.index }));
    queue.length = 0;
    drawn.length = 0;
    head = 0;
    return rest;
  };
  return { generated, drained, leftover };
}

/** Closed model: each user sends, waits for the response, thinks, and sends again. */
function runClosed(
  load: ClosedLoad,
  rng: Rng,
  choose: () => number,
  send: Send,
  clock: () => number,
  isStopped: () => boolean,
  setUsers: (n: number) => void,
  halt: AbortSignal,
): Phases {
  const nap = (ms: number) => sleep(ms, undefined, { signal: halt }).catch(() => undefined);
  const [thinkMin, thinkMax] = load.thinkTimeMs;
  let wanted = 0;
  const alive: boolean[] = [];

  let running = 0;
  let onIdle: (() => void) | null = null;
  // A user: send, wait for the response, think, repeat; callbacks, not promises, on the hot path.
  const startUser = (id: number) => {
    alive[id] = true;
    running++;
    const leave = () => {
      alive[id] = false;
      running--;
      if (running === 0 && onIdle) onIdle();
    };
    const step = () => {
      if (isStopped() || id >= wanted) return leave();
      send(choose(), clock(), afterResponse);
    };
    const afterResponse = () => {
      const think = thinkMax > 0 ? thinkMin + rng.next() * (thinkMax - thinkMin) : 0;
      if (think > 0 && !isStopped()) void nap(think).then(step);
      else step();
    };
    step();
  };

  // Target users at time t: the stage's users, reached at spawn_rate from the current count.
  const stageUsers = (t: number): number => {
    let start = load.warmupMs;
    if (t < start) return load.stages[0]!.users;
    for (const s of load.stages) {
      if (t < start + s.durationMs) return s.users;
      start += s.durationMs;
    }
    return load.stages[load.stages.length - 1]!.users;
  };

  const generated = (async () => {
    let last = clock();
    let budget = 0;
    while (!isStopped()) {
      const now = clock();
      budget += ((now - last) / 1000) * load.spawnRate;
      last = now;
      const target = stageUsers(now);
      if (target < wanted) {
        wanted = target; // users with higher ids leave after their current request
        budget = 0;
      }
      while (wanted < target && (budget >= 1 || wanted === 0)) {
        budget = Math.max(0, budget - 1);
        wanted++;
      }
      budget = Math.min(budget, 1);
      for (let id = 0; id < wanted; id++) if (!alive[id]) startUser(id);
      setUsers(wanted);
      await nap(Math.max(10, Math.min(100, 1000 / load.spawnRate)));
    }
  })();
  const drained = generated.then(() =>
    running === 0 ? undefined : new Promise<void>((resolve) => (onIdle = resolve)),
  );
  return { generated, drained, leftover: () => [] };
}
