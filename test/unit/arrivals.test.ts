import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArrivalSchedule } from '../../src/engine/arrivals.ts';
import { Rng } from '../../src/scenario/rng.ts';

function all(s: ArrivalSchedule): number[] {
  const out: number[] = [];
  for (let t = s.next(); t !== Number.POSITIVE_INFINITY; t = s.next()) out.push(t);
  return out;
}

describe('arrival schedule', () => {
  it('constant arrivals are evenly spaced and exact in count', () => {
    const times = all(new ArrivalSchedule([{ durationMs: 10_000, fromRate: 200, toRate: 200 }], 0, 'constant', new Rng(1)));
    assert.equal(times.length, 2000);
    for (let i = 1; i < times.length; i++) assert.ok(Math.abs(times[i]! - times[i - 1]! - 5) < 1e-6);
  });

  it('poisson arrivals have exponential gaps and the asked count every second', () => {
    const times = all(new ArrivalSchedule([{ durationMs: 60_000, fromRate: 200, toRate: 200 }], 2000, 'poisson', new Rng(7)));
    assert.equal(times.length, 200 * 62);
    const perSecond = new Map<number, number>();
    for (const t of times) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    for (const n of perSecond.values()) assert.equal(n, 200);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    assert.ok(Math.abs(mean - 5) < 0.05, `mean gap ${mean}`);
    // Exponential gaps: coefficient of variation near 1 (constant arrivals would give 0).
    assert.ok(sd / mean > 0.9 && sd / mean < 1.1, `cv ${sd / mean}`);
    // Memoryless: P(gap > 10 ms) = e^-2.
    const over = gaps.filter((g) => g > 10).length / gaps.length;
    assert.ok(Math.abs(over - Math.exp(-2)) < 0.01, `P(gap>10ms) ${over}`);
  });

  it('ramps linearly between stages', () => {
    const times = all(new ArrivalSchedule([{ durationMs: 10_000, fromRate: 0, toRate: 100 }, { durationMs: 10_000, fromRate: 100, toRate: 100 }], 0, 'constant', new Rng(1)));
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
