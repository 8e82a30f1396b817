import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { blockLoad } from '../src/engine/blocks.ts';
import { comparePaired, compareToBaseline, quantileLogVariance } from '../src/gate/noise.ts';
import { latencyHistogram, recordMs } from '../src/metrics/histogram.ts';
import { Rng } from '../src/scenario/rng.ts';
import type { OpenLoad } from '../src/scenario/types.ts';
import { runCli } from './helpers/cli.ts';
import { exampleScenario, tempDir, writeScenario } from './helpers/scenario.ts';
import { startServer, uniformLatency, type TestServer } from './helpers/servers.ts';

/** A standard normal draw (Box–Muller) from the seeded generator. */
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

describe('noise: intervals', () => {
  it('paired ratios: a steady 20% slowdown is found, with an interval around it', () => {
    const rng = new Rng(3);
    const pairs = Array.from({ length: 8 }, () => {
      const runner = Math.exp(0.3 * normal(rng)); // the whole runner's speed, shared by the pair
      return [120 * runner * Math.exp(0.02 * normal(rng)), 100 * runner * Math.exp(0.02 * normal(rng))] as [number, number];
    });
    // The whole-run figures passed in don't set the change: the pairs do (their mean log ratio).
    const e = comparePaired(150, 100, pairs, 'log', 0.95)!;
    const mean = pairs.reduce((a, [b, r]) => a + Math.log(b / r), 0) / pairs.length;
    assert.ok(Math.abs(e.change - (Math.exp(mean) - 1)) < 1e-9, String(e.change));
    assert.ok(Math.abs(e.change - 0.2) < 0.03, String(e.change));
    assert.ok(e.low > 0.15 && e.high < 0.26, JSON.stringify(e));
    assert.equal(e.df, 7);
  });

  it('paired ratios: a pair caught by a disturbance widens the interval as much as it moves the figure', () => {
    // One block of B met a neighbour starting up: it alone lifts B's whole-run p99 by 40%.
    const pairs: Array<[number, number]> = [1.01, 0.99, 1.02, 0.98, 2.5, 1.0, 1.01, 0.99, 1.0, 1.02].map((r) => [100 * r, 100]);
    const e = comparePaired(140, 100, pairs, 'log', 0.95)!;
    assert.ok(e.change < 0.12, `moved by a tenth of the pair's ratio: ${JSON.stringify(e)}`);
    assert.ok(e.low < 0, `not a failure: ${JSON.stringify(e)}`);
    // Any single pair, however slow: never a failure on its own.
    for (const r of [3, 10, 100]) {
      const one = comparePaired(100 * r, 100, [...pairs.slice(0, 4), [100 * r, 100], ...pairs.slice(5)], 'log', 0.95)!;
      assert.ok(one.low < 0, `one pair ×${r}: ${JSON.stringify(one)}`);
    }
  });

  it('a 95% interval leaves out "no change" about 5% of the time when nothing changed', () => {
    // 2000 simulated baseline-file comparisons: 3 baseline runs and a new run, each run shifted by the
    // runner (sd 0.15 on the log scale) and each of its 10 windows noisy (sd 0.1).
    const rng = new Rng(11);
    const run = () => {
      const shift = 0.15 * normal(rng);
      const windows = Array.from({ length: 10 }, () => 50 * Math.exp(shift + 0.1 * normal(rng)));
      const value = Math.exp(windows.reduce((a, w) => a + Math.log(w), 0) / windows.length);
      return { value, windows };
    };
    let excluded = 0;
    let pairedExcluded = 0;
    const trials = 2000;
    for (let i = 0; i < trials; i++) {
      const runs = [run(), run(), run()];
      const base = Math.exp(runs.reduce((a, r) => a + Math.log(r.value), 0) / runs.length);
      const e = compareToBaseline(run(), base, runs, 'log', 0.95)!;
      if (e.low > 0 || e.high < 0) excluded++;
      const pairs = Array.from({ length: 8 }, () => {
        const shift = 0.3 * normal(rng);
        return [50 * Math.exp(shift + 0.05 * normal(rng)), 50 * Math.exp(shift + 0.05 * normal(rng))] as [number, number];
      });
      const geo = (k: 0 | 1) => Math.exp(pairs.reduce((a, p) => a + Math.log(p[k]), 0) / pairs.length);
      const p = comparePaired(geo(0), geo(1), pairs, 'log', 0.95)!;
      if (p.low > 0 || p.high < 0) pairedExcluded++;
    }
    assert.ok(excluded / trials < 0.075, `baseline-file false exclusions ${excluded}/${trials}`);
    assert.ok(pairedExcluded / trials > 0.03 && pairedExcluded / trials < 0.07, `paired false exclusions ${pairedExcluded}/${trials}`);
  });

  it('says when a longer run would settle it, and when only more baseline runs would', () => {
    const flat = (v: number, sd: number, rng: Rng) => ({ value: v, windows: Array.from({ length: 10 }, () => v * Math.exp(sd * normal(rng))) });
    const rng = new Rng(5);
    // Baseline runs agree; the new run's windows are noisy: a longer run would narrow the interval.
    const quiet = [flat(100, 0.01, rng), flat(100, 0.01, rng), flat(100, 0.01, rng)];
    const noisyRun = compareToBaseline(flat(115, 0.5, rng), 100, quiet, 'log', 0.95)!;
    assert.ok(noisyRun.low < 0 && noisyRun.longer !== null && noisyRun.longer > 1, JSON.stringify(noisyRun));
    // Baseline runs disagree among themselves: no length of the new run fixes that.
    const spread = [flat(60, 0.01, rng), flat(100, 0.01, rng), flat(160, 0.01, rng)];
    const noisyBaseline = compareToBaseline(flat(115, 0.01, rng), 100, spread, 'log', 0.95)!;
    assert.ok(noisyBaseline.low < 0);
    assert.equal(noisyBaseline.longer, null);
  });

  it('a percentile of few requests carries its own sampling noise: a p99 of 400 is the 4th largest', () => {
    const of = (n: number) => {
      const h = latencyHistogram();
      const rng = new Rng(9);
      for (let i = 0; i < n; i++) recordMs(h, 10 * Math.exp(0.5 * normal(rng)));
      return h;
    };
    const few = quantileLogVariance(of(400), 0.99);
    const many = quantileLogVariance(of(40_000), 0.99);
    assert.ok(Math.sqrt(few) > 0.05 && Math.sqrt(few) < 0.3, String(Math.sqrt(few)));
    assert.ok(many < few / 20, `${many} vs ${few}`);
  });

  it('error rates: differences in points, with a binomial floor when every window had none', () => {
    const none = { value: 0, windows: [0, 0, 0, 0] };
    const e = compareToBaseline({ value: 0.02, windows: [0.02, 0.02, 0.02, 0.02] }, 0, [none, none], 'linear', 0.95, {
      candidate: { count: 4000, failures: 80 },
      baseline: { count: 8000, failures: 0 },
    })!;
    assert.ok(Math.abs(e.change - 0.02) < 1e-12);
    assert.ok(e.low > 0.01 && e.high < 0.03, JSON.stringify(e));
  });
});

