import type { CapacityFigures, PairedBlock, Results, HeadlineFigures, Trend } from '../metrics/index.ts';
import type { Limits, Scenario, SpreadPriors, Tolerances } from '../scenario/index.ts';
import { decodeHistogram, histogramOf, slowestRecovery } from '../metrics/index.ts';
import { figureOf, higherIsBetter, isTokenMetric, scaleOf, unitOf, type Figures } from './metrics.ts';
import { QUANTILE } from './probe.ts';
import { compareToBaseline, comparePaired, quantileLogVariance, type Counts, type Estimate } from './noise.ts';
import type { Baseline, BaselineRun } from '../store/index.ts';
import type { BlockRatio, Check, Comparison, Metric, Notice, Verdict } from './types.ts';
import { own } from '../shared/own.ts';

const LATENCY: ReadonlyArray<'p50' | 'p90' | 'p95' | 'p99' | 'p999' | 'max' | 'mean'> = [
  'p50',
  'p90',
  'p95',
  'p99',
  'p999',
  'max',
  'mean',
];
/** Shown in the diff table even when no tolerance is set for them. */
const SHOWN: readonly Metric[] = ['p50', 'p95', 'p99', 'rps', 'error_rate'];

/** Shown for streamed answers even when no tolerance is set for them. */
const SHOWN_TOKENS: readonly Metric[] = ['ttft_p95', 'tpot_p95', 'itl_p99', 'output_tokens_per_s'];

/** An SLO row; a value that was not measured (NaN) fails. */
function slo(scope: string, metric: Metric, value: number, threshold: number, bound: 'max' | 'min'): Check {
  const holds = bound === 'max' ? value <= threshold : value >= threshold;
  return {
    scope,
    kind: 'slo',
    metric,
    value,
    unit: unitOf(metric),
    baseline: null,
    change: null,
    threshold,
    bound,
    status: holds ? 'pass' : 'fail',
  };
}

/** Absolute limits: latency and error rate may not rise above, throughput may not fall below. */
function sloChecks(scope: string, f: Figures, limits: Limits): Check[] {
  const out: Check[] = [];
  for (const m of LATENCY) {
    const limit = limits[m];
    if (limit === undefined) continue;
    const value = figureOf(f, m);
    out.push(slo(scope, m, value, limit, 'max'));
  }
  if (limits.rps !== undefined) out.push(slo(scope, 'rps', f.rps, limits.rps, 'min'));
  if (limits.error_rate !== undefined) out.push(slo(scope, 'error_rate', f.error_rate, limits.error_rate, 'max'));
  // Token limits: an answer stream not measured (NaN) fails.
  for (const [key, limit] of Object.entries(limits) as Array<[Metric, number]>) {
    if (typeof limit === 'number' && isTokenMetric(key))
      out.push(slo(scope, key, figureOf(f, key), limit, higherIsBetter(key) ? 'min' : 'max'));
  }
  return out;
}

/** The change of one metric of one scope, with its interval when the noise is known. */
type Estimator = (scope: string, metric: Metric) => Estimate | null;

/** Tolerances against the reference, direction-aware and noise-aware; improvements are shown, never failed. */
function regressionChecks(
  scope: string,
  run: Figures,
  base: Figures,
  tolerances: Tolerances,
  estimate: Estimator,
  seconds: number,
): Check[] {
  const shown = run.tokens && base.tokens ? [...SHOWN, ...SHOWN_TOKENS] : SHOWN;
  const metrics = [...new Set<Metric>([...shown, ...(Object.keys(tolerances) as Metric[])])].filter(
    (m) => m !== 'capacity',
  );
  return metrics.map((m) =>
    regressionCheck(
      scope,
      m,
      figureOf(run, m),
      figureOf(base, m),
      tolerances[m as keyof Tolerances],
      estimate(scope, m),
      seconds,
    ),
  );
}

