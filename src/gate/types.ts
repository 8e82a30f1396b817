import type { HeadlineFigures } from '../metrics/index.ts';
import type { TokenTiming } from '../scenario/index.ts';

export type Metric =
  | 'count'
  | 'capacity'
  | 'p50'
  | 'p90'
  | 'p95'
  | 'p99'
  | 'p999'
  | 'max'
  | 'mean'
  | 'rps'
  | 'error_rate'
  | 'cold_start'
  | 'first_prediction'
  /** The slowest spike's recovery. */
  | 'recovery'
  /** The trend of the per-second p95, relative to its median. */
  | 'p95_drift'
  /** The trend of the container's memory. */
  | 'memory_drift'
  /** Streamed answers: time to first token, time per output token, inter-token latency, at a percentile. */
  | TokenTiming
  | 'output_tokens_per_s'
  /** Requests per second that met every goodput limit. */
  | 'goodput';

/** A fraction is 0..1 (an error rate); a regression's change is relative, or in points for the error rate. */
export type Unit = 'ms' | 's' | 'req/s' | 'tokens/s' | 'fraction' | 'fraction/h' | 'MB/h' | 'requests' | 'users';

export type CheckStatus = 'pass' | 'fail' | 'inconclusive' | 'improved' | 'info';

/**
 * One row of the verdict: a measured value held against a limit, in numbers only (the words are
 * made in report/). An SLO's threshold is in the value's unit (ms, req/s, a fraction); a
 * regression's is on the change (relative for latency and throughput, points for the error rate).
 */
export interface Check {
  /** 'overall' or a request name. */
  scope: string;
  kind: 'slo' | 'regression';
  metric: Metric;
  value: number;
  /** The unit of `value` and `baseline` (and of an SLO's threshold). */
  unit: Unit;
  baseline: number | null;
  /** Relative change for latency and rps (0.1 = +10%); absolute points for error_rate. */
  change: number | null;
  /** The limit; null for a regression row shown without a tolerance. */
  threshold: number | null;
  /** 'max': passes at or below the threshold; 'min': at or above (throughput; a regression's tolerated drop). */
  bound: 'max' | 'min';
  status: CheckStatus;
  /**
   * Interval of the change at the comparison's confidence, in the units of `change` (an SLO on a trend: of `value`);
   * null when the noise is unknown.
   */
  interval?: { low: number; high: number } | null;
  /**
   * An inconclusive check: how many times as long a run would likely decide it (null: only more
   * baseline runs would), this run's measured seconds, and why: its estimate is beyond the limit
   * but its interval is not ('beyond'), or its interval is too wide to tell anything ('wide': wider
   * than `MAX_INTERVAL_WIDTH` × the limit).
   */
  undecided?: { longer: number | null; seconds: number; why?: 'beyond' | 'wide' };
}

/** Something the reader should know about the comparison; worded in report/. */
export type Notice =
  | { kind: 'scenario-changed'; baseline_hash: string; run_hash: string }
  | { kind: 'no-baseline'; file: string | null }
  | { kind: 'prior-spread'; runs: number }
  | { kind: 'no-windows' }
  | { kind: 'other-machine'; baseline: { cores: number; cpu_model: string }; run: { cores: number; cpu_model: string } }
  | { kind: 'stopped-early'; reason: string | null }
  | { kind: 'few-blocks'; pairs: number }
  /**
   * `compare.against: history`, but the history has too few comparable runs: the baseline file (or nothing) was used.
   */
  | { kind: 'short-history'; runs: number; needed: number; fallback: string | null };

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
  against: 'baseline' | 'history' | 'image';
  /** The baseline file, the history, or the reference build's image or URL. */
  reference: string;
  confidence: number;
  /** The reference's figures, for the report: A beside B in paired runs. */
  reference_figures?: Pick<HeadlineFigures, 'count' | 'rps' | 'error_rate' | 'p50' | 'p95' | 'p99'>;
  /** Runs in the baseline file, or taken from the history. */
  baseline_runs?: number;
  blocks?: BlockRatio[];
}

export interface Verdict {
  status: VerdictStatus;
  checks: Check[];
  /** Why there is no usable baseline, or what differs about it. */
  notices: Notice[];
  comparison: Comparison | null;
}
