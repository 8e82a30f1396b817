import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArrivalSchedule } from '../../src/engine/arrivals.ts';
import { Rng } from '../../src/scenario/rng.ts';

function all(s: ArrivalSchedule): number[] {
  const out: number[] = [];
  for (let t = s.next(); t !== Number.POSITIVE_INFINITY; t = s.next()) out.push(t);
  return out;
}

/** Variance over mean of the counts in consecutive windows of `windowMs`. */
function dispersion(times: number[], windowMs: number, spanMs: number): number {
  const counts = new Array<number>(Math.floor(spanMs / windowMs)).fill(0);
  for (const t of times) {
    const w = Math.floor(t / windowMs);
    if (w < counts.length) counts[w]!++;
  }
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  const variance = counts.reduce((a, c) => a + (c - mean) ** 2, 0) / (counts.length - 1);
  return variance / mean;
}

/** The p-value of a one-sample Kolmogorov–Smirnov test of `xs` against Exponential(rate). */
function ksExponential(xs: number[], rate: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const n = sorted.length;
  let d = 0;
  sorted.forEach((x, i) => {
    const f = 1 - Math.exp(-rate * x);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  });
  // Kolmogorov's limiting law, with Stephens' small-sample correction.
  const z = d * (Math.sqrt(n) + 0.12 + 0.11 / Math.sqrt(n));
  let p = 0;
  for (let k = 1; k <= 100; k++) p += 2 * (-1) ** (k - 1) * Math.exp(-2 * k * k * z * z);
  return Math.min(1, Math.max(0, p));
}

describe('arrival schedule', () => {
  it('constant arrivals are evenly spaced and exact in count', () => {
    const times = all(
      new ArrivalSchedule([{ durationMs: 10_000, fromRate: 200, toRate: 200 }], 0, 'constant', new Rng(1)),
    );
    assert.equal(times.length, 2000);
    for (let i = 1; i < times.length; i++) assert.ok(Math.abs(times[i]! - times[i - 1]! - 5) < 1e-6);
  });

  it('poisson arrivals are a Poisson process: counts in 1 s and 5 s windows have variance/mean 1 ± 0.1, over five seeds', () => {
    for (const seed of [1, 2, 3, 7, 11]) {
      // Four hours at 50/s: 14,400 one-second windows, 2,880 five-second ones (sd of the ratio ≈ 0.03).
      const times = all(
        new ArrivalSchedule([{ durationMs: 4 * 3_600_000, fromRate: 50, toRate: 50 }], 0, 'poisson', new Rng(seed)),
      );
      assert.ok(Math.abs(times.length / (4 * 3600 * 50) - 1) < 0.01, `count ${times.length}`);
      for (const windowS of [1, 5]) {
        const d = dispersion(times, windowS * 1000, 4 * 3_600_000);
        assert.ok(Math.abs(d - 1) <= 0.1, `seed ${seed}: variance/mean over ${windowS} s windows ${d.toFixed(3)}`);
      }
    }
  });

  it('poisson gaps pass a Kolmogorov–Smirnov test against the exponential law (p > 0.01), over five seeds, at a steady rate and on a ramp', () => {
    for (const seed of [1, 2, 3, 7, 11]) {
      const steady = all(
        new ArrivalSchedule([{ durationMs: 100_000, fromRate: 200, toRate: 200 }], 2000, 'poisson', new Rng(seed)),
      );
      const gaps = steady.slice(1).map((t, i) => t - steady[i]!);
      const p = ksExponential(gaps, 1 / 5);
      assert.ok(p > 0.01, `seed ${seed}: steady gaps, KS p = ${p}`);
      // A ramp 20 → 400/s: by time rescaling, Λ(tᵢ) − Λ(tᵢ₋₁) are unit exponentials, Λ worked out here.
      const ramp = all(
        new ArrivalSchedule([{ durationMs: 60_000, fromRate: 20, toRate: 400 }], 0, 'poisson', new Rng(seed)),
      );
      const big = (t: number) => 0.02 * t + (((0.4 - 0.02) / 60_000) * (t * t)) / 2;
      const steps = ramp.map((t, i) => big(t) - (i === 0 ? 0 : big(ramp[i - 1]!)));
      assert.ok(Math.abs(ramp.length / 12_600 - 1) < 0.03, `ramp count ${ramp.length}`);
      const q = ksExponential(steps, 1);
      assert.ok(q > 0.01, `seed ${seed}: ramp, KS p = ${q}`);
    }
  });

  it('uniform-count arrivals keep the count of each second exact, and are less bursty than Poisson (variance/mean well under 1)', () => {
    const times = all(
      new ArrivalSchedule([{ durationMs: 600_000, fromRate: 200, toRate: 200 }], 2000, 'uniform-count', new Rng(7)),
    );
    assert.equal(times.length, 200 * 602);
    const perSecond = new Map<number, number>();
    for (const t of times) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    for (const n of perSecond.values()) assert.equal(n, 200);
    assert.ok(dispersion(times, 5000, 602_000) < 0.3);
  });

  it('ramps linearly between stages', () => {
    const times = all(
      new ArrivalSchedule(
        [
          { durationMs: 10_000, fromRate: 0, toRate: 100 },
          { durationMs: 10_000, fromRate: 100, toRate: 100 },
        ],
        0,
        'constant',
        new Rng(1),
      ),
    );
    assert.equal(times.length, 500 + 1000);
    const firstHalf = times.filter((t) => t < 5000).length;
    assert.ok(Math.abs(firstHalf - 125) <= 1, `first 5 s of the ramp: ${firstHalf}`);
    assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]!));
  });

  it('is reproducible from the seed', () => {
    const a = all(new ArrivalSchedule([{ durationMs: 3000, fromRate: 50, toRate: 50 }], 0, 'poisson', new Rng(3)));
    const b = all(new ArrivalSchedule([{ durationMs: 3000, fromRate: 50, toRate: 50 }], 0, 'poisson', new Rng(3)));
    const c = all(new ArrivalSchedule([{ durationMs: 3000, fromRate: 50, toRate: 50 }], 0, 'poisson', new Rng(4)));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });
});
