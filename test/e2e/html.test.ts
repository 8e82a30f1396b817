import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { ROOT, runCli } from '../helpers/cli.ts';
import { PREDICT_AND_INVALID_REQUESTS, PREDICT_REQUESTS, tempDir, writeScenario } from '../helpers/scenario.ts';
import type { Results } from '../../src/metrics/index.ts';
import { chatStream, json, limitedServer, startServer, uniformLatency, type TestServer } from '../helpers/servers.ts';

const SHOTS = join(ROOT, 'test-results');

function browserPath(): string | null {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'])
    if (p && existsSync(p)) return p;
  return null;
}

interface Chart {
  title: string;
  drawn: number;
  /** Each axis's title. */
  axes: string[];
  /** The parts of the run shaded as left out ("warm-up drain"); null on a chart not over time. */
  shaded: string | null;
  /** The x axis's tick labels, on a counting axis. */
  xTicks: string | null;
  legend: string;
  marker: { value: number; x: number; top: number; height: number } | null;
  markerPixels: number;
}

/** Every chart has a title on each axis, a unit in the y axis's, and a legend naming its lines before any hover. */
function assertReadable(charts: Chart[]): void {
  for (const c of charts) {
    assert.ok(c.axes.length >= 2 && c.axes.every((a) => a.length > 3), `${c.title}: axes ${JSON.stringify(c.axes)}`);
    assert.match(c.axes[1]!, /\((ms|%|ratio|req\/s)\)|per second/, `${c.title}: the y axis's unit`);
    assert.doesNotMatch(c.legend, /--/, `${c.title}: the legend waits for a hover: ${c.legend}`);
  }
}

/** Opens a report in headless Chromium: console errors, and how many of each chart's canvas pixels are drawn. */
async function inspect(browser: Browser, file: string, shot: string) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  // Anything the page asks of the network is a failure of "self-contained".
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) errors.push(`network request: ${r.url()}`);
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-charts-drawn]', { timeout: 15_000 });
  // Runs in the page (a DOM this project's type-check does not include, hence the text).
  const charts = (await page.evaluate(`[...document.querySelectorAll('section.chart')].map((s) => {
    const canvas = s.querySelector('canvas');
    let drawn = 0;
    let markerPixels = 0;
    const marker = s.getAttribute('data-marker') && JSON.parse(s.getAttribute('data-marker'));
    if (canvas) {
      const ctx = canvas.getContext('2d');
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) drawn++;
      // The capacity's line: pixels of its purple (#6f42c1) down its column.
      if (marker) {
        const col = ctx.getImageData(marker.x - 1, marker.top, 3, marker.height).data;
        for (let i = 0; i < col.length; i += 4)
          if (Math.abs(col[i] - 111) < 30 && Math.abs(col[i + 1] - 66) < 30 && Math.abs(col[i + 2] - 193) < 30) markerPixels++;
      }
    }
    return {
      title: s.getAttribute('data-chart'),
      drawn,
      axes: JSON.parse(s.getAttribute('data-axes') || '[]'),
      shaded: s.getAttribute('data-shaded'),
      xTicks: s.getAttribute('data-x-ticks'),
      legend: (s.querySelector('.u-legend') || { textContent: '' }).textContent,
      marker,
      markerPixels,
    };
  })`)) as Chart[];
  const tables = (await page.evaluate(`Object.fromEntries([...document.querySelectorAll('table[id]')].map((t) =>
    [t.id, [...t.querySelectorAll('tr')].map((r) => [...r.children].map((c) => c.textContent))]))`)) as Record<
    string,
    string[][]
  >;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, shot), fullPage: true });
  await page.close();
  return { errors, charts, tables };
}

