// npm run bench:accuracy: how much latency the generator itself adds. A server that answers after
// exactly 20 ms (a separate process on core 1) is driven at 1,000 req/s: our open model on core 0,
// and wrk (20 connections: 1,000 req/s at 20 ms) when installed. Reports p50/p99 minus 20 ms, the
// median of BENCH_REPEATS (3) alternating runs. Our latency counts from each request's scheduled
// time (so the generator's own timer lateness is in it); service time counts from the actual send,
// which is what wrk measures.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PORT = 18081;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const DELAY_MS = 20;
const RATE = 1000;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'mlload-acc-'));
const serverFile = join(dir, 'server.mjs');
writeFileSync(
  serverFile,
  `import { createServer } from 'node:http';
createServer((req, res) => { req.resume(); req.on('end', () => setTimeout(() => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 }); res.end('{}'); }, ${DELAY_MS})); })
  .listen(${PORT}, '127.0.0.1', () => console.log('ready'));`,
);

async function main(): Promise<void> {
  const server = spawn('taskset', ['-c', '1', process.execPath, serverFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => server.stdout!.once('data', () => resolve()));
  try {
    const scenario = join(dir, 'acc.yml');
    writeFileSync(
      scenario,
      `name: accuracy\ntarget: { url: "http://127.0.0.1:${PORT}" }\nload: { rate: ${RATE}, arrival: constant, duration: ${SECONDS}s, warmup: 2s }\nrequests:\n  - { name: get, path: /predict }\n`,
    );
    const rows = new Map<string, number[][]>();
    const add = (name: string, row: number[]) => rows.set(name, [...(rows.get(name) ?? []), row]);
    const haveWrk = spawnSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' }).status === 0;
    for (let i = 0; i < REPEATS; i++) {
      const out = join(dir, `out-${i}`);
      const r = spawnSync(
        'taskset',
        ['-c', '0', process.execPath, join(ROOT, 'dist/cli/index.js'), 'run', scenario, '--out', out],
        { encoding: 'utf8' },
      );
      if (r.status !== 0) throw new Error(r.stderr);
      const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
        overall: { rps: number; latency_ms: { p50: number; p99: number }; service_ms: { p50: number; p99: number } };
      };
      add('mlload latency (from schedule, CO-corrected)', [
        res.overall.rps,
        res.overall.latency_ms.p50,
        res.overall.latency_ms.p99,
      ]);
      add('mlload service time (from send)', [res.overall.rps, res.overall.service_ms.p50, res.overall.service_ms.p99]);
      if (!haveWrk) continue;
      const w = spawnSync(
        'taskset',
        ['-c', '0', 'wrk', '-t1', '-c20', `-d${SECONDS}s`, '--latency', `http://127.0.0.1:${PORT}/predict`],
        { encoding: 'utf8' },
      );
      const ms = (label: string) => {
        const m = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(w.stdout);
        if (!m) return Number.NaN;
        return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
      };
      add('wrk (20 connections, closed loop)', [
        Number(/Requests\/sec:\s+([\d.]+)/.exec(w.stdout)?.[1]),
        ms('50'),
        ms('99'),
      ]);
    }
    console.log(`server answers after ${DELAY_MS} ms; ${RATE} req/s for ${SECONDS} s; median of ${REPEATS} runs\n`);
    console.log('| generator | req/s | p50 − 20 ms | p99 − 20 ms |');
    console.log('|---|---|---|---|');
    for (const [name, runs] of rows) {
      const [rps, p50, p99] = [0, 1, 2].map((k) => median(runs.map((r) => r[k]!)));
      console.log(
        `| ${name} | ${rps!.toFixed(0)} | ${(p50! - DELAY_MS).toFixed(2)} ms | ${(p99! - DELAY_MS).toFixed(2)} ms |`,
      );
    }
  } finally {
    server.kill();
  }
}

await main();
