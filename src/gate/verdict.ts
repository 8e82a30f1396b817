import type { Results } from '../metrics/types.ts';
import type { Limits, Scenario, Tolerances } from '../scenario/types.ts';
import type { Baseline, BaselineFigures, Check, Metric, Verdict } from './types.ts';

type Figures = Pick<BaselineFigures, 'rps' | 'error_rate' | 'latency_ms'>;

const LATENCY: ReadonlyArray<'p50' | 'p90' | 'p95' | 'p99' | 'p999' | 'max' | 'mean'> = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean'];
/** Shown in the diff table even when no tolerance is set for them. */
const SHOWN: readonly Metric[] = ['p50', 'p95', 'p99', 'rps', 'error_rate'];

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;

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

/** Tolerances against the baseline, direction-aware; improvements are shown, never failed. */
function regressionChecks(scope: string, run: Figures, base: Figures, tolerances: Tolerances): Check[] {
  const metrics = [...new Set<Metric>([...SHOWN, ...(Object.keys(tolerances) as Metric[])])];
  return metrics.map((m) => {
    const value = valueOf(run, m);
    const baseline = valueOf(base, m);
    const tolerance = tolerances[m as keyof Tolerances];
    if (m === 'error_rate') {
      const change = value - baseline;
      const status = tolerance === undefined ? (change < 0 ? 'improved' : 'info') : change > tolerance + 1e-12 ? 'fail' : change < 0 ? 'improved' : 'pass';
      return { scope, kind: 'regression', metric: m, value, baseline, change, limit: tolerance === undefined ? '' : `≤ +${(tolerance * 100).toFixed(2)} pts`, status };
    }
    const change = baseline > 0 ? (value - baseline) / baseline : 0;
    // Latency gets worse when it grows, throughput when it drops.
    const worse = m === 'rps' ? -change : change;
    const status = tolerance === undefined ? (worse < 0 ? 'improved' : 'info') : worse > tolerance ? 'fail' : worse < 0 ? 'improved' : 'pass';
    const limit = tolerance === undefined ? '' : m === 'rps' ? `≥ -${(tolerance * 100).toFixed(0)}%` : `≤ +${(tolerance * 100).toFixed(0)}%`;
    return { scope, kind: 'regression', metric: m, value, baseline, change, limit, status } satisfies Check;
  });
}

/** Holds a run against the scenario's SLOs and, when there is a matching baseline, its tolerances. */
export function judge(results: Results, scenario: Pick<Scenario, 'slo' | 'regression'>, baseline: Baseline | null): Verdict {
  const checks: Check[] = [];
  const notices: string[] = [];

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

  let usable = baseline;
  if (baseline && baseline.scenario.hash !== results.scenario.hash) {
    notices.push(`The baseline was measured with a different scenario (hash ${baseline.scenario.hash}, this run ${results.scenario.hash}): its load or requests changed, so it is not compared. Refresh it with the update-baseline mode.`);
    usable = null;
  }
  if (!baseline) notices.push('No baseline yet: only the SLOs were checked. Create one with `mode: update-baseline` (or `mlload baseline results.json --out <file>`) and commit it.');
  if (usable) {
    checks.push(...regressionChecks('overall', results.overall, usable.overall, scenario.regression.overall));
    for (const [name, run] of Object.entries(results.requests)) {
      const base = usable.requests[name];
      if (base) checks.push(...regressionChecks(name, run, base, scenario.regression.requests[name] ?? {}));
    }
    if (usable.environment.cpu_model !== results.environment.cpu_model || usable.environment.cores !== results.environment.cores) {
      notices.push(`The baseline was measured on another machine (${usable.environment.cores} × ${usable.environment.cpu_model}; this run: ${results.environment.cores} × ${results.environment.cpu_model}).`);
    }
  }
  if (results.interrupted) notices.push(`The run stopped early: ${results.stop_reason}.`);

  const failed = checks.filter((c) => c.status === 'fail');
  const status = failed.length > 0 ? 'fail' : usable ? 'pass' : 'no-baseline';
  return { status, checks, notices, headline: headline(status, failed) };
}

function headline(status: Verdict['status'], failed: Check[]): string {
  if (status === 'pass') return 'every SLO and regression tolerance held';
  if (status === 'no-baseline') return 'no baseline to compare with; SLOs held';
  return failed
    .slice(0, 3)
    .map((c) => `${c.scope === 'overall' ? '' : `${c.scope} `}${describeMetric(c.metric)} ${c.kind === 'slo' ? `${formatValue(c.metric, c.value)} (SLO ${c.limit})` : `${c.metric === 'error_rate' ? `${(c.change! * 100).toFixed(2)} pts` : pct(c.change!)} vs baseline (limit ${c.limit})`}`)
    .join('; ')
    .concat(failed.length > 3 ? `; and ${failed.length - 3} more` : '');
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
  if (c.metric === 'error_rate') return `${c.change >= 0 ? '+' : ''}${(c.change * 100).toFixed(2)} pts`;
  return pct(c.change);
}

/** Whether a verdict should fail the check, given `fail-on`. */
export function shouldFail(verdict: Verdict, failOn: 'any' | 'slo' | 'regression' | 'never'): boolean {
  if (failOn === 'never') return false;
  return verdict.checks.some((c) => c.status === 'fail' && (failOn === 'any' || c.kind === failOn));
}
