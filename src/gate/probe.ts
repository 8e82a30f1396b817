import { studentTQuantile } from '../shared/quantiles.ts';
import type { CapacitySlo } from '../scenario/index.ts';

type Bound = 'p50' | 'p90' | 'p95' | 'p99' | 'p999';

/** What a capacity probe counted in one block of its measured time (requests by their scheduled time). */
export interface ProbeBlock {
  count: number;
  failures: number;
  /** Requests over each latency bound of the SLO (a failed request counts as over every bound). */
  over: Partial<Record<Bound, number>>;
  /** Requests over half of each bound (or failed): far more frequent, and clustered as the over ones are. */
  near: Partial<Record<Bound, number>>;
}

/** What a capacity probe counted, block by block (one or more probes at one load, pooled). */
export interface ProbeCounts {
  blocks: ProbeBlock[];
}

/** The share of requests each percentile bound lets through. */
export const QUANTILE = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99, p999: 0.999 } as const;

/** Blocks a sure verdict needs at the least: the spread between blocks is its evidence. */
export const MIN_BLOCKS = 5;

export const emptyBlock = (): ProbeBlock => ({ count: 0, failures: 0, over: {}, near: {} });

/** One limit of the SLO as counts: events per block, their precursors, and the share allowed. */
interface Test {
  events: number[];
  precursors: number[];
  allowed: number;
}

function testsOf(blocks: ProbeBlock[], slo: CapacitySlo): Test[] {
  const tests: Test[] = [];
  for (const key of Object.keys(QUANTILE) as Bound[]) {
    if (slo[key] !== undefined)
      tests.push({
        events: blocks.map((b) => b.over[key] ?? 0),
        precursors: blocks.map((b) => b.near[key] ?? 0),
        allowed: 1 - QUANTILE[key],
      });
  }
  if (slo.error_rate !== undefined)
    tests.push({
      events: blocks.map((b) => b.failures),
      precursors: blocks.map((b) => b.failures),
      allowed: slo.error_rate,
    });
  return tests;
}

/** Variance over mean of per-block counts, at least 1 (Poisson). */
function dispersion(counts: number[]): number {
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  if (!(mean > 0) || counts.length < 2) return 1;
  const variance = counts.reduce((a, c) => a + (c - mean) ** 2, 0) / (counts.length - 1);
  return Math.max(1, variance / mean);
}

/**
 * The share of a probe's requests over a limit, with a standard error that holds for queued
 * requests. Requests in a queue are not independent: one long busy period puts hundreds over the
 * limit together, so a binomial error is far too small (by 10× near saturation). Batch means over
 * the blocks measure the real spread; while over-limit requests are too rare to show it, the
 * binomial error is inflated by the clustering of the requests over half the limit.
 */
function shareOf(t: Test, counts: number[]): { share: number; se: number; df: number } {
  const n = counts.reduce((a, b) => a + b, 0);
  const k = t.events.reduce((a, b) => a + b, 0);
  const share = k / n;
  const b = counts.length;
  const mean = n / b;
  let ss = 0;
  for (let i = 0; i < b; i++) ss += ((t.events[i]! - share * counts[i]!) / mean) ** 2;
  const batch = Math.sqrt(ss / (b * (b - 1)));
  const binomial = Math.sqrt(
    (t.allowed * (1 - t.allowed) * Math.max(dispersion(t.events), dispersion(t.precursors))) / n,
  );
  return { share, se: Math.max(batch, binomial), df: b - 1 };
}

/**
 * A probe's verdict from its blocks: for each limit of the SLO, the share of requests over it
 * (or failing) against the share allowed, at `confidence`, with a t interval from batch means
 * (above). 'fail' as soon as any limit is surely broken, 'pass' once every limit surely holds,
 * null while the blocks cannot tell; `final` (the probe's time is up) decides by the observed
 * shares. The last block is left out until `final`: it is still filling.
 */
export function decideProbe(
  counts: ProbeCounts,
  slo: CapacitySlo,
  confidence: number,
  final = false,
): 'pass' | 'fail' | null {
  const blocks = final ? counts.blocks : counts.blocks.slice(0, -1);
  const sizes = blocks.map((b) => b.count);
  const n = sizes.reduce((a, b) => a + b, 0);
  if (n === 0) return final ? 'fail' : null;
  const tests = testsOf(blocks, slo);
  if (final) return tests.every((t) => t.events.reduce((a, b) => a + b, 0) / n <= t.allowed) ? 'pass' : 'fail';
  if (tests.some((t) => t.allowed === 0 && t.events.some((k) => k > 0))) return 'fail';
  const used = blocks.filter((b) => b.count > 0).length;
  if (used < MIN_BLOCKS) return null;
  const kept = blocks.map((b, i) => ({ b, i })).filter(({ b }) => b.count > 0);
  const verdicts = tests.map((t) => {
    if (t.allowed === 0) return null;
    const only = { ...t, events: kept.map(({ i }) => t.events[i]!), precursors: kept.map(({ i }) => t.precursors[i]!) };
    const { share, se, df } = shareOf(
      only,
      kept.map(({ b }) => b.count),
    );
    const q = studentTQuantile(confidence, df);
    if (share - q * se > t.allowed) return 'fail';
    if (share + q * se < t.allowed) return 'pass';
    return null;
  });
  if (verdicts.includes('fail')) return 'fail';
  return verdicts.every((v) => v === 'pass') ? 'pass' : null;
}

/** For each limit, the observed share over it divided by the share allowed (1: on the limit); the largest. */
export function probeMargin(counts: ProbeCounts, slo: CapacitySlo): number {
  const n = counts.blocks.reduce((a, b) => a + b.count, 0);
  if (n === 0) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (const t of testsOf(counts.blocks, slo)) {
    const k = t.events.reduce((a, b) => a + b, 0);
    // None seen: half a request's share, so the ratio stays finite and small.
    const share = Math.max(k, 0.5) / n;
    worst = Math.max(worst, t.allowed > 0 ? share / t.allowed : k > 0 ? Number.POSITIVE_INFINITY : 0);
  }
  return worst;
}

/**
 * The load at which the SLO is just met, between a passing load `lo` and a failing one `hi`:
 * the margins (above) interpolated on a log scale, which a queue's tail follows closely near
 * saturation. Within [lo, hi] whatever the margins say.
 */
export function interpolateCapacity(
  lo: { load: number; margin: number },
  hi: { load: number; margin: number },
): number {
  const a = Math.log(Math.max(lo.margin, 1e-9));
  const b = Math.log(Math.min(Math.max(hi.margin, 1e-9), 1e9));
  if (!(b > a) || a > 0 || b < 0) return lo.load;
  return lo.load + ((hi.load - lo.load) * (0 - a)) / (b - a);
}
