import type { RequestStats, Results, TokenStats } from '../metrics/index.ts';
import { histogramOf, type Histogram } from '../metrics/index.ts';

/** Locust 2.x reports these percentiles, in this order, with these headers. */
const PERCENTILES = [50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100];
const PERCENTILE_HEADERS = PERCENTILES.map((p) => `${p}%`);

/**
 * One CSV row. A text cell that a spreadsheet would take for a formula (=, +, -, @, tab, CR first:
 * a server's error message, a request name) gets a leading ' and quotes, as OWASP advises against
 * CSV injection; numbers are written as they are. The JSON exports stay exact.
 */
export function csvRow(values: ReadonlyArray<string | number>): string {
  return values
    .map((v) => {
      const s = typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v);
      return /[",\n\r]/.test(s) || s !== String(v) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(',');
}

function percentileCells(h: Histogram): Array<string | number> {
  if (h.totalCount === 0) return PERCENTILES.map(() => 'N/A');
  return PERCENTILES.map((p) => Math.round(h.getValueAtPercentile(p) / 1000));
}

function statsRow(
  type: string,
  name: string,
  s: Omit<RequestStats, 'method' | 'path'>,
  seconds: number,
): Array<string | number> {
  const h = histogramOf(s);
  return [
    type,
    name,
    s.count,
    s.failure_count,
    Math.round(s.latency_ms.p50),
    s.latency_ms.mean,
    s.latency_ms.min,
    s.latency_ms.max,
    s.avg_content_bytes,
    s.rps,
    Math.round((s.failure_count / seconds) * 100) / 100,
    ...percentileCells(h),
  ];
}

/** `stats.csv`: one row per request name and an Aggregated row, as Locust writes it. */
export function statsCsv(results: Results): string {
  const header = [
    'Type',
    'Name',
    'Request Count',
    'Failure Count',
    'Median Response Time',
    'Average Response Time',
    'Min Response Time',
    'Max Response Time',
    'Average Content Size',
    'Requests/s',
    'Failures/s',
    ...PERCENTILE_HEADERS,
  ];
  const seconds = results.duration_s || 1;
  const rows = [
    header,
    ...Object.entries(results.requests)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, s]) => statsRow(s.method, name, s, seconds)),
    statsRow('', 'Aggregated', results.overall, seconds),
  ];
  return `${rows.map(csvRow).join('\n')}\n`;
}

/**
 * `stats_history.csv`: the Aggregated row once a second. Percentile columns are the second's own
 * (Locust's "current" window); only those we keep per second are filled, the rest are N/A.
 */
export function statsHistoryCsv(results: Results): string {
  const header = [
    'Timestamp',
    'User Count',
    'Type',
    'Name',
    'Requests/s',
    'Failures/s',
    ...PERCENTILE_HEADERS,
    'Total Request Count',
    'Total Failure Count',
    'Total Median Response Time',
    'Total Average Response Time',
    'Total Min Response Time',
    'Total Max Response Time',
    'Total Average Content Size',
  ];
  const rows: Array<Array<string | number>> = [header];
  let previousT = 0;
  // One row a wall-clock second, as Locust writes: the run's final partial second shares its second
  // with the one before, so it is folded into that row (rates over both spans, totals the later's).
  let last: {
    time: number;
    users: number;
    requests: number;
    errors: number;
    span: number;
    cells: Array<string | number>;
  } | null = null;
  for (const p of results.series) {
    const span = Math.max(0.001, p.t - previousT);
    previousT = p.t;
    const time = Math.floor(p.time / 1000);
    const t = p.total;
    const totals = [t.count, t.failures, Math.round(t.p50), t.mean, t.min, t.max, t.avg_bytes];
    if (last && last.time === time) {
      last.requests += p.rps * span;
      last.errors += p.errors;
      last.span += span;
      last.users = Math.max(last.users, p.users);
      rows[rows.length - 1] = [
        time,
        last.users,
        '',
        'Aggregated',
        (last.requests / last.span).toFixed(6),
        (last.errors / last.span).toFixed(6),
        ...last.cells,
        ...totals,
      ];
      continue;
    }
    const cells = PERCENTILES.map((q) =>
      q === 50 ? Math.round(p.p50) : q === 95 ? Math.round(p.p95) : q === 99 ? Math.round(p.p99) : 'N/A',
    );
    last = { time, users: p.users, requests: p.rps * span, errors: p.errors, span, cells };
    rows.push([time, p.users, '', 'Aggregated', p.rps.toFixed(6), (p.errors / span).toFixed(6), ...cells, ...totals]);
  }
  return `${rows.map(csvRow).join('\n')}\n`;
}

