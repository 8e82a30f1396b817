import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeHistogram,
  encodeHistogram,
  latencyHistogram,
  mergeHistograms,
  recordMs,
  summarize,
} from '../../src/metrics/histogram.ts';
import { Recorder } from '../../src/metrics/recorder.ts';
import { driftOf, theilSen } from '../../src/metrics/trend.ts';

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
    assert.deepEqual(
      [s.p50, s.p90, s.p95, s.p99, s.p999, s.mean],
      [direct.p50, direct.p90, direct.p95, direct.p99, direct.p999, direct.mean],
    );
    // An encoded histogram keeps buckets, not the exact max: within its 0.1% resolution.
    assert.ok(Math.abs(s.max - direct.max) / direct.max <= 0.001);
  });

  it('the recorder excludes warm-up, groups failures and keeps a few samples', () => {
    const r = new Recorder(identities, 1000);
    r.record(0, { scheduled: 500, sent: 500, done: 510, status: 200, bytes: 10, failure: null });
    for (let i = 0; i < 10; i++)
      r.record(1, {
        scheduled: 1000 + i,
        sent: 1000 + i,
        done: 1020 + i,
        status: 500,
        bytes: 5,
        failure: 'HTTP 500 (expected 400)',
        sample: 'x'.repeat(1000),
      });
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
        r.record(i & 1, {
          scheduled: t,
          sent: t,
          done: t + 1 + (i % 997),
          status: 200,
          bytes: 40,
          failure: i % 1000 === 0 ? 'HTTP 500 (expected 200)' : null,
          sample: 'boom',
        });
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

describe('limits in time', () => {
  it('Theil–Sen: the slope of a line with outliers, and an interval that holds the truth', () => {
    const xs = Array.from({ length: 40 }, (_, i) => i);
    const ys = xs.map((x) => 2 * x + 5 + (x % 7 === 0 ? 500 : 0) + ((x * 37) % 11) / 10);
    const fit = theilSen(xs, ys, 0.95);
    assert.ok(Math.abs(fit.slope - 2) < 0.05, String(fit.slope));
    assert.ok(fit.low <= 2 && fit.high >= 2 && fit.high - fit.low < 0.5, JSON.stringify(fit));
    const flat = theilSen(
      xs,
      xs.map((x) => ((x * 37) % 11) / 10),
      0.95,
    );
    assert.ok(flat.low <= 0 && flat.high >= 0, JSON.stringify(flat));
  });
  it('a trend needs six blocks of five seconds; memory in MB per hour', () => {
    const point = (t: number, memory: number) => ({
      t,
      time: 0,
      phase: 'measure' as const,
      rps: 10,
      errors: 0,
      p50: 5,
      p95: 10,
      p99: 12,
      in_flight: 0,
      users: 0,
      total: { count: 0, failures: 0, p50: 0, mean: 0, min: 0, max: 0, avg_bytes: 0 },
      memory_mb: memory,
    });
    const series = Array.from({ length: 60 }, (_, i) => point(i + 1, 100 + i / 36));
    const d = driftOf(series, 0.95)!;
    assert.ok(Math.abs(d.memory_mb!.per_hour - 100) < 1, JSON.stringify(d));
    assert.equal(d.p95!.per_hour, 0);
    assert.equal(driftOf(series.slice(0, 25), 0.95), null);
  });
  it('recovery: from a spike to the first second after which every second is on time, by due time; never when the end is late', () => {
    const recorder = new Recorder(identities.slice(0, 1), 0, 0, { boundMs: 100, fromMs: 5000 });
    // 100 requests a second; those due in [5 s, 8.35 s) are late, then all on time until 12 s.
    for (let t = 0; t < 12_000; t += 10)
      recorder.record(0, {
        scheduled: t,
        sent: t,
        done: t + (t >= 5000 && t < 8350 ? 400 : 10),
        status: 200,
        bytes: 1,
        failure: null,
      });
    const spike = { stage: 1, startMs: 5000, endMs: 12_000, from: 20, to: 100 };
    const [r] = recorder.recoveries([spike]);
    assert.equal(r!.recovery_s, 3.3);
    assert.equal(r!.worst_late_share, 1);
    const [never] = recorder.recoveries([{ ...spike, endMs: 8300 }]);
    assert.equal(never!.recovery_s, null);
    const calm = new Recorder(identities.slice(0, 1), 0, 0, { boundMs: 100, fromMs: 5000 });
    for (let t = 0; t < 12_000; t += 10)
      calm.record(0, { scheduled: t, sent: t, done: t + 10, status: 200, bytes: 1, failure: null });
    assert.equal(calm.recoveries([spike])[0]!.recovery_s, 0);
  });
});
