import type { Check, Comparison, HistoryTrend, Metric, Notice, Unit, Verdict } from '../gate/index.ts';
import { MAX_INTERVAL_WIDTH } from '../gate/index.ts';
import { DRIFT_VISIBLE } from '../scenario/index.ts';
import type {
  CapacityFigures,
  EndpointFigures,
  ExportFigures,
  FailureMode,
  Results,
  SpikeRecovery,
  TokenStats,
  Trend,
} from '../metrics/index.ts';

// The gate decides in numbers; this is where they become words and symbols, for every report alike.

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const ms = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`);

/** A change in its unit: points for the error rate, percent for the rest. */
export function formatAmount(m: Metric, x: number): string {
  if (m === 'p95_drift') return `${pct(x)}/h`;
  if (m === 'memory_drift') return `${x >= 0 ? '+' : ''}${x.toFixed(1)} MB/h`;
  if (m === 'error_rate') return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} pts`;
  // An interval from a handful of samples can reach absurd ratios: past 100× it only says "no idea".
  return x > 99 ? '> +9900%' : pct(x);
}

/** A metric's words: its name in a sentence or a table, and how its value reads. */
interface MetricWords {
  name: string;
  value: (v: number, unit?: Unit) => string;
}

const timing = (name: string): MetricWords => ({ name, value: ms });
const perSecond = (name: string, unit: string): MetricWords => ({ name, value: (v) => `${v.toFixed(1)} ${unit}` });

/** Every metric in words: adding a metric adds its row here (the compiler insists) beside the gate's. */
const METRIC_WORDS: Record<Metric, MetricWords> = {
  count: { name: 'requests measured', value: (v) => String(v) },
  capacity: { name: 'capacity', value: (v, unit) => `${Math.round(v * 10) / 10} ${unit ?? 'req/s'}` },
  p50: timing('p50'),
  p90: timing('p90'),
  p95: timing('p95'),
  p99: timing('p99'),
  p999: timing('p999'),
  max: timing('max'),
  mean: timing('mean'),
  rps: perSecond('throughput', 'req/s'),
  error_rate: { name: 'error rate', value: (v) => `${(v * 100).toFixed(2)}%` },
  cold_start: timing('cold start'),
  first_prediction: timing('first prediction'),
  recovery: { name: 'spike recovery', value: (v) => `${v.toFixed(1)} s` },
  p95_drift: { name: 'p95 drift', value: (v) => formatAmount('p95_drift', v) },
  memory_drift: { name: 'memory drift', value: (v) => formatAmount('memory_drift', v) },
  ttft_p50: timing('TTFT p50'),
  ttft_p90: timing('TTFT p90'),
  ttft_p95: timing('TTFT p95'),
  ttft_p99: timing('TTFT p99'),
  tpot_p50: timing('TPOT p50'),
  tpot_p90: timing('TPOT p90'),
  tpot_p95: timing('TPOT p95'),
  tpot_p99: timing('TPOT p99'),
  itl_p50: timing('ITL p50'),
  itl_p90: timing('ITL p90'),
  itl_p95: timing('ITL p95'),
  itl_p99: timing('ITL p99'),
  output_tokens_per_s: perSecond('output tokens/s', 'tokens/s'),
  goodput: perSecond('goodput', 'req/s'),
};

export function describeMetric(m: Metric): string {
  return METRIC_WORDS[m]?.name ?? m;
}

export function formatValue(m: Metric, v: number, unit?: Unit): string {
  if (Number.isNaN(v)) return 'n/a';
  return (METRIC_WORDS[m]?.value ?? ms)(v, unit);
}

export function formatChange(c: Check): string {
  if (c.change === null) return '';
  return formatAmount(c.metric, c.change);
}

/** The interval of a check's change, "[-2.1%, +8.0%]"; empty when it has none. */
export function formatInterval(c: Check): string {
  return c.interval ? `[${formatAmount(c.metric, c.interval.low)}, ${formatAmount(c.metric, c.interval.high)}]` : '';
}

