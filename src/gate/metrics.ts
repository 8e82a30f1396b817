import type { TokenStats } from '../metrics/index.ts';
import type { BaselineFigures } from '../store/index.ts';
import type { Metric, Unit } from './types.ts';

/** The figures a metric is read from: a run's, a baseline's or a window's, overall or of one request. */
export type Figures = Pick<BaselineFigures, 'rps' | 'error_rate' | 'latency_ms' | 'tokens'>;

/** What the gate knows of a metric: its unit, which way is better, how a change is measured, where its value is. */
export interface MetricInfo {
  unit: Unit;
  /** 'higher': throughput-like, a drop is the regression. */
  better: 'lower' | 'higher';
  /** 'log': changes are ratios (latency, throughput); 'linear': differences in points (error rate). */
  scale: 'log' | 'linear';
  /** Streamed answers' figures: a limit on them is an SLO of streams. */
  token?: boolean;
  /** The value in a run's figures; absent for metrics judged from elsewhere (capacity, recovery, drift, …). */
  of?: (f: Figures) => number;
}

const latency = (k: keyof BaselineFigures['latency_ms']): MetricInfo => ({
  unit: 'ms',
  better: 'lower',
  scale: 'log',
  of: (f) => f.latency_ms[k],
});
const tokenTiming = (timing: 'ttft' | 'tpot' | 'itl', p: 'p50' | 'p90' | 'p95' | 'p99'): MetricInfo => ({
  unit: 'ms',
  better: 'lower',
  scale: 'log',
  token: true,
  of: (f) => (f.tokens ? f.tokens[`${timing}_ms`][p] : Number.NaN),
});
const tokens = (of: (t: TokenStats) => number | undefined, unit: Unit): MetricInfo => ({
  unit,
  better: 'higher',
  scale: 'log',
  token: true,
  of: (f) => (f.tokens ? (of(f.tokens) ?? Number.NaN) : Number.NaN),
});
const other = (unit: Unit, better: 'lower' | 'higher' = 'lower'): MetricInfo => ({ unit, better, scale: 'log' });

/** Every metric: adding one means a row here (the compiler insists), one in report/ for its words, and the schema. */
export const METRICS: Record<Metric, MetricInfo> = {
  count: other('requests'),
  capacity: other('req/s', 'higher'),
  p50: latency('p50'),
  p90: latency('p90'),
  p95: latency('p95'),
  p99: latency('p99'),
  p999: latency('p999'),
  max: latency('max'),
  mean: latency('mean'),
  rps: { unit: 'req/s', better: 'higher', scale: 'log', of: (f) => f.rps },
  error_rate: { unit: 'fraction', better: 'lower', scale: 'linear', of: (f) => f.error_rate },
  cold_start: other('ms'),
  first_prediction: other('ms'),
  recovery: other('s'),
  p95_drift: other('fraction/h'),
  memory_drift: other('MB/h'),
  ttft_p50: tokenTiming('ttft', 'p50'),
  ttft_p90: tokenTiming('ttft', 'p90'),
  ttft_p95: tokenTiming('ttft', 'p95'),
  ttft_p99: tokenTiming('ttft', 'p99'),
  tpot_p50: tokenTiming('tpot', 'p50'),
  tpot_p90: tokenTiming('tpot', 'p90'),
  tpot_p95: tokenTiming('tpot', 'p95'),
  tpot_p99: tokenTiming('tpot', 'p99'),
  itl_p50: tokenTiming('itl', 'p50'),
  itl_p90: tokenTiming('itl', 'p90'),
  itl_p95: tokenTiming('itl', 'p95'),
  itl_p99: tokenTiming('itl', 'p99'),
  output_tokens_per_s: tokens((t) => t.output_tokens_per_s, 'tokens/s'),
  goodput: tokens((t) => t.goodput, 'req/s'),
};

/** A metric's value in a run's figures (NaN where it was not measured). */
export const figureOf = (f: Figures, m: Metric): number => METRICS[m].of?.(f) ?? Number.NaN;
export const unitOf = (m: Metric): Unit => METRICS[m].unit;
export const higherIsBetter = (m: Metric): boolean => METRICS[m].better === 'higher';
export const isTokenMetric = (m: Metric): boolean => METRICS[m].token === true;
export const scaleOf = (m: Metric): 'log' | 'linear' => METRICS[m].scale;
