import type { PairedBlock, Results, SliceFigures } from '../metrics/types.ts';
import { DEFAULT_CONFIDENCE, DEFAULT_MAX_NOISE, DEFAULT_PRIOR, type Limits, type Scenario, type SpreadPriors, type Tolerances } from '../scenario/types.ts';
import { decodeHistogram, type Histogram } from '../metrics/histogram.ts';
import { compareToBaseline, comparePaired, quantileLogVariance, type Counts, type Estimate, type Scale } from './noise.ts';
import type { Baseline, BaselineFigures, BlockRatio, Check, Comparison, Metric, Verdict } from './types.ts';

type Figures = Pick<BaselineFigures, 'rps' | 'error_rate' | 'latency_ms'>;

const LATENCY: ReadonlyArray<'p50' | 'p90' | 'p95' | 'p99' | 'p999' | 'max' | 'mean'> = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean'];
/** Shown in the diff table even when no tolerance is set for them. */
const SHOWN: readonly Metric[] = ['p50', 'p95', 'p99', 'rps', 'error_rate'];

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const ms = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`);

function valueOf(f: Figures, m: Metric): number {
  if (m === 'rps') return f.rps;
  if (m === 'error_rate') return f.error_rate;
  return f.latency_ms[m as (typeof LATENCY)[number]];
}

/** Absolute limits: latency and error rate may not rise above, throughput may not fall below. */
function sloChecks(scope: string, f: Figures, limits: Limits): Check[] {
  const out: Check[] = [];
  for (const m of LATENCY) {
    const limit = limits[m];
    if (limit === undefined) continue;
    const value = valueOf(f, m);
    out.push({ scope, kind: 'slo', metric: m, value, baseline: null, change: null, limit: `≤ ${ms(limit)}`, status: value <= limit ? 'pass' : 'fail' });
  }
  if (limits.rps !== undefined) out.push({ scope, kind: 'slo', metric: 'rps', value: f.rps, baseline: null, change: null, limit: `≥ ${limits.rps} req/s`, status: f.rps >= limits.rps ? 'pass' : 'fail' });
  if (limits.error_rate !== undefined) {
    out.push({ scope, kind: 'slo', metric: 'error_rate', value: f.error_rate, baseline: null, change: null, limit: `≤ ${(limits.error_rate * 100).toFixed(2)}%`, status: f.error_rate <= limits.error_rate ? 'pass' : 'fail' });
  }
  return out;
}

/** The change of one metric of one scope, with its interval when the noise is known. */
type Estimator = (scope: string, metric: Metric) => Estimate | null;

/** Tolerances against the reference, direction-aware and noise-aware; improvements are shown, never failed. */
function regressionChecks(scope: string, run: Figures, base: Figures, tolerances: Tolerances, estimate: Estimator, context: NoteContext): Check[] {
  const metrics = [...new Set<Metric>([...SHOWN, ...(Object.keys(tolerances) as Metric[])])];
  return metrics.map((m) => {
    const value = valueOf(run, m);
    const baseline = valueOf(base, m);
    const tolerance = tolerances[m as keyof Tolerances];
    const e = estimate(scope, m);
    const linear = m === 'error_rate';
    const change = e ? e.change : linear ? value - baseline : baseline > 0 ? (value - baseline) / baseline : 0;
    // Latency and errors get worse when they grow, throughput when it drops.
    const sign = m === 'rps' ? -1 : 1;
    const worse = sign * change;
    const bounds = e ? [sign * e.low, sign * e.high] : [worse, worse];
    const worseLow = Math.min(...bounds);
    const worseHigh = Math.max(...bounds);
    const better = worseHigh < 0 || (!e && worse < 0);
    let status: Check['status'];
    let note: string | undefined;
    if (tolerance === undefined) status = better ? 'improved' : 'info';
    else if (worse > tolerance + 1e-12) {
      if (worseLow > 0) status = 'fail';
      else {
        status = 'inconclusive';
        note = inconclusiveNote(m, worse, tolerance, e!, context);
      }
    } else status = better ? 'improved' : 'pass';
    const limit = tolerance === undefined ? '' : linear ? `≤ +${(tolerance * 100).toFixed(2)} pts` : m === 'rps' ? `≥ -${(tolerance * 100).toFixed(0)}%` : `≤ +${(tolerance * 100).toFixed(0)}%`;
    const check: Check = { scope, kind: 'regression', metric: m, value, baseline, change, limit, status, interval: e ? { low: e.low, high: e.high } : null };
    if (note) check.note = note;
    return check;
  });
}

interface NoteContext {
  confidence: number;
  /** The candidate's measured seconds. */
  seconds: number;
  paired: boolean;
}

function inconclusiveNote(m: Metric, worse: number, tolerance: number, e: Estimate, c: NoteContext): string {
  const fmt = (x: number) => formatAmount(m, x);
  const head = `${fmt(m === 'rps' ? -worse : worse)} is beyond the ${m === 'error_rate' ? `${(tolerance * 100).toFixed(2)} pt` : `${(tolerance * 100).toFixed(0)}%`} tolerance, but the ${Math.round(c.confidence * 100)}% interval (${fmt(e.low)} to ${fmt(e.high)}) includes no change`;
  if (e.longer === null) {
    return `${head}: the baseline's own runs differ too much for a longer run to decide; record more baseline runs, or compare against the base build in the same job (compare.against: image)`;
  }
  const k = Math.max(1.5, e.longer);
  return `${head}: a ${c.paired ? 'paired ' : ''}run about ${k.toFixed(1)}× as long (about ${Math.ceil((c.seconds * k) / 10) * 10} s measured${c.paired ? ' per build' : ''}) would likely decide`;
}

