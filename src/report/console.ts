import type { Check, Verdict } from '../gate/index.ts';
import {
  capacityText,
  checkCells,
  checkHeaders,
  describeMetric,
  failureModeText,
  headline,
  noticeText,
  showDrift,
  shardsText,
  spikeText,
  tokenTable,
  tokenTableTitle,
  trendText,
  undecidedText,
} from './words.ts';
import type { CapacityFigures, Results, SeriesPoint } from '../metrics/index.ts';

const fmt = (x: number, digits = 1) => x.toFixed(digits);

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

/** The final table: one row per request name and the total, latencies in ms. */
export function resultsTable(results: Results): string {
  const header = ['Name', '# reqs', '# fails', 'req/s', 'p50', 'p90', 'p95', 'p99', 'max'];
  const row = (name: string, s: Results['overall']) => [
    name,
    String(s.count),
    `${s.failure_count} (${fmt(s.error_rate * 100, 2)}%)`,
    fmt(s.rps, 2),
    fmt(s.latency_ms.p50),
    fmt(s.latency_ms.p90),
    fmt(s.latency_ms.p95),
    fmt(s.latency_ms.p99),
    fmt(s.latency_ms.max),
  ];
  const rows = [
    header,
    ...Object.entries(results.requests).map(([n, s]) => row(n, s)),
    row('Aggregated', results.overall),
  ];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => pad(r, widths));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  lines.splice(lines.length - 1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const open = results.load.model === 'open';
  const out = [
    `Latency in ms over ${fmt(results.duration_s)} ` +
      `s${open ? ", from each request's scheduled time (coordinated-omission corrected)" : ''}`,
    ...lines,
  ];
  if (results.shards) out.push(shardsText(results.shards));
  const tokens = tokenTable(results);
  if (tokens.length > 0) {
    const w = tokens[0]!.map((_, i) => Math.max(...tokens.map((r) => r[i]!.length)));
    out.push(
      '',
      tokenTableTitle(results),
      pad(tokens[0]!, w),
      w.map((x) => '-'.repeat(x)).join('  '),
      ...tokens.slice(1).map((r) => pad(r, w)),
    );
  }
  const o = results.overall;
  if (open && o.offered_rps !== undefined && Math.abs(o.rps - o.offered_rps) > 0.01 * o.offered_rps) {
    out.push(
      `Throughput: ${fmt(o.rps, 2)} req/s achieved of ${fmt(o.offered_rps, 2)} req/s offered: the model fell ` +
        `behind the arrivals.`,
    );
  }
  if (results.overall.failures.length > 0) {
    out.push('', 'Failures:');
    for (const f of results.overall.failures) out.push(`  ${String(f.count).padStart(7)}  ${f.request}: ${f.reason}`);
  }
  const t = results.target;
  if (t.cold_start_ms !== undefined)
    out.push(
      '',
      `Cold start: ${fmt(t.cold_start_ms, 0)} ms to healthy, ` +
        (t.first_prediction_ms !== undefined
          ? `${fmt(t.first_prediction_ms, 0)} ms to the first prediction`
          : 'no successful prediction'),
    );
  if (t.cpu_percent)
    out.push(
      `Container: CPU mean ${fmt(t.cpu_percent.mean)}% peak ${fmt(t.cpu_percent.peak)}%, memory mean ` +
        `${fmt(t.memory_mb!.mean)} MB peak ${fmt(t.memory_mb!.peak)} MB`,
    );
  if (results.interrupted) out.push('', `Stopped early: ${results.stop_reason}`);
  if (results.capacity) out.push('', ...capacityLines(results.capacity));
  out.push(...limitsOfTimeLines(results));
  return out.join('\n');
}

/** Each spike's recovery; the trends of a run long enough to show them (a soak, or one gated on drift). */
export function limitsOfTimeLines(results: Results): string[] {
  const out: string[] = [];
  const unit = results.load.model === 'closed' ? 'users' : 'req/s';
  if (results.spikes?.length) out.push('', 'Spikes:', ...results.spikes.map((s) => `  ${spikeText(s, unit)}`));
  const d = results.drift;
  if (d && showDrift(results)) {
    const trends = [
      d.p95 ? trendText('p95', d.p95) : null,
      d.memory_mb ? trendText('memory', d.memory_mb) : null,
    ].filter((x) => x !== null);
    out.push(
      '',
      `Drift per hour (Theil–Sen, ${Math.round(d.confidence * 100)}% interval):`,
      ...trends.map((t) => `  ${t}`),
    );
  }
  return out;
}

