import type { StopCause } from '../engine/index.ts';
import type { TargetFigures } from '../target/index.ts';
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
  /** Container figures, when a container target is watched. */
  cpu_percent?: number;
  memory_mb?: number;
}


export interface Environment {
  os: string;
  arch: string;
  cpu_model: string;
  cores: number;
  node: string;
  runner?: string;
  commit?: string;
}

/** The headline figures of a run, or of one window of it. */
export interface HeadlineFigures {
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

/** A window of a run (about a tenth of it), or a paired run's block: overall and per request, the units the noise estimates work from. */
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
  /** What ended it early: the target failed (crashed, exited), the run was interrupted (a signal), or the generator failed. */
  stop_cause?: StopCause | null;
  load: Record<string, unknown>;
  overall: Omit<RequestStats, 'method' | 'path'>;
  requests: Record<string, RequestStats>;
  series: SeriesPoint[];
  /** The measured period cut into about ten windows, or a paired run's blocks. */
  windows: Window[];
  target: TargetFigures;
  environment: Environment;
}
