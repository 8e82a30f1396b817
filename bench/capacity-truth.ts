// Capacity against the truth (issue 25):
//   npm run bench:limits              (SEEDS=5 BUSY=2 SWEEP=1 by default)
// An M/D/4 server of 20 ms (test/fixtures/queue/server.mjs), p99 ≤ 100 ms: the capacity search of
// each seed (all at once, each against its own server process, beside BUSY busy loops) against the
// truth simulated from that server's own service times (test/helpers/queue.ts). Then, unless
// SWEEP=0, a plain sweep of the same server: fixed-rate runs of SWEEP_S s (2 s settle) in 5% steps
// from 100 req/s until two steps in a row break, for the probe-seconds each takes.
// Prints markdown for BENCHMARKS.md and writes every search to bench/out/capacity-truth.jsonl.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Results } from '../src/metrics/index.ts';
import { runCli } from '../test/helpers/cli.ts';
import { capacityTruth } from '../test/helpers/queue.ts';
import { PREDICT_REQUESTS, tempDir, writeScenario } from '../test/helpers/scenario.ts';
import { startQueueServer } from '../test/helpers/servers.ts';

const ROOT = join(import.meta.dirname, '..');
const SEEDS = Number(process.env.SEEDS ?? 5);
const BUSY = Number(process.env.BUSY ?? 2);
const SWEEP = process.env.SWEEP !== '0';
const SWEEP_S = Number(process.env.SWEEP_S ?? 30);
const outDir = join(ROOT, 'bench/out');
mkdirSync(outDir, { recursive: true });
const log = join(outDir, 'capacity-truth.jsonl');
writeFileSync(log, '');

const busy: ChildProcess[] = Array.from({ length: BUSY }, () =>
  spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
);
const scenario = (url: string, seed: number, rest: string) =>
  writeScenario(`name: truth\nseed: ${seed}\ntarget: { url: "${url}" }\n${rest}${PREDICT_REQUESTS}`);
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

async function searches(): Promise<void> {
  const seeds = Array.from({ length: SEEDS }, (_, i) => i + 1);
  const servers = await Promise.all(seeds.map(() => startQueueServer(4, 20)));
  try {
    const runs = await Promise.all(
      seeds.map(async (seed, i) => {
        const out = tempDir('mlload-bench-');
        const r = await runCli([
          'run',
          scenario(
            servers[i]!.url,
            seed,
            'load: { rate: 20, duration: 1s }\ncapacity:\n  slo: { p99: 100ms }\n  start: 100\n  max: 400\n',
          ),
          '--out',
          out,
        ]);
        if (r.code !== 0) throw new Error(`seed ${seed}: exit ${r.code}\n${r.stderr}`);
        return JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
      }),
    );
    console.log(
      `Capacity search against the truth: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${BUSY} busy loops beside, ${SEEDS} searches at once (scenario defaults: probes of 10–30 s, 2 s settle, precision 5%, confidence 0.99).\n`,
    );
    console.log(
      "| Seed | Truth (simulated from the server's service times) | Capacity found | Off | Bracket | Sure interval | Probes | Probe-seconds |",
    );
    console.log('|---|---|---|---|---|---|---|---|');
    for (const [i, results] of runs.entries()) {
      const c = results.capacity!;
      const service = await servers[i]!.serviceTimes();
      const truth = capacityTruth({ servers: 4, service }, 0.99, 100);
      const off = (c.value ?? 0) / truth - 1;
      appendFileSync(
        log,
        `${JSON.stringify({ seed: seeds[i], truth, mean_service_ms: service.reduce((a, b) => a + b, 0) / service.length, capacity: c })}\n`,
      );
      console.log(
        `| ${seeds[i]} | ${truth.toFixed(1)} req/s | ${c.value} req/s | ${pct(off)} | ${c.bracket[0]}–${c.bracket[1]} | ${c.interval?.[0] ?? '–'}–${c.interval?.[1] ?? '–'} | ${c.probes.length} | ${c.seconds.toFixed(0)} s |`,
      );
    }
  } finally {
    for (const s of servers) s.close();
  }
}

async function sweep(): Promise<void> {
  const server = await startQueueServer(4, 20);
  try {
    let found: number | null = null;
    let seconds = 0;
    let breaks = 0;
    for (let rate = 100; breaks < 2 && rate <= 400; rate = Math.round(rate * 1.05 * 100) / 100) {
      const out = tempDir('mlload-bench-');
      await runCli([
        'run',
        scenario(
          server.url,
          1,
          `load: { rate: ${rate}, arrival: poisson, warmup: 2s, duration: ${SWEEP_S}s }\nslo: { error_rate: 100% }\n`,
        ),
        '--out',
        out,
      ]);
      const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
      seconds += SWEEP_S + 2;
      const holds = r.overall.latency_ms.p99 <= 100 && r.overall.error_rate === 0;
      console.error(`sweep ${rate} req/s: p99 ${r.overall.latency_ms.p99} ms ${holds ? 'holds' : 'breaks'}`);
      if (holds) [found, breaks] = [rate, 0];
      else breaks++;
    }
    const truth = capacityTruth({ servers: 4, service: await server.serviceTimes() }, 0.99, 100);
    console.log(
      `\nA plain sweep of the same server (${SWEEP_S} s runs, 2 s settle, 5% steps from 100 req/s until two steps in a row break): ${found ?? 'no passing rate'} req/s (${found ? pct(found / truth - 1) : '–'} against its truth of ${truth.toFixed(1)}) in ${seconds} probe-seconds.`,
    );
  } finally {
    server.close();
  }
}

try {
  await searches();
  if (SWEEP) await sweep();
} finally {
  for (const b of busy) b.kill();
}