/** One tolerance held against a change and its interval: fail only when the whole interval is beyond it. */
function regressionCheck(
  scope: string,
  m: Metric,
  value: number,
  baseline: number,
  tolerance: number | undefined,
  e: Estimate | null,
  seconds: number,
): Check {
  const linear = m === 'error_rate';
  const change = e ? e.change : linear ? value - baseline : baseline > 0 ? (value - baseline) / baseline : 0;
  // Latency and errors get worse when they grow, throughput and capacity when they drop.
  const lower = higherIsBetter(m);
  const sign = lower ? -1 : 1;
  const worse = sign * change;
  const bounds = e ? [sign * e.low, sign * e.high] : [worse, worse];
  const worseLow = Math.min(...bounds);
  const worseHigh = Math.max(...bounds);
  const better = worseHigh < 0 || (!e && worse < 0);
  let status: Check['status'];
  let undecided: Check['undecided'];
  if (tolerance === undefined) status = better ? 'improved' : 'info';
  else if (worse > tolerance + 1e-12) {
    if (worseLow > 0) status = 'fail';
    else {
      status = 'inconclusive';
      undecided = { longer: e?.longer ?? null, seconds };
    }
  } else status = better ? 'improved' : 'pass';
  // Throughput's and capacity's tolerance is a drop: the change may go no lower than minus it.
  const threshold = tolerance === undefined ? null : lower ? -tolerance : tolerance;
  const check: Check = {
    scope,
    kind: 'regression',
    metric: m,
    value,
    unit: unitOf(m),
    baseline,
    change,
    threshold,
    bound: lower ? 'min' : 'max',
    status,
    interval: e ? { low: e.low, high: e.high } : null,
  };
  if (undecided) check.undecided = { ...undecided, why: 'beyond' };
  return tolerance === undefined ? check : unlessUninformed(check, tolerance, seconds, 'level');
}

/**
 * A check whose interval is wider than this many times its limit passes on no information (a
 * 40 s soak's p95 drift interval can span ±20,000%/h against a 10%/h limit): it is inconclusive.
 */
export const MAX_INTERVAL_WIDTH = 4;

/**
 * A passing check whose interval is too wide to know anything (and reaches past the limit), made inconclusive, with how
 * much
 * longer a run would narrow it enough: intervals of a level shrink as 1/√T, of a slope as T^-3/2.
 */
function unlessUninformed(check: Check, limit: number, seconds: number, shrink: 'level' | 'slope'): Check {
  if (check.status !== 'pass' || !check.interval || !(limit > 0) || check.threshold === null) return check;
  // An interval wholly on the passing side knows enough, however wide.
  const reachesOver =
    check.bound === 'max' ? check.interval.high > check.threshold : check.interval.low < check.threshold;
  const width = check.interval.high - check.interval.low;
  const allowed = MAX_INTERVAL_WIDTH * limit;
  if (!reachesOver || !(width > allowed)) return check;
  const longer = (width / allowed) ** (shrink === 'level' ? 2 : 2 / 3);
  return { ...check, status: 'inconclusive', undecided: { longer, seconds, why: 'wide' } };
}

/** Values of one metric in a window (or a block); NaN when the window does not have it. */
function windowValue(f: Partial<HeadlineFigures> | undefined, m: Metric): number {
  const v = f?.[m as keyof HeadlineFigures];
  return typeof v === 'number' ? v : Number.NaN;
}

/** One scope of anything split into overall and per request: results, a baseline, a window. */
const scopeOf = <T>(x: { overall: T; requests: Record<string, T> }, scope: string): T | undefined =>
  scope === 'overall' ? x.overall : own(x.requests, scope);
const countsOf = (f: { count: number; failure_count: number } | undefined): Counts => ({
  count: f?.count ?? 0,
  failures: f?.failure_count ?? 0,
});

