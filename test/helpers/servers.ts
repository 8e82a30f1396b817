import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from './cli.ts';

export interface TestServer {
  url: string;
  port: number;
  /** Every request body received, in order. */
  bodies: string[];
  paths: string[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** A real HTTP server on 127.0.0.1, on a free port or the one given. */
export async function startServer(handler: Handler, keepBodies = true, listenPort = 0): Promise<TestServer> {
  const bodies: string[] = [];
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (keepBodies) {
        bodies.push(body);
        paths.push(req.url ?? '');
      }
      handler(req, body, res);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    bodies,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Answers like a model: 400 to bodies that are not a JSON object with a numeric `x` in [0, 10]. */
export function modelAnswer(body: string, res: ServerResponse): void {
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    return json(res, 400, { error: 'malformed' });
  }
  const x = (input as { x?: unknown } | null)?.x;
  if (typeof x !== 'number' || x < 0 || x > 10) return json(res, 400, { error: 'bad x' });
  json(res, 200, { y: x * 2 });
}

/** A model whose latency is uniform in [lo, hi] ms. */
export function uniformLatency(lo: number, hi: number): Handler {
  return (_req, body, res) => {
    setTimeout(() => modelAnswer(body, res), lo + Math.random() * (hi - lo));
  };
}

/** An M/D/c queue: at most `c` requests served at once, each for `serviceMs`; the rest wait in line. */
export function limitedServer(c: number, serviceMs: number): Handler {
  let busy = 0;
  const line: Array<() => void> = [];
  const next = () => {
    while (busy < c && line.length > 0) {
      busy++;
      const answer = line.shift()!;
      setTimeout(() => {
        answer();
        busy--;
        next();
      }, serviceMs);
    }
  };
  return (_req, body, res) => {
    line.push(() => modelAnswer(body, res));
    next();
  };
}

/** A free port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/**
 * An M/D/c server in a process of its own (`test/fixtures/queue/server.mjs`): `servers` slots of
 * `serviceMs`; `serviceTimes()` reads the service times it really gave, from its own clock.
 */
export async function startQueueServer(
  servers: number,
  serviceMs: number,
): Promise<{ url: string; serviceTimes(): Promise<number[]>; close(): void }> {
  const { url, child } = await startProcess(
    join(ROOT, 'test/fixtures/queue/server.mjs'),
    { SERVERS: String(servers), SERVICE_MS: String(serviceMs) },
    '/health',
  );
  return {
    url,
    serviceTimes: async () => (await (await fetch(`${url}/service-times`)).json()) as number[],
    close: () => child.kill(),
  };
}

/**
 * One of the example servers (`examples/<script>`) on a free port, its settings from `env`; ready when `readyPath`
 * answers.
 */
export function startExample(
  script: string,
  env: Record<string, string>,
  readyPath: string,
): Promise<{ url: string; child: ChildProcess }> {
  return startProcess(join(ROOT, 'examples', script), env, readyPath);
}

async function startProcess(
  script: string,
  env: Record<string, string>,
  readyPath: string,
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url + readyPath)).ok) return { url, child };
    } catch {
      await sleep(50);
    }
  }
  child.kill();
  throw new Error(`${script} did not start`);
}

/**
 * Answers like an OpenAI-compatible chat stream: `tokens` chunks, the first after `firstMs` and
 * the rest `gapMs` apart (each drawn anew when given as [lo, hi]), a usage chunk, then [DONE];
 * GET (the readiness check) answers an empty model list.
 */
export function chatStream(
  tokens: number,
  firstMs: number | [number, number],
  gapMs: number | [number, number],
): Handler {
  const draw = (ms: number | [number, number]) =>
    typeof ms === 'number' ? ms : ms[0] + Math.random() * (ms[1] - ms[0]);
  return (req, _body, res) => {
    if (req.method === 'GET') return json(res, 200, { object: 'list', data: [] });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let i = 0;
    const next = () => {
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: ` w${i}` } }] })}\n\n`);
      if (++i < tokens) return void setTimeout(next, draw(gapMs));
      res.end(`data: ${JSON.stringify({ choices: [], usage: { completion_tokens: tokens } })}\n\ndata: [DONE]\n\n`);
    };
    setTimeout(next, draw(firstMs));
  };
}
