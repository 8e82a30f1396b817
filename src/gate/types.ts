import type { Environment, Slice, SliceFigures, TargetFigures } from '../metrics/types.ts';
import type { LatencySummary } from '../metrics/histogram.ts';

export interface BaselineFigures {
  count: number;
  failure_count: number;
  rps: number;
  error_rate: number;
  latency_ms: LatencySummary;
  histogram: string;
}

export interface Baseline {
  $schema?: string;
  schema_version: 1;
  scenario: { name: string; hash: string };
  created_at: string;
  runs: number;
  tool_version?: string;
  environment: Environment;
  target?: Partial<TargetFigures>;
  overall: BaselineFigures;
  requests: Record<string, BaselineFigures>;
  /** Each run's own figures and windows: the spread the noise-aware comparison works from. */
  per_run?: BaselineRun[];
}

/** One run of a baseline. Files written before windows were kept hold only the headline figures. */
export interface BaselineRun extends Partial<SliceFigures> {
  rps: number;
  error_rate: number;
  p50: number;
  p95: number;
  p99: number;
  requests?: Record<string, SliceFigures>;
  windows?: Slice[];
}

export type Metric = 'p50' | 'p90' | 'p95' | 'p99' | 'p999' | 'max' | 'mean' | 'rps' | 'error_rate' | 'cold_start' | 'first_prediction';

export type CheckStatus = 'pass' | 'fail' | 'inconclusive' | 'improved' | 'info';

/** One row of the verdict: a measured value held against a limit. */
export interface Check {
  /** 'overall' or a request name. */
  scope: string;
  kind: 'slo' | 'regression';
  metric: Metric;
  value: number;
  baseline: number | null;
  /** Relative change for latency and rps (0.1 = +10%); absolute points for error_rate. */
  change: number | null;
  /** Human form of the limit: "≤ 300 ms", "≤ +10%", "≥ 50 req/s". */
  limit: string;
  status: CheckStatus;
  /** Interval of the change at the comparison's confidence, in the units of `change`; null when the noise is unknown. */
  interval?: { low: number; high: number } | null;
  /** Why the check could not be decided, and what would decide it. */
  note?: string;
}

export type VerdictStatus = 'pass' | 'fail' | 'inconclusive' | 'no-baseline';

/** B/A of one block pair of a paired run. */
export interface BlockRatio {
  index: number;
  first: 'candidate' | 'reference';
  p50: number;
  p95: number;
  p99: number;
  /** Candidate minus reference, in points (0.01 = 1 point). */
  error_rate: number;
}

/** What the regressions were measured against. */
export interface Comparison {
  against: 'baseline' | 'image';
  /** The baseline file, or the reference build's image or URL. */
  reference: string;
  confidence: number;
  /** The reference's figures, for the report: A beside B in paired runs. */
  reference_figures?: { count: number; rps: number; error_rate: number; p50: number; p95: number; p99: number };
  /** Runs in the baseline file. */
  baseline_runs?: number;
  blocks?: BlockRatio[];
}

export interface Verdict {
  status: VerdictStatus;
  checks: Check[];
  /** Why there is no usable baseline, or what differs about it. */
  notices: string[];
  /** One line: what failed, or that all held. */
  headline: string;
  comparison: Comparison | null;
}
