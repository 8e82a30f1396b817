import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { Recorder } from '../../src/metrics/recorder.ts';
import type { Results } from '../../src/metrics/types.ts';
import { htmlReport } from '../../src/report/html.ts';
import { UPLOT_CSS, UPLOT_JS, UPLOT_VERSION } from '../../vendor/uplot.ts';

/** A run of `count` requests over `seconds`, two request names, as the recorder makes it. */
function run(count: number, seconds: number, names = ['predict', 'bad-input']): Results {
  const recorder = new Recorder(
    names.map((name) => ({ name, method: 'POST', path: '/p' })),
    0,
    seconds * 1000,
  );
  const every = (seconds * 1000) / count;
  let t = 0;
  for (let s = 1; s <= seconds; s++) {
    for (; t < s * 1000; t += every)
      recorder.record(t % 4 < 3 ? 0 : 1, {
        scheduled: t,
        sent: t,
        done: t + 5 + (t % 97),
        status: 200,
        bytes: 100,
        failure: null,
      });
    recorder.second(s * 1000, { inFlight: 3, users: 0, phase: 'measure' });
  }
  const { overall, requests } = recorder.finish(seconds);
  return {
    schema_version: 1,
    tool: { name: 'mlload', version: '1.0.0' },
    scenario: { name: 'big', file: 'big.yml', hash: 'h' },
    started_at: '2026-11-26T00:00:00.000Z',
    finished_at: '2026-11-26T00:16:40.000Z',
    duration_s: seconds,
    warmup_s: 0,
    interrupted: false,
    stop_reason: null,
    load: { model: 'open' },
    overall,
    requests,
    series: recorder.series,
    windows: recorder.windows,
    target: { kind: 'url', url: 'http://127.0.0.1:1' },
    environment: { os: 'Linux', arch: 'x64', cpu_model: 'cpu', cores: 2, node: 'v24' },
  };
}

describe('the HTML report', () => {
  it('carries the installed uPlot (scripts/vendor-uplot.mjs after an upgrade)', () => {
    const root = dirname(createRequire(import.meta.url).resolve('uplot/package.json'));
    assert.equal(
      UPLOT_VERSION,
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
    );
    assert.equal(UPLOT_JS, readFileSync(join(root, 'dist/uPlot.iife.min.js'), 'utf8'));
    assert.equal(UPLOT_CSS, readFileSync(join(root, 'dist/uPlot.min.css'), 'utf8'));
  });

  it('stays under 2 MB for a run of a million requests', (t) => {
    const results = run(1_000_000, 1000);
    assert.equal(results.overall.count, 1_000_000);
    const page = htmlReport({ results, verdict: null });
    const bytes = Buffer.byteLength(page);
    assert.ok(bytes < 2 * 1024 * 1024, `${bytes} bytes`);
    assert.ok(bytes > 100_000, 'the per-second series is in it');
    t.diagnostic(`${bytes} bytes for ${results.overall.count} requests over 1000 s`);
  });

  it('a name that is markup stays text: nothing in the data closes its script element', () => {
    const evil = '</script><script>alert(1)</script><!--';
    const page = htmlReport({ results: run(1000, 2, [evil]), verdict: null });
    assert.ok(!page.includes('<script>alert(1)'), 'no script element from the name');
    assert.ok(!page.includes('<!--'), 'no comment opened');
    const data = /<script id="mlload-data" type="application\/json">([\s\S]*?)<\/script>/.exec(page)![1]!;
    assert.deepEqual(Object.keys((JSON.parse(data) as { series: { names: Record<string, unknown> } }).series.names), [
      evil,
    ]);
  });
});
