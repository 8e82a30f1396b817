import type { HistoryTrend, Verdict } from '../gate/index.ts';
import { decodeHistogram, histogramOf, percentileCurve, type Results } from '../metrics/index.ts';
import { UPLOT_CSS, UPLOT_JS, UPLOT_LICENSE, UPLOT_VERSION } from '../../vendor/uplot.ts';
import {
  capacityText,
  checkCells,
  checkHeaders,
  failureModeText,
  headline,
  probeTable,
  rankText,
  spikeText,
  STATUS_TITLE,
  tokenTable,
  tokenTableTitle,
  trendText,
  unlimitedMovesText,
} from './words.ts';
import { visibleControls } from './markdown.ts';
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
  const lastOf = (phase: string) => s.findLast((p) => p.phase === phase)?.t ?? null;
  return {
    // The measured seconds lie between the warm-up's end and the drain's start; the charts shade the rest.
    phases: {
      warmup_end: lastOf('warmup'),
      drain_start: s.some((p) => p.phase === 'drain') ? lastOf('measure') : null,
    },
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
            value: c!.value,
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

/** A table of words, header first; `rowClass` marks rows (pass, fail) for their colour. */
function tableHtml(table: string[][], id?: string, rowClass?: (row: string[]) => string): string {
  const [head, ...rows] = table;
  const cells = (r: string[], tag: string) => r.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('');
  const body = rows.map((r) => `<tr${rowClass ? ` class="${rowClass(r)}"` : ''}>${cells(r, 'td')}</tr>`).join('');
  return (
    `<table class="checks"${id ? ` id="${id}"` : ''}><thead><tr>${cells(head!, 'th')}</tr></thead>` +
    `<tbody>${body}</tbody></table>`
  );
}

/** The answers a sample shows at most: enough to read an error message, not a whole page. */
const SAMPLE_CHARS = 400;

/** Why requests failed: per request name and reason, how many, and one answer as the server gave it. */
function failuresHtml(results: Results): string[] {
  const failures = results.overall.failures;
  if (failures.length === 0) return [];
  const total = failures.reduce((a, f) => a + f.count, 0);
  const shown = failures.slice(0, 20);
  const sample = (text: string | undefined) => {
    if (!text) return '';
    const cut = text.length > SAMPLE_CHARS ? `${text.slice(0, SAMPLE_CHARS)}…` : text;
    return `<pre>${escapeHtml(visibleControls(cut))}</pre>`;
  };
  const rows = shown.map(
    (f) =>
      `<tr><td>${escapeHtml(visibleControls(f.request))}</td><td>${escapeHtml(visibleControls(f.reason))}</td>` +
      `<td>${f.count}</td><td>${sample(f.samples[0])}</td></tr>`,
  );
  const more =
    failures.length > shown.length ? `<p>${failures.length - shown.length} more reasons in failures.csv.</p>` : '';
  return [
    `<h2>Why requests failed (${total} of ${results.overall.count})</h2>`,
    '<table class="checks" id="failures"><thead><tr><th>Request</th><th>Reason</th><th>Count</th>' +
      `<th>Sample answer</th></tr></thead><tbody>${rows.join('')}</tbody></table>${more}`,
  ];
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
    const moved = unlimitedMovesText(verdict);
    if (moved) parts.push(`<p class="note">${escapeHtml(moved)}.</p>`);
  }
  const ref = reference
    ? ` Reference build: ${reference.overall.count} requests, p95 ${reference.overall.latency_ms.p95} ms.`
    : '';
  const l = o.latency_ms;
  const corrected =
    results.load.model === 'open'
      ? " Latency is measured from each request's scheduled time (coordinated-omission corrected)."
      : '';
  parts.push(
    `<p>${o.count} requests over ${results.duration_s} s (warm-up ${results.warmup_s} s excluded): ${o.rps} req/s, ` +
      `error rate ${(o.error_rate * 100).toFixed(2)}%, p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms.` +
      `${escapeHtml(ref)}${corrected}</p>`,
  );
  const tokens = tokenTable(results);
  if (tokens.length > 0) parts.push(`<p><b>${escapeHtml(tokenTableTitle(results))}</b></p>`, tableHtml(tokens));
  parts.push(...failuresHtml(results));
  if (results.capacity) {
    const c = results.capacity;
    const failure = c.failure ? ` Failure mode: ${escapeHtml(failureModeText(c.failure))}.` : '';
    parts.push(`<p><b>Capacity</b>: ${escapeHtml(capacityText(c))}.${failure}</p>`);
    parts.push(tableHtml(probeTable(c), 'probes', (row) => (row.at(-1)!.startsWith('pass') ? 'pass' : 'fail')));
  }
  const unit = results.load.model === 'closed' ? 'users' : 'req/s';
  for (const s of results.spikes ?? []) parts.push(`<p><b>Spike</b>: ${escapeHtml(spikeText(s, unit))}</p>`);
  const drift = results.drift;
  if (drift?.p95) {
    const memory = drift.memory_mb ? `; ${trendText('memory', drift.memory_mb)}` : '';
    parts.push(`<p><b>Drift</b>: ${escapeHtml(trendText('p95', drift.p95) + memory)}</p>`);
  }
  if (trend) parts.push(`<p><b>Trend</b>: ${trend.ranks.map((r) => escapeHtml(rankText(r))).join('; ')}.</p>`);
  if (results.interrupted)
    parts.push(`<p class="verdict fail">Stopped early: ${escapeHtml(results.stop_reason ?? '')}</p>`);
  return parts.join('\n');
}

