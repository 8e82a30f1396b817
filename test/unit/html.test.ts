import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { recordedRun as run } from '../helpers/results.ts';
import { htmlReport } from '../../src/report/html.ts';
import { UPLOT_CSS, UPLOT_JS, UPLOT_VERSION } from '../../vendor/uplot.ts';

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