/** Values of one metric in a slice (a window or a block); NaN when the slice does not have it. */
function sliceValue(f: Partial<SliceFigures> | undefined, m: Metric): number {
  const v = f?.[m as keyof SliceFigures];
  return typeof v === 'number' ? v : Number.NaN;
}

/** One scope of anything split into overall and per request: results, a baseline, a slice. */
const scopeOf = <T>(x: { overall: T; requests: Record<string, T> }, scope: string): T | undefined => (scope === 'overall' ? x.overall : x.requests[scope]);
const scaleOf = (m: Metric): Scale => (m === 'error_rate' ? 'linear' : 'log');
const countsOf = (f: { count: number; failure_count: number } | undefined): Counts => ({ count: f?.count ?? 0, failures: f?.failure_count ?? 0 });

const QUANTILE: Partial<Record<Metric, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99, p999: 0.999 };

/** The sampling noise of a percentile of two sets of requests: the floor under the interval's variance. */
function quantileFloor(m: Metric, a: { histogram: string }, b: { histogram: string }, decoded: Map<string, Histogram>): number {
  const q = QUANTILE[m];
  if (q === undefined) return 0;
  const variance = (encoded: string | undefined): number => {
    if (!encoded) return 0;
    let h = decoded.get(encoded);
    if (!h) {
      try {
        h = decodeHistogram(encoded);
      } catch {
        return 0;
      }
      decoded.set(encoded, h);
    }
    return quantileLogVariance(h, q);
  };
  return variance(a.histogram) + variance(b.histogram);
}

/** The prior run-to-run spread of a metric (error rates: none, their counts carry their noise). */
const isTail = (m: Metric) => m === 'p99' || m === 'p999' || m === 'max';

function priorOf(m: Metric, priors: SpreadPriors): { spread: number; runs: number } {
  const spread = m === 'rps' ? priors.throughput : m === 'error_rate' ? 0 : isTail(m) ? priors.tail : priors.latency;
  return { spread, runs: priors.runs };
}

/**
 * The widest interval a baseline-file comparison may give (log scale): max_noise either side, so a
 * 2× change at p50/p90/p95/mean or in throughput is never put down to noise. The tail (a handful of
 * requests: a p99 of 400 is its 4th largest) gets twice that: capped as tightly, an unchanged
 * model's p99 failed in the small-baseline bench.
 */