/** The limit of a check: "≤ 300 ms", "≥ 50 req/s", "≤ +10%", "≥ -5%", "≤ +1.00 pts"; empty when it has none. */
export function limitText(c: Check): string {
  const t = c.threshold;
  if (t === null) return '';
  const sign = c.bound === 'max' ? '≤' : '≥';
  if (c.kind === 'slo') {
    if (c.metric === 'count') return '> 0 (no request was measured)';
    if (c.metric === 'recovery') return `${sign} ${t} s`;
    if (c.metric === 'p95_drift' || c.metric === 'memory_drift') return `${sign} ${formatAmount(c.metric, t)}`;
    if (c.metric === 'rps' || c.metric === 'goodput') return `${sign} ${t} req/s`;
    if (c.metric === 'output_tokens_per_s') return `${sign} ${t} tokens/s`;
    if (c.metric === 'error_rate') return `${sign} ${(t * 100).toFixed(2)}%`;
    return `${sign} ${ms(t)}`;
  }
  if (c.metric === 'error_rate') return `${sign} +${(t * 100).toFixed(2)} pts`;
  return `${sign} ${t < 0 ? '-' : '+'}${(Math.abs(t) * 100).toFixed(0)}%`;
}

/** Why an inconclusive check was left undecided, and what would decide it; null for any other check. */
export function undecidedText(c: Check, comparison: Comparison | null): string | null {
  if (c.undecided?.why === 'wide' && c.interval && c.threshold !== null) {
    const fmt = (x: number) => (c.kind === 'slo' ? formatValue(c.metric, x) : formatAmount(c.metric, x));
    const k = Math.max(1.5, c.undecided.longer ?? 1.5);
    return (
      `the interval (${fmt(c.interval.low)} to ${fmt(c.interval.high)}) is more than ${MAX_INTERVAL_WIDTH}× ` +
      `as wide as the limit (${fmt(Math.abs(c.threshold))}), so this run tells nothing either way; a run about ` +
      `${k.toFixed(1)}× as long (about ${Math.ceil((c.undecided.seconds * k) / 10) * 10} s measured) would ` +
      `likely decide`
    );
  }
  if (!c.undecided || !c.interval || c.change === null || c.threshold === null) return null;
  const fmt = (x: number) => formatAmount(c.metric, x);
  const tolerance = Math.abs(c.threshold);
  const paired = comparison?.against === 'image';
  const confidence = Math.round((comparison?.confidence ?? 0.95) * 100);
  const head =
    `${fmt(c.change)} is beyond the ` +
    `${c.metric === 'error_rate' ? `${(tolerance * 100).toFixed(2)} pt` : `${(tolerance * 100).toFixed(0)}%`} ` +
    `tolerance, but the ${confidence}% interval (${fmt(c.interval.low)} to ${fmt(c.interval.high)}) includes no change`;
  const { longer, seconds } = c.undecided;
  if (longer === null) {
    return (
      `${head}: the baseline's own runs differ too much for a longer run to decide; record more baseline ` +
      `runs, or compare against the base build in the same job (compare.against: image)`
    );
  }
  const k = Math.max(1.5, longer);
  return (
    `${head}: a ${paired ? 'paired ' : ''}run about ${k.toFixed(1)}× as long (about ` +
    `${Math.ceil((seconds * k) / 10) * 10} s measured${paired ? ' per build' : ''}) would likely decide`
  );
}

