import type { Environment, TargetFigures } from '../metrics/types.ts';
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
  per_run?: Array<{ rps: number; error_rate: number; p50: number; p95: number; p99: number }>;
}

export type Metric = 'p50' | 'p90' | 'p95' | 'p99' | 'p999' | 'max' | 'mean' | 'rps' | 'error_rate' | 'cold_start' | 'first_prediction';

export type CheckStatus = 'pass' | 'fail' | 'improved' | 'info';

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
}

export type VerdictStatus = 'pass' | 'fail' | 'no-baseline';

export interface Verdict {
  status: VerdictStatus;
  checks: Check[];
  /** Why there is no usable baseline, or what differs about it. */
  notices: string[];
  /** One line: what failed, or that all held. */
  headline: string;
}
