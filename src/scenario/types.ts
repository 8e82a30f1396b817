import type { FieldSpec, Mutation } from './payload.ts';
import type { GenerativeBody, StreamProtocol } from './presets/index.ts';
import type { Rng } from './rng.ts';

/** A payload ready to send. */
export interface Payload {
  data: string;
  contentType: string;
}

/** Produces one payload per request; `invalid` variants break it in a named way. */
export interface BodySource {
  next(rng: Rng): Payload;
}

export interface Expectation {
  /** Human form of the accepted statuses, for failure reasons: "200", "4xx", "200 or 201". */
  statusText: string;
  accepts(status: number): boolean;
  /** Dotted paths that must exist in a JSON response; empty when the body need not be read. */
  jsonFields: string[][];
}

/** A request's body as declared: plain data, so a plan crosses to a load worker and compiles there alike. */
export type BodySpec =
  | { kind: 'fields'; fields: Record<string, FieldSpec> }
  | { kind: 'list'; values: unknown[] }
  | { kind: 'raw'; data: string; contentType: string }
  /** A standard model API's body built from fields: KServe v2 input tensors, TF Serving instances. */
  | {
      kind: 'tensors';
      protocol: string;
      fields: Record<string, FieldSpec>;
      batch: number;
      format?: string;
      model?: string;
    }
  /** An OpenAI-compatible chat or completion request: the prompt drawn per request. */
  | ({ kind: 'generative' } & GenerativeBody)
  | { kind: 'invalid'; of: string; mutations: readonly Mutation[] };

export interface ExpectSpec {
  /** Exact statuses (200) and classes ("2xx"). */
  statuses: Array<number | string>;
  /** Dotted paths, split, that must exist in a JSON response. */
  json: string[][];
}

/** One request as checked by the parser: plain data. `compileRequests` makes its plan. */
export interface RequestSpec {
  name: string;
  method: string;
  path: string;
  weight: number;
  headers: Record<string, string>;
  timeoutMs: number;
  body: BodySpec | null;
  expect: ExpectSpec;
  /** The answer is a stream of tokens, read as this API streams them (absent or null: a whole response). */
  stream?: StreamProtocol | null;
  /** A stream's max_tokens: the most output tokens its answer may count. */
  maxTokens?: number | null;
}

/** A request ready to send: its spec with a live payload source and status check. */
export interface RequestPlan extends Omit<RequestSpec, 'body' | 'expect'> {
  body: BodySource | null;
  expect: Expectation;
}

export interface RateStage {
  durationMs: number;
  /** Rate at the stage's start and end: arrivals ramp linearly between them. */
  fromRate: number;
  toRate: number;
}

export interface UsersStage {
  durationMs: number;
  users: number;
}

/** How the open model spaces its arrivals (engine/arrivals.ts). */
export type Arrival = 'constant' | 'poisson' | 'uniform-count';

export interface OpenLoad {
  model: 'open';
  arrival: Arrival;
  /** Measured stages; the warm-up runs before them at the first stage's starting rate. */
  stages: RateStage[];
  warmupMs: number;
  durationMs: number;
  maxInFlight: number;
  /** Worker threads that share the load (1: the main thread alone). */
  workers: number;
}

export interface ClosedLoad {
  model: 'closed';
  stages: UsersStage[];
  spawnRate: number;
  thinkTimeMs: [number, number];
  warmupMs: number;
  durationMs: number;
  workers: number;
}

export type LoadPlan = OpenLoad | ClosedLoad;

export interface HealthSpec {
  path: string | null;
  timeoutMs: number;
  intervalMs: number;
}

export interface TargetSpec {
  url: string | null;
  /** A grpc:// target's HTTP/2 connections (1 when absent). */
  channels?: number;
  image: string | null;
  port: number;
  network: 'host' | 'publish';
  portEnv: string | null;
  env: Record<string, string>;
  args: string[];
  pull: 'always' | 'missing' | 'never';
  headers: Record<string, string>;
  health: HealthSpec;
}

/** A streamed answer's timing at a percentile: time to first token, time per output token, inter-token latency. */
export type TokenTiming = `${'ttft' | 'tpot' | 'itl'}_${'p50' | 'p90' | 'p95' | 'p99'}`;

/**
 * Streamed answers' figures: timings (ms) at a percentile, output tokens per second, goodput (answers
 * per second that met every `goodput:` limit). As limits: at most, at least, at least; as tolerances:
 * how far each may move the bad way.
 */
export type TokenFigures = Partial<Record<TokenTiming | 'output_tokens_per_s' | 'goodput', number>>;

/** Limits on one set of figures (overall or one request name). Latencies in ms, rates 0..1. */
export interface Limits extends TokenFigures {
  p50?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  p999?: number;
  max?: number;
  mean?: number;
  rps?: number;
  error_rate?: number;
  cold_start?: number;
  first_prediction?: number;
  /** Overall only: the longest a spike may take to recover (ms); needs `p95`, which recovery is measured against. */
  recovery?: number;
  /** Overall only: the steepest trend a soak may show. */
  drift?: DriftLimits;
}

