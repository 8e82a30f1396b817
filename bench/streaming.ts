// npm run bench:streaming: streamed LLM answers, two measurements.
//  1. Accuracy: a server streams 20 tokens at a known pace (first after a uniform 100–200 ms, then
//     one every 20 ms) and records its own times; mlload's TTFT, ITL, TPOT, token count and output
//     tokens/s against that truth (8 users, 20 s).
//  2. Generator CPU per 1,000 streamed tokens: the example LLM server on core 1 streams 200 answers
//     at once, a token every 10 ms each (about 20,000 tokens/s); mlload on core 0, against a
//     reference client on core 0: undici's fetch with eventsource-parser, timing every event as
//     mlload does. Each client runs a long and a short time a round, the order alternating: CPU per
//     token of the whole process, and of streaming alone (the runs' difference). Medians, ratios.
// Options (env): BENCH_SECONDS (20), BENCH_SHORT_SECONDS (5), BENCH_ROUNDS (8), BENCH_STREAMS (200), BENCH_TOKEN_MS
// (10).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Results } from '../src/metrics/types.ts';
import { timed as timedOn } from './peers.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(ROOT, 'dist/cli/index.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const SHORT_SECONDS = Number(process.env.BENCH_SHORT_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 200);
const TOKEN_MS = Number(process.env.BENCH_TOKEN_MS ?? 10);
const PORT = 18090;
const dir = mkdtempSync(join(tmpdir(), 'mlload-bench-streaming-'));

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const median = (xs: number[]) => percentile(xs, 50);

/** Part 1: the known-pace server in this process, mlload as a child. */
async function accuracy(): Promise<string[]> {
  const truth = { ttft: [] as number[], tpot: [] as number[], gaps: [] as number[], tokens: 0, first: 0, last: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET') return void res.end('{"data":[]}');
      const arrived = performance.now();
      if (truth.first === 0) truth.first = arrived;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      let first = 0;
      let last = 0;
      const next = () => {
        const now = performance.now();
        if (i === 0) {
          first = now;
          truth.ttft.push(now - arrived);
        } else truth.gaps.push(now - last);
        last = now;
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: ` t${i}` } }] })}\n\n`);
        if (++i < 20) return void setTimeout(next, 20);
        truth.tpot.push((last - first) / 19);
        truth.tokens += 20;
        truth.last = now;
        res.end(`data: ${JSON.stringify({ choices: [], usage: { completion_tokens: 20 } })}\n\ndata: [DONE]\n\n`);
      };
      setTimeout(next, 100 + Math.random() * 100);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const scenario = join(dir, 'accuracy.yml');
  writeFileSync(
    scenario,
    `name: accuracy\ntarget: { url: "${url}" }\nload: { users: 8, duration: ${SECONDS}s }\nrequests:\n  - name: chat\n    protocol: openai-chat\n    model: m\n    prompts: { generated: { tokens: { mean: 64 } } }\n    max_tokens: 20\n`,
  );
  const out = join(dir, 'accuracy');
  const child = spawn(process.execPath, [CLI, 'run', scenario, '--out', out], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('close', resolve));
  server.close();
  const t = (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results).requests.chat!.tokens!;
  const seconds = (truth.last - truth.first) / 1000;
  const row = (what: string, measured: number, expected: number, wanted: string) =>
    `| ${what} | ${measured.toFixed(3)} | ${expected.toFixed(3)} | ${(measured - expected >= 0 ? '+' : '') + (measured - expected).toFixed(3)} | ${wanted} |`;
  return [
    `Accuracy: a server streaming 20 tokens (the first after a uniform 100–200 ms, then one every 20 ms), 8 users for ${SECONDS} s; truth from the server's own clock. ${t.answers} answers, ${t.output_tokens} tokens counted, ${truth.tokens} sent.`,
    '',
    '| Figure | mlload | Truth | Difference | Wanted |',
    '|---|---|---|---|---|',
    row('TTFT p50 (ms)', t.ttft_ms.p50, percentile(truth.ttft, 50), 'within 3 ms'),
    row('TTFT p99 (ms)', t.ttft_ms.p99, percentile(truth.ttft, 99), 'within 3 ms'),
    row('ITL p50 (ms)', t.itl_ms.p50, percentile(truth.gaps, 50), 'within 1 ms'),
    row('TPOT p50 (ms)', t.tpot_ms.p50, percentile(truth.tpot, 50), 'within 3%'),
    row('output tokens/s', t.output_tokens_per_s, truth.tokens / seconds, 'within 2%'),
  ];
}