describe('the HTML report in a real browser (Debian chromium, driven by playwright-core)', () => {
  let browser: Browser | null = null;
  let server: TestServer;
  let reference: TestServer;
  let queue: TestServer;
  before(async () => {
    const path = browserPath();
    if (!path && process.env.CI)
      throw new Error('no chromium (CI=true: the browser tests must run; see scripts/setup-browser.sh)');
    if (path) browser = await chromium.launch({ executablePath: path, args: ['--no-sandbox', '--disable-gpu'] });
    server = await startServer(uniformLatency(5, 15), false);
    reference = await startServer(uniformLatency(5, 15), false);
    queue = await startServer(limitedServer(4, 20), false);
  });
  after(async () => {
    await browser?.close();
    await Promise.all([server.close(), reference.close(), queue.close()]);
  });

  it('a plain run with a history: loads offline with no console error, every chart draws', async (t) => {
    if (!browser) return t.skip('no chromium');
    const dir = tempDir();
    const file = writeScenario(
      `name: plain\ntarget: { url: "${server.url}" }\nload: { rate: 80, arrival: poisson, duration: 3s, warmup: 1s }\n${PREDICT_AND_INVALID_REQUESTS}slo: { p95: 200ms }\n`,
    );
    const history = join(dir, 'history.json');
    for (let i = 0; i < 3; i++) {
      const out = join(dir, `run-${i}`);
      assert.equal((await runCli(['run', file, '--out', out])).code, 0);
      assert.equal(
        (await runCli(['history', 'add', join(out, 'results.json'), '--file', history, '--commit', `abc${i}`])).code,
        0,
      );
    }
    const html = join(dir, 'report.html');
    const r = await runCli(['report', join(dir, 'run-2', 'results.json'), '--html', html, '--history', history]);
    assert.equal(r.code, 0, r.stderr);
    // Every run writes its page beside results.json too.
    assert.ok(existsSync(join(dir, 'run-0', 'report.html')));
    const { errors, charts } = await inspect(browser, html, 'report-plain.png');
    assert.deepEqual(errors, []);
    assert.deepEqual(
      charts.map((c) => c.title.replace(/ \(.*$/, '').replace(/: the last \d+ main runs.*/, '')),
      [
        'Latency per second, all requests',
        'Latency per second: predict',
        'Latency per second: bad-input',
        'Latency distribution: ms at each percentile',
        'Throughput',
        'Trend',
      ],
    );
    for (const c of charts) assert.ok(c.drawn > 2000, `${c.title}: ${c.drawn} pixels drawn`);
    assertReadable(charts);
    for (const c of charts.filter((c) => c.title.startsWith('Latency per second') || c.title.startsWith('Throughput')))
      assert.match(c.shaded ?? '', /warm-up/, `${c.title}: the warm-up shaded like every chart over time`);
    assert.match(charts[0]!.legend, /p50.*p95.*p99/);
    const trend = charts.find((c) => c.title.startsWith('Trend'))!;
    const ticks = trend.xTicks!.split(' ').filter((x) => x !== '');
    assert.ok(ticks.length >= 2 && ticks.every((x) => /^\d+$/.test(x)), `run axis ticks: ${trend.xTicks}`);
    const text = readFileSync(html, 'utf8');
    assert.doesNotMatch(text, /<script[^>]+src=|<link[^>]+href=|<img[^>]+src=/i, 'nothing is loaded from anywhere');
  });

  it('a paired A/B run: the block ratios draw', async (t) => {
    if (!browser) return t.skip('no chromium');
    const dir = tempDir();
    const file = writeScenario(
      `name: paired\ntarget: { url: "${server.url}" }\nload: { rate: 80, duration: 4s }\n${PREDICT_AND_INVALID_REQUESTS}compare: { against: image, baseline_url: "${reference.url}", blocks: 4 }\nregression: { p95: 50% }\n`,
    );
    const out = join(dir, 'out');
    assert.equal((await runCli(['run', file, '--out', out])).code, 0);
    const { errors, charts } = await inspect(browser, join(out, 'report.html'), 'report-paired.png');
    assert.deepEqual(errors, []);
    const blocks = charts.find((c) => c.title.startsWith('Paired A/B'));
    assert.ok(blocks && blocks.drawn > 2000, JSON.stringify(charts));
    for (const c of charts) assert.ok(c.drawn > 2000, `${c.title}: ${c.drawn} pixels drawn`);
  });

  it('a capacity run: the capacity curve draws', async (t) => {
    if (!browser) return t.skip('no chromium');
    const dir = tempDir();
    const file = writeScenario(
      `name: capacity\ntarget: { url: "${queue.url}" }\nload: { rate: 20, duration: 1s }\n${PREDICT_REQUESTS}capacity:\n  slo: { p99: 100ms }\n  start: 50\n  max: 400\n  precision: 25%\n  probe: { settle: 1s, min: 1s, max: 2s }\n`,
    );
    const out = join(dir, 'out');
    assert.equal((await runCli(['run', file, '--out', out])).code, 0);
    const { errors, charts, tables } = await inspect(browser, join(out, 'report.html'), 'report-capacity.png');
    assert.deepEqual(errors, []);
    const curve = charts.find((c) => c.title.startsWith('Capacity search'));
    assert.ok(curve && curve.drawn > 2000, JSON.stringify(charts));
    assertReadable(charts);
    // The capacity found, marked where the x axis puts it, and each probe in the table.
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
    const found = results.capacity!.value;
    assert.ok(found !== null && curve.marker?.value === found, JSON.stringify(curve.marker));
    assert.ok(curve.markerPixels > curve.marker!.height / 2, `${curve.markerPixels} marker pixels`);
    assert.equal(tables.probes!.length, results.capacity!.probes.length + 1);
    assert.deepEqual(
      tables.probes!.slice(1).map((r) => Number(r[0])),
      results.capacity!.probes.map((p) => p.load),
    );
    assert.ok(statSync(join(out, 'report.html')).size < 200_000);
  });

  it('a failing run: the failures table gives each reason, its count and a sample answer', async (t) => {
    if (!browser) return t.skip('no chromium');
    const strict = await startServer((_req, _body, res) => json(res, 422, { detail: 'missing field: age' }), false);
    try {
      const dir = tempDir();
      const file = writeScenario(
        `name: failing\ntarget: { url: "${strict.url}" }\nload: { rate: 50, duration: 2s }\n${PREDICT_REQUESTS}slo: { error_rate: 1% }\n`,
      );
      const out = join(dir, 'out');
      assert.equal((await runCli(['run', file, '--out', out])).code, 1);
      const { errors, charts, tables } = await inspect(browser, join(out, 'report.html'), 'report-failing.png');
      assert.deepEqual(errors, []);
      assertReadable(charts);
      const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
      const [head, ...rows] = tables.failures!;
      assert.deepEqual(head, ['Request', 'Reason', 'Count', 'Sample answer']);
      assert.ok(rows.length > 0);
      assert.equal(rows[0]![0], 'predict');
      assert.match(rows[0]![1]!, /422/);
      assert.equal(Number(rows[0]![2]), results.overall.count, 'every request failed, for that one reason');
      assert.match(rows[0]![3]!, /missing field: age/);
    } finally {
      await strict.close();
    }
  });

  it('a streaming LLM run: the TTFT, TPOT and ITL plot draws, the token table is on the page', async (t) => {
    if (!browser) return t.skip('no chromium');
    const llm = await startServer(chatStream(8, [20, 40], [3, 7]), false);
    try {
      const dir = tempDir();
      const file = writeScenario(
        `name: llm\ntarget: { url: "${llm.url}" }\nload: { users: 4, duration: 3s }\nrequests:\n  - name: chat\n    protocol: openai-chat\n    model: m\n    prompts: { generated: { tokens: { mean: 8 } } }\n    max_tokens: 8\n`,
      );
      const out = join(dir, 'out');
      assert.equal((await runCli(['run', file, '--out', out])).code, 0);
      const { errors, charts } = await inspect(browser, join(out, 'report.html'), 'report-streaming.png');
      assert.deepEqual(errors, []);
      const tokens = charts.find((c) => c.title.startsWith('Streamed answers'));
      assert.ok(tokens && tokens.drawn > 2000, JSON.stringify(charts));
      assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /<th>TTFT p50<\/th>/);
    } finally {
      await llm.close();
    }
  });
});
