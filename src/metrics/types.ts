import type { StopCause } from '../engine/index.ts';
import type { TargetFigures } from '../target/index.ts';
import type { TokenFigures } from '../scenario/index.ts';
import type { LatencySummary } from './histogram.ts';

export type { TargetFigures };

export interface FailureGroup {
  request: string;
  method: string;
  reason: string;
  count: number;
  /** A few response bodies (or error texts), truncated. */
  samples: string[];
}

export interface RequestStats {
  method: string;
  path: string;
  count: number;
  failure_count: number;
  /** Achieved: requests over the time they took to complete, drain included. */
  rps: number;
  /** Offered: requests over the measured duration (the arrival rate in the open model). */
  offered_rps: number;
  error_rate: number;
  /** Coordinated-omission corrected: from the scheduled send time to the end of the response. */
  latency_ms: LatencySummary;
  /** From the actual send to the end of the response. */
  service_ms: LatencySummary;
  avg_content_bytes: number;
  status_codes: Record<string, number>;
  failures: FailureGroup[];
  histogram: string;
  service_histogram: string;
  /** Streamed answers' tokens, when the request streams. */
  tokens?: TokenStats;
}

/** Streamed answers' token figures (vLLM's serving benchmark definitions): times in ms. */
export interface TokenStats {
  /** Good streamed answers measured. */
  answers: number;
  output_tokens: number;
  /** Output tokens over the achieved time (as rps). */
  output_tokens_per_s: number;
  /** Time to first token, from the scheduled time (open model: coordinated omission corrected). */
  ttft_ms: LatencySummary;
  /** Time per output token after the first, per answer of two tokens or more. */
  tpot_ms: LatencySummary;
  /** Every gap between streamed chunks. */
  itl_ms: LatencySummary;
  /** With a `goodput:` section: answers that met every limit, and their rate. */
  good?: number;
  goodput?: number;
  ttft_histogram: string;
  tpot_histogram: string;
  itl_histogram: string;
}