/** The sampling noise of a percentile of two sets of requests: the floor under the interval's variance. */
function quantileFloor(
  m: Metric,
  a: Pick<Figures, 'tokens'> & { histogram: string },
  b: Pick<Figures, 'tokens'> & { histogram: string },
): number {
  const timing = /^(ttft|tpot|itl)_(p50|p90|p95|p99)$/.exec(m);
  const q = QUANTILE[(timing ? timing[2] : m) as keyof typeof QUANTILE];
  if (q === undefined) return 0;
  // A token timing's own histogram: its figures hold it beside the request latency's.
  const histogram = (f: typeof a): string | undefined =>
    timing ? f.tokens?.[`${timing[1] as 'ttft' | 'tpot' | 'itl'}_histogram`] : f.histogram;
  const variance = (f: typeof a): number => {
    const h = histogram(f);
    if (!h) return 0;
    try {
      return quantileLogVariance(timing ? decodeHistogram(h) : histogramOf(f), q);
    } catch {
      return 0;
    }
  };
  return variance(a) + variance(b);
}

/** The prior run-to-run spread of a metric (error rates: none, their counts carry their noise). */
const isTail = (m: Metric) => m === 'p99' || m === 'p999' || m === 'max' || m.endsWith('_p99');

/**
 * Runs of a history enough to know its spread on their own: with 9 degrees of freedom the t quantile
 * is within 10% of the normal one, so the prior, which stands in for runs a baseline file lacks, has
 * nothing left to add (BENCHMARKS.md, "The history as the reference").
 */
export const SELF_SPREAD_RUNS = 10;

/** The priors a comparison uses: none against a history of SELF_SPREAD_RUNS comparable runs or more. */
function priorsFor(priors: SpreadPriors, origin: BaselineOrigin, runs: number): SpreadPriors {
  return origin.from === 'history' && runs >= SELF_SPREAD_RUNS ? { ...priors, runs: 0 } : priors;
}

function priorOf(m: Metric, priors: SpreadPriors): { spread: number; runs: number } {
  const spread =
    m === 'rps' || m === 'output_tokens_per_s'
      ? priors.throughput
      : m === 'error_rate'
        ? 0
        : isTail(m)
          ? priors.tail
          : priors.latency;
  return { spread, runs: priors.runs };
}

/**
 * The widest interval a baseline-file comparison may give (log scale): max_noise either side, so a
 * 2× change at p50/p90/p95/mean or in throughput is never put down to noise. The tail (a handful of
 * requests: a p99 of 400 is its 4th largest) gets twice that (BENCHMARKS.md, "Small baselines").
 */
function capOf(m: Metric, maxNoise: number): number | undefined {
  if (scaleOf(m) !== 'log') return undefined;
  return (isTail(m) ? 2 : 1) * Math.log(1 + maxNoise);
}

function baselineEstimator(
  results: Results,
  baseline: Baseline,
  confidence: number,
  priors: SpreadPriors,
  maxNoise: number,
): Estimator {
  const runs = baseline.per_run ?? [];
  return (scope, m) => {
    const run = scopeOf(results, scope);
    const base = scopeOf(baseline, scope);
    if (!run || !base) return null;
    const candidate = {
      value: figureOf(run, m),
      windows: (results.windows ?? []).map((w) => windowValue(scopeOf(w, scope), m)),
    };
    const samples = runs
      .map((r) => ({
        value: windowValue(scope === 'overall' ? r : own(r.requests, scope), m),
        windows: (r.windows ?? []).map((w) => windowValue(scopeOf(w, scope), m)),
      }))
      .filter((r) => Number.isFinite(r.value));
    const counts = { candidate: countsOf(run), baseline: countsOf(base) };
    return compareToBaseline(candidate, figureOf(base, m), samples, scaleOf(m), confidence, {
      counts,
      floor: quantileFloor(m, run, base),
      prior: priorOf(m, priors),
      maxHalfWidth: capOf(m, maxNoise),
    });
  };
}