/**
 * Draws each chart of the data with uPlot; a chart that throws shows its error in place and in the console. Every chart
 * has axis titles with units and a legend that reads without hovering; the charts over time shade the warm-up and the
 * drain, which the figures leave out; the capacity chart marks the capacity found.
 */
const PAGE_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('mlload-data').textContent);
  var colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
  var SHADE = 'rgba(120, 120, 120, 0.14)';
  var MARK = '#6f42c1';
  var charts = document.getElementById('charts');
  // From zero: a narrow band of values drawn full height would look like a swing.
  function zero(u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; }
  function chart(title, opts, cols, draw) {
    var box = document.createElement('section');
    box.className = 'chart';
    box.setAttribute('data-chart', title);
    var h = document.createElement('h2');
    h.textContent = title;
    box.appendChild(h);
    charts.appendChild(box);
    opts.width = Math.min(1100, document.body.clientWidth - 40);
    opts.height = 300;
    opts.legend = { live: false };
    opts.hooks = { draw: draw ? [function (u) { draw(u, box); }] : [] };
    // Over time, each point is the second that ends at its x: an empty point at 0 starts the axis there.
    if (draw === phases && cols[0][0] > 0) cols = cols.map(function (c, i) { return [i === 0 ? 0 : null].concat(c); });
    box.setAttribute('data-axes', JSON.stringify(opts.axes.map(function (a) { return a.label || ''; })));
    try {
      new uPlot(opts, cols, box);
    } catch (e) {
      box.appendChild(document.createTextNode('chart failed: ' + e));
      throw e;
    }
  }
  function line(label, i, extra) {
    var s = { label: label, stroke: colors[i % colors.length], width: 1.5, spanGaps: false };
    for (var k in extra || {}) s[k] = extra[k];
    return s;
  }
  function dots(label, i, extra) {
    var s = line(label, i, extra);
    s.points = { show: true };
    return s;
  }
  // A count axis (runs, block pairs): whole numbers only.
  function counting(label) {
    return {
      label: label,
      incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      values: function (u, vals) {
        var out = vals.map(function (v) { return Number.isInteger(v) ? String(v) : ''; });
        u.root.parentNode.setAttribute('data-x-ticks', out.join(' '));
        return out;
      }
    };
  }
  function band(u, from, to, label) {
    var x0 = u.valToPos(from, 'x', true);
    var x1 = u.valToPos(to, 'x', true);
    var ctx = u.ctx;
    ctx.save();
    ctx.fillStyle = SHADE;
    ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
    ctx.fillStyle = '#555';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    ctx.font = 11 * devicePixelRatio + 'px system-ui, sans-serif';
    ctx.fillText(label, x0 + 4 * devicePixelRatio, u.bbox.top + 14 * devicePixelRatio);
    ctx.restore();
  }
  // The seconds the figures leave out, shaded alike on every chart over time.
  var ph = data.phases;
  function phases(u, box) {
    var shaded = [];
    var xs = u.data[0];
    if (ph.warmup_end !== null && ph.warmup_end > 0) {
      band(u, 0, ph.warmup_end, 'warm-up');
      shaded.push('warm-up');
    }
    if (ph.drain_start !== null) {
      band(u, ph.drain_start, xs[xs.length - 1], 'drain');
      shaded.push('drain');
    }
    box.setAttribute('data-shaded', shaded.join(' '));
  }
  var s = data.series;
  var secs = { x: { time: false }, y: { range: zero } };
  var time = 'seconds since the start (warm-up included)';
  function latency(title, m) {
    chart(title, {
      scales: secs,
      axes: [{ label: time }, { label: 'latency (ms)' }],
      series: [{ label: 'second' }, line('p50', 0), line('p95', 3), line('p99', 1)]
    }, [s.t, m.p50, m.p95, m.p99], phases);
  }
  latency('Latency per second, all requests (ms)', s);
  Object.keys(s.names).forEach(function (n) { latency('Latency per second: ' + n + ' (ms)', s.names[n]); });
  function percentileAxis(u, vals) {
    return vals.map(function (v) {
      return v >= 1 ? (100 - 100 / v).toPrecision(6).replace(/\\.?0+$/, '') + '%' : '';
    });
  }
  function percentiles(title, curves, first) {
    var k = Object.keys(curves.lines);
    chart(title, {
      scales: { x: { time: false, distr: 3, log: 10 }, y: { range: zero } },
      axes: [{ label: 'percentile (log scale of 1/(1 - q))', values: percentileAxis }, { label: 'latency (ms)' }],
      series: [{ label: 'percentile', value: function (u, v) { return percentileAxis(u, [v])[0]; } }]
        .concat(k.map(function (n, i) { return line(n, i + first); }))
    }, [curves.x].concat(k.map(function (n) { return curves.lines[n]; })));
  }
  if (data.percentiles.x.length > 1)
    percentiles('Latency distribution: ms at each percentile (HDR percentile plot)', data.percentiles, 0);
  if (data.tokens) percentiles('Streamed answers: TTFT, TPOT and ITL (ms) at each percentile', data.tokens, 2);
  chart('Throughput (req/s) and failed requests per second', {
    scales: secs,
    axes: [{ label: time }, { label: 'requests per second' }],
    series: [{ label: 'second' }, line('completed req/s', 0), line('failed req/s', 1)]
  }, [s.t, s.rps, s.errors], phases);
  if (s.cpu) {
    chart('Container CPU (%) and memory (MB)', {
      scales: { x: { time: false }, y: { range: zero }, mb: { range: zero } },
      axes: [
        { label: time },
        { label: 'CPU (%)' },
        { scale: 'mb', side: 1, label: 'memory (MB)', grid: { show: false } }
      ],
      series: [{ label: 'second' }, line('CPU %', 4), line('memory MB', 5, { scale: 'mb' })]
    }, [s.t, s.cpu, s.memory], phases);
  }
  if (data.capacity) {
    var c = data.capacity;
    var limit = c.limit === null ? [] : [c.offered.map(function () { return c.limit; })];
    var marked = function (u, box) {
      if (c.value === null) return;
      var x = Math.round(u.valToPos(c.value, 'x', true));
      var ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = MARK;
      ctx.lineWidth = 2 * devicePixelRatio;
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      ctx.fillStyle = MARK;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'alphabetic';
      ctx.font = 12 * devicePixelRatio + 'px system-ui, sans-serif';
      ctx.fillText('capacity ' + c.value + ' ' + c.unit, x + 5 * devicePixelRatio, u.bbox.top + 14 * devicePixelRatio);
      ctx.restore();
      box.setAttribute('data-marker', JSON.stringify({ value: c.value, x: x, top: u.bbox.top, height: u.bbox.height }));
    };
    chart('Capacity search: p99 (ms) and throughput achieved (req/s) against the load offered (' + c.unit + ')', {
      scales: { x: { time: false }, y: { range: zero }, rps: { range: zero } },
      axes: [
        { label: 'load offered (' + c.unit + ')' },
        { label: 'p99 (ms)' },
        { scale: 'rps', side: 1, label: 'achieved (req/s)', grid: { show: false } }
      ],
      series: [{ label: c.unit }, dots('p99 ms', 1)]
        .concat(c.limit === null ? [] : [line('p99 limit', 7, { dash: [6, 4] })])
        .concat([dots('achieved req/s', 0, { scale: 'rps' })])
    }, [c.offered, c.p99].concat(limit).concat([c.achieved]), marked);
  }
  if (data.blocks) {
    var b = data.blocks;
    chart('Paired A/B: B/A of each block pair', {
      scales: { x: { time: false } },
      axes: [counting('block pair'), { label: 'B/A (ratio)' }],
      series: [{ label: 'pair' }, dots('p50', 0), dots('p95', 3), dots('p99', 1)]
    }, [b.index, b.p50, b.p95, b.p99]);
  }
  if (data.trend) {
    var t = data.trend;
    var flat = function (v) { return t.x.map(function () { return v; }); };
    chart('Trend: the last ' + t.x.length + ' main runs, oldest first (dashed: this run)', {
      scales: { x: { time: false }, y: { range: zero } },
      axes: [counting('main run, oldest first'), { label: 'latency (ms)' }],
      series: [
        { label: 'run', value: function (u, v) { return v === null ? '' : v + ' (' + t.commits[v - 1] + ')'; } },
        dots('p95', 3),
        dots('p99', 1),
        line('this run p95', 3, { dash: [6, 4] }),
        line('this run p99', 1, { dash: [6, 4] })
      ]
    }, [t.x, t.p95, t.p99, flat(t.now_p95), flat(t.now_p99)]);
  }
  document.body.setAttribute('data-charts-drawn', String(charts.querySelectorAll('canvas').length));
})();
`;

/** One self-contained page (no network: uPlot, its style and the data inline) with the run's charts and verdict. */
export function htmlReport(input: HtmlInput): string {
  const { results } = input;
  const title = `mlload ${results.scenario.name}: ${results.started_at}`;
  const { cores, cpu_model } = results.environment;
  const subtitle = `${results.started_at} · ${results.load.model} model · ${cores} × ${cpu_model}`;
  // A script's text may not hold its own end tag.
  const script = (text: string) => text.replace(/<\/(script)/gi, '<\\/$1');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
  content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${UPLOT_CSS}
body { font: 14px/1.45 system-ui, sans-serif; margin: 20px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 15px; margin: 24px 0 4px; }
.verdict.pass { color: #1a7f37; } .verdict.fail { color: #cf222e; } .verdict.inconclusive { color: #9a6700; }
table.checks { border-collapse: collapse; margin: 8px 0; }
.checks td, .checks th { border: 1px solid #ddd; padding: 3px 8px; text-align: right; vertical-align: top; }
.checks td:first-child, .checks td:nth-child(2) { text-align: left; }
tr.fail td { background: #ffebe9; } tr.inconclusive td { background: #fff8c5; }
#failures td:nth-child(4) { text-align: left; } #failures pre { margin: 0; max-width: 60em; white-space: pre-wrap; }
.note { color: #9a6700; } .u-legend { text-align: left; }
footer { margin-top: 30px; color: #666; font-size: 12px; }
</style>
</head>
<body>
<h1>mlload: ${escapeHtml(results.scenario.name)}</h1>
<p>${escapeHtml(subtitle)}</p>
${summaryHtml(input)}
<div id="charts"></div>
<footer>Charts by uPlot ${UPLOT_VERSION} (MIT licence, inline below).
Every number is in results.json beside this page.</footer>
<script id="mlload-data" type="application/json">${scriptJson(chartData(input))}</script>
<script>/*! uPlot ${UPLOT_VERSION}
${script(UPLOT_LICENSE.replace(/\*\//g, '* /'))} */
${script(UPLOT_JS)}</script>
<script>${script(PAGE_SCRIPT)}</script>
</body>
</html>
`;
}