describe('blocks: a paired run cuts the schedule into slices', () => {
  it('slices a ramp so each block pair sees the same part of it', () => {
    const load: OpenLoad = { model: 'open', arrival: 'constant', stages: [{ durationMs: 8000, fromRate: 0, toRate: 80 }], warmupMs: 2000, durationMs: 8000, maxInFlight: 10, workers: 1 };
    const second = blockLoad(load, { index: 1, count: 4, warmupMs: 0, measure: true });
    assert.deepEqual(second.stages, [{ durationMs: 2000, fromRate: 20, toRate: 40 }]);
    assert.equal(second.warmupMs, 0);
    assert.equal(second.durationMs, 2000);
    // A warm-up block: the warm-up alone, at the first slice's starting rate.
    const warm = blockLoad(load, { index: 0, count: 4, warmupMs: 1000, measure: false });
    assert.equal(warm.warmupMs, 1000);
    assert.equal(warm.durationMs, 0);
  });
});

describe('paired A/B run', () => {
  let fast: TestServer;
  let slow: TestServer;
  before(async () => {
    fast = await startServer(uniformLatency(20, 40), false);
    slow = await startServer(uniformLatency(26, 52), false); // 30% slower
  });
  after(async () => {
    await fast.close();
    await slow.close();
  });

  const paired = (target: string, reference: string) =>
    writeScenario(
      exampleScenario(target, '  rate: 150\n  arrival: poisson\n  duration: 8s\n  warmup: 1s').replace('  p99: 15%\n', '') +
        `compare:\n  against: image\n  baseline_url: ${reference}\n  blocks: 4\n`,
    );

  it('fails a 30% slower build on p95 from the paired block ratios, and says so in results.json', async () => {
    const out = tempDir('mlload-out-');
    const md = join(out, 'report.md');
    const r = await runCli(['run', paired(slow.url, fast.url), '--out', out, '--markdown', md]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^FAIL: .*p95 \+\d+\.\d% \[\+\d+\.\d%, \+\d+\.\d%\] vs the reference build/m);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.equal(results.verdict, 'fail');
    assert.equal(results.comparison.against, 'image');
    assert.equal(results.comparison.reference, fast.url);
    assert.equal(results.comparison.blocks.length, 4);
    assert.deepEqual(results.comparison.blocks.map((b: { first: string }) => b.first), ['reference', 'reference', 'reference', 'reference'], 'A, B, A, B, …');
    for (const b of results.comparison.blocks) assert.ok(b.p95 > 1.1 && b.p95 < 1.6, `block ratio ${b.p95}`);
    // Each build got the full measured duration and rate, in four blocks.
    assert.equal(results.windows.length, 4);
    assert.ok(Math.abs(results.duration_s - 8) < 0.01, String(results.duration_s));
    assert.ok(Math.abs(results.overall.count - 1200) <= 2, String(results.overall.count));
    const reference = JSON.parse(readFileSync(join(out, 'reference', 'results.json'), 'utf8'));
    assert.equal(reference.overall.count, results.overall.count, 'same arrivals for both builds');
    const report = readFileSync(md, 'utf8');
    assert.match(report, /\| Metric \| A: reference \| B: this build \| B\/A \| 99% interval \| Limit \| Status \|/);
    assert.match(report, /Per block pair: B\/A \(4 pairs/);
  });

  it('passes the same build against itself', async () => {
    const out = tempDir('mlload-out-');
    const r = await runCli(['run', paired(fast.url, fast.url), '--out', out]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^PASS: every SLO held and no regression against the reference build/m);
    assert.ok(existsSync(join(out, 'reference', 'stats.csv')));
  });

  it('an unreachable reference build is one clear error, before any load', async () => {
    const r = await runCli(['run', paired(fast.url, 'http://127.0.0.1:9'), '--out', tempDir()]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /reference build: target http:\/\/127\.0\.0\.1:9 is unreachable/);
  });
});
