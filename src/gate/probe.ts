import jStat from 'jstat';
import type { CapacitySlo } from '../scenario/index.ts';

/** What a capacity probe counted of its measured requests. */
export interface ProbeCounts {
  count: number;
  failures: number;
  /** Requests over each latency bound of the SLO (a failed request counts as over every bound). */
  over: Partial<Record<'p50' | 'p90' | 'p95' | 'p99' | 'p999', number>>;
}

/** The share of requests each percentile bound lets through. */
export const QUANTILE = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99, p999: 0.999 } as const;

/** P(X ≤ k) for X ~ Binomial(n, p). */
function cdfAtMost(k: number, n: number, p: number): number {
  if (k >= n) return 1;
  if (k < 0) return 0;
  return jStat.ibeta(1 - p, n - k, k + 1);
}

/** P(X ≥ k) for X ~ Binomial(n, p). */
function tailAtLeast(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  return jStat.ibeta(p, k, n - k + 1);
}

/**
 * A probe's verdict from counts, as MLPerf LoadGen's early stopping decides a latency bound: the
 * share of requests over a bound (or failing) is held against what the SLO allows with a one-sided
 * binomial test at `confidence`. 'fail' as soon as any limit is surely broken, 'pass' once every
 * limit surely holds, null while the counts cannot tell; `final` (the probe's time is up) decides
 * by the observed shares.
 */
export function decideProbe(counts: ProbeCounts, slo: CapacitySlo, confidence: number, final = false): 'pass' | 'fail' | null {
  const alpha = 1 - confidence;
  const n = counts.count;
  if (n === 0) return final ? 'fail' : null;
  const tests: Array<{ k: number; allowed: number }> = [];
  for (const key of Object.keys(QUANTILE) as Array<keyof typeof QUANTILE>) {
    if (slo[key] !== undefined) tests.push({ k: counts.over[key] ?? 0, allowed: 1 - QUANTILE[key] });
  }
  if (slo.error_rate !== undefined) tests.push({ k: counts.failures, allowed: slo.error_rate });
  if (final) return tests.every((t) => t.k / n <= t.allowed) ? 'pass' : 'fail';
  if (tests.some((t) => (t.allowed === 0 ? t.k > 0 : tailAtLeast(t.k, n, t.allowed) <= alpha))) return 'fail';
  if (tests.every((t) => t.allowed > 0 && cdfAtMost(t.k, n, t.allowed) <= alpha)) return 'pass';
  return null;
}