/** One request name's measured outcomes of one second. */
export interface NameSecond {
  rps: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface SeriesPoint {
  /** Seconds since the start of the run (warm-up included). */
  t: number;
  /** Unix time in ms at the end of the second. */
  time: number;
  phase: 'warmup' | 'measure' | 'drain';
  rps: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  in_flight: number;
  users: number;
  /** Everything since the start of the run up to this second. */
  total: { count: number; failures: number; p50: number; mean: number; min: number; max: number; avg_bytes: number };
  /** Per request name, the measured requests that completed in this second (none in the warm-up). */
  requests?: Record<string, NameSecond>;
  /** Container figures, when a container target is watched. */
  cpu_percent?: number;
  memory_mb?: number;
}

/** What an export endpoint got: samples sent and dropped (after retries), and the last error seen. */
export interface EndpointFigures {
  /** The URL without credentials or query. */
  endpoint: string;
  batches_sent: number;
  samples_sent: number;
  samples_dropped: number;
  retries: number;
  last_error: string | null;
}

/** The run's export, per endpoint kind. */
export interface ExportFigures {
  prometheus?: EndpointFigures & { histograms: 'native' | 'classic' };
  otlp?: EndpointFigures;
}

export interface Environment {
  os: string;
  arch: string;
  cpu_model: string;
  cores: number;
  node: string;
  runner?: string;
  commit?: string;
  /** A hash of os (name), arch, cpu_model and cores: which runs over time are comparable. */
  fingerprint?: string;
}

/** The headline figures of a run, or of one window of it; streamed answers' token figures too, when there are any. */
export interface HeadlineFigures extends TokenFigures {
  count: number;
  failures: number;
  rps: number;
  error_rate: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  mean: number;
}

/**
 * A window of a run (about a tenth of it), or a paired run's block: overall and per request, the units the noise
 * estimates work from.
 */
export interface Window {
  /** Seconds since the start of the measured period (paired runs: of this build's measured time). */
  start_s: number;
  seconds: number;
  overall: HeadlineFigures;
  requests: Record<string, HeadlineFigures>;
}

/** One block pair of a paired run: the same slice of the load on both builds. */
export interface PairedBlock {
  index: number;
  /** Which build ran the block first. */
  first: 'candidate' | 'reference';
  candidate: Window;
  reference: Window;
}

export type { StopCause };

/** One probe of a capacity search: a fixed load held until its verdict was sure (or its time was up). */
export interface CapacityProbe {
  /** The load offered: req/s (open model) or users (closed). */
  load: number;
  /** Requests per second completed in the measured time. */
  achieved_rps: number;
  count: number;
  seconds: number;
  p50: number;
  p95: number;
  p99: number;
  error_rate: number;
  verdict: 'pass' | 'fail';
  /**
   * A second probe at a load whose first the time decided, pooled with it (the load's verdict is this one's, from
   * both).
   */
  repeat?: boolean;
  /**
   * 'confident': the batch-means test was sure early; 'time': the probe's time was up and the observed shares decided.
   */
  decided: 'confident' | 'time';
  /**
   * The observed share over the SLO's limits divided by the share allowed, the largest (pooled with the first probe on
   * a repeat); null before any request.
   */
  margin?: number | null;
  status_codes: Record<string, number>;
  /** The most frequent failure reasons, with counts. */
  failures: Array<{ reason: string; count: number }>;
  /** Container CPU (mean) and memory (peak) during the probe, when watched. */
  cpu_percent?: number;
  memory_mb?: number;
}

/** How the first failing probe failed. */
export type FailureMode =
  | { kind: 'crash'; message: string }
  | {
      kind: 'errors';
      error_rate: number;
      statuses: Record<string, number>;
      reasons: Array<{ reason: string; count: number }>;
    }
  | { kind: 'saturation'; offered: number; achieved_rps: number }
  | { kind: 'latency'; percentile: string; value_ms: number; limit_ms: number };

/** The result of a capacity search. */
export interface CapacityFigures {
  unit: 'req/s' | 'users';
  /**
   * The load at which the SLO is just met: between the bracket's ends where their probes' margins
   * cross 1 (log scale); the highest passing load when none failed; null when even the lowest failed.
   */
  value: number | null;
  /** [highest passing, lowest failing]; a side is null when no probe landed there. */
  bracket: [number | null, number | null];
  /**
   * [highest load surely passing, lowest surely failing] at `confidence` (a crash or saturation is sure); null where no
   * probe was.
   */
  interval?: [number | null, number | null];
  /** Why the search ended. */
  ended: 'precision' | 'max' | 'time' | 'floor' | 'target-failed' | 'interrupted';
  /** The SLO the probes held: percentiles in ms, error_rate 0..1. */
  slo: Record<string, number>;
  confidence: number;
  probes: CapacityProbe[];
  failure: FailureMode | null;
  /** Seconds the search took, settling included. */
  seconds: number;
}

/** How one spike of the load was weathered: the time until requests were on time again. */
export interface SpikeRecovery {
  /**
   * The stage that rises, and when it starts: seconds since the start of the run (warm-up included, as the series'
   * `t`).
   */
  stage: number;
  start_s: number;
  /** The load before and at the top of the rise: req/s (open model) or users (closed). */
  from: number;
  to: number;
  /** The p95 bound that recovery is measured against (the scenario's `slo.p95`). */
  bound_ms: number;
  /**
   * From the spike's start until every following second's requests have a p95 within the bound; null: not within the
   * watch.
   */
  recovery_s: number | null;
  /** How long after its start the spike was watched: until the next spike or the end of the schedule. */
  watched_s: number;
  /** The largest share of late requests (over the bound, or failed) in any second of the watch. */
  worst_late_share: number;
}

/** A robust trend (Theil–Sen) of one figure over the measured time, with its confidence interval. */
export interface Trend {
  /** Change per hour, in the figure's unit (ms, MB). */
  per_hour: number;
  /**
   * Sen's interval, widened by the largest rise from one point to the next over the fitted time (one step is no trend).
   */
  low: number;
  high: number;
  /** The figure's median over the run: a relative trend is `per_hour / level`. */
  level: number;
  /** Points the slope was fitted to, and the seconds each summarises. */
  points: number;
  block_s: number;
}

/** The trends of a long run: per-second p95, and the container's memory when watched. */
export interface DriftFigures {
  confidence: number;
  p95: Trend | null;
  memory_mb: Trend | null;
}

/**
 * One second of a shard, encoded so shards merge exactly: every outcome of the second, and per request name the
 * measured ones.
 */
export interface ShardSecond {
  /** Seconds since this shard's start, as the series' `t`. */
  t: number;
  phase: 'warmup' | 'measure' | 'drain';
  in_flight: number;
  users: number;
  count: number;
  errors: number;
  bytes: number;
  /** HDR histogram of the second's latencies (µs, compressed base64). */
  histogram: string;
  names: Array<{ count: number; failures: number; histogram: string }>;
  cpu_percent?: number;
  memory_mb?: number;
}

/** One generator's part of a sharded run: which, when it started, and its seconds for an exact merge. */
export interface ShardFigures {
  index: number;
  count: number;
  /** The agreed start (ISO time), when one was given. */
  start_at: string | null;
  /** How late this shard's load began after `start_at` (ms; 0 without one). */
  late_ms: number;
  seconds: ShardSecond[];
}

/** A merged run's shards: how many, and how far apart their loads began. */
export interface MergedShards {
  count: number;
  /** Latest start minus earliest (ms). */
  start_spread_ms: number;
  late_ms: number[];
}

/** Everything a run measured: what results.json holds, and what the gate judges. */
export interface Results {
  schema_version: 1;
  tool: { name: 'mlload'; version: string };
  scenario: { name: string; file: string; hash: string };
  started_at: string;
  finished_at: string;
  /** Measured seconds (warm-up excluded). */
  duration_s: number;
  warmup_s: number;
  interrupted: boolean;
  /** Why the run ended early, when it did. */
  stop_reason: string | null;
  /**
   * What ended it early: the target failed (crashed, exited), the run was interrupted (a signal), or the generator
   * failed.
   */
  stop_cause?: StopCause | null;
  load: Record<string, unknown>;
  overall: Omit<RequestStats, 'method' | 'path'>;
  requests: Record<string, RequestStats>;
  series: SeriesPoint[];
  /** The measured period cut into about ten windows, or a paired run's blocks. */
  windows: Window[];
  target: TargetFigures;
  environment: Environment;
  /** The capacity search, when the scenario asks for one. */
  capacity?: CapacityFigures;
  /** Each spike of the load and its recovery, when the scenario has spikes and a p95 bound. */
  spikes?: SpikeRecovery[];
  /** Trends over the measured time, when it lasted long enough to fit them (30 s). */
  drift?: DriftFigures;
  /** A shard's run (`--shard i/n`): what `mlload merge` needs. */
  shard?: ShardFigures;
  /** A merge of shards (`mlload merge`). */
  shards?: MergedShards;
  /** Where the figures were exported (Prometheus remote-write), and how much arrived. */
  export?: ExportFigures;
}