function capOf(m: Metric, maxNoise: number): number | undefined {
  if (scaleOf(m) !== 'log') return undefined;
  return (isTail(m) ? 2 : 1) * Math.log(1 + maxNoise);
}

function baselineEstimator(results: Results, baseline: Baseline, confidence: number, priors: SpreadPriors, maxNoise: number): Estimator {
  const runs = baseline.per_run ?? [];
  const decoded = new Map<string, Histogram>();
  return (scope, m) => {
    const run = scopeOf(results, scope);
    const base = scopeOf(baseline, scope);
    if (!run || !base) return null;
    const candidate = { value: valueOf(run, m), windows: (results.windows ?? []).map((w) => sliceValue(scopeOf(w, scope), m)) };
    const samples = runs
      .map((r) => ({
        value: sliceValue(scope === 'overall' ? r : r.requests?.[scope], m),
        windows: (r.windows ?? []).map((w) => sliceValue(scopeOf(w, scope), m)),
      }))
      .filter((r) => Number.isFinite(r.value));
    const counts = { candidate: countsOf(run), baseline: countsOf(base) };
    return compareToBaseline(candidate, valueOf(base, m), samples, scaleOf(m), confidence, {
      counts,
      floor: quantileFloor(m, run, base, decoded),
      prior: priorOf(m, priors),
      maxHalfWidth: capOf(m, maxNoise),
    });
  };
}

