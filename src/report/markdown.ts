import type { Baseline, Check, Comparison, HistoryTrend, Verdict } from '../gate/index.ts';
import type { CapacityFigures, Results, SeriesPoint } from '../metrics/index.ts';
import {
  capacityText,
  describeMetric,
  exportText,
  failureModeText,
  formatChange,
  formatInterval,
  formatValue,
  headline,
  limitText,
  noticeText,
  rankText,
  showDrift,
  spikeText,
  STATUS_TITLE,
  shardsText,
  tokenTable,
  tokenTableTitle,
  trendText,
  undecidedText,
  unlimitedMovesText,
  probeTable,
} from './words.ts';

export interface ReportLinks {
  /** What the run is called in the trend's words: "this PR" in a pull request's comment. */
  subject?: string;
  runUrl?: string;
  /** The artifact the run's files are uploaded as, listed on the workflow run's page. */
  artifactName?: string;
  /** The uploaded artifact's own page, once the upload has answered. */
  artifactUrl?: string;
  /** The upload failed: the files are only in the job's workspace, gone with the runner. */
  notUploaded?: boolean;
  /** Where the files are when no artifact was uploaded. */
  resultsPath?: string;
}

/** Hidden marker that finds this scenario's comment again on later pushes. */
export function commentMarker(scenario: string): string {
  return `<!-- mlload-action:comment:${scenario.replace(/[^A-Za-z0-9._-]/g, '_')} -->`;
}

/**
 * Bidirectional overrides and other invisible format characters shown as `<U+202E>`: text in the
 * report cannot reverse or hide what follows it.
 */
export function visibleControls(text: string): string {
  return text.replace(
    /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g,
    (c) => (c === '\t' ? ' ' : `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`),
  );
}

/**
 * Text as a code span, where GitHub renders nothing: no links, mentions, issue references, math or
 * HTML. The fence is longer than any run of backticks inside; in a table a pipe is escaped (GFM
 * unescapes `\|` inside cells, code spans included), elsewhere left as it is.
 */
export function codeSpan(text: string, inTable = true): string {
  let t = visibleControls(text).replace(/[\r\n]+/g, ' ');
  if (t === '') return '';
  if (inTable) t = t.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(t.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = t.startsWith('`') || t.endsWith('`') || /^ .* $/.test(t) ? ' ' : '';
  return `${fence}${pad}${t}${pad}${fence}`;
}

/** Text as a fenced code block (lines), its fence longer than any run of backticks inside. */
export function fencedBlock(text: string): string[] {
  const t = visibleControls(text.replace(/\r\n?/g, '\n'));
  const longest = Math.max(2, ...(t.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}text`, ...t.split('\n'), fence];
}

/** A notice keeps its code spans; no HTML, and no line break that would end the note. */
function noticeMarkdown(text: string): string {
  return visibleControls(text)
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\r\n]+/g, ' ');
}

/** Our own words with names in them (notices, notes): markup made literal, controls made visible. */
export function escapeText(text: string): string {
  return visibleControls(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '&#124;')
    .replace(/`/g, '&#96;')
    .replace(/@/g, '&#64;')
    .replace(/\[/g, '&#91;')
    .replace(/\]/g, '&#93;')
    .replace(/\*/g, '&#42;')
    .replace(/_/g, '&#95;')
    .replace(/[\r\n\t]+/g, ' ');
}

const ICON: Record<string, string> = {
  pass: '✅',
  fail: '❌',
  inconclusive: '❔',
  improved: '🟢',
  info: '',
  'no-baseline': '⚪',
};

function checkRow(c: Check, withScope: boolean): string {
  const cells = [
    ...(withScope ? [c.scope === 'overall' ? 'all' : codeSpan(c.scope)] : []),
    `${describeMetric(c.metric)}${c.kind === 'slo' ? ' (SLO)' : ''}`,
    c.baseline === null ? '' : formatValue(c.metric, c.baseline, c.unit),
    formatValue(c.metric, c.value, c.unit),
    formatChange(c),
    formatInterval(c),
    limitText(c),
    `${ICON[c.status]} ${c.status === 'info' ? '' : c.status}`.trim(),
  ];
  return `| ${cells.join(' | ')} |`;
}

function table(checks: Check[], withScope: boolean, comparison: Comparison | null): string[] {
  const paired = comparison?.against === 'image';
  const level = comparison ? `${Math.round(comparison.confidence * 100)}% interval` : 'Interval';
  const header = [
    ...(withScope ? ['Request'] : []),
    'Metric',
    paired ? 'A: reference' : 'Baseline',
    paired ? 'B: this build' : 'This run',
    paired ? 'B/A' : 'Change',
    level,
    'Limit',
    'Status',
  ];
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...checks.map((c) => checkRow(c, withScope)),
  ];
}