function pairedEstimator(results: Results, reference: Results, blocks: PairedBlock[], confidence: number): Estimator {
  return (scope, m) => {
    const run = scopeOf(results, scope);
    const ref = scopeOf(reference, scope);
    if (!run || !ref) return null;
    const pairs = blocks.map(
      (b) =>
        [windowValue(scopeOf(b.candidate, scope), m), windowValue(scopeOf(b.reference, scope), m)] as [number, number],
    );
    return comparePaired(
      figureOf(run, m),
      figureOf(ref, m),
      pairs,
      scaleOf(m),
      confidence,
      { candidate: countsOf(run), reference: countsOf(ref) },
      quantileFloor(m, run, ref),
    );
  };
}

function blockRatios(blocks: PairedBlock[]): BlockRatio[] {
  const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : Number.NaN);
  return blocks.map((b) => ({
    index: b.index,
    first: b.first,
    p50: ratio(b.candidate.overall.p50, b.reference.overall.p50),
    p95: ratio(b.candidate.overall.p95, b.reference.overall.p95),
    p99: ratio(b.candidate.overall.p99, b.reference.overall.p99),
    error_rate: Math.round((b.candidate.overall.error_rate - b.reference.overall.error_rate) * 1e6) / 1e6,
  }));
}

/** SLO checks of a run: overall, per request, cold start and first prediction. */
function sloChecksOf(results: Results, scenario: Pick<Scenario, 'slo'> & Partial<Pick<Scenario, 'capacity'>>): Check[] {
  const checks: Check[] = [];
  // A run that measured nothing holds no SLO: it fails rather than passing every limit vacuously.
  if (results.overall.count === 0) checks.push(slo('overall', 'count', 0, 1, 'min'));
  checks.push(...sloChecks('overall', results.overall, scenario.slo.overall));
  for (const [name, limits] of Object.entries(scenario.slo.requests)) {
    const f = own(results.requests, name);
    if (f) checks.push(...sloChecks(name, f, limits));
  }
  const coldStart = scenario.slo.overall.cold_start;
  if (coldStart !== undefined) {
    const v = results.target.cold_start_ms;
    checks.push(slo('overall', 'cold_start', v ?? Number.NaN, coldStart, 'max'));
  }
  checks.push(...limitsOfTime(results, scenario.slo.overall));
  const firstPrediction = scenario.slo.overall.first_prediction;
  if (firstPrediction !== undefined) {
    const v = results.target.first_prediction_ms;
    checks.push(slo('overall', 'first_prediction', v ?? Number.NaN, firstPrediction, 'max'));
  }
  // A search in which even the lowest load failed found no capacity at all: that fails, unless the scenario says it
  // may.
  const c = results.capacity;
  if (
    c &&
    c.value === null &&
    (scenario.capacity?.required ?? true) &&
    c.ended !== 'interrupted' &&
    c.ended !== 'target-failed'
  ) {
    checks.push(slo('overall', 'capacity', Number.NaN, c.bracket[1] ?? c.probes[0]?.load ?? 0, 'min'));
  }
  return checks;
}

/**
 * Recovery and drift. The slowest spike's recovery (one never seen to recover fails); a trend fails
 * when its whole interval is above the limit, and is inconclusive when only its estimate is: a short
 * run's interval is wide, and a steady model must not fail on one noisy minute. A trend the run
 * was too short to fit fails, as an unmeasured value does.
 */
function limitsOfTime(results: Results, limits: Limits): Check[] {
  const checks: Check[] = [];
  if (limits.recovery !== undefined) {
    checks.push(
      slo('overall', 'recovery', slowestRecovery(results.spikes ?? []) ?? Number.NaN, limits.recovery / 1000, 'max'),
    );
  }
  const trend = (metric: Metric, t: Trend | null | undefined, limit: number | undefined, relative: boolean) => {
    if (limit === undefined) return;
    const scale = relative ? (t && t.level > 0 ? t.level : Number.NaN) : 1;
    const value = t ? t.per_hour / scale : Number.NaN;
    const check = slo('overall', metric, value, limit, 'max');
    if (t && Number.isFinite(value)) {
      check.interval = { low: t.low / scale, high: t.high / scale };
      if (value > limit && t.low / scale <= limit) {
        check.status = 'inconclusive';
        check.undecided = { longer: null, seconds: results.duration_s, why: 'beyond' };
      }
    }
    checks.push(unlessUninformed(check, limit, results.duration_s, 'slope'));
  };
  trend('p95_drift', results.drift?.p95, limits.drift?.p95, true);
  trend('memory_drift', results.drift?.memory_mb, limits.drift?.memory, false);
  return checks;
}