/** The capacity search: its result, how the lowest failing probe failed, and every probe. */
export function capacityLines(c: CapacityFigures): string[] {
  const out = [`Capacity: ${capacityText(c)}`];
  if (c.failure) out.push(`Failure mode: ${failureModeText(c.failure)}`);
  const header = [
    c.unit === 'users' ? 'users' : 'offered',
    'achieved',
    'p50',
    'p95',
    'p99',
    'errors',
    'cpu',
    'memory',
    'verdict',
  ];
  const rows = [
    header,
    ...c.probes.map((p) => [
      String(p.load),
      fmt(p.achieved_rps),
      fmt(p.p50),
      fmt(p.p95),
      fmt(p.p99),
      `${fmt(p.error_rate * 100, 2)}%`,
      p.cpu_percent !== undefined ? `${fmt(p.cpu_percent)}%` : '',
      p.memory_mb !== undefined ? `${fmt(p.memory_mb)} MB` : '',
      `${p.verdict}${p.decided === 'time' ? ' (time up)' : ''}${p.repeat ? ' (repeat)' : ''}`,
    ]),
  ];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  out.push(...rows.map((r) => pad(r, widths)));
  return out;
}

/** What a progress line counts against: the warm-up, then the measured seconds (paired runs: both builds'). */
export interface ProgressPlan {
  warmupS: number;
  durationS: number;
}

/** The progress plan of a scenario: a paired run measures and warms up each build in turn. */
export function progressPlan(load: { warmupMs: number; durationMs: number }, paired: boolean): ProgressPlan {
  const k = paired ? 2 : 1;
  return { warmupS: (k * load.warmupMs) / 1000, durationS: (k * load.durationMs) / 1000 };
}

/**
 * A listener for the run's seconds that prints progress: every second in place on a terminal
 * (`live`), else one line every 5 s, as CI logs want.
 */
export function progressPrinter(
  plan: ProgressPlan,
  print: (line: string) => void,
  live = false,
): (p: SeriesPoint) => void {
  let errors = 0;
  let lastPrint = 0;
  return (p) => {
    errors += p.errors;
    if (live) print(`\r${progressLine(p, plan, errors)}\x1b[K`);
    else if (p.t - lastPrint >= 5) {
      lastPrint = p.t;
      print(progressLine(p, plan, errors));
    }
  };
}

/** One progress line: where the run is (warm-up, measured seconds of the table's total, drain), rate, p95, errors. */
export function progressLine(p: SeriesPoint, plan: ProgressPlan, errorsSoFar: number): string {
  const width = 20;
  const measured = Math.min(Math.max(0, p.t - plan.warmupS), plan.durationS);
  const filled = Math.round((measured / Math.max(1, plan.durationS)) * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const where =
    p.phase === 'warmup'
      ? `warm-up ${fmt(Math.min(p.t, plan.warmupS), 0)}/${fmt(plan.warmupS, 0)}s`
      : p.phase === 'drain'
        ? `drain +${fmt(Math.max(0, p.t - plan.warmupS - plan.durationS), 0)}s`
        : `${fmt(measured, 0).padStart(4)}/${fmt(plan.durationS, 0)}s`;
  return (
    `${bar} ${where.padEnd(14)} ${fmt(p.rps).padStart(8)} req/s  p95 ${fmt(p.p95).padStart(7)} ms  errors ` +
    `${errorsSoFar}  in flight ${p.in_flight}${p.cpu_percent !== undefined ? `  cpu ${fmt(p.cpu_percent)}%` : ''}`
  );
}

/** The verdict for logs: its line, notices, the checks, and why anything was left undecided. */
export function verdictText(verdict: Verdict): string {
  const out = [`${verdict.status.toUpperCase()}: ${headline(verdict)}`];
  for (const n of verdict.notices) out.push(`note: ${noticeText(n)}`);
  if (verdict.checks.length > 0) out.push(checksTable(verdict.checks, verdict.comparison?.against === 'image'));
  for (const c of verdict.checks) {
    const why = undecidedText(c, verdict.comparison);
    if (why) out.push(`inconclusive: ${c.scope} ${describeMetric(c.metric)}: ${why}`);
  }
  const blocks = verdict.comparison?.blocks;
  if (blocks?.length)
    out.push(
      `B/A p95 per block pair: ${blocks.map((b) => (Number.isFinite(b.p95) ? b.p95.toFixed(3) : 'n/a')).join(' ')}`,
    );
  return out.join('\n');
}

/** The verdict's rows as a plain table for logs. */
export function checksTable(checks: Check[], paired = false): string {
  const rows = [checkHeaders(paired), ...checks.map(checkCells)];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