/** Paired runs: how the two builds were compared, and each block pair's ratio. */
function pairedSection(comparison: Comparison): string[] {
  const blocks = comparison.blocks ?? [];
  if (blocks.length === 0) return [];
  const r = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
  return [
    `<details><summary>Per block pair: B/A (${blocks.length} pairs, run A, B, A, B, …)</summary>`,
    '',
    '| Pair | Order | p50 | p95 | p99 | Error rate B−A |',
    '|---|---|---|---|---|---|',
    ...blocks.map(
      (b) =>
        `| ${b.index + 1} | ${b.first === 'candidate' ? 'B, A' : 'A, B'} | ${r(b.p50)} | ${r(b.p95)} | ` +
        `${r(b.p99)} | ${(b.error_rate * 100).toFixed(2)} pts |`,
    ),
    '',
    '</details>',
    '',
  ];
}

/** Mermaid xychart of p50/p95/p99 per second (GitHub renders it in comments and summaries). */
export function latencyChart(series: SeriesPoint[], warmupS = 0, maxPoints = 60): string[] {
  // Measured seconds only, labelled from the start of measurement; the final partial second would repeat a label.
  const points = series.filter(
    (p, i, all) => p.phase === 'measure' && Math.round(p.t - warmupS) !== Math.round((all[i - 1]?.t ?? -1) - warmupS),
  );
  if (points.length < 2) return [];
  const step = Math.ceil(points.length / maxPoints);
  const picked = points.filter((_, i) => i % step === 0);
  return xyChart(
    'Latency per second (ms)',
    `"seconds since the warm-up ended" [${picked.map((p) => Math.round(p.t - warmupS)).join(', ')}]`,
    'ms',
    (['p50', 'p95', 'p99'] as const).map((q) => ({ label: q, values: picked.map((p) => p[q]) })),
  );
}

/**
 * The colours of a Mermaid chart's lines, in order, each with the square emoji nearest it: xychart draws no legend, so
 * the line under the chart names each colour.
 */
const LINE_COLOURS: ReadonlyArray<readonly [string, string]> = [
  ['🟦', '#3b88c3'],
  ['🟧', '#f4900c'],
  ['🟥', '#dd2e44'],
  ['🟩', '#78b159'],
  ['🟪', '#aa8ed6'],
];

/** One line of a chart: what it is, and its values. */
interface ChartLine {
  label: string;
  values: number[];
}

/**
 * A Mermaid xychart: lines over one x axis in fixed colours, the y axis from 0 to a tenth above the highest value,
 * then the legend Mermaid does not draw.
 */
function xyChart(title: string, xAxis: string, yLabel: string, lines: ChartLine[]): string[] {
  const fmt = (x: number) => (Math.round(x * 10) / 10).toString();
  const top = Math.max(1, ...lines.flatMap((l) => l.values));
  const colours = lines.map((_, i) => LINE_COLOURS[i % LINE_COLOURS.length]!);
  const palette = JSON.stringify(colours.map(([, hex]) => hex).join(', '));
  return [
    '```mermaid',
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": ${palette}}}}}%%`,
    'xychart-beta',
    `  title "${title}"`,
    `  x-axis ${xAxis}`,
    `  y-axis "${yLabel}" 0 --> ${Math.ceil(top * 1.1)}`,
    ...lines.map((l) => `  line [${l.values.map(fmt).join(', ')}]`),
    '```',
    '',
    `Lines: ${lines.map((l, i) => `${colours[i]![0]} ${escapeText(l.label)}`).join(' · ')}`,
  ];
}

