import { studentTQuantile } from '../shared/quantiles.ts';

/**
 * How sure a change is: intervals for the difference between the candidate and its reference.
 * Latencies and throughput are compared as ratios (on the log scale, where runner slowness multiplies),
 * error rates as differences in points.
 */
export type Scale = 'log' | 'linear';

export interface Estimate {
  /** Relative change on the log scale (0.1 = +10%), absolute difference on the linear one. */
  change: number;
  low: number;
  high: number;
  /** Degrees of freedom of the t quantile used. */
  df: number;
  /**
   * How many times longer the run would have to be for the interval to leave out "no change",
   * or null when more of the same run would not settle it (the baseline's run-to-run spread dominates).
   */
  longer: number | null;
}

/** One run of the baseline: its value, and the values of its windows. */
export interface RunSample {
  value: number;
  windows: number[];
}

/** Counts behind an error rate, for the binomial floor on its noise. */
export interface Counts {
  count: number;
  failures: number;
}

const transform = (scale: Scale) => (scale === 'log' ? Math.log : (x: number) => x);
const usable = (scale: Scale) => (x: number) => Number.isFinite(x) && (scale === 'linear' || x > 0);

function variance(xs: number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
}

/** The noise of a run's value seen in its windows: var(window values) / windows, with its degrees of freedom. */
function withinRun(windows: number[], scale: Scale): { v: number; df: number } | null {
  const f = transform(scale);
  const xs = windows.filter(usable(scale)).map(f);
  if (xs.length < 2) return null;
  return { v: variance(xs) / xs.length, df: xs.length - 1 };
}

/** Binomial variance of an error rate, with a +1/+2 prior so zero failures still has some noise. */
function binomial(c: Counts): number {
  const p = (c.failures + 1) / (c.count + 2);
  return (p * (1 - p)) / Math.max(1, c.count);
}

/**
 * Sampling variance of log(quantile q) of a histogram of n requests, distribution-free: half the log
 * spread between the order statistics one binomial sd either side of rank nq. A p99 of 400 requests
 * is the 4th largest; blocks or windows of 40 cannot show how much that moves, this can.
 */
export function quantileLogVariance(
  h: { totalCount: number; getValueAtPercentile(p: number): number },
  q: number,
): number {
  const n = h.totalCount;
  if (n < 2) return 0;
  const sd = Math.sqrt(n * q * (1 - q));
  const low = h.getValueAtPercentile(Math.max(0, (n * q - sd) / n) * 100);
  const high = h.getValueAtPercentile(Math.min(1, (n * q + sd) / n) * 100);
  return low > 0 && high > 0 ? ((Math.log(high) - Math.log(low)) / 2) ** 2 : 0;
}

function finish(
  d: number,
  variance: number,
  df: number,
  shrinking: number,
  scale: Scale,
  confidence: number,
  maxHalfWidth = Number.POSITIVE_INFINITY,
): Estimate {
  const t = studentTQuantile((1 + confidence) / 2, df);
  const h = Math.min(t * Math.sqrt(Math.max(0, variance)), maxHalfWidth);
  const back = scale === 'log' ? (x: number) => Math.exp(x) - 1 : (x: number) => x;
  // A k-times longer run shrinks `shrinking` k-fold; solve for the k at which the interval just leaves out 0.
  const needed = (d / t) ** 2 - (variance - shrinking);
  const longer = d === 0 ? null : needed > 0 && shrinking > 0 ? Math.max(1, shrinking / needed) : null;
  return { change: back(d), low: back(d - h), high: back(d + h), df, longer };
}

/**
 * What is known of the run-to-run spread before a baseline's own runs are seen: the standard deviation
 * of a whole run's value (log scale: 0.1 ≈ 10%), worth `runs` baseline runs of evidence.
 */
export interface SpreadPrior {
  spread: number;
  runs: number;
}

export interface BaselineComparison {
  counts?: { candidate: Counts; baseline: Counts };
  /** Sampling variance of the value itself (a percentile of few requests): the least the variance can be. */
  floor?: number;
  prior?: SpreadPrior;
  /** Widest half-interval on the log scale: a change beyond it is never put down to noise. */
  maxHalfWidth?: number;
}