export function noticeText(n: Notice): string {
  switch (n.kind) {
    case 'scenario-changed':
      return (
        `The baseline was measured with a different scenario (hash ${n.baseline_hash}, this run ` +
        `${n.run_hash}): its load or requests changed, so it is not compared. Refresh it with the update-baseline mode.`
      );
    case 'no-baseline':
      return n.file
        ? `No baseline yet (${n.file}): only the SLOs were checked. Create one with \`mode: update-baseline\` ` +
            `(or \`mlload baseline results.json --out <file>\`) and commit it.`
        : 'No baseline given: only the SLOs were checked. Compare with one with `--baseline FILE` (made by ' +
            '`mlload baseline results.json --out FILE`).';
    case 'prior-spread':
      return (
        `The baseline holds ${n.runs === 1 ? 'one run' : 'no per-run figures'}, so the intervals assume the ` +
        `prior run-to-run spread (compare.prior) rather than your runner's own. Refresh it with \`baseline-runs: ` +
        `3\` or more.`
      );
    case 'no-windows':
      return (
        'The baseline predates per-window figures: its intervals use only the spread between its runs. ' +
        'Refresh it to get tighter intervals.'
      );
    case 'other-machine':
      return (
        `The baseline was measured on another machine (${n.baseline.cores} × ${n.baseline.cpu_model}; this ` +
        `run: ${n.run.cores} × ${n.run.cpu_model}).`
      );
    case 'stopped-early':
      return `The run stopped early: ${n.reason}.`;
    case 'short-history':
      return (
        `The history has ${n.runs} comparable run${n.runs === 1 ? '' : 's'} of this scenario on this kind ` +
        `of machine, fewer than the ${n.needed} a reference needs: ` +
        `${n.fallback ? `compared with the baseline file ${n.fallback} instead` : 'only the SLOs were checked'}. ` +
        `Runs recorded by \`mode: record\` on the default branch fill it.`
      );
    case 'few-blocks':
      return `Only ${n.pairs} block pair(s) completed: too few to compare the builds; only the SLOs were checked.`;
  }
}

const against = (comparison: Comparison | null) =>
  comparison?.against === 'image'
    ? 'the reference build'
    : comparison?.against === 'history'
      ? `the last ${comparison.baseline_runs ?? ''} main runs`.replace('  ', ' ')
      : 'baseline';

/** One check in a line: "p95 350.0 ms (SLO ≤ 300.0 ms)", "p95 +35.0% [+20.1%, +52.3%] vs baseline (limit ≤ +10%)". */
function checkPhrase(c: Check, comparison: Comparison | null): string {
  const scope = c.scope === 'overall' ? '' : `${c.scope} `;
  if (c.kind === 'slo')
    return (
      `${scope}${describeMetric(c.metric)} ` +
      `${formatValue(c.metric, c.value, c.unit)}${c.interval ? ` ${formatInterval(c)}` : ''} (SLO ${limitText(c)})`
    );
  const interval = c.interval ? ` ${formatInterval(c)}` : '';
  return (
    `${scope}${describeMetric(c.metric)} ${formatAmount(c.metric, c.change ?? 0)}${interval} vs ` +
    `${against(comparison)} (limit ${limitText(c)})`
  );
}

/** One line: what failed (or was left undecided), or that all held. */
export function headline(verdict: Verdict): string {
  const { status, comparison } = verdict;
  if (status === 'pass')
    return comparison?.against === 'image'
      ? 'every SLO held and no regression against the reference build'
      : 'every SLO and regression tolerance held';
  if (status === 'no-baseline') return 'every SLO held; regressions not checked, for want of a reference';
  const shown = verdict.checks.filter((c) => c.status === status);
  const text = shown
    .slice(0, 3)
    .map((c) => checkPhrase(c, comparison))
    .join('; ')
    .concat(shown.length > 3 ? `; and ${shown.length - 3} more` : '');
  return status === 'inconclusive' ? `${text}, within what the noise explains` : text;
}

/** A failed check as an annotation: the value or change against its limit, in the limit's own unit. */
export function breachText(c: Check, comparison: Comparison | null): string {
  const scope = c.scope === 'overall' ? '' : `${c.scope}: `;
  if (c.kind === 'slo')
    return (
      `${scope}${describeMetric(c.metric)} ` +
      `${formatValue(c.metric, c.value, c.unit)}${c.interval ? ` ${formatInterval(c)}` : ''} breaches the SLO ` +
      `${limitText(c)}`
    );
  const interval = c.interval ? ` ${formatInterval(c)}` : '';
  return (
    `${scope}${describeMetric(c.metric)} ${formatChange(c)}${interval} vs ${against(comparison)} breaches ` +
    `the regression tolerance ${limitText(c)}`
  );
}

export const STATUS_TITLE: Readonly<Record<Verdict['status'], string>> = {
  pass: 'passed',
  fail: 'failed',
  inconclusive: 'inconclusive',
  'no-baseline': 'no baseline',
};