/** The report: PR comment, job summary and report.md share it. */
export function markdownReport(
  results: Results,
  verdict: Verdict,
  links: ReportLinks = {},
  trend: HistoryTrend | null = null,
): string {
  const name = results.scenario.name;
  const lines: string[] = [
    commentMarker(name),
    `### ${ICON[verdict.status]} mlload ${codeSpan(name, false)}: ${STATUS_TITLE[verdict.status]}: ` +
      `${escapeText(headline(verdict))}`,
    '',
    ...headSection(results),
    ...comparisonSection(verdict.comparison),
  ];
  for (const n of verdict.notices) lines.push(`> [!NOTE]\n> ${noticeMarkdown(noticeText(n))}`, '');
  lines.push(...checksSection(verdict));
  if (trend) lines.push(...trendSection(trend, links.subject ?? 'this run'));
  lines.push(...perRequestSection(verdict));
  if (verdict.comparison) lines.push(...pairedSection(verdict.comparison));
  lines.push(...failuresSection(results), ...targetSection(results));
  lines.push(...exportSection(results));
  if (results.capacity) lines.push(...capacitySection(results.capacity));
  const drift = verdict.checks.some((c) => c.metric === 'p95_drift' || c.metric === 'memory_drift');
  lines.push(...limitsOfTimeSection(results, drift));
  const chart = latencyChart(results.series, results.warmup_s);
  if (chart.length > 0) lines.push('<details><summary>Latency over time</summary>', '', ...chart, '', '</details>', '');
  lines.push(footerLine(results, links));
  return `${lines.join('\n')}\n`;
}

/** The run in one sentence, the shards it was merged from, the token figures of streamed answers. */
function headSection(results: Results): string[] {
  const o = results.overall;
  const l = o.latency_ms;
  const lines = [
    `${o.count} requests in ${results.duration_s.toFixed(1)} s (${o.rps.toFixed(1)} req/s), error rate ` +
      `${(o.error_rate * 100).toFixed(2)}%, ` +
      `p50 ${l.p50.toFixed(1)} ms, p95 ${l.p95.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms.`,
    '',
  ];
  if (results.shards) lines.push(shardsText(results.shards), '');
  const tokens = tokenTable(results);
  if (tokens.length === 0) return lines;
  return [
    ...lines,
    `<details><summary>${escapeText(tokenTableTitle(results))}</summary>`,
    '',
    `| ${tokens[0]!.join(' | ')} |`,
    `|${tokens[0]!.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...tokens.slice(1).map(([name, ...cells]) => `| ${codeSpan(name!)} | ${cells.join(' | ')} |`),
    '',
    '</details>',
    '',
  ];
}

/** What the run was compared with, and how the intervals are made. */
function comparisonSection(comparison: Comparison | null): string[] {
  if (comparison?.against === 'image') {
    const a = comparison.reference_figures;
    const figures = a
      ? ` A: ${a.count} requests, p50 ${a.p50.toFixed(1)} ms, p95 ${a.p95.toFixed(1)} ms, p99 ${a.p99.toFixed(1)} ms.`
      : '';
    return [
      `Paired A/B run: **A** is the reference build ${codeSpan(comparison.reference, false)}, **B** this build; ` +
        `the load alternated between them (A, B, A, B, …) in ${comparison.blocks?.length ?? 0} block pairs with the ` +
        `same arrivals and payloads, so slowness of the whole runner falls on both. B/A is the geometric mean of the ` +
        `block pairs' ratios (error rate: the whole-run difference), so drift across the run cancels; its interval ` +
        `comes from their spread. A and B are each build's whole-run figures.${figures}`,
      '',
    ];
  }
  if (comparison?.against === 'history')
    return [
      `Compared with the last ${comparison.baseline_runs} runs of the default branch on this kind of machine ` +
        `(history ${codeSpan(comparison.reference, false)}); intervals weigh the change against the spread of those ` +
        `runs and the noise seen within this run.`,
      '',
    ];
  if (!comparison) return [];
  const runs = comparison.baseline_runs ?? 1;
  return [
    `Compared with ${codeSpan(comparison.reference, false)} (${runs} ${runs === 1 ? 'run' : 'runs'}); intervals ` +
      `weigh the change against the noise seen within this run and across the baseline's runs.`,
    '',
  ];
}

