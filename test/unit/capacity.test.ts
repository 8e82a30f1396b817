import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideProbe, emptyBlock, interpolateCapacity, probeMargin, type ProbeCounts } from '../../src/gate/index.ts';
import { capacityTruth, queueRequests } from '../helpers/queue.ts';

const MODEL = { servers: 4, service: [20] };
const SLO = { p99: 100 };

/**
 * A probe's counts from simulated requests: settle 2 s left out, blocks of 2 s; decided as the search does, each second
 * from `minS`.
 */
function probeOf(
  rate: number,
  seconds: number,
  seed: number,
  minS = 10,
): { counts: ProbeCounts; sure: 'pass' | 'fail' | null; at: number } {
  const counts: ProbeCounts = { blocks: [] };
  const requests = queueRequests(MODEL, rate, 2 + seconds, seed).filter((r) => r.t >= 2000);
  let i = 0;
  for (let s = 1; s <= seconds; s++) {
    for (; i < requests.length && requests[i]!.t < 2000 + s * 1000; i++) {
      const { t, latency } = requests[i]!;
      const b = Math.floor((t - 2000) / 2000);
      while (counts.blocks.length <= b) counts.blocks.push(emptyBlock());
      const block = counts.blocks[b]!;
      block.count++;
      if (latency > 100) block.over.p99 = (block.over.p99 ?? 0) + 1;
      if (latency > 50) block.near.p99 = (block.near.p99 ?? 0) + 1;
    }
    if (s >= minS) {
      const sure = decideProbe(counts, SLO, 0.99);
      if (sure) return { counts, sure, at: s };
    }
  }
  return { counts, sure: null, at: seconds };
}

describe('capacity probes: queued requests are not independent', () => {
  const truth = capacityTruth(MODEL, 0.99, 100, 400_000);

  it('the truth of an M/D/4 queue of 20 ms at p99 ≤ 100 ms is about 174 req/s (simulated here)', () => {
    assert.ok(Math.abs(truth - 174.2) < 3, `truth ${truth}`);
  });

  it('is never sure of a pass 5% or 8% above the truth, nor of a fail 5% below it, over 40 seeds of 30 s probes', () => {
    // A binomial test that takes the requests for independent was sure of a pass at +5% in 42 of 100 seeds.
    const wrong: string[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      for (const f of [1.05, 1.08]) {
        const above = probeOf(truth * f, 30, seed);
        if (above.sure === 'pass') wrong.push(`seed ${seed}: sure pass at ×${f} after ${above.at} s`);
      }
      const below = probeOf(truth * 0.95, 30, 100 + seed);
      if (below.sure === 'fail') wrong.push(`seed ${seed}: sure fail at ×0.95 after ${below.at} s`);
    }
    assert.deepEqual(wrong, []);
  });

  it('is sure quickly far from the truth: a pass at half of it and a fail at 1.3× it within 15 s, for every seed', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const low = probeOf(truth * 0.5, 30, seed);
      assert.equal(low.sure, 'pass', `seed ${seed}`);
      assert.ok(low.at <= 15, `seed ${seed}: ${low.at} s`);
      const high = probeOf(truth * 1.3, 30, 50 + seed);
      assert.equal(high.sure, 'fail', `seed ${seed}`);
      assert.ok(high.at <= 15, `seed ${seed}: ${high.at} s`);
    }
  });

  it('a probe of too few blocks is never sure, and the last block (still filling) is left out until the time is up', () => {
    const counts: ProbeCounts = { blocks: [1, 2, 3, 4, 5].map(() => ({ ...emptyBlock(), count: 400 })) };
    assert.equal(decideProbe(counts, SLO, 0.99), null);
    counts.blocks.push({ ...emptyBlock(), count: 400 });
    assert.equal(decideProbe(counts, SLO, 0.99), 'pass');
    counts.blocks.push({ ...emptyBlock(), count: 400, over: { p99: 400 }, near: { p99: 400 } });
    assert.equal(decideProbe(counts, SLO, 0.99, true), 'fail');
  });

  it('interpolates the capacity where the margins cross 1 on a log scale, within the bracket', () => {
    assert.ok(Math.abs(interpolateCapacity({ load: 100, margin: 0.1 }, { load: 200, margin: 10 }) - 150) < 1e-9);
    assert.equal(
      interpolateCapacity({ load: 100, margin: 0.5 }, { load: 200, margin: Number.POSITIVE_INFINITY }) >= 100,
      true,
    );
    // Margins that do not straddle 1 (a failing probe by a crash, say): the passing load.
    assert.equal(interpolateCapacity({ load: 100, margin: 0.5 }, { load: 200, margin: 0.8 }), 100);
    const counts: ProbeCounts = { blocks: [{ ...emptyBlock(), count: 1000, over: { p99: 20 } }] };
    assert.ok(Math.abs(probeMargin(counts, SLO) - 2) < 1e-9);
  });
});