/** How the search's lowest failing probe failed, in words. */
export function failureModeText(f: FailureMode): string {
  switch (f.kind) {
    case 'crash':
      return `the target crashed: ${f.message}`;
    case 'errors': {
      const statuses = Object.entries(f.statuses)
        .filter(([code]) => !code.startsWith('2'))
        .sort((a, b) => b[1] - a[1])
        .map(([code, n]) => `${code} × ${n}`);
      const reasons = f.reasons.map((r) => `${r.reason} × ${r.count}`);
      return (
        `errors: ${(f.error_rate * 100).toFixed(2)}% of requests failed ` +
        `(${[...statuses, ...reasons].slice(0, 4).join('; ') || 'no status'})`
      );
    }
    case 'saturation':
      return (
        `saturation: ${f.achieved_rps.toFixed(1)} req/s completed of ${f.offered} req/s offered, the ` +
        `backlog growing`
      );
    case 'latency':
      return `latency: ${f.percentile} ${f.value_ms.toFixed(1)} ms over the ${f.limit_ms} ms limit (requests queueing)`;
  }
}

/** A spike's recovery in one line: "20 → 150 req/s at 5.0 s: recovered in 7.1 s (p95 ≤ 100 ms)". */
export function spikeText(s: SpikeRecovery, unit: 'req/s' | 'users'): string {
  const back =
    s.recovery_s === null
      ? `not recovered within the ${s.watched_s.toFixed(1)} s watched`
      : s.recovery_s === 0
        ? 'held the bound throughout'
        : `recovered in ${s.recovery_s.toFixed(1)} s`;
  return (
    `${s.from} → ${s.to} ${unit} at ${s.start_s.toFixed(1)} s: ${back} (p95 ≤ ${s.bound_ms} ms; worst ` +
    `second ${(s.worst_late_share * 100).toFixed(0)}% late)`
  );
}

/** Trends are shown for a soak (10 minutes or more) or a run gated on drift: a short run's trend is noise. */
export function showDrift(results: { duration_s: number; drift?: unknown }, gated = false): boolean {
  return results.drift !== undefined && (gated || results.duration_s >= 600);
}

/** A trend in one line: "p95 +2.1%/h [−5.0%/h, +9.3%/h] (median 41.0 ms, 24 points of 5 s)". */
export function trendText(name: 'p95' | 'memory', t: Trend): string {
  const m = name === 'p95' ? 'p95_drift' : 'memory_drift';
  const scale = name === 'p95' && t.level > 0 ? t.level : 1;
  const level = name === 'p95' ? ms(t.level) : `${t.level.toFixed(1)} MB`;
  return (
    `${name} ${formatAmount(m, t.per_hour / scale)} [${formatAmount(m, t.low / scale)}, ` +
    `${formatAmount(m, t.high / scale)}] (median ${level}, ${t.points} points of ${t.block_s} s)`
  );
}

/** The capacity in one line: "187.5 req/s (between 187.5 and 195), p99 ≤ 100 ms at 95%". */
export function capacityText(c: CapacityFigures): string {
  const slo = Object.entries(c.slo)
    .map(([k, v]) => (k === 'error_rate' ? `error rate ≤ ${(v * 100).toFixed(2)}%` : `${k} ≤ ${v} ms`))
    .join(', ');
  const [lo, hi] = c.bracket;
  const [sureLo, sureHi] = c.interval ?? [null, null];
  const bounds = [sureLo !== null ? `≥ ${sureLo}` : null, sureHi !== null ? `< ${sureHi}` : null].filter((x) => x);
  const sure = bounds.length > 0 ? `; surely ${bounds.join(' and ')} at ${Math.round(c.confidence * 100)}%` : '';
  const value =
    c.value === null
      ? `below ${hi} ${c.unit} (the lowest probe failed)`
      : hi === null
        ? `at least ${c.value} ${c.unit} (the most probed)`
        : `${c.value} ${c.unit} (between ${lo} and ${hi}${sure})`;
  const ended = {
    precision: 'bracket within the precision',
    max: 'reached max',
    time: 'time budget spent',
    floor: 'nothing lower to probe',
    'target-failed': 'the target failed',
    interrupted: 'interrupted',
  }[c.ended];
  return `${value} holding ${slo}; ${c.probes.length} probes in ${c.seconds.toFixed(0)} s, ended: ${ended}`;
}