/** The overall checks' table and, for each undecided check, why. */
function checksSection(verdict: Verdict): string[] {
  const comparison = verdict.comparison;
  const overall = verdict.checks.filter((c) => c.scope === 'overall');
  const lines =
    overall.length > 0
      ? [...table(overall, false, comparison), '']
      : ['No SLOs or baseline figures to compare; the figures are in the attached results.', ''];
  const moved = unlimitedMovesText(verdict);
  if (moved) lines.push(`> [!NOTE]\n> ${escapeText(moved)}.`, '');
  const undecided = verdict.checks.flatMap((c) => {
    const why = undecidedText(c, comparison);
    return why ? [{ c, why }] : [];
  });
  if (undecided.length === 0) return lines;
  lines.push('**Inconclusive**', '');
  for (const { c, why } of undecided) {
    const scope = c.scope === 'overall' ? '' : `${codeSpan(c.scope, false)} `;
    lines.push(`- ${scope}${describeMetric(c.metric)}: ${escapeText(why)}.`);
  }
  return [...lines, ''];
}

/** Each request name's checks, folded unless one of them failed or is undecided. */
function perRequestSection(verdict: Verdict): string[] {
  const perRequest = verdict.checks.filter((c) => c.scope !== 'overall');
  if (perRequest.length === 0) return [];
  const failing = perRequest.some((c) => c.status === 'fail' || c.status === 'inconclusive');
  return [
    `<details${failing ? ' open' : ''}><summary>Per request</summary>`,
    '',
    ...table(perRequest, true, verdict.comparison),
    '',
    '</details>',
    '',
  ];
}

/** Why requests failed: the reasons counted, and a sample answer of each in a code block. */
function failuresSection(results: Results): string[] {
  const failures = results.overall.failures;
  if (failures.length === 0) return [];
  const total = failures.reduce((a, f) => a + f.count, 0);
  const shown = failures.slice(0, 20);
  const lines = [`**Failures** (${total}, by reason)`, '', '| Request | Reason | Count |', '|---|---|---|'];
  for (const f of shown) lines.push(`| ${codeSpan(f.request)} | ${codeSpan(f.reason)} | ${f.count} |`);
  if (failures.length > 20) lines.push(`| … | ${failures.length - 20} more reasons in failures.csv | |`);
  lines.push('');
  // The server's words go in code blocks only: nothing in them renders as a link, mention or markup.
  const sampled = shown.filter((f) => f.samples[0]);
  if (sampled.length === 0) return lines;
  lines.push('<details><summary>Sample responses</summary>', '');
  for (const f of sampled)
    lines.push(`${codeSpan(f.request, false)} ${codeSpan(f.reason, false)}:`, '', ...fencedBlock(f.samples[0]!), '');
  return [...lines, '</details>', ''];
}

/** Where the figures were exported, as a warning when samples were dropped. */
function exportSection(results: Results): string[] {
  const text = results.export && exportText(results.export);
  if (!text) return [];
  const line = `${escapeText(`${text[0]!.toUpperCase()}${text.slice(1)}`)}.`;
  const dropped = (results.export?.prometheus?.samples_dropped ?? 0) + (results.export?.otlp?.samples_dropped ?? 0);
  return [dropped > 0 ? `> [!WARNING]\n> ${line}` : line, ''];
}

