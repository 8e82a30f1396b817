import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import SnappyJS from 'snappyjs';
import {
  bucketIndex,
  bucketUpper,
  endpointText,
  exponentialBuckets,
  exportSettings,
  otlpHeaders,
  reasonClass,
} from '../../src/export/index.ts';
import { spansOf } from '../../src/export/native.ts';
import { compress } from '../../src/export/remote-write.ts';
import { poster } from '../../src/export/post.ts';
import { PostError, Sender } from '../../src/export/sender.ts';
import type { ExportSample } from '../../src/export/series.ts';
import { latencyHistogram, recordMs } from '../../src/metrics/histogram.ts';

const batch = (n: number): ExportSample[] =>
  Array.from({ length: n }, () => ({ name: 'x', kind: 'gauge', help: '', labels: {}, timeMs: 0, value: 1 }));

describe('export: native histogram buckets', () => {
  it('a value lands in the bucket whose bounds hold it, at schema 5 (2.2% wide)', () => {
    for (const v of [0.000_001, 0.0123, 0.5, 1, 1.0001, 7.3, 3600]) {
      const i = bucketIndex(v);
      assert.ok(bucketUpper(i - 1) < v && v <= bucketUpper(i) * (1 + 1e-12), `${v}: bucket ${i}`);
    }
    assert.ok(Math.abs(bucketUpper(1) / bucketUpper(0) - 2 ** (1 / 32)) < 1e-12);
  });

  it("an HDR histogram's counts all land in buckets, each near the value it was recorded at", () => {
    const h = latencyHistogram();
    const values = Array.from({ length: 5000 }, (_, i) => 0.2 + ((i * 7919) % 10_000) / 37);
    for (const ms of values) recordMs(h, ms);
    const b = exponentialBuckets(h);
    assert.equal(
      b.counts.reduce((a, c) => a + c, 0),
      values.length,
    );
    assert.ok(Math.abs(b.sum - values.reduce((a, v) => a + v, 0) / 1000) / b.sum < 0.002);
    // Counted directly, bucket by bucket: HDR's 0.1% rounding moves a value by at most one bucket.
    const direct = new Map<number, number>();
    for (const ms of values) direct.set(bucketIndex(ms / 1000), (direct.get(bucketIndex(ms / 1000)) ?? 0) + 1);
    let moved = 0;
    for (const [k, i] of b.indices.entries()) moved += Math.abs(b.counts[k]! - (direct.get(i) ?? 0));
    assert.ok(moved / values.length < 0.1, `${moved} of ${values.length} moved to a neighbour`);
  });

  it('spans: runs of consecutive buckets, each offset by the empty buckets since the last', () => {
    assert.deepEqual(spansOf([-3, -2, -1, 4, 5, 9]), [
      { offset: -3, length: 3 },
      { offset: 4, length: 2 },
      { offset: 3, length: 1 },
    ]);
    assert.deepEqual(spansOf([]), []);
  });

  it("snappy: the body decompresses to what was written (snappyjs's block format)", () => {
    const body = Buffer.from('mlload_requests_total'.repeat(200));
    assert.deepEqual(Buffer.from(SnappyJS.uncompress(compress(body))), body);
  });

  it('reasons fold into a few classes', () => {
    assert.equal(reasonClass('HTTP 503 (expected 200)'), 'http_5xx');
    assert.equal(reasonClass('HTTP 422 (expected 200)'), 'http_4xx');
    assert.equal(reasonClass('timeout after 30s'), 'timeout');
    assert.equal(reasonClass('connection reset'), 'connection');
    assert.equal(reasonClass('stream cut off: connection closed mid-stream'), 'stream');
    assert.equal(reasonClass('missing field: probability'), 'other');
    assert.equal(reasonClass('gRPC UNAVAILABLE (expected 2xx)'), 'grpc_unavailable');
  });
});

describe('export: the sender', () => {
  const fast = { maxQueued: 3, attempts: 3, backoffMs: 5, maxBackoffMs: 20 };

  it('sends in order, one at a time', async () => {
    const seen: number[] = [];
    let inFlight = 0;
    const sender = new Sender(async (b) => {
      inFlight++;
      assert.equal(inFlight, 1);
      await new Promise((r) => setTimeout(r, 5));
      seen.push(b.length);
      inFlight--;
    }, fast);
    for (const n of [1, 2, 3]) sender.enqueue(batch(n));
    const f = await sender.close(5000);
    assert.deepEqual(seen, [1, 2, 3]);
    assert.deepEqual(f, { batches_sent: 3, samples_sent: 6, samples_dropped: 0, retries: 0, last_error: null });
  });

  it('retries what may succeed later, drops what never will, and counts every dropped sample', async () => {
    let calls = 0;
    const sender = new Sender(async (b) => {
      calls++;
      if (b.length === 1) throw new PostError('HTTP 400: bad labels', false);
      if (calls <= 3) throw new PostError('HTTP 503', true);
    }, fast);
    sender.enqueue(batch(2));
    sender.enqueue(batch(1));
    sender.enqueue(batch(4));
    const f = await sender.close(5000);
    // The first batch: three 503s (its tries), dropped; the second refused at once; the third sent.
    assert.equal(f.samples_dropped, 3);
    assert.equal(f.samples_sent, 4);
    assert.equal(f.retries, 2);
    assert.equal(f.last_error, 'HTTP 400: bad labels');
  });

  it('an endpoint that hangs: the queue stays bounded, enqueue never waits, close gives up on time', async () => {
    const sender = new Sender(
      (_b, signal) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
      fast,
    );
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) sender.enqueue(batch(10));
    assert.ok(performance.now() - t0 < 50, 'enqueue does not wait on the endpoint');
    const closing = performance.now();
    const f = await sender.close(100);
    assert.ok(performance.now() - closing < 1000);
    assert.equal(f.samples_sent, 0);
    assert.equal(f.samples_dropped, 1000, 'all of them, counted');
  });
});

