// npm run bench:shards: shards of one schedule against one generator, and the cost of merging.
//  1. nginx (fixed JSON, one worker on core 1); an open-model load at BENCH_RATE req/s for
//     BENCH_SECONDS: one process on core 0, then 2 shard processes (both on core 0: the same CPU as
//     the one process; then one per core), merged. Achieved throughput and p99 of each.
//  2. The merge of 10 shards of 1,000,000 requests each (100 s of 10,000 req/s, two request names),
//     made by the recorder as a shard's run makes them: wall time, CPU and peak memory of
//     `mlload merge`, and the size of its input.
// Options (env): BENCH_RATE (10000), BENCH_SECONDS (10), BENCH_ROUNDS (2).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Recorder } from '../src/metrics/recorder.ts';
import type { Results } from '../src/metrics/types.ts';
import { loadScenario } from '../src/scenario/parse.ts';
import { ensureNginx, startNginx, timed } from './peers.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(ROOT, 'dist/cli/index.js');
const RATE = Number(process.env.BENCH_RATE ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PORT = 18081;
const dir = mkdtempSync(join(tmpdir(), 'mlload-bench-shards-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

const scenarioFile = join(dir, 'shards.yml');
writeFileSync(
  scenarioFile,
  `name: shards
seed: 3
target: { url: "http://127.0.0.1:${PORT}" }
load: { rate: ${RATE}, arrival: constant, duration: ${SECONDS}s, warmup: 2s, max_in_flight: 512 }
requests:
  - name: predict
    weight: 3
    method: POST
    path: /predict
    body: { fields: { x: { float: [0, 10] } } }
  - name: other
    weight: 1
    method: POST
    path: /predict
    body: { fields: { y: { int: [0, 100] } } }
`,
);

/** Runs the CLI processes at once, each pinned to its core; waits for all. */
async function together(runs: Array<{ args: string[]; cpu: string }>): Promise<void> {
  await Promise.all(
    runs.map(
      ({ args, cpu }) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn('taskset', ['-c', cpu, process.execPath, CLI, ...args], {
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let err = '';
          child.stderr.on('data', (d: Buffer) => (err += d.toString()));
          child.on('close', (code) =>
            code === 0 || code === 1
              ? resolve()
              : reject(new Error(`${args.join(' ')}: exit ${code}: ${err.slice(-400)}`)),
          );
        }),
    ),
  );
}

const read = (out: string) => JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;

async function load(): Promise<string[]> {
  ensureNginx();
  const stop = startNginx(dir, PORT, '1');
  const rows: Record<string, Array<{ rps: number; p99: number; count: number }>> = {
    'one process (core 0)': [],
    '2 shards, both on core 0, merged': [],
    '2 shards, one on each core, merged': [],
  };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const single = join(dir, `single-${round}`);
      await together([{ args: ['run', scenarioFile, '--out', single], cpu: '0' }]);
      const a = read(single).overall;
      rows['one process (core 0)']!.push({ rps: a.rps, p99: a.latency_ms.p99, count: a.count });
      for (const [label, cores] of [
        ['2 shards, both on core 0, merged', ['0', '0']],
        ['2 shards, one on each core, merged', ['0', '1']],
      ] as const) {
        const startAt = new Date(Date.now() + 2000).toISOString();
        const outs = [0, 1].map((i) => join(dir, `shard-${round}-${cores.join('')}-${i}`));
        await together(
          outs.map((out, i) => ({
            args: ['run', scenarioFile, '--out', out, '--shard', `${i}/2`, '--start-at', startAt],
            cpu: cores[i]!,
          })),
        );
        const merged = join(dir, `merged-${round}-${cores.join('')}`);
        await together([{ args: ['merge', ...outs.map((o) => join(o, 'results.json')), '--out', merged], cpu: '0' }]);
        const b = read(merged).overall;
        rows[label]!.push({ rps: b.rps, p99: b.latency_ms.p99, count: b.count });
      }
      console.error(
        `shards bench: round ${round + 1}: ${Object.entries(rows)
          .map(([k, v]) => `${k} ${v.at(-1)!.rps} req/s p99 ${v.at(-1)!.p99} ms`)
          .join('; ')}`,
      );
    }
  } finally {
    stop();
  }
  return [
    `Load: nginx (one worker, core 1) answering a fixed JSON; open model, constant arrivals at ${RATE} req/s for ${SECONDS} s (2 s warm-up), max_in_flight 512; ${ROUNDS} rounds; medians.`,
    '',
    '| Generators | requests measured | achieved req/s | p99 (ms) | rounds (req/s, p99) |',
    '|---|---|---|---|---|',
    ...Object.entries(rows).map(
      ([k, v]) =>
        `| ${k} | ${median(v.map((x) => x.count))} | ${median(v.map((x) => x.rps))} | ${median(v.map((x) => x.p99))} | ${v.map((x) => `${x.rps}, ${x.p99}`).join('; ')} |`,
    ),
  ];
}

/** A shard's results of `seconds` seconds at `perSecond` requests, made by the recorder as a shard's run makes them. */
function syntheticShard(index: number, count: number, hash: string, seconds: number, perSecond: number): Results {
  const requests = [
    { name: 'predict', method: 'POST', path: '/predict' },
    { name: 'other', method: 'POST', path: '/predict' },
  ];
  const recorder = new Recorder(requests, 0, seconds * 1000);
  recorder.keepSeconds();
  let k = index;
  for (let s = 0; s < seconds; s++) {
    for (let j = 0; j < perSecond; j++) {
      const scheduled = s * 1000 + (j * 1000) / perSecond;
      // A latency of 2–12 ms, a slow one in a thousand, a failure in ten thousand.
      const ms = 2 + ((k * 7919) % 10_000) / 1000 + (k % 1000 === 0 ? 200 : 0);
      recorder.record(k % 4 === 0 ? 1 : 0, {
        scheduled,
        sent: scheduled,
        done: scheduled + ms,
        status: k % 10_000 === 0 ? 500 : 200,
        bytes: 60,
        failure: k % 10_000 === 0 ? 'HTTP 500 (expected 2xx)' : null,
      });
      k += count;
    }
    recorder.second((s + 1) * 1000, { inFlight: 10, users: 0, phase: 'measure' });
  }
  const { overall, requests: byName } = recorder.finish(seconds);
  const t0 = Date.parse('2026-11-26T20:00:00Z') + index * 7;
  return {
    schema_version: 1,
    tool: { name: 'mlload', version: 'bench' },
    scenario: { name: 'shards', file: scenarioFile, hash },
    started_at: new Date(t0).toISOString(),
    finished_at: new Date(t0 + seconds * 1000).toISOString(),
    duration_s: seconds,
    warmup_s: 0,
    interrupted: false,
    stop_reason: null,
    stop_cause: null,
    load: { model: 'open', seed: 3, duration_ms: seconds * 1000 },
    overall,
    requests: byName,
    series: recorder.series,
    windows: recorder.windows,
    target: { kind: 'url', url: `http://127.0.0.1:${PORT}` },
    environment: {
      os: 'Linux',
      arch: 'x64',
      cpu_model: cpus()[0]?.model ?? '',
      cores: cpus().length,
      node: process.version,
    },
    shard: { index, count, start_at: null, late_ms: 0, seconds: recorder.shardSeconds() },
  } as Results;
}

function mergeCost(): string[] {
  const hash = loadScenario(scenarioFile).hash;
  const files: string[] = [];
  const t = performance.now();
  for (let i = 0; i < 10; i++) {
    const file = join(dir, `big-${i}.json`);
    writeFileSync(file, JSON.stringify(syntheticShard(i, 10, hash, 100, 10_000)));
    files.push(file);
  }
  const made = (performance.now() - t) / 1000;
  const bytes = files.reduce((a, f) => a + statSync(f).size, 0);
  const wall = performance.now();
  const { cpuS, maxRssMb } = timed([process.execPath, CLI, 'merge', ...files, '--out', join(dir, 'big-merged')], '0');
  const wallS = (performance.now() - wall) / 1000;
  const merged = JSON.parse(readFileSync(join(dir, 'big-merged', 'results.json'), 'utf8')) as Results;
  return [
    `Merge: 10 shards of 1,000,000 requests each (100 s at 10,000 req/s, two request names; made by the recorder in ${made.toFixed(0)} s), ${(bytes / 1e6).toFixed(1)} MB of results.json in all.`,
    '',
    '| merged requests | wall (s) | CPU (s) | peak memory (MB) |',
    '|---|---|---|---|',
    `| ${merged.overall.count} | ${wallS.toFixed(2)} | ${cpuS.toFixed(2)} | ${maxRssMb.toFixed(0)} |`,
  ];
}

const lines = [
  `Shards benchmark on ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
  '',
  ...(await load()),
  '',
  ...mergeCost(),
];
console.log(lines.join('\n'));