/** A container target's cold start and resources. */
function targetSection(results: Results): string[] {
  const t = results.target;
  if (t.cold_start_ms === undefined) return [];
  const first = t.first_prediction_ms?.toFixed(0) ?? 'n/a';
  const resources = t.cpu_percent
    ? ` CPU mean ${t.cpu_percent.mean.toFixed(0)}% (peak ${t.cpu_percent.peak.toFixed(0)}%), memory mean ` +
      `${t.memory_mb!.mean.toFixed(0)} MB (peak ${t.memory_mb!.peak.toFixed(0)} MB).`
    : '';
  return [
    `Container ${codeSpan(t.image ?? '', false)}: healthy after ${t.cold_start_ms.toFixed(0)} ms, first ` +
      `prediction after ${first} ms.${resources}`,
    '',
  ];
}

/** Where the files are, and what the latency means. */
function footerLine(results: Results, links: ReportLinks): string {
  const footer: string[] = [];
  if (links.notUploaded) {
    footer.push(
      `results: not uploaded (the job's log says why)${links.runUrl ? ` · [workflow run](${links.runUrl})` : ''}`,
    );
  } else if (links.artifactName && links.artifactUrl) {
    footer.push(`results: the [${codeSpan(links.artifactName, false)} artifact](${links.artifactUrl})`);
  } else if (links.artifactName) {
    const artifact = `the ${codeSpan(links.artifactName, false)} artifact`;
    footer.push(links.runUrl ? `results: ${artifact} of the [workflow run](${links.runUrl})` : `results: ${artifact}`);
  } else {
    if (links.runUrl) footer.push(`[workflow run](${links.runUrl})`);
    if (links.resultsPath) footer.push(`results in ${codeSpan(links.resultsPath, false)}`);
  }
  if (results.load.model === 'open')
    footer.push("latency is coordinated-omission corrected (measured from each request's scheduled time)");
  return `<sub>${footer.join(' · ')}</sub>`;
}