const TREND_NAMES: Readonly<Record<HistoryTrend['ranks'][number]['metric'], string>> = {
  p95: 'p95',
  p99: 'p99',
  rps: 'throughput',
  capacity: 'capacity',
};

/** Where this run stands among the default branch's: "p95 of this PR: above 47 of the last 50 main runs". */
export function rankText(r: HistoryTrend['ranks'][number], subject = 'this run'): string {
  const of = `of the last ${r.total} main run${r.total === 1 ? '' : 's'}`;
  const where =
    r.above === 0 && r.below === 0
      ? `equal to all ${r.total} main runs`
      : r.above >= r.below
        ? `above ${r.above} ${of}`
        : `below ${r.below} ${of}`;
  return `${TREND_NAMES[r.metric]} of ${subject}: ${where}`;
}

/** The columns of a table of checks, for logs and pages alike. */
export function checkHeaders(paired: boolean): string[] {
  return [
    'Scope',
    'Metric',
    paired ? 'A: reference' : 'Baseline',
    paired ? 'B: this build' : 'This run',
    paired ? 'B/A' : 'Change',
    'Interval',
    'Limit',
    'Status',
  ];
}

/** One check as the cells of that table. */
export function checkCells(c: Check): string[] {
  return [
    c.scope,
    `${describeMetric(c.metric)}${c.kind === 'slo' ? ' (SLO)' : ''}`,
    c.baseline === null ? '' : formatValue(c.metric, c.baseline, c.unit),
    formatValue(c.metric, c.value, c.unit),
    formatChange(c),
    formatInterval(c),
    limitText(c),
    c.status === 'info' ? '' : c.status,
  ];
}

/**
 * The streamed answers' table, header first: one row per streaming request, and all of them when more than one streams.
 * Empty when nothing streamed.
 */
export function tokenTable(results: Results): string[][] {
  const streamed = Object.entries(results.requests).filter(
    (e): e is [string, (typeof e)[1] & { tokens: TokenStats }] => e[1].tokens !== undefined,
  );
  if (streamed.length === 0) return [];
  const goodput = streamed.some(([, s]) => s.tokens.goodput !== undefined);
  const header = [
    'Name',
    'answers',
    'tokens',
    'tokens/s',
    'TTFT p50',
    'p95',
    'p99',
    'TPOT p50',
    'p95',
    'p99',
    'ITL p50',
    'p99',
    'max',
    ...(goodput ? ['goodput'] : []),
  ];
  const f = (x: number) => x.toFixed(1);
  const row = (name: string, t: TokenStats) => [
    name,
    String(t.answers),
    String(t.output_tokens),
    f(t.output_tokens_per_s),
    f(t.ttft_ms.p50),
    f(t.ttft_ms.p95),
    f(t.ttft_ms.p99),
    f(t.tpot_ms.p50),
    f(t.tpot_ms.p95),
    f(t.tpot_ms.p99),
    f(t.itl_ms.p50),
    f(t.itl_ms.p99),
    f(t.itl_ms.max),
    ...(goodput ? [t.goodput === undefined ? '' : `${f(t.goodput)} req/s`] : []),
  ];
  const rows = [header, ...streamed.map(([n, s]) => row(n, s.tokens))];
  if (streamed.length > 1 && results.overall.tokens) rows.push(row('Aggregated', results.overall.tokens));
  return rows;
}

/** What the streamed answers' table holds, in one line. */
export function tokenTableTitle(results: Results): string {
  return (
    `Streamed answers (ms): TTFT from each request's ` +
    `${results.load.model === 'open' ? 'scheduled time (coordinated-omission corrected)' : 'send'}; TPOT = (last ` +
    `chunk − first) / (tokens − 1); ITL every gap between chunks (vLLM's serving benchmark definitions)`
  );
}

