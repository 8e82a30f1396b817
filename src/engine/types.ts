import type { TokenTiming } from './sse.ts';

/** One finished request, as the engine saw it. Times in ms since the start of the run. */
export interface Outcome {
  /** When the request was due: the arrival time in the open model, the send time in the closed one. */
  scheduled: number;
  sent: number;
  done: number;
  /** HTTP status, or 0 when no response came. */
  status: number;
  bytes: number;
  /** Null when the response met its expectation. */
  failure: string | null;
  /** Response body or error text kept for failures. */
  sample?: string;
  /** A streamed answer's tokens, when the request streams and the answer was good. */
  tokens?: TokenTiming;
}

export type Phase = 'warmup' | 'measure' | 'drain';

/** A prediction came back: what "first prediction" of a cold start waits for. */
export function isPrediction(o: Outcome): boolean {
  return o.failure === null && o.status >= 200 && o.status < 300;
}

/** Where outcomes go; the engine knows nothing about how they are summarised. */
export interface OutcomeSink {
  record(requestIndex: number, outcome: Outcome): void;
  /** Called once a second, and once at the end, with the generator's state. */
  second(nowMs: number, state: { inFlight: number; users: number; phase: Phase }): void;
}

export interface RequestIdentity {
  name: string;
  method: string;
  path: string;
}

/** What ended a run before its planned end. */
export type StopCause = 'interrupted' | 'target-failed' | 'engine-error';

export interface Stop {
  cause: StopCause;
  /** In words, for people: "interrupted by SIGTERM", "the target failed: …". */
  reason: string;
}

/** An abort reason that says why the run is stopped; any other reason counts as an interruption. */
export class StopRequest extends Error {
  readonly stopCause: StopCause;
  constructor(cause: StopCause, message: string) {
    super(message);
    this.stopCause = cause;
  }
}

export interface EngineResult {
  /** Wall time from the first scheduled request to the end of the drain, ms. */
  elapsedMs: number;
  /** Measured time: the scenario's duration, or less when the run was stopped early. */
  measuredMs: number;
  /** Why the run ended early; null when it ran to its end. */
  stop: Stop | null;
  startedAt: Date;
  finishedAt: Date;
}