function regressionsOf(
  results: Results,
  reference: { overall: Figures; requests: Record<string, Figures> },
  scenario: Pick<Scenario, 'regression'>,
  estimate: Estimator,
): Check[] {
  const seconds = results.duration_s;
  const checks = regressionChecks(
    'overall',
    results.overall,
    reference.overall,
    scenario.regression.overall,
    estimate,
    seconds,
  );
  for (const [name, run] of Object.entries(results.requests)) {
    const base = own(reference.requests, name);
    if (base)
      checks.push(
        ...regressionChecks(name, run, base, own(scenario.regression.requests, name) ?? {}, estimate, seconds),
      );
  }
  return checks;
}

type Judged = Pick<Scenario, 'slo' | 'regression'> &
  Partial<Pick<Scenario, 'capacity'>> & { compare: Pick<Scenario['compare'], 'confidence' | 'prior' | 'maxNoise'> };

/** Where a baseline came from: a file, or the runs of the history; and what the reader should know of it. */
export interface BaselineOrigin {
  from: 'file' | 'history';
  notices?: Notice[];
}

/** Holds a run against the scenario's SLOs and, when there is a matching baseline, its tolerances. */
export function judge(
  results: Results,
  scenario: Judged,
  baseline: Baseline | null,
  baselineFile?: string,
  origin: BaselineOrigin = { from: 'file' },
): Verdict {
  const confidence = scenario.compare.confidence;
  const checks = sloChecksOf(results, scenario);
  const notices: Notice[] = [...(origin.notices ?? [])];

  let usable = baseline;
  if (baseline && baseline.scenario.hash !== results.scenario.hash) {
    notices.push({ kind: 'scenario-changed', baseline_hash: baseline.scenario.hash, run_hash: results.scenario.hash });
    usable = null;
  }
  if (!baseline && origin.from === 'file') notices.push({ kind: 'no-baseline', file: baselineFile ?? null });
  let comparison: Comparison | null = null;
  if (usable) {
    const priors = priorsFor(scenario.compare.prior, origin, usable.per_run?.length ?? 0);
    const estimator = baselineEstimator(results, usable, confidence, priors, scenario.compare.maxNoise);
    checks.push(...regressionsOf(results, usable, scenario, estimator));
    const capacity = capacityCheck(
      results.capacity,
      usable.capacity,
      usable.per_run ?? [],
      scenario,
      priors,
      confidence,
      results.duration_s,
    );
    if (capacity) checks.push(capacity);
    const runs = usable.per_run ?? [];
    if (runs.length < 2) notices.push({ kind: 'prior-spread', runs: runs.length });
    else if (!runs.some((r) => r.windows) && origin.from === 'file') notices.push({ kind: 'no-windows' });
    const [was, is] = [usable.environment, results.environment];
    if (was.cpu_model !== is.cpu_model || was.cores !== is.cores) {
      notices.push({
        kind: 'other-machine',
        baseline: { cores: was.cores, cpu_model: was.cpu_model },
        run: { cores: is.cores, cpu_model: is.cpu_model },
      });
    }
    comparison = {
      against: origin.from === 'history' ? 'history' : 'baseline',
      reference: baselineFile ?? 'the baseline file',
      confidence,
      baseline_runs: usable.runs,
    };
  }
  if (results.interrupted) notices.push({ kind: 'stopped-early', reason: results.stop_reason });
  return conclude(checks, notices, comparison, usable !== null);
}

