import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { Http1Client } from '../../src/engine/http1.ts';
import type { Outcome } from '../../src/engine/types.ts';
import type { RequestPlan } from '../../src/scenario/types.ts';

/**
 * llhttp's response vectors (test/fixtures/llhttp) against the lean client: each vector's bytes are
 * the whole answer to one GET, then the server closes. Where llhttp completes a final (non-1xx)
 * message, the client must report its status and exactly its body; where llhttp stops with an
 * error first, the client must report a failure, never a success.
 */

const DIR = join(import.meta.dirname, '../fixtures/llhttp');

/** Vectors that are not HTTP responses a model server could send over plain HTTP/1.x. */
const NOT_HTTP = new Map([
  ['RTSP response', 'RTSP, not HTTP'],
  ['ICE response', 'ICE, not HTTP'],
]);

interface Vector {
  name: string;
  where: string;
  input: Buffer;
  /** The final response as llhttp read it, or null when it found an error first. */
  expected: { status: number; body: Buffer } | null;
}

/** The input conversions of llhttp's test/md-test.ts. */
function decodeInput(text: string): Buffer {
  let input = text.replace(/\n$/, '');
  input = input.replace(/\\(\r\n|\r|\n)/g, '');
  input = input.replace(/\r\n|\r|\n/g, '\r\n');
  input = input.replace(/\\r/g, '\r').replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\f/g, '\f');
  input = input.replace(/\\x([0-9a-fA-F]+)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  input = input.replace(/\\([0-7]{1,3})/g, (_, digits: string) => String.fromCharCode(parseInt(digits, 8)));
  return Buffer.from(input, 'latin1');
}

/** The first final message of llhttp's log: 1xx messages are skipped; an upgrade pause ends it without a body. */
function expectedOf(log: string[]): Vector['expected'] {
  let status = 0;
  let flags = 0;
  let body: Buffer[] = [];
  for (const line of log) {
    const head = /headers complete status=(\d+) v=\S+ flags=([0-9a-f]+)/.exec(line);
    if (head) {
      status = Number(head[1]);
      flags = parseInt(head[2]!, 16);
      body = [];
      continue;
    }
    const span = /^off=\d+ len=(\d+) span\[body\]=(.*)$/.exec(line);
    if (span) {
      const raw = span[2]!;
      body.push(Buffer.from(raw === 'cr' ? '\r' : raw === 'lf' ? '\n' : raw.slice(1, -1), 'latin1'));
      continue;
    }
    if (/message complete/.test(line) && status >= 200) return { status, body: Buffer.concat(body) };
    if (/error code=22 reason="Pause on CONNECT\/Upgrade"/.test(line)) return { status, body: Buffer.alloc(0) };
    if (/error code=/.test(line)) return null;
  }
  // No message complete: a body framed by length or chunks (llhttp's F_CONTENT_LENGTH 0x20, F_CHUNKED 0x8)
  // was cut short by the server's close; any other body is read until the close, which completes it.
  const framed = (flags & (0x20 | 0x08)) !== 0;
  return status >= 200 && !framed ? { status, body: Buffer.concat(body) } : null;
}

function readVectors(): Vector[] {
  const vectors: Vector[] = [];
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.md'))) {
    const lines = readFileSync(join(DIR, file), 'utf8').split('\n');
    let name = '';
    let meta = null as { type?: string; pause?: string; skipBody?: boolean } | null;
    let metaLine = 0;
    let block: string | null = null;
    let buf: string[] = [];
    let http: string | null = null;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (block !== null) {
        if (line === '```') {
          if (block === 'http') http = `${buf.join('\n')}\n`;
          else if (block === 'log' && meta && http !== null) {
            // Strict parsing only: the lenient modes and callback pauses test llhttp's options, not HTTP.
            if (meta.type === 'response' && !meta.pause && !meta.skipBody && !NOT_HTTP.has(name)) {
              vectors.push({ name, where: `${file}:${metaLine}`, input: decodeInput(http), expected: expectedOf(buf) });
            }
            meta = null;
            http = null;
          }
          block = null;
        } else buf.push(line);
        continue;
      }
      if (line.startsWith('#')) name = line.replace(/^#+\s*/, '');
      const m = /^<!-- meta=(.*) -->$/.exec(line);
      if (m) {
        meta = JSON.parse(m[1]!) as typeof meta;
        metaLine = i + 1;
      }
      const fence = /^```(\w+)$/.exec(line);
      if (fence) {
        block = fence[1]!;
        buf = [];
      }
    }
  }
  return vectors;
}

/** Answers the n-th request with the n-th queued response's bytes, then closes the connection. */
function vectorServer(): Promise<{ server: Server; port: number; answers: Buffer[] }> {
  const answers: Buffer[] = [];
  const server = createServer((socket) => {
    let head = '';
    socket.on('error', () => {});
    socket.on('data', (d) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const answer = answers.shift();
      socket.end(answer ?? Buffer.alloc(0));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port, answers }),
    ),
  );
}

const plan: RequestPlan = {
  name: 'vector',
  method: 'GET',
  path: '/',
  weight: 1,
  headers: {},
  timeoutMs: 2000,
  body: null,
  // No status is accepted, so the client keeps every body and hands it back as the failure's sample.
  expect: { statusText: 'none', accepts: () => false, jsonFields: [] },
};

describe('the lean HTTP/1.1 client against llhttp response vectors', () => {
  const vectors = readVectors();
  let srv: Awaited<ReturnType<typeof vectorServer>>;
  const t0 = performance.now();
  const clock = () => performance.now() - t0;
  before(async () => {
    srv = await vectorServer();
  });
  after(() => srv.server.close());

  it('reads enough vectors to mean something', () => {
    assert.ok(vectors.length >= 60, `${vectors.length} vectors`);
    assert.ok(vectors.filter((v) => v.expected === null).length >= 15, 'invalid ones among them');
  });

  for (const v of vectors) {
    it(`${v.name} (${v.where})`, async () => {
      srv.answers.push(v.input);
      const target = new Http1Client(`http://127.0.0.1:${srv.port}`, 1, {}, clock);
      try {
        const o = await new Promise<Outcome>((resolve) => target.send(plan, null, clock(), resolve));
        if (v.expected === null) {
          assert.ok(
            o.status === 0 || !/^HTTP \d+ \(expected/.test(o.failure ?? ''),
            `llhttp rejects this response; the client read HTTP ${o.status} (${o.failure})`,
          );
          assert.notEqual(o.failure, null);
        } else {
          assert.equal(o.status, v.expected.status, `status (failure: ${o.failure})`);
          assert.equal(o.failure, `HTTP ${v.expected.status} (expected none)`);
          assert.equal(o.bytes, v.expected.body.length, 'body length');
          assert.equal(o.sample, v.expected.body.toString('utf8'), 'body');
        }
      } finally {
        await target.destroy();
      }
    });
  }
});
