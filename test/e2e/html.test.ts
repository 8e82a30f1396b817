import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { ROOT, runCli } from '../helpers/cli.ts';
import { PREDICT_AND_INVALID_REQUESTS, PREDICT_REQUESTS, tempDir, writeScenario } from '../helpers/scenario.ts';
import { chatStream, limitedServer, startServer, uniformLatency, type TestServer } from '../helpers/servers.ts';

const SHOTS = join(ROOT, 'test-results');

function browserPath(): string | null {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'])
    if (p && existsSync(p)) return p;
  return null;
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
    if (canvas) {
      const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) drawn++;
    }
    return { title: s.getAttribute('data-chart'), drawn };
  })`)) as Array<{ title: string; drawn: number }>;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, shot), fullPage: true });
  await page.close();
  return { errors, charts };
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
    const { errors, charts } = await inspect(browser, join(out, 'report.html'), 'report-capacity.png');
    assert.deepEqual(errors, []);
    const curve = charts.find((c) => c.title.startsWith('Capacity search'));
    assert.ok(curve && curve.drawn > 2000, JSON.stringify(charts));
    assert.ok(statSync(join(out, 'report.html')).size < 200_000);
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