function pairedEstimator(results: Results, reference: Results, blocks: PairedBlock[], confidence: number): Estimator {
  const decoded = new Map<string, Histogram>();
  return (scope, m) => {
    const run = scopeOf(results, scope);
    const ref = scopeOf(reference, scope);
    if (!run || !ref) return null;
    const pairs = blocks.map((b) => [sliceValue(scopeOf(b.candidate, scope), m), sliceValue(scopeOf(b.reference, scope), m)] as [number, number]);
    return comparePaired(valueOf(run, m), valueOf(ref, m), pairs, scaleOf(m), confidence, { candidate: countsOf(run), reference: countsOf(ref) }, quantileFloor(m, run, ref, decoded));
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
function sloChecksOf(results: Results, scenario: Pick<Scenario, 'slo'>): Check[] {
  const checks: Check[] = [];
  // A run that measured nothing holds no SLO: it fails rather than passing every limit vacuously.
  if (results.overall.count === 0) checks.push({ scope: 'overall', kind: 'slo', metric: 'rps', value: 0, baseline: null, change: null, limit: '> 0 (no request was measured)', status: 'fail' });
  checks.push(...sloChecks('overall', results.overall, scenario.slo.overall));
  for (const [name, limits] of Object.entries(scenario.slo.requests)) {
    const f = results.requests[name];
    if (f) checks.push(...sloChecks(name, f, limits));
  }
  const coldStart = scenario.slo.overall.cold_start;
  if (coldStart !== undefined) {
    const v = results.target.cold_start_ms;
    checks.push({ scope: 'overall', kind: 'slo', metric: 'cold_start', value: v ?? Number.NaN, baseline: null, change: null, limit: `≤ ${ms(coldStart)}`, status: v !== undefined && v <= coldStart ? 'pass' : 'fail' });
  }
  const firstPrediction = scenario.slo.overall.first_prediction;
  if (firstPrediction !== undefined) {
    const v = results.target.first_prediction_ms;
    checks.push({ scope: 'overall', kind: 'slo', metric: 'first_prediction', value: v ?? Number.NaN, baseline: null, change: null, limit: `≤ ${ms(firstPrediction)}`, status: v !== undefined && v <= firstPrediction ? 'pass' : 'fail' });
  }
  return checks;
}

function regressionsOf(results: Results, reference: { overall: Figures; requests: Record<string, Figures> }, scenario: Pick<Scenario, 'regression'>, estimate: Estimator, context: NoteContext): Check[] {
  const checks = regressionChecks('overall', results.overall, reference.overall, scenario.regression.overall, estimate, context);
  for (const [name, run] of Object.entries(results.requests)) {
    const base = reference.requests[name];
    if (base) checks.push(...regressionChecks(name, run, base, scenario.regression.requests[name] ?? {}, estimate, context));
  }
  return checks;
}

type Judged = Pick<Scenario, 'slo' | 'regression'> & { compare?: Partial<Pick<Scenario['compare'], 'confidence' | 'prior' | 'maxNoise'>> };

/** Holds a run against the scenario's SLOs and, when there is a matching baseline, its tolerances. */
export function judge(results: Results, scenario: Judged, baseline: Baseline | null, baselineFile?: string): Verdict {
  const confidence = scenario.compare?.confidence ?? DEFAULT_CONFIDENCE.baseline;
  const checks = sloChecksOf(results, scenario);
  const notices: string[] = [];

  let usable = baseline;
  if (baseline && baseline.scenario.hash !== results.scenario.hash) {
    notices.push(`The baseline was measured with a different scenario (hash ${baseline.scenario.hash}, this run ${results.scenario.hash}): its load or requests changed, so it is not compared. Refresh it with the update-baseline mode.`);
    usable = null;
  }
  if (!baseline && baselineFile) notices.push(`No baseline yet (${baselineFile}): only the SLOs were checked. Create one with \`mode: update-baseline\` (or \`mlload baseline results.json --out <file>\`) and commit it.`);
  else if (!baseline) notices.push('No baseline given: only the SLOs were checked. Compare with one with `--baseline FILE` (made by `mlload baseline results.json --out FILE`).');
  let comparison: Comparison | null = null;
  if (usable) {
    const context = { confidence, seconds: results.duration_s, paired: false };
    const estimator = baselineEstimator(results, usable, confidence, scenario.compare?.prior ?? DEFAULT_PRIOR, scenario.compare?.maxNoise ?? DEFAULT_MAX_NOISE);
    checks.push(...regressionsOf(results, usable, scenario, estimator, context));
    const runs = usable.per_run ?? [];
    if (runs.length < 2) {
      notices.push(`The baseline holds ${runs.length === 1 ? 'one run' : 'no per-run figures'}, so the intervals assume the prior run-to-run spread (compare.prior) rather than your runner's own. Refresh it with \`baseline-runs: 3\` or more.`);
    } else if (!runs.some((r) => r.windows)) {
      notices.push('The baseline predates per-window figures: its intervals use only the spread between its runs. Refresh it to get tighter intervals.');
    }
    if (usable.environment.cpu_model !== results.environment.cpu_model || usable.environment.cores !== results.environment.cores) {
      notices.push(`The baseline was measured on another machine (${usable.environment.cores} × ${usable.environment.cpu_model}; this run: ${results.environment.cores} × ${results.environment.cpu_model}).`);
    }
    comparison = { against: 'baseline', reference: baselineFile ?? 'the baseline file', confidence, baseline_runs: usable.runs };
  }
  if (results.interrupted) notices.push(`The run stopped early: ${results.stop_reason}.`);
  return conclude(checks, notices, comparison, usable !== null);
}

/** A paired run: the candidate against the reference build measured beside it, block by block. */
export function judgePaired(results: Results, scenario: Judged, paired: { reference: Results; blocks: PairedBlock[]; label: string }): Verdict {
  const confidence = scenario.compare?.confidence ?? DEFAULT_CONFIDENCE.image;
  const checks = sloChecksOf(results, scenario);
  const notices: string[] = [];
  const context = { confidence, seconds: results.duration_s, paired: true };
  if (paired.blocks.length >= 2) {
    checks.push(...regressionsOf(results, paired.reference, scenario, pairedEstimator(results, paired.reference, paired.blocks, confidence), context));
  } else notices.push(`Only ${paired.blocks.length} block pair(s) completed: too few to compare the builds; only the SLOs were checked.`);
  if (results.interrupted || paired.reference.interrupted) notices.push(`The run stopped early: ${results.stop_reason ?? paired.reference.stop_reason}.`);
  const o = paired.reference.overall;
  const comparison: Comparison = {
    against: 'image',
    reference: paired.label,
    confidence,
    reference_figures: { count: o.count, rps: o.rps, error_rate: o.error_rate, p50: o.latency_ms.p50, p95: o.latency_ms.p95, p99: o.latency_ms.p99 },
    blocks: blockRatios(paired.blocks),
  };
  return conclude(checks, notices, comparison, paired.blocks.length >= 2);
}

function conclude(checks: Check[], notices: string[], comparison: Comparison | null, compared: boolean): Verdict {
  const failed = checks.filter((c) => c.status === 'fail');
  const open = checks.filter((c) => c.status === 'inconclusive');
  const status = failed.length > 0 ? 'fail' : open.length > 0 ? 'inconclusive' : compared ? 'pass' : 'no-baseline';
  return { status, checks, notices, headline: headline(status, failed.length > 0 ? failed : open, comparison), comparison };
}

function headline(status: Verdict['status'], shown: Check[], comparison: Comparison | null): string {
  const against = comparison?.against === 'image' ? 'the reference build' : 'baseline';
  if (status === 'pass') return comparison?.against === 'image' ? 'every SLO held and no regression against the reference build' : 'every SLO and regression tolerance held';
  if (status === 'no-baseline') return 'no baseline to compare with; SLOs held';
  const text = shown
    .slice(0, 3)
    .map((c) => {
      const scope = c.scope === 'overall' ? '' : `${c.scope} `;
      if (c.kind === 'slo') return `${scope}${describeMetric(c.metric)} ${formatValue(c.metric, c.value)} (SLO ${c.limit})`;
      const interval = c.interval ? ` ${formatInterval(c)}` : '';
      return `${scope}${describeMetric(c.metric)} ${formatAmount(c.metric, c.change!)}${interval} vs ${against} (limit ${c.limit})`;
    })
    .join('; ')
    .concat(shown.length > 3 ? `; and ${shown.length - 3} more` : '');
  return status === 'inconclusive' ? `${text}, within what the noise explains` : text;
}

/** A change in its unit: points for the error rate, percent for the rest. */
export function formatAmount(m: Metric, x: number): string {
  if (m === 'error_rate') return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} pts`;
  // An interval from a handful of samples can reach absurd ratios: past 100× it only says "no idea".
  return x > 99 ? '> +9900%' : pct(x);
}

export function describeMetric(m: Metric): string {
  switch (m) {
    case 'rps':
      return 'throughput';
    case 'error_rate':
      return 'error rate';
    case 'cold_start':
      return 'cold start';
    case 'first_prediction':
      return 'first prediction';
    default:
      return m;
  }
}

export function formatValue(m: Metric, v: number): string {
  if (Number.isNaN(v)) return 'n/a';
  if (m === 'rps') return `${v.toFixed(1)} req/s`;
  if (m === 'error_rate') return `${(v * 100).toFixed(2)}%`;
  return ms(v);
}

export function formatChange(c: Check): string {
  if (c.change === null) return '';
  return formatAmount(c.metric, c.change);
}

/** The interval of a check's change, "[-2.1%, +8.0%]"; empty when it has none. */
export function formatInterval(c: Check): string {
  return c.interval ? `[${formatAmount(c.metric, c.interval.low)}, ${formatAmount(c.metric, c.interval.high)}]` : '';
}

/** Whether a verdict should fail the check, given `fail-on` and whether an undecided regression fails too. */
export function shouldFail(verdict: Verdict, failOn: 'any' | 'slo' | 'regression' | 'never', failOnInconclusive = false): boolean {
  if (failOn === 'never') return false;
  const counts = (c: Check) => c.status === 'fail' || (failOnInconclusive && c.status === 'inconclusive');
  return verdict.checks.some((c) => counts(c) && (failOn === 'any' || c.kind === failOn));
}