describe('export: the POST (node:http, one kept-alive connection)', () => {
  /** A server on 127.0.0.1 answering each request as `answer` says; what it got, and the sockets it saw. */
  async function endpoint(answer: (n: number) => { status: number; body?: string } | 'hang') {
    const got: Array<{ headers: IncomingHttpHeaders; body: Buffer }> = [];
    const sockets = new Set<unknown>();
    const server = createServer((req, res) => {
      sockets.add(req.socket);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ headers: req.headers, body: Buffer.concat(chunks) });
        const a = answer(got.length);
        if (a === 'hang') return;
        res.writeHead(a.status).end(a.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
    const close = () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    };
    return { url, got, sockets, close };
  }
  const never = new AbortController().signal;

  it('sends the body and headers as given, and two posts share one connection', async () => {
    const e = await endpoint(() => ({ status: 204 }));
    const p = poster(e.url, { 'content-type': 'application/x-protobuf', authorization: 'Bearer t' });
    try {
      await p.post(Buffer.from([1, 2, 3]), never);
      await p.post(Buffer.from([4]), never);
      assert.deepEqual(
        e.got.map((g) => [...g.body]),
        [[1, 2, 3], [4]],
      );
      assert.equal(e.got[0]!.headers['content-type'], 'application/x-protobuf');
      assert.equal(e.got[0]!.headers.authorization, 'Bearer t');
      assert.equal(e.got[0]!.headers['content-length'], '3');
      assert.equal(e.sockets.size, 1, 'kept alive');
    } finally {
      p.close();
      await e.close();
    }
  });

  it('a 4xx is final, a 5xx or 429 may be tried again; the message has the start of the answer', async () => {
    const answers = [
      { status: 400, body: 'bad\n  labels' },
      { status: 503, body: '' },
      { status: 429, body: 'slow down' },
    ];
    const e = await endpoint((n) => answers[n - 1]!);
    const p = poster(e.url, {});
    try {
      const errors: PostError[] = [];
      for (let i = 0; i < answers.length; i++)
        await p.post(Buffer.from('x'), never).catch((err: PostError) => errors.push(err));
      assert.deepEqual(
        errors.map((x) => [x.message, x.retryable]),
        [
          ['HTTP 400: bad labels', false],
          ['HTTP 503', true],
          ['HTTP 429: slow down', true],
        ],
      );
    } finally {
      p.close();
      await e.close();
    }
  });

  it('an endpoint that never answers is given up on time; one that is down is named; a stop ends a post', async () => {
    const e = await endpoint(() => 'hang');
    const p = poster(e.url, {}, 200);
    try {
      const started = Date.now();
      const hung = await p.post(Buffer.from('x'), never).catch((err: PostError) => err);
      assert.ok(hung instanceof PostError && hung.retryable);
      assert.equal(hung.message, 'no answer within 0.2 s');
      assert.ok(Date.now() - started < 2000);
      const stop = new AbortController();
      const stopped = p.post(Buffer.from('x'), stop.signal).catch((err: PostError) => err);
      setTimeout(() => stop.abort(), 50);
      const s = await stopped;
      assert.ok(s instanceof PostError && !s.retryable, String(s));
    } finally {
      p.close();
      await e.close();
    }
    const down = poster(e.url, {});
    const refused = await down.post(Buffer.from('x'), never).catch((err: PostError) => err);
    assert.ok(refused instanceof PostError && refused.retryable);
    assert.equal(refused.message, 'ECONNREFUSED');
  });
});

describe('export: settings from flags, the scenario and the environment', () => {
  it('credentials only from the environment, and never in a printed URL', () => {
    const s = exportSettings(
      { prometheus: { url: 'http://from-scenario/api/v1/write' } },
      { prometheusUrl: 'https://user:secret@flag.example/api/v1/write?token=abc' },
      {
        MLLOAD_PROMETHEUS_TOKEN: 't0k',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%3Db, x-team = ml',
      },
    );
    assert.equal(s.prometheus!.url, 'https://user:secret@flag.example/api/v1/write?token=abc', 'the flag wins');
    assert.equal(s.prometheus!.headers.authorization, 'Bearer t0k');
    assert.equal(endpointText(s.prometheus!.url), 'https://flag.example/api/v1/write');
    assert.equal(s.otlp!.url, 'http://collector:4318/v1/metrics');
    assert.deepEqual(s.otlp!.headers, { 'api-key': 'a=b', 'x-team': 'ml' });
    assert.deepEqual(exportSettings(undefined, {}, {}), { prometheus: null, otlp: null });
    const basic = exportSettings(
      undefined,
      { prometheusUrl: 'http://p' },
      { MLLOAD_PROMETHEUS_USER: 'u', MLLOAD_PROMETHEUS_PASSWORD: 'p' },
    );
    assert.equal(basic.prometheus!.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
    assert.deepEqual(otlpHeaders('=x,novalue,k=v'), { k: 'v' });
  });
});
