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

export interface RequestPlan {
  name: string;
  method: string;
  path: string;
  weight: number;
  headers: Record<string, string>;
  timeoutMs: number;
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

export interface OpenLoad {
  model: 'open';
  arrival: 'constant' | 'poisson';
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

/** Limits on one set of figures (overall or one request name). Latencies in ms, rates 0..1. */
export interface Limits {
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
}

/** Tolerances against the baseline as fractions (0.1 = 10%); error_rate in absolute points (0.01). */
export interface Tolerances {
  p50?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  p999?: number;
  mean?: number;
  rps?: number;
  error_rate?: number;
}

/** What regressions are measured against. */
export interface ComparePlan {
  /** 'baseline': the committed file; 'image': a reference build run beside the target, in interleaved blocks. */
  against: 'baseline' | 'image';
  /** The reference build: an image to start like the target, or a running service. */
  reference: { image: string | null; url: string | null };
  /** Block pairs the measured duration is cut into (paired mode). */
  blocks: number;
  /** Confidence level of the intervals, default 0.99 paired, 0.95 against a baseline file. */
  confidence: number;
  /** Baseline-file mode: the run-to-run spread assumed before the baseline's own runs are seen. */
  prior: SpreadPriors;
  /** Baseline-file mode: the widest an interval gets either side (0.5: ×/÷1.5); a larger change is never put down to noise. */
  maxNoise: number;
}

/** Standard deviation of a whole run's value from run to run (0.1 ≈ 10%), by kind of metric, worth `runs` baseline runs. */
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
  requests: RequestPlan[];
  slo: { overall: Limits; requests: Record<string, Limits> };
  regression: { overall: Tolerances; requests: Record<string, Tolerances> };
  compare: ComparePlan;
}

/**
 * Default confidence of the intervals, by what the run is compared against. Paired: at 95% each
 * tolerance-checked percentile fails an unchanged build about 1 run in 40, p95 and p99 together
 * about 1 in 20 (measured: 1 false p95 failure in 20 CPU-hog A/B runs); 99% makes that about 1 in
 * 100 and still caught a 15% slowdown in 20 of 20 runs. Baseline file: its t quantile has only R−1
 * df (2 with the default 3 runs), already ×4.3 at 95% (0 false failures in 20); at 99% it is ×9.9
 * and not even a 30% slowdown of a steady local server is decided.
 */
export const DEFAULT_CONFIDENCE: Readonly<Record<'baseline' | 'image', number>> = { baseline: 0.95, image: 0.99 };