/** The job summary of a baseline refresh: the merged figures, each run's p95, where it was written. */
export function baselineMarkdown(name: string, baseline: Baseline, path: string): string {
  const o = baseline.overall;
  const spread = (baseline.per_run ?? []).map((r) => r.p95.toFixed(1)).join(', ');
  return `${[
    `### mlload ${codeSpan(name, false)}: baseline refreshed from ${baseline.runs} ` +
      `${baseline.runs === 1 ? 'run' : 'runs'}`,
    '',
    `| Requests | req/s | error rate | p50 | p95 | p99 |`,
    '|---|---|---|---|---|---|',
    `| ${o.count} | ${o.rps} | ${(o.error_rate * 100).toFixed(2)}% | ${o.latency_ms.p50} ms | ${o.latency_ms.p95} ` +
      `ms | ${o.latency_ms.p99} ms |`,
    '',
    `p95 of each run: ${spread} ms. Written to ${codeSpan(path, false)}.`,
  ].join('\n')}\n`;
}

/**
 * This run among the default branch's last runs: one line per metric, and a chart each (this run's value the flat
 * line).
 */
function trendSection(t: HistoryTrend, subject: string): string[] {
  const lines = [
    `**Trend**: ${t.ranks.map((r) => escapeText(rankText(r, subject))).join('; ')} (on this kind of machine).`,
    '',
  ];
  if (t.runs.length < 2) return lines;
  const chart = (metric: 'p95' | 'p99' | 'rps' | 'capacity', unit: string) => {
    const values = t.runs.map((r) => r[metric]);
    const now = t.current[metric];
    if (now === null || values.some((v) => v === null)) return [];
    const name = metric === 'rps' ? 'throughput' : metric;
    const title = `${name} (${unit}) of the last ${values.length} main runs, oldest first`;
    return [
      ...xyChart(title, `"main runs" 1 --> ${values.length}`, unit, [
        { label: `${name} of each main run`, values: values as number[] },
        { label: `${subject} (flat)`, values: values.map(() => now) },
      ]),
      '',
    ];
  };
  lines.push(
    '<details><summary>Trend charts</summary>',
    '',
    ...chart('p95', 'ms'),
    ...chart('p99', 'ms'),
    ...chart('rps', 'req/s'),
    ...chart('capacity', 'req/s'),
    '</details>',
    '',
  );
  return lines;
}

/** Mermaid xycharts of a capacity search against the offered load: p99 with the SLO's line, and throughput achieved. */
export function capacityCharts(c: CapacityFigures): string[] {
  const probes = [...c.probes].sort((a, b) => a.load - b.load);
  if (probes.length < 2) return [];
  const xs = `"offered (${c.unit})" [${probes.map((p) => (Math.round(p.load * 10) / 10).toString()).join(', ')}]`;
  const p99Limit = c.slo.p99;
  const offered = c.unit === 'req/s';
  return [
    ...xyChart('p99 (ms) against the load offered', xs, 'ms', [
      { label: 'p99', values: probes.map((p) => p.p99) },
      ...(p99Limit !== undefined ? [{ label: `the ${p99Limit} ms limit`, values: probes.map(() => p99Limit) }] : []),
    ]),
    '',
    ...xyChart('Throughput (req/s) against the load offered', xs, 'req/s', [
      { label: 'achieved', values: probes.map((p) => p.achieved_rps) },
      ...(offered ? [{ label: 'offered', values: probes.map((p) => p.load) }] : []),
    ]),
  ];
}

/** Each spike's recovery, and the trends of a soak (or of a run gated on drift). */
function limitsOfTimeSection(results: Results, gatedOnDrift: boolean): string[] {
  const lines: string[] = [];
  const unit = results.load.model === 'closed' ? 'users' : 'req/s';
  if (results.spikes?.length) {
    lines.push(
      `**Spikes**: recovery is the time from a spike's start until the requests due in every following second have ` +
        `a p95 within ${results.spikes[0]!.bound_ms} ms (a backlog makes every request due while it lasts late).`,
      '',
    );
    for (const s of results.spikes) lines.push(`- ${escapeText(spikeText(s, unit))}`);
    lines.push('');
  }
  const d = results.drift;
  if (d && showDrift(results, gatedOnDrift)) {
    const trends = [
      d.p95 ? trendText('p95', d.p95) : null,
      d.memory_mb ? trendText('memory', d.memory_mb) : null,
    ].filter((x) => x !== null);
    lines.push(
      `**Drift** per hour (Theil–Sen slope, ${Math.round(d.confidence * 100)}% interval):`,
      '',
      ...trends.map((t) => `- ${escapeText(t)}`),
      '',
    );
  }
  return lines;
}

function capacitySection(c: CapacityFigures): string[] {
  const lines = [`**Capacity**: ${escapeText(capacityText(c))}.`, ''];
  if (c.failure) lines.push(`Failure mode at the lowest failing load: ${escapeText(failureModeText(c.failure))}.`, '');
  const atCapacity = c.probes.filter((p) => p.verdict === 'pass' && p.load === c.value).pop();
  if (atCapacity?.cpu_percent !== undefined)
    lines.push(
      `At capacity the container used ${atCapacity.cpu_percent.toFixed(0)}% CPU (mean) and ` +
        `${atCapacity.memory_mb?.toFixed(0)} MB (peak).`,
      '',
    );
  const [head, ...rows] = probeTable(c);
  const status = (v: string) => `${v.startsWith('pass') ? '✅' : '❌'} ${v}`;
  lines.push(
    '<details><summary>Capacity probes</summary>',
    '',
    `| ${head!.join(' | ')} |`,
    `|${head!.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${[...r.slice(0, -1), status(r.at(-1)!)].join(' | ')} |`),
    '',
    ...capacityCharts(c),
    '',
    '</details>',
    '',
  );
  return lines;
}
