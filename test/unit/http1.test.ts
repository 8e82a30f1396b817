import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import { Http1Client } from '../../src/engine/http1.ts';
import { MAX_KEPT_BODY, Read, ResponseReader } from '../../src/engine/response.ts';
import type { Outcome } from '../../src/engine/types.ts';
import type { RequestPlan } from '../../src/scenario/types.ts';

/** A raw TCP server that answers each request by the path's rule, byte by byte when asked. */
function rawServer(): Promise<{ server: Server; port: number; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((socket: Socket) => {
    let buffered = '';
    socket.on('data', (d) => {
      buffered += d.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const body = buffered.slice(end + 4, end + 4 + length);
        buffered = buffered.slice(end + 4 + length);
        requests.push(`${head}\r\n\r\n${body}`);
        const path = head.split(' ')[1];
        const send = (parts: string[]) => {
          for (const [i, p] of parts.entries()) setTimeout(() => socket.write(p), i * 5);
        };
        switch (path) {
          case '/split':
            send([
              'HTTP/1.1 200 OK\r\nContent-Ty',
              'pe: application/json\r\nContent-Length: 11\r\n',
              '\r\n{"ok":',
              'true}',
            ]);
            break;
          case '/chunked':
            send([
              'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
              '6\r\n{"ok":\r\n',
              '5\r\ntrue}\r\n',
              '0\r\n\r\n',
            ]);
            break;
          case '/close':
            socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}');
            break;
          case '/eof':
            socket.end('HTTP/1.0 200 OK\r\n\r\n{"streamed":1}');
            break;
          case '/nocontent':
            socket.write('HTTP/1.1 204 No Content\r\n\r\n');
            break;
          case '/bad':
            socket.write('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\noops!');
            break;
          case '/hang':
            break;
          default:
            socket.write('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        }
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port, requests }),
    ),
  );
}

function plan(path: string, extra: Partial<RequestPlan> = {}): RequestPlan {
  return {
    name: path,
    method: 'GET',
    path,
    weight: 1,
    headers: {},
    timeoutMs: 2000,
    body: null,
    expect: { statusText: '200', accepts: (s) => s === 200, jsonFields: [] },
    ...extra,
  };
}

describe('the lean HTTP/1.1 client', () => {
  let srv: Awaited<ReturnType<typeof rawServer>>;
  let target: Http1Client;
  const t0 = performance.now();
  const clock = () => performance.now() - t0;
  const send = (p: RequestPlan, payload: { data: string; contentType: string } | null = null) =>
    new Promise<Outcome>((resolve) => target.send(p, payload, clock(), resolve));

  before(async () => {
    srv = await rawServer();
    target = new Http1Client(`http://127.0.0.1:${srv.port}`, 2, { 'x-run': 'test' }, clock);
  });
  after(async () => {
    await target.destroy();
    srv.server.close();
  });

  it('writes one well-formed request with host, headers, content type and length', async () => {
    const o = await send(plan('/split', { method: 'POST' }), { data: '{"x":"é"}', contentType: 'application/json' });
    assert.equal(o.failure, null);
    const req = srv.requests.at(-1)!;
    assert.match(
      req,
      /^POST \/split HTTP\/1\.1\r\nhost: 127\.0\.0\.1:\d+\r\nx-run: test\r\ncontent-type: application\/json\r\ncontent-length: 10\r\n\r\n/,
    );
  });

  it('reads heads and bodies split across packets, chunked bodies, and checks JSON fields', async () => {
    const split = await send(
      plan('/split', { expect: { statusText: '200', accepts: (s) => s === 200, jsonFields: [['ok']] } }),
    );
    assert.deepEqual([split.status, split.bytes, split.failure], [200, 11, null]);
    const chunked = await send(
      plan('/chunked', { expect: { statusText: '200', accepts: (s) => s === 200, jsonFields: [['missing']] } }),
    );
    assert.deepEqual(
      [chunked.status, chunked.bytes, chunked.failure, chunked.sample],
      [200, 11, 'missing JSON field "missing"', '{"ok":true}'],
    );
  });

  it('handles Connection: close, close-delimited bodies and 204 by reconnecting', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await send(plan('/close'))).failure, null);
    const eof = await send(plan('/eof'));
    assert.deepEqual([eof.status, eof.failure, eof.bytes], [200, null, 14]);
    const empty = await send(
      plan('/nocontent', { expect: { statusText: '204', accepts: (s) => s === 204, jsonFields: [] } }),
    );
    assert.deepEqual([empty.status, empty.failure], [204, null]);
    assert.equal((await send(plan('/split'))).failure, null);
  });

  it('reports unexpected statuses with the body, and times out a request that never gets an answer', async () => {
    const bad = await send(plan('/bad'));
    assert.deepEqual([bad.status, bad.failure, bad.sample], [500, 'HTTP 500 (expected 200)', 'oops!']);
    const hang = await send(plan('/hang', { timeoutMs: 200 }));
    assert.equal(hang.failure, 'timeout after 200ms');
    assert.ok(hang.done - hang.sent < 400);
    assert.equal((await send(plan('/split'))).failure, null, 'the slot recovers on a new connection');
  });

  it('queues beyond its connections and serves every request', async () => {
    const all = await Promise.all(Array.from({ length: 20 }, () => send(plan('/split'))));
    assert.ok(all.every((o) => o.failure === null));
  });

  it('reads chunked bodies split anywhere, and only when complete', () => {
    const expect = { statusText: '200', accepts: () => false, jsonFields: [] };
    const wire = Buffer.from(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n',
    );
    const reader = new ResponseReader();
    reader.reset(expect, false);
    for (let i = 0; i < wire.length - 1; i++)
      assert.equal(reader.feed(wire.subarray(i, i + 1)), Read.More, `byte ${i}`);
    assert.equal(reader.feed(wire.subarray(wire.length - 1)), Read.Complete);
    assert.equal(reader.body().toString(), 'hello world');
    assert.equal(reader.bytes, 11);
  });

  it('rejects a bad chunk size instead of counting a success', () => {
    const reader = new ResponseReader();
    reader.reset({ statusText: '2xx', accepts: (s) => s < 300, jsonFields: [] }, false);
    assert.equal(
      reader.feed(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n')),
      Read.Malformed,
    );
    assert.match(reader.error, /malformed chunked body/);
  });

  it('reads a 256 MiB chunked body in linear time and keeps at most MAX_KEPT_BODY of it', () => {
    const reader = new ResponseReader();
    reader.reset({ statusText: '2xx', accepts: () => false, jsonFields: [] }, false);
    reader.feed(Buffer.from('HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n'));
    const piece = Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(65536, 97), Buffer.from('\r\n')]);
    const before = process.memoryUsage().rss;
    // Re-joining and re-decoding on every read (the old client) took minutes here; reading on takes well under a
    // second.
    for (let i = 0; i < 4096; i++) assert.equal(reader.feed(piece), Read.More);
    assert.equal(reader.feed(Buffer.from('0\r\n\r\n')), Read.Complete);
    assert.equal(reader.bytes, 256 * 1024 * 1024);
    assert.equal(reader.keptBytes, MAX_KEPT_BODY);
    assert.equal(reader.truncated, true);
    assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, 'memory stays bounded');
  });

  it('a refused connection is a failure with its reason', async () => {
    const closed = new Http1Client('http://127.0.0.1:9', 1, {}, clock);
    const o = await new Promise<Outcome>((resolve) => closed.send(plan('/'), null, clock(), resolve));
    assert.equal(o.failure, 'connection refused');
    await closed.destroy();
  });
});