/** The reference client: undici's fetch (Node's global) and eventsource-parser, timing each event as mlload does. */
const REFERENCE = `
import { createParser } from 'eventsource-parser';
const [url, streams, seconds] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const body = JSON.stringify({ model: 'tiny-llm', messages: [{ role: 'user', content: 'the of and to in is it you that he was for on are as' }], max_tokens: 200, stream: true, stream_options: { include_usage: true } });
const end = performance.now() + seconds * 1000;
let tokens = 0;
const ttft = [], itl = [];
async function user() {
  while (performance.now() < end) {
    const start = performance.now();
    let last = 0;
    const res = await fetch(url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const parser = createParser({
      onEvent(e) {
        if (e.data === '[DONE]') return;
        const now = performance.now();
        const chunk = JSON.parse(e.data);
        if (chunk.choices?.length) {
          if (last === 0) ttft.push(now - start);
          else itl.push(now - last);
        }
        if (chunk.usage) tokens += chunk.usage.completion_tokens;
        last = now;
      },
    });
    const decoder = new TextDecoder();
    for await (const part of res.body) parser.feed(decoder.decode(part, { stream: true }));
  }
}
await Promise.all(Array.from({ length: streams }, user));
console.log(JSON.stringify({ tokens, answers: ttft.length }));
`;

/**
 * The floor: a raw socket per stream reading into one buffer (onread), sending the next request when
 * an answer ends and finding the events, no more: no HTTP parsing, no JSON, no clock. What reading the
 * sockets costs this machine, below any client.
 */
const FLOOR = `
import net from 'node:net';
const [url, streams, seconds] = [new URL(process.argv[2]), Number(process.argv[3]), Number(process.argv[4])];
const body = JSON.stringify({ model: 'tiny-llm', messages: [{ role: 'user', content: 'the of and to in is it you that he was for on are as' }], max_tokens: 200, stream: true, stream_options: { include_usage: true } });
const request = Buffer.from('POST /v1/chat/completions HTTP/1.1\\r\\nhost: ' + url.host + '\\r\\ncontent-type: application/json\\r\\ncontent-length: ' + Buffer.byteLength(body) + '\\r\\n\\r\\n' + body);
const end = performance.now() + seconds * 1000;
let events = 0, answers = 0, open = streams;
const buffer = Buffer.allocUnsafe(65536);
for (let i = 0; i < streams; i++) {
  const socket = net.connect({ host: url.hostname, port: Number(url.port), noDelay: true, onread: { buffer, callback(n, b) {
    const read = b.subarray(0, n);
    for (let at = read.indexOf('data: {'); at >= 0; at = read.indexOf('data: {', at + 7)) events++;
    if (read.indexOf('data: [DONE]') >= 0) {
      answers++;
      if (performance.now() < end) socket.write(request);
      else if (--open === 0) process.exit(console.log(JSON.stringify({ tokens: events - answers, answers })));
      else socket.end();
    }
  } } });
  socket.write(request);
}
`;

/** Runs a command on core 0; its stdout and CPU seconds (user + system). */
const timed = (cmd: string[]) => timedOn(cmd, '0', ROOT);

interface Measured {
  tokens: number;
  cpuS: number;
}

function ours(url: string, seconds: number): Measured {
  const scenario = join(dir, 'cpu.yml');
  writeFileSync(
    scenario,
    `name: cpu\ntarget: { url: "${url}" }\nload: { users: ${STREAMS}, spawn_rate: 10000, duration: ${seconds}s }\nrequests:\n  - name: chat\n    protocol: openai-chat\n    model: tiny-llm\n    prompts: { generated: { tokens: { mean: 16 } } }\n    max_tokens: 200\n`,
  );
  const out = join(dir, 'cpu');
  const { cpuS } = timed([process.execPath, CLI, 'run', scenario, '--out', out]);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
  // Warm-up and drain included: every token the process read.
  return { tokens: results.requests.chat!.tokens!.output_tokens, cpuS };
}

function reference(url: string, seconds: number, source = REFERENCE, name = 'sse-reference.mjs'): Measured {
  const script = join(ROOT, 'bench/out', name);
  writeFileSync(script, source);
  const { stdout, cpuS } = timed([process.execPath, script, url, String(STREAMS), String(seconds)]);
  return { tokens: (JSON.parse(stdout.trim().split('\n').at(-1)!) as { tokens: number }).tokens, cpuS };
}

/**
 * Each client runs twice a round, SECONDS and SHORT_SECONDS long. The long run's CPU per token is the
 * whole process's (start-up, report and files included); the difference of the two runs, CPU over
 * tokens, is the cost of streaming alone, what each further 1,000 tokens cost once running.
 */
