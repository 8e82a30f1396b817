import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeHistogram, encodeHistogram, latencyHistogram, mergeHistograms, recordMs, summarize } from '../../src/metrics/histogram.ts';
import { Recorder } from '../../src/metrics/recorder.ts';

const identities = [
  { name: 'a', method: 'POST', path: '/p' },
  { name: 'b', method: 'POST', path: '/p' },
];

describe('metrics', () => {
  it('histograms keep 3 significant digits and survive encoding and merging exactly', () => {
    const h1 = latencyHistogram();
    const h2 = latencyHistogram();
    for (let i = 1; i <= 10_000; i++) recordMs(i % 2 ? h1 : h2, i / 100);
    const merged = mergeHistograms([decodeHistogram(encodeHistogram(h1)), decodeHistogram(encodeHistogram(h2))]);
    assert.equal(merged.totalCount, 10_000);
    const s = summarize(merged);
    assert.ok(Math.abs(s.p50 - 50) / 50 < 0.001, `p50 ${s.p50}`);
    assert.ok(Math.abs(s.p99 - 99) / 99 < 0.001, `p99 ${s.p99}`);
    const direct = summarize(mergeHistograms([h1, h2]));
    assert.deepEqual([s.p50, s.p90, s.p95, s.p99, s.p999, s.mean], [direct.p50, direct.p90, direct.p95, direct.p99, direct.p999, direct.mean]);
    // An encoded histogram keeps buckets, not the exact max: within its 0.1% resolution.
    assert.ok(Math.abs(s.max - direct.max) / direct.max <= 0.001);
  });

  it('the recorder excludes warm-up, groups failures and keeps a few samples', () => {
    const r = new Recorder(identities, 1000);
    r.record(0, { scheduled: 500, sent: 500, done: 510, status: 200, bytes: 10, failure: null });
    for (let i = 0; i < 10; i++) r.record(1, { scheduled: 1000 + i, sent: 1000 + i, done: 1020 + i, status: 500, bytes: 5, failure: 'HTTP 500 (expected 400)', sample: 'x'.repeat(1000) });
    r.record(0, { scheduled: 1500, sent: 1500, done: 1510, status: 200, bytes: 10, failure: null });
    r.second(2000, { inFlight: 0, users: 0, phase: 'measure' });
    const { overall, requests } = r.finish(1);
    assert.equal(overall.count, 11);
    assert.equal(overall.failure_count, 10);
    assert.equal(requests.a!.count, 1);
    assert.equal(requests.b!.failures[0]!.count, 10);
    assert.equal(requests.b!.failures[0]!.samples.length, 3);
    assert.ok(requests.b!.failures[0]!.samples[0]!.length <= 301);
    assert.equal(requests.b!.status_codes['500'], 10);
    assert.equal(r.series[0]!.total.count, 12);
  });

  it('memory stays flat: two million outcomes cost no more than a few MB', () => {
    const r = new Recorder(identities, 0);
    const record = (n: number) => {
      for (let i = 0; i < n; i++) {
        const t = i * 0.25;
        r.record(i & 1, { scheduled: t, sent: t, done: t + 1 + (i % 997), status: 200, bytes: 40, failure: i % 1000 === 0 ? 'HTTP 500 (expected 200)' : null, sample: 'boom' });
        if (i % 4000 === 0) r.second(t, { inFlight: 1, users: 0, phase: 'measure' });
      }
    };
    record(200_000);
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    record(2_000_000);
    globalThis.gc?.();
    const grown = process.memoryUsage().heapUsed - before;
    // 2M outcomes as arrays of samples would be > 16 MB; the series adds ~500 points.
    assert.ok(grown < 8 * 1024 * 1024, `heap grew ${(grown / 1048576).toFixed(1)} MB`);
    assert.equal(r.finish(1).overall.count, 2_200_000);
  });
});