/**
 * The candidate's run against a baseline file of one or more runs. How much a whole run moves from run
 * to run is known only roughly from 1–3 baseline runs, so it is estimated as a scaled-inverse-χ²
 * posterior: the prior spread counted as `prior.runs` runs, updated by the baseline runs' own spread
 * (R − 1 degrees of freedom); the t quantile gets prior.runs + R − 1 df, so few runs widen the
 * interval without making it unbounded. A whole run moves at least as much as its own windows show.
 */
export function compareToBaseline(
  candidate: RunSample,
  baselineValue: number,
  baselineRuns: RunSample[],
  scale: Scale,
  confidence: number,
  options: BaselineComparison = {},
): Estimate | null {
  if (!usable(scale)(candidate.value) || !usable(scale)(baselineValue)) return null;
  const f = transform(scale);
  const d = f(candidate.value) - f(baselineValue);
  const own = withinRun(candidate.windows, scale);
  const runs = baselineRuns.filter((r) => usable(scale)(r.value));
  const inner = runs.map((r) => withinRun(r.windows, scale)).filter((x) => x !== null);
  const innerMean = inner.length ? inner.reduce((a, x) => a + x.v, 0) / inner.length : 0;

  const prior = options.prior ?? { spread: 0, runs: 0 };
  const dataDf = Math.max(0, runs.length - 1);
  const observed = dataDf > 0 ? variance(runs.map((r) => f(r.value))) : 0;
  const priorDf = Math.max(0, prior.runs);
  const runToRun = priorDf + dataDf > 0 ? (priorDf * prior.spread ** 2 + dataDf * observed) / (priorDf + dataDf) : 0;
  // The new run moves by the run-to-run spread, or by what its own windows show if that is more (the
  // part a longer run shrinks); the baseline's mean of R runs by 1/R of its spread.
  const ownV = own?.v ?? 0;
  let total = Math.max(runToRun, ownV) + Math.max(runToRun, innerMean) / Math.max(1, runs.length);
  const shrinking = ownV;
  let df = priorDf + dataDf > 0 ? priorDf + dataDf : (own?.df ?? 1);
  if (options.floor && options.floor > total) total = options.floor;
  if (scale === 'linear' && options.counts) {
    const floor = binomial(options.counts.candidate) + binomial(options.counts.baseline);
    if (floor > total) {
      // The counts are the noise: a binomial variance, known from thousands of requests.
      total = floor;
      df = 1e6;
    }
  }
  return finish(d, total, df, shrinking, scale, confidence, options.maxHalfWidth);
}

/**
 * Paired blocks: the i-th pair ran the same slice of load on both builds, back to back, so
 * slowness that hits the whole runner hits both. Latency and throughput: the change is the mean of
 * the per-pair log ratios and its noise their spread (paired t), estimate and spread from the same
 * pairs. A pair caught by a passing disturbance (a neighbour starting mid-block) then moves the
 * estimate by 1/n of its ratio and widens the interval by more, so on its own it can leave a check
 * inconclusive but never failed. The whole-run ratio is not used: a whole-run p99 is its few slowest
 * requests, all of which can come from that one pair, and drift across the run weighs its slow
 * stretches more (BENCHMARKS.md, "Why these confidences"). Error rates are counted: the whole-run difference,
 * with a binomial floor under the pairs' spread.
 */
export function comparePaired(
  candidateValue: number,
  referenceValue: number,
  pairs: Array<[candidate: number, reference: number]>,
  scale: Scale,
  confidence: number,
  counts?: { candidate: Counts; reference: Counts },
  floor = 0,
): Estimate | null {
  const ok = usable(scale);
  const f = transform(scale);
  if (!ok(candidateValue) || !ok(referenceValue)) return null;
  const diffs = pairs.filter(([c, r]) => ok(c) && ok(r)).map(([c, r]) => f(c) - f(r));
  if (diffs.length < 2) return null;
  const d = scale === 'log' ? diffs.reduce((a, x) => a + x, 0) / diffs.length : f(candidateValue) - f(referenceValue);
  let v = Math.max(variance(diffs) / diffs.length, floor);
  let df = diffs.length - 1;
  if (scale === 'linear' && counts) {
    const binomialFloor = binomial(counts.candidate) + binomial(counts.reference);
    if (binomialFloor > v) {
      v = binomialFloor;
      df = 1e6;
    }
  }
  return finish(d, v, df, v, scale, confidence);
}