async function cpu(): Promise<string[]> {
  const server = spawn('taskset', ['-c', '1', process.execPath, join(ROOT, 'examples/llm/server.mjs')], {
    env: { ...process.env, PORT: String(PORT), TTFT_MS: '20', TOKEN_MS: String(TOKEN_MS) },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${PORT}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/v1/models`)).ok) break;
    } catch {
      await sleep(50);
    }
  }
  const runs: Record<'mlload' | 'reference' | 'floor', Array<{ long: Measured; short: Measured }>> = {
    mlload: [],
    reference: [],
    floor: [],
  };
  const clients = {
    mlload: ours,
    reference: (u: string, s: number) => reference(u, s),
    floor: (u: string, s: number) => reference(u, s, FLOOR, 'sse-floor.mjs'),
  };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const who of round % 2 === 0
        ? (['mlload', 'reference', 'floor'] as const)
        : (['floor', 'reference', 'mlload'] as const)) {
        const client = clients[who];
        const long = client(url, SECONDS);
        const short = client(url, SHORT_SECONDS);
        runs[who].push({ long, short });
        console.error(
          `streaming bench: round ${round + 1} ${who}: ${long.tokens} tokens in ${SECONDS} s, CPU ${long.cpuS.toFixed(2)} s (${perK(long).toFixed(1)} ms per 1,000); ${short.tokens} in ${SHORT_SECONDS} s, CPU ${short.cpuS.toFixed(2)} s; streaming alone ${marginal({ long, short }).toFixed(1)} ms per 1,000`,
        );
      }
    }
  } finally {
    server.kill();
  }
  const row = (name: string, xs: Array<{ long: Measured; short: Measured }>) =>
    `| ${name} | ${median(xs.map((m) => m.long.tokens / SECONDS)).toFixed(0)} | ${median(xs.map((m) => perK(m.long))).toFixed(1)} (${xs.map((m) => perK(m.long).toFixed(1)).join(', ')}) | ${median(xs.map(marginal)).toFixed(1)} (${xs.map((m) => marginal(m).toFixed(1)).join(', ')}) |`;
  // The machine's speed drifts over minutes (BENCHMARKS.md, the verdict bench): each round's two
  // clients ran next to each other, so the ratio is taken round by round, then its median.
  const ratio = (f: (m: { long: Measured; short: Measured }) => number) =>
    median(runs.mlload.map((m, i) => f(m) / f(runs.reference[i]!)));
  const whole = ratio((m) => perK(m.long));
  const streaming = ratio(marginal);
  return [
    `Generator CPU: ${STREAMS} concurrent streams of 200 tokens, one every ${TOKEN_MS} ms (the example LLM server on core 1), each client on core 0, ${ROUNDS} rounds alternating the order; each client runs ${SECONDS} s and ${SHORT_SECONDS} s a round. CPU from /usr/bin/time (user + system). Whole process: the ${SECONDS} s run's CPU over its tokens, start-up and report included. Streaming alone: (CPU of the ${SECONDS} s run − CPU of the ${SHORT_SECONDS} s run) / (their tokens' difference), what each further 1,000 tokens cost once running. The floor reads the same streams with nothing but a socket per stream and a search for each event: what the sockets alone cost.`,
    '',
    '| Client | tokens/s (median) | CPU ms per 1,000 tokens, whole process: median (rounds) | CPU ms per 1,000 tokens, streaming alone: median (rounds) |',
    '|---|---|---|---|',
    row('mlload (lean HTTP/1.1 client, incremental SSE reader)', runs.mlload),
    row('undici fetch + eventsource-parser', runs.reference),
    row('floor: raw sockets that only find the events', runs.floor),
    '',
    `mlload over the reference, round by round: ${runs.mlload.map((m, i) => (perK(m.long) / perK(runs.reference[i]!.long)).toFixed(2)).join(', ')} for the whole process; ${runs.mlload.map((m, i) => (marginal(m) / marginal(runs.reference[i]!)).toFixed(2)).join(', ')} for streaming alone.`,
    '',
    `mlload takes ${whole.toFixed(2)}× the reference's CPU per token for the whole process and ${streaming.toFixed(2)}× for streaming alone, medians of the rounds' ratios (goal: at most 0.5×).`,
  ];
}

const perK = (m: Measured) => (1e6 * m.cpuS) / m.tokens;
const marginal = (m: { long: Measured; short: Measured }) =>
  (1e6 * (m.long.cpuS - m.short.cpuS)) / (m.long.tokens - m.short.tokens);

const lines = [
  `Streaming benchmark on ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
  '',
  ...(await accuracy()),
  '',
  ...(await cpu()),
];
console.log(lines.join('\n'));