/**
 * The capacity against the reference's, on the log scale: the spread of the reference's own searches
 * (a baseline's runs; none in a paired run, whose two searches took turns) with the prior for
 * latency, and under it each search's resolution (a value known only to within its bracket). A run
 * whose lowest probe failed has lost all of it.
 */
function capacityCheck(
  run: CapacityFigures | undefined,
  base: Baseline['capacity'],
  runs: BaselineRun[],
  scenario: Judged,
  priors: SpreadPriors,
  confidence: number,
  seconds: number,
): Check | null {
  if (!run || !base || base.value === null || base.value <= 0 || run.unit !== base.unit) return null;
  const resolution = ([lo, hi]: [number | null, number | null]) =>
    lo && hi && hi > lo ? Math.log(hi / lo) ** 2 / 12 : 0;
  const samples = runs.filter((r) => r.capacity !== undefined).map((r) => ({ value: r.capacity ?? 0, windows: [] }));
  const e =
    run.value === null
      ? null
      : compareToBaseline({ value: run.value, windows: [] }, base.value, samples, 'log', confidence, {
          floor: resolution(run.bracket) + resolution(base.bracket),
          prior: { spread: priors.latency, runs: priors.runs },
          maxHalfWidth: Math.log(1 + scenario.compare.maxNoise),
        });
  const check = regressionCheck(
    'overall',
    'capacity',
    run.value ?? 0,
    base.value,
    scenario.regression.overall.capacity,
    e,
    seconds,
  );
  return { ...check, unit: run.unit };
}

/** A paired run: the candidate against the reference build measured beside it, block by block. */
export function judgePaired(
  results: Results,
  scenario: Judged,
  paired: { reference: Results; blocks: PairedBlock[]; label: string },
): Verdict {
  const confidence = scenario.compare.confidence;
  const checks = sloChecksOf(results, scenario);
  const notices: Notice[] = [];
  if (paired.blocks.length >= 2) {
    checks.push(
      ...regressionsOf(
        results,
        paired.reference,
        scenario,
        pairedEstimator(results, paired.reference, paired.blocks, confidence),
      ),
    );
  } else notices.push({ kind: 'few-blocks', pairs: paired.blocks.length });
  const capacity = capacityCheck(
    results.capacity,
    paired.reference.capacity,
    [],
    scenario,
    scenario.compare.prior,
    confidence,
    results.duration_s,
  );
  if (capacity) checks.push(capacity);
  if (results.interrupted || paired.reference.interrupted)
    notices.push({ kind: 'stopped-early', reason: results.stop_reason ?? paired.reference.stop_reason });
  const o = paired.reference.overall;
  const comparison: Comparison = {
    against: 'image',
    reference: paired.label,
    confidence,
    reference_figures: {
      count: o.count,
      rps: o.rps,
      error_rate: o.error_rate,
      p50: o.latency_ms.p50,
      p95: o.latency_ms.p95,
      p99: o.latency_ms.p99,
    },
    blocks: blockRatios(paired.blocks),
  };
  return conclude(checks, notices, comparison, paired.blocks.length >= 2);
}

function conclude(checks: Check[], notices: Notice[], comparison: Comparison | null, compared: boolean): Verdict {
  const status = checks.some((c) => c.status === 'fail')
    ? 'fail'
    : checks.some((c) => c.status === 'inconclusive')
      ? 'inconclusive'
      : compared
        ? 'pass'
        : 'no-baseline';
  return { status, checks, notices, comparison };
}

/** Whether a verdict should fail the check, given `fail-on` and whether an undecided regression fails too. */
export function shouldFail(
  verdict: Verdict,
  failOn: 'any' | 'slo' | 'regression' | 'never',
  failOnInconclusive = false,
): boolean {
  if (failOn === 'never') return false;
  const counts = (c: Check) => c.status === 'fail' || (failOnInconclusive && c.status === 'inconclusive');
  return verdict.checks.some((c) => counts(c) && (failOn === 'any' || c.kind === failOn));
}