/** A merged run's shards in one line: "Merged from 4 shards whose loads began within 0.012 s of each other." */
export function shardsText(s: NonNullable<Results['shards']>): string {
  const late = Math.max(...s.late_ms);
  return (
    `Merged from ${s.count} shards whose loads began within ${(s.start_spread_ms / 1000).toFixed(3)} s of ` +
    `each other${late > 0 ? ` (the latest ${(late / 1000).toFixed(3)} s after the agreed start)` : ''}.`
  );
}

/** A soak shorter than its drift limits need: what `validate` says, and how long would do. */
export function soakAdviceText(measuredMs: number, neededMs: number): string | null {
  if (measuredMs >= neededMs) return null;
  const minutes = (ms: number) => (ms >= 60_000 ? `${Math.ceil(ms / 60_000)} min` : `${Math.ceil(ms / 1000)} s`);
  return (
    `slo.drift: ${minutes(measuredMs)} of measured load is shorter than the ${minutes(neededMs)} these ` +
    `drift limits need (a drift at the limit must move p95 by ${DRIFT_VISIBLE.p95 * 100}% or memory by ` +
    `${DRIFT_VISIBLE.memoryMb} MB within the run); a shorter soak can fail a drift that is plainly over, but ` +
    `reports inconclusive rather than pass`
  );
}

/** A capacity search's probes as a table, header first, in the order they ran. */
export function probeTable(c: CapacityFigures): string[][] {
  const f = (x: number) => `${x.toFixed(1)} ms`;
  return [
    [c.unit === 'users' ? 'Users' : 'Offered req/s', 'Achieved req/s', 'p50', 'p95', 'p99', 'Errors', 'Verdict'],
    ...c.probes.map((p) => [
      String(p.load),
      p.achieved_rps.toFixed(1),
      f(p.p50),
      f(p.p95),
      f(p.p99),
      `${(p.error_rate * 100).toFixed(2)}%`,
      `${p.verdict}${p.decided === 'time' ? ' (time up)' : ''}${p.repeat ? ' (repeat)' : ''}`,
    ]),
  ];
}

/** A change with no limit worth a line: 10% worse or more (1 point of errors), its interval wholly on that side. */
const UNLIMITED_MOVE = 0.1;

/**
 * Changes the gate had no limit for but that surely got worse, in one line ("p50 +76.0% [+60.1%, +92.3%]: worse, but
 * with no limit set …"); null when none did. A reviewer should not read them as held.
 */
export function unlimitedMovesText(verdict: Verdict): string | null {
  const moved = verdict.checks.filter((c) => {
    if (c.status !== 'info' || c.scope !== 'overall' || c.change === null || c.metric === 'count') return false;
    const sign = c.bound === 'min' ? -1 : 1;
    if (sign * c.change < (c.metric === 'error_rate' ? 0.01 : UNLIMITED_MOVE)) return false;
    return !c.interval || Math.min(sign * c.interval.low, sign * c.interval.high) > 0;
  });
  if (moved.length === 0) return null;
  const what = moved.map(
    (c) => `${describeMetric(c.metric)} ${formatChange(c)}${c.interval ? ` ${formatInterval(c)}` : ''}`,
  );
  const list = what.length === 1 ? what[0]! : `${what.slice(0, -1).join(', ')} and ${what.at(-1)!}`;
  const it = moved.length === 1 ? 'it' : 'them';
  return `${list}: worse, but with no limit set the gate did not judge ${it} (a tolerance under regression: would)`;
}

/** What an export delivered, in one line an endpoint: "exported to http://…/api/v1/write (…): 1234 samples, …". */
export function exportText(figures: ExportFigures): string | null {
  const lines: string[] = [];
  const line = (p: EndpointFigures, what: string) => {
    const error = p.last_error ? ` (last error: ${p.last_error})` : '';
    const dropped = p.samples_dropped > 0 ? `, ${p.samples_dropped} dropped after ${p.retries} retries${error}` : '';
    lines.push(`exported to ${p.endpoint} (${what}): ${p.samples_sent} samples${dropped || ', none dropped'}`);
  };
  if (figures.prometheus)
    line(figures.prometheus, `Prometheus remote-write, ${figures.prometheus.histograms} histograms`);
  if (figures.otlp) line(figures.otlp, 'OTLP/HTTP');
  return lines.length > 0 ? lines.join('; ') : null;
}