/** Per-request limits that make a streamed answer "good" (vLLM's --goodput): ms. */
export interface GoodputSpec {
  ttft?: number;
  tpot?: number;
  e2e?: number;
}

/** Trends a long run may show: p95 as a fraction of its median per hour, container memory in MB per hour. */
export interface DriftLimits {
  p95?: number;
  memory?: number;
}

/** Tolerances against the baseline as fractions (0.1 = 10%); error_rate in absolute points (0.01). */
export interface Tolerances extends TokenFigures {
  /** How far the capacity may drop (overall only). */
  capacity?: number;
  p50?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  p999?: number;
  mean?: number;
  rps?: number;
  error_rate?: number;
}

/** The limits a capacity probe must hold: percentiles in ms, the error rate 0..1. */
export interface CapacitySlo {
  p50?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  p999?: number;
  error_rate?: number;
}

/** A capacity search: the highest load (req/s open, users closed) at which `slo` holds. */
export interface CapacityPlan {
  slo: CapacitySlo;
  start: number;
  max: number;
  /** Stop when (lowest failing − highest passing) / highest passing is at most this. */
  precision: number;
  maxDurationMs: number;
  confidence: number;
  settleMs: number;
  minProbeMs: number;
  maxProbeMs: number;
  /** A search whose every probe failed fails the run (default); false: it is only reported. */
  required: boolean;
}

/** What regressions are measured against. */
export interface ComparePlan {
  /**
   * 'baseline': the committed file; 'history': the last runs of the default branch; 'image': a reference build run
   * beside the target, in interleaved blocks.
   */
  against: 'baseline' | 'history' | 'image';
  /** 'history': how many of the latest comparable runs make the reference. */
  historyRuns: number;
  /** The reference build: an image to start like the target, or a running service. */
  reference: { image: string | null; url: string | null };
  /** Block pairs the measured duration is cut into (paired mode). */
  blocks: number;
  /** Confidence level of the intervals, default 0.99 paired, 0.95 against a baseline file. */
  confidence: number;
  /** Baseline-file mode: the run-to-run spread assumed before the baseline's own runs are seen. */
  prior: SpreadPriors;
  /**
   * Baseline-file mode: the widest an interval gets either side (0.5: ×/÷1.5); a larger change is never put down to
   * noise.
   */
  maxNoise: number;
}

/**
 * Standard deviation of a whole run's value from run to run (0.1 ≈ 10%), by kind of metric, worth `runs` baseline runs.
 */
export interface SpreadPriors {
  runs: number;
  /** p50, p90, p95, mean */
  latency: number;
  /** p99, p999, max */
  tail: number;
  /** rps */
  throughput: number;
}

export const DEFAULT_PRIOR: Readonly<SpreadPriors> = { runs: 4, latency: 0.15, tail: 0.25, throughput: 0.05 };
export const DEFAULT_MAX_NOISE = 0.5;

export interface Scenario {
  name: string;
  file: string;
  /** sha256 of the load and requests sections: a baseline from another scenario is told apart. */
  hash: string;
  seed: number;
  target: TargetSpec;
  load: LoadPlan;
  /** The requests as data: the engine compiles their payload sources wherever it runs. */
  requests: RequestSpec[];
  slo: { overall: Limits; requests: Record<string, Limits> };
  regression: { overall: Tolerances; requests: Record<string, Tolerances> };
  compare: ComparePlan;
  /** Null when the scenario asks for no capacity search. */
  capacity: CapacityPlan | null;
  /** What makes a streamed answer good, for goodput; null when the scenario sets none. */
  goodput: GoodputSpec | null;
  /** Where the figures go besides the report: null when the scenario names no export (a flag may still). */
  export: ExportSpec | null;
}

/** The scenario's `export:` section: what to send and how; endpoints' credentials come from the environment only. */
export interface ExportSpec {
  prometheus?: { url?: string; histograms?: 'native' | 'classic' };
  otlp?: { url?: string };
}

/**
 * Default confidence of the intervals, by what the run is compared against: paired runs have many
 * block pairs and afford 99%; a baseline file's t quantile has few degrees of freedom, and at 99%
 * would decide almost nothing. The measurements behind both: BENCHMARKS.md, "Why these confidences".
 */
/** The error-rate limit when the scenario sets none (`slo.error_rate`): a run that mostly fails never passes. */
export const DEFAULT_ERROR_RATE = 0.01;

export const DEFAULT_CONFIDENCE: Readonly<Record<'baseline' | 'history' | 'image', number>> = {
  baseline: 0.95,
  history: 0.95,
  image: 0.99,
};
