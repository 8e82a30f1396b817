import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockLoad } from '../../src/engine/blocks.ts';
import { comparePaired, compareToBaseline, quantileLogVariance } from '../../src/gate/noise.ts';
import { latencyHistogram, recordMs } from '../../src/metrics/histogram.ts';
import { Rng } from '../../src/scenario/rng.ts';
import type { OpenLoad } from '../../src/scenario/types.ts';

/** A standard normal draw (Box–Muller) from the seeded generator. */
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

describe('noise: intervals', () => {
  it('paired ratios: a steady 20% slowdown is found, with an interval around it', () => {
    const rng = new Rng(3);
    const pairs = Array.from({ length: 8 }, () => {
      const runner = Math.exp(0.3 * normal(rng)); // the whole runner's speed, shared by the pair
      return [120 * runner * Math.exp(0.02 * normal(rng)), 100 * runner * Math.exp(0.02 * normal(rng))] as [
        number,
        number,
      ];
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
    const pairs: Array<[number, number]> = [1.01, 0.99, 1.02, 0.98, 2.5, 1.0, 1.01, 0.99, 1.0, 1.02].map((r) => [
      100 * r,
      100,
    ]);
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
        return [50 * Math.exp(shift + 0.05 * normal(rng)), 50 * Math.exp(shift + 0.05 * normal(rng))] as [
          number,
          number,
        ];
      });
      const geo = (k: 0 | 1) => Math.exp(pairs.reduce((a, p) => a + Math.log(p[k]), 0) / pairs.length);
      const p = comparePaired(geo(0), geo(1), pairs, 'log', 0.95)!;
      if (p.low > 0 || p.high < 0) pairedExcluded++;
    }
    assert.ok(excluded / trials < 0.075, `baseline-file false exclusions ${excluded}/${trials}`);
    assert.ok(
      pairedExcluded / trials > 0.03 && pairedExcluded / trials < 0.07,
      `paired false exclusions ${pairedExcluded}/${trials}`,
    );
  });

  it('few baseline runs: the prior spread bounds the interval, so a 2× slowdown fails with 1, 2 or 3 runs', () => {
    const rng = new Rng(21);
    const prior = { spread: 0.1, runs: 4 };
    const run = (v: number) => ({
      value: v,
      windows: Array.from({ length: 10 }, () => v * Math.exp(0.05 * normal(rng))),
    });
    for (const r of [1, 2, 3]) {
      const runs = Array.from({ length: r }, () => run(50 * Math.exp(0.1 * normal(rng))));
      const base = Math.exp(runs.reduce((a, x) => a + Math.log(x.value), 0) / r);
      const e = compareToBaseline(run(2 * base), base, runs, 'log', 0.95, { prior, maxHalfWidth: Math.log(1.5) })!;
      assert.ok(e.low > 0.2, `${r} run(s): ${JSON.stringify(e)}`);
      assert.equal(e.df, 4 + r - 1);
      const same = compareToBaseline(run(base), base, runs, 'log', 0.95, { prior, maxHalfWidth: Math.log(1.5) })!;
      assert.ok(same.low < 0 && same.high > 0 && same.high < 0.6, `${r} run(s), unchanged: ${JSON.stringify(same)}`);
    }
  });

  it('a baseline whose own runs disagree widens the interval, but never past max_noise: 2× still fails', () => {
    const wild = [60, 180].map((v) => ({ value: v, windows: Array.from({ length: 10 }, () => v) }));
    const loose = compareToBaseline({ value: 1.3 * 104, windows: [] }, 104, wild, 'log', 0.95, {
      prior: { spread: 0.1, runs: 4 },
    })!;
    const capped = compareToBaseline({ value: 2 * 104, windows: [] }, 104, wild, 'log', 0.95, {
      prior: { spread: 0.1, runs: 4 },
      maxHalfWidth: Math.log(1.5),
    })!;
    assert.ok(loose.low < 0, JSON.stringify(loose));
    assert.ok(capped.low > 0.3 && capped.high < 2.01, JSON.stringify(capped));
  });

  it('with a prior that matches the runner, a 95% interval leaves out "no change" at most about 5% of the time for 1 to 3 baseline runs', () => {
    const rng = new Rng(17);
    const run = () => {
      const shift = 0.1 * normal(rng);
      const windows = Array.from({ length: 10 }, () => 50 * Math.exp(shift + 0.05 * normal(rng)));
      return { value: Math.exp(windows.reduce((a, w) => a + Math.log(w), 0) / windows.length), windows };
    };
    const trials = 2000;
    for (const r of [1, 2, 3]) {
      let excluded = 0;
      for (let i = 0; i < trials; i++) {
        const runs = Array.from({ length: r }, run);
        const base = Math.exp(runs.reduce((a, x) => a + Math.log(x.value), 0) / r);
        const e = compareToBaseline(run(), base, runs, 'log', 0.95, { prior: { spread: 0.1, runs: 4 } })!;
        if (e.low > 0 || e.high < 0) excluded++;
      }
      // At most about 5%: t with prior.runs + R − 1 df is conservative when the prior is right.
      assert.ok(excluded / trials < 0.075, `${r} run(s): false exclusions ${excluded}/${trials}`);
    }
  });

  it('says when a longer run would settle it, and when only more baseline runs would', () => {
    const flat = (v: number, sd: number, rng: Rng) => ({
      value: v,
      windows: Array.from({ length: 10 }, () => v * Math.exp(sd * normal(rng))),
    });
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
      counts: { candidate: { count: 4000, failures: 80 }, baseline: { count: 8000, failures: 0 } },
    })!;
    assert.ok(Math.abs(e.change - 0.02) < 1e-12);
    assert.ok(e.low > 0.01 && e.high < 0.03, JSON.stringify(e));
  });
});

describe('blocks: a paired run cuts the schedule into slices', () => {
  it('slices a ramp so each block pair sees the same part of it', () => {
    const load: OpenLoad = {
      model: 'open',
      arrival: 'constant',
      stages: [{ durationMs: 8000, fromRate: 0, toRate: 80 }],
      warmupMs: 2000,
      durationMs: 8000,
      maxInFlight: 10,
      workers: 1,
    };
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
