import type { HistoryTrend, Verdict } from '../gate/index.ts';
import { decodeHistogram, histogramOf, percentileCurve, type Results } from '../metrics/index.ts';
import { UPLOT_CSS, UPLOT_JS, UPLOT_LICENSE, UPLOT_VERSION } from '../../vendor/uplot.ts';
import {
  capacityText,
  checkCells,
  checkHeaders,
  failureModeText,
  headline,
  rankText,
  spikeText,
  STATUS_TITLE,
  tokenTable,
  tokenTableTitle,
  trendText,
} from './words.ts';
import { own } from '../shared/own.ts';

/** What a report page is made of: a run, its verdict, and what it was compared with. */
export interface HtmlInput {
  results: Results;
  verdict: Verdict | null;
  /** The reference build's results, in a paired run. */
  reference?: Results | null;
  trend?: HistoryTrend | null;
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** JSON inside a <script> element: nothing in it can close the element or open a comment. */
const scriptJson = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

/**
 * Streamed answers' TTFT, TPOT and ITL as HDR percentile plots on one x (the ITL's, which has the most samples); null
 * without streams.
 */
function tokenCurves(results: Results) {
  const t = results.overall.tokens;
  if (!t || t.answers === 0) return null;
  const curves = (
    [
      ['TTFT', t.ttft_histogram],
      ['TPOT', t.tpot_histogram],
      ['ITL', t.itl_histogram],
    ] as const
  ).map(([name, h]) => [name, percentileCurve(decodeHistogram(h))] as const);
  const x = [...curves].sort((a, b) => b[1].length - a[1].length)[0]![1].map(([q]) => q);
  return {
    x,
    lines: Object.fromEntries(
      curves.map(([name, c]) => [
        name,
        (() => {
          const m = new Map(c);
          return x.map((q) => m.get(q) ?? null);
        })(),
      ]),
    ),
  };
}

/** The numbers each chart draws, in columns as uPlot takes them; a chart whose data is absent is left out. */
function chartData({ results, verdict, trend }: HtmlInput) {
  const s = results.series;
  const names = Object.keys(results.requests);
  const col = <T>(f: (p: Results['series'][number]) => T) => s.map(f);
  const curve = (h: { histogram: string }) => (h.histogram ? percentileCurve(histogramOf(h)) : []);
  const overallCurve = curve(results.overall);
  const watched = s.some((p) => p.cpu_percent !== undefined);
  const c = results.capacity;
  const probes = c ? [...c.probes].sort((a, b) => a.load - b.load) : [];
  const blocks = verdict?.comparison?.blocks ?? [];
  return {
    warmup_s: results.warmup_s,
    series: {
      t: col((p) => p.t),
      rps: col((p) => p.rps),
      errors: col((p) => p.errors),
      p50: col((p) => p.p50),
      p95: col((p) => p.p95),
      p99: col((p) => p.p99),
      ...(watched ? { cpu: col((p) => p.cpu_percent ?? null), memory: col((p) => p.memory_mb ?? null) } : {}),
      names: Object.fromEntries(
        names.map((n) => [
          n,
          {
            p50: col((p) => p.requests?.[n]?.p50 ?? null),
            p95: col((p) => p.requests?.[n]?.p95 ?? null),
            p99: col((p) => p.requests?.[n]?.p99 ?? null),
          },
        ]),
      ),
    },
    percentiles: {
      x: overallCurve.map(([x]) => x),
      lines: Object.fromEntries([
        ['all requests', overallCurve.map(([, y]) => y)],
        ...names.map((n) => {
          const mine = new Map(curve(own(results.requests, n)!).map(([x, y]) => [x, y]));
          return [n, overallCurve.map(([x]) => mine.get(x) ?? null)];
        }),
      ]),
    },
    tokens: tokenCurves(results),
    capacity:
      probes.length >= 2
        ? {
            unit: c!.unit,
            offered: probes.map((p) => p.load),
            p99: probes.map((p) => p.p99),
            achieved: probes.map((p) => p.achieved_rps),
            limit: c!.slo.p99 ?? null,
          }
        : null,
    blocks:
      blocks.length > 0
        ? {
            index: blocks.map((b) => b.index + 1),
            p50: blocks.map((b) => b.p50),
            p95: blocks.map((b) => b.p95),
            p99: blocks.map((b) => b.p99),
          }
        : null,
    trend:
      trend && trend.runs.length >= 2
        ? {
            x: trend.runs.map((_, i) => i + 1),
            p95: trend.runs.map((r) => r.p95),
            p99: trend.runs.map((r) => r.p99),
            now_p95: trend.current.p95,
            now_p99: trend.current.p99,
            commits: trend.runs.map((r) => r.commit.slice(0, 10)),
          }
        : null,
  };
}

/** The page's words: the verdict, the checks, the notes; made here so the page script only draws. */
function summaryHtml({ results, verdict, reference, trend }: HtmlInput): string {
  const o = results.overall;
  const parts: string[] = [];
  if (verdict) {
    parts.push(
      `<p class="verdict ${verdict.status}"><b>${escapeHtml(STATUS_TITLE[verdict.status])}</b>: ` +
        `${escapeHtml(headline(verdict))}</p>`,
    );
    if (verdict.checks.length > 0) {
      const rows = verdict.checks.map(
        (c) =>
          `<tr class="${c.status}">${checkCells(c)
            .map((cell) => `<td>${escapeHtml(cell)}</td>`)
            .join('')}</tr>`,
      );
      const head = checkHeaders(verdict.comparison?.against === 'image')
        .map((h) => `<th>${h === 'Baseline' ? 'Reference' : h}</th>`)
        .join('');
      parts.push(`<table class="checks"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`);
    }
  }
  const ref = reference
    ? ` Reference build: ${reference.overall.count} requests, p95 ${reference.overall.latency_ms.p95} ms.`
    : '';
  parts.push(
    `<p>${o.count} requests over ${results.duration_s} s (warm-up ${results.warmup_s} s excluded): ${o.rps} req/s, error rate ${(o.error_rate * 100).toFixed(2)}%, p50 ${o.latency_ms.p50} ms, p95 ${o.latency_ms.p95} ms, p99 ${o.latency_ms.p99} ms.${escapeHtml(ref)}${results.load.model === 'open' ? " Latency is measured from each request's scheduled time (coordinated-omission corrected)." : ''}</p>`,
  );
  const tokens = tokenTable(results);
  if (tokens.length > 0) {
    const [head, ...rows] = tokens;
    parts.push(
      `<p><b>${escapeHtml(tokenTableTitle(results))}</b></p>`,
      `<table class="checks"><thead><tr>${head!.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`,
    );
  }
  if (results.capacity) {
    parts.push(
      `<p><b>Capacity</b>: ${escapeHtml(capacityText(results.capacity))}.${results.capacity.failure ? ` Failure mode: ${escapeHtml(failureModeText(results.capacity.failure))}.` : ''}</p>`,
    );
  }
  const unit = results.load.model === 'closed' ? 'users' : 'req/s';
  for (const s of results.spikes ?? []) parts.push(`<p><b>Spike</b>: ${escapeHtml(spikeText(s, unit))}</p>`);
  if (results.drift?.p95)
    parts.push(
      `<p><b>Drift</b>: ${escapeHtml(trendText('p95', results.drift.p95))}${results.drift.memory_mb ? `; ${escapeHtml(trendText('memory', results.drift.memory_mb))}` : ''}</p>`,
    );
  if (trend) parts.push(`<p><b>Trend</b>: ${trend.ranks.map((r) => escapeHtml(rankText(r))).join('; ')}.</p>`);
  if (results.interrupted)
    parts.push(`<p class="verdict fail">Stopped early: ${escapeHtml(results.stop_reason ?? '')}</p>`);
  return parts.join('\n');
}

/** Draws each chart of the data with uPlot; a chart that throws shows its error in place and in the console. */
const PAGE_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('mlload-data').textContent);
  var colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
  var charts = document.getElementById('charts');
  function chart(title, opts, cols) {
    var box = document.createElement('section');
    box.className = 'chart';
    box.setAttribute('data-chart', title);
    var h = document.createElement('h2');
    h.textContent = title;
    box.appendChild(h);
    charts.appendChild(box);
    opts.width = Math.min(1100, document.body.clientWidth - 40);
    opts.height = 280;
    try { new uPlot(opts, cols, box); } catch (e) { box.appendChild(document.createTextNode('chart failed: ' + e)); throw e; }
  }
  function line(label, i, extra) {
    var s = { label: label, stroke: colors[i % colors.length], width: 1.5, spanGaps: false };
    for (var k in extra || {}) s[k] = extra[k];
    return s;
  }
  var s = data.series;
  var secs = { x: { time: false } };
  chart('Latency per second, all requests (ms)', { scales: secs, series: [{ label: 's' }, line('p50', 0), line('p95', 3), line('p99', 1)] }, [s.t, s.p50, s.p95, s.p99]);
  Object.keys(s.names).forEach(function (n, i) {
    var m = s.names[n];
    chart('Latency per second: ' + n + ' (ms)', { scales: secs, series: [{ label: 's' }, line('p50', 0), line('p95', 3), line('p99', 1)] }, [s.t, m.p50, m.p95, m.p99]);
  });
  var names = Object.keys(data.percentiles.lines);
  if (data.percentiles.x.length > 1) {
    chart('Latency distribution: ms at each percentile (HDR percentile plot; x: 1/(1 - q), log)', {
      scales: { x: { time: false, distr: 3, log: 10 } },
      axes: [{ values: function (u, vals) { return vals.map(function (v) { return v >= 1 ? (100 - 100 / v).toPrecision(6).replace(/\\.?0+$/, '') + '%' : ''; }); } }, {}],
      series: [{ label: '1/(1-q)' }].concat(names.map(function (n, i) { return line(n, i); }))
    }, [data.percentiles.x].concat(names.map(function (n) { return data.percentiles.lines[n]; })));
  }
  if (data.tokens) {
    var k = Object.keys(data.tokens.lines);
    chart('Streamed answers: TTFT, TPOT and ITL (ms) at each percentile (x: 1/(1 - q), log)', {
      scales: { x: { time: false, distr: 3, log: 10 } },
      axes: [{ values: function (u, vals) { return vals.map(function (v) { return v >= 1 ? (100 - 100 / v).toPrecision(6).replace(/\\.?0+$/, '') + '%' : ''; }); } }, {}],
      series: [{ label: '1/(1-q)' }].concat(k.map(function (n, i) { return line(n, i + 2); }))
    }, [data.tokens.x].concat(k.map(function (n) { return data.tokens.lines[n]; })));
  }
  chart('Throughput (req/s) and failed requests per second', { scales: secs, series: [{ label: 's' }, line('req/s', 0), line('failed', 1)] }, [s.t, s.rps, s.errors]);
  if (s.cpu) {
    chart('Container CPU (%) and memory (MB)', { scales: { x: { time: false }, mb: {} }, axes: [{}, { label: '%' }, { scale: 'mb', side: 1, label: 'MB', grid: { show: false } }], series: [{ label: 's' }, line('CPU %', 4), line('memory MB', 5, { scale: 'mb' })] }, [s.t, s.cpu, s.memory]);
  }
  if (data.capacity) {
    var c = data.capacity;
    var limit = c.limit === null ? [] : [c.offered.map(function () { return c.limit; })];
    chart('Capacity search: p99 (ms) and throughput achieved (req/s) against the load offered (' + c.unit + ')', {
      scales: { x: { time: false }, rps: {} },
      axes: [{}, { label: 'ms' }, { scale: 'rps', side: 1, label: 'req/s', grid: { show: false } }],
      series: [{ label: c.unit }, line('p99 ms', 1, { points: { show: true } })].concat(c.limit === null ? [] : [line('p99 limit', 7, { dash: [6, 4] })]).concat([line('achieved req/s', 0, { scale: 'rps', points: { show: true } })])
    }, [c.offered, c.p99].concat(limit).concat([c.achieved]));
  }
  if (data.blocks) {
    var b = data.blocks;
    chart('Paired A/B: B/A of each block pair', { scales: { x: { time: false } }, series: [{ label: 'pair' }, line('p50', 0, { points: { show: true } }), line('p95', 3, { points: { show: true } }), line('p99', 1, { points: { show: true } })] }, [b.index, b.p50, b.p95, b.p99]);
  }
  if (data.trend) {
    var t = data.trend;
    chart('Trend: the last ' + t.x.length + ' main runs, oldest first (dashed: this run)', {
      scales: { x: { time: false } },
      series: [{ label: 'run', value: function (u, v) { return v === null ? '' : v + ' (' + t.commits[v - 1] + ')'; } }, line('p95', 3, { points: { show: true } }), line('p99', 1, { points: { show: true } }), line('this run p95', 3, { dash: [6, 4] }), line('this run p99', 1, { dash: [6, 4] })]
    }, [t.x, t.p95, t.p99, t.x.map(function () { return t.now_p95; }), t.x.map(function () { return t.now_p99; })]);
  }
  document.body.setAttribute('data-charts-drawn', String(charts.querySelectorAll('canvas').length));
})();
`;

/** One self-contained page (no network: uPlot, its style and the data inline) with the run's charts and verdict. */
export function htmlReport(input: HtmlInput): string {
  const { results } = input;
  const title = `mlload ${results.scenario.name}: ${results.started_at}`;
  // A script's text may not hold its own end tag.
  const script = (text: string) => text.replace(/<\/(script)/gi, '<\\/$1');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${UPLOT_CSS}
body { font: 14px/1.45 system-ui, sans-serif; margin: 20px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 15px; margin: 24px 0 4px; }
.verdict.pass { color: #1a7f37; } .verdict.fail { color: #cf222e; } .verdict.inconclusive { color: #9a6700; }
table.checks { border-collapse: collapse; margin: 8px 0; } .checks td, .checks th { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
.checks td:first-child, .checks td:nth-child(2) { text-align: left; } tr.fail td { background: #ffebe9; } tr.inconclusive td { background: #fff8c5; }
footer { margin-top: 30px; color: #666; font-size: 12px; }
</style>
</head>
<body>
<h1>mlload: ${escapeHtml(results.scenario.name)}</h1>
<p>${escapeHtml(results.started_at)} · ${escapeHtml(results.load.model === 'open' ? 'open model' : 'closed model')} · ${escapeHtml(`${results.environment.cores} × ${results.environment.cpu_model}`)}</p>
${summaryHtml(input)}
<div id="charts"></div>
<footer>Charts by uPlot ${UPLOT_VERSION} (MIT licence, inline below). Every number is in results.json beside this page.</footer>
<script id="mlload-data" type="application/json">${scriptJson(chartData(input))}</script>
<script>/*! uPlot ${UPLOT_VERSION}
${script(UPLOT_LICENSE.replace(/\*\//g, '* /'))} */
${script(UPLOT_JS)}</script>
<script>${script(PAGE_SCRIPT)}</script>
</body>
</html>
`;
}