/** `failures.csv`: Method, Name, Error, Occurrences. */
export function failuresCsv(results: Results): string {
  const rows: Array<Array<string | number>> = [['Method', 'Name', 'Error', 'Occurrences']];
  for (const f of results.overall.failures) rows.push([f.method, f.request, f.reason, f.count]);
  return `${rows.map(csvRow).join('\n')}\n`;
}

/** `exceptions.csv`: an error of the generator itself (none are swallowed: it ends the run), or a target failure. */
export function exceptionsCsv(results: Results): string {
  const rows: Array<Array<string | number>> = [['Count', 'Message', 'Traceback', 'Nodes']];
  if (results.stop_cause === 'target-failed' || results.stop_cause === 'engine-error')
    rows.push([1, results.stop_reason ?? results.stop_cause, '', 'local']);
  return `${rows.map(csvRow).join('\n')}\n`;
}

/** `capacity.csv`: one row per probe of a capacity search, in the order run. */
export function capacityCsv(results: Results): string {
  const c = results.capacity;
  const rows: Array<Array<string | number>> = [
    [
      'Load',
      'Unit',
      'Achieved Requests/s',
      'Request Count',
      'Seconds',
      '50%',
      '95%',
      '99%',
      'Error Rate',
      'Verdict',
      'Decided',
      'Repeat',
      'CPU %',
      'Memory MB',
    ],
  ];
  for (const p of c?.probes ?? []) {
    rows.push([
      p.load,
      c!.unit,
      p.achieved_rps,
      p.count,
      p.seconds,
      p.p50,
      p.p95,
      p.p99,
      p.error_rate,
      p.verdict,
      p.decided,
      p.repeat ? 'yes' : '',
      p.cpu_percent ?? '',
      p.memory_mb ?? '',
    ]);
  }
  return `${rows.map(csvRow).join('\n')}\n`;
}

/** `tokens.csv`: streamed answers per request name (and all of them), times in ms. */
export function tokensCsv(results: Results): string {
  const rows: Array<Array<string | number>> = [
    [
      'Type',
      'Name',
      'Answers',
      'Output Tokens',
      'Output Tokens/s',
      'TTFT 50%',
      'TTFT 95%',
      'TTFT 99%',
      'TPOT 50%',
      'TPOT 95%',
      'TPOT 99%',
      'ITL 50%',
      'ITL 95%',
      'ITL 99%',
      'ITL Max',
      'Good',
      'Goodput',
    ],
  ];
  const row = (type: string, name: string, t: TokenStats) => [
    type,
    name,
    t.answers,
    t.output_tokens,
    t.output_tokens_per_s,
    t.ttft_ms.p50,
    t.ttft_ms.p95,
    t.ttft_ms.p99,
    t.tpot_ms.p50,
    t.tpot_ms.p95,
    t.tpot_ms.p99,
    t.itl_ms.p50,
    t.itl_ms.p95,
    t.itl_ms.p99,
    t.itl_ms.max,
    t.good ?? '',
    t.goodput ?? '',
  ];
  for (const [name, s] of Object.entries(results.requests)) if (s.tokens) rows.push(row(s.method, name, s.tokens));
  if (results.overall.tokens) rows.push(row('', 'Aggregated', results.overall.tokens));
  return `${rows.map(csvRow).join('\n')}\n`;
}
