// npm run bench: how much CPU our load generator takes per request, next to autocannon and wrk.
// A fixed-JSON nginx on core 1, each generator on core 0, 50 connections, POST of a 161-byte
// payload; rounds alternate the generators; medians and ratios are printed at the end.
// Options (env): BENCH_SECONDS (8), BENCH_ROUNDS (3), BENCH_CONNECTIONS (50); BENCH_OTHER_CLI, the
// dist/cli/index.js of another build, adds it as one more generator (before/after a change).
import {
  ensureNginx,
  have,
  median,
  PAYLOAD,
  ROOT,
  runOurs,
  startNginx,
  startPrometheus,
  timed as timedOn,
  waitForPort,
  type Measure,
} from './peers.ts';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PORT = 18080;
const URL_ = `http://127.0.0.1:${PORT}/predict`;
const GENERATOR_CPU = '0';
const TARGET_CPU = '1';

/** Runs a command pinned to the generator core; returns its stdout and CPU seconds (user+sys). */
const timed = (cmd: string[]) => timedOn(cmd, GENERATOR_CPU);

const ours = (dir: string, cli?: string, exportUrl?: string): Measure =>
  runOurs({
    dir,
    port: PORT,
    cpu: GENERATOR_CPU,
    load: `{ users: ${CONNECTIONS}, spawn_rate: 1000, duration: ${SECONDS}s }`,
    cli,
    args: exportUrl ? ['--export-prometheus', exportUrl] : [],
  });

function autocannon(): Measure {
  const bin = join(ROOT, 'node_modules/autocannon/autocannon.js');
  const { stdout, cpuS } = timed([
    process.execPath,
    bin,
    '-c',
    String(CONNECTIONS),
    '-d',
    String(SECONDS),
    '-m',
    'POST',
    '-b',
    PAYLOAD,
    '-H',
    'content-type=application/json',
    '--json',
    URL_,
  ]);
  const r = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
    requests: { total: number; average: number };
    non2xx: number;
    errors: number;
  };
  return {
    rps: r.requests.total / SECONDS,
    requests: r.requests.total,
    cpuMsPerRequest: (cpuS * 1000) / r.requests.total,
  };
}

function wrk(dir: string): Measure {
  const lua = join(dir, 'post.lua');
  writeFileSync(
    lua,
    `wrk.method = "POST"\nwrk.body = '${PAYLOAD}'\nwrk.headers["Content-Type"] = "application/json"\n`,
  );
  const { stdout, cpuS } = timed(['wrk', '-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '-s', lua, URL_]);
  const total = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? NaN);
  return { rps: total / SECONDS, requests: total, cpuMsPerRequest: (cpuS * 1000) / total };
}

const GRPC_PORT = 18090;

/** Our generator at a grpc:// target: KServe v2 ModelInfer, tensors drawn and encoded for every request. */
function oursGrpc(dir: string): Measure {
  const scenario = join(dir, 'bench-grpc.yml');
  writeFileSync(
    scenario,
    `name: bench-grpc
target: { url: "grpc://127.0.0.1:${GRPC_PORT}" }
load: { users: ${CONNECTIONS}, spawn_rate: 1000, duration: ${SECONDS}s }
requests:
  - name: predict
    protocol: kserve-v2-grpc
    model: heart
    body: { fields: { age: { int: [29, 77] }, oldpeak: { float: [0, 6.2] } } }
`,
  );
  const out = join(dir, 'ours-grpc');
  const { cpuS } = timed([process.execPath, join(ROOT, 'dist/cli/index.js'), 'run', scenario, '--out', out]);
  const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
    overall: { count: number; rps: number; failure_count: number };
  };
  if (r.overall.failure_count > 0) throw new Error(`our gRPC generator saw ${r.overall.failure_count} failures`);
  return { rps: r.overall.rps, requests: r.overall.count, cpuMsPerRequest: (cpuS * 1000) / r.overall.count };
}

/** A plain grpc-js client as an application writes it (protobufjs messages), the reference ghz would be. */
function grpcJsLoop(): Measure {
  const peer = join(ROOT, 'bench/grpc-peer.ts');
  const { stdout, cpuS } = timed([
    process.execPath,
    peer,
    'client',
    String(GRPC_PORT),
    String(SECONDS),
    String(CONNECTIONS),
  ]);
  const { requests } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { requests: number };
  return { rps: requests / SECONDS, requests, cpuMsPerRequest: (cpuS * 1000) / requests };
}

/** The gRPC peer server on the target's core: ModelInfer answered at once. */
function startGrpcServer(): () => void {
  const child = spawn(
    'taskset',
    ['-c', TARGET_CPU, process.execPath, join(ROOT, 'bench/grpc-peer.ts'), 'server', String(GRPC_PORT)],
    {
      stdio: 'ignore',
    },
  );
  waitForPort(GRPC_PORT, 'the gRPC peer server');
  return () => child.kill();
}

function main(): void {
  ensureNginx();
  const dir = mkdtempSync(join(tmpdir(), 'mlload-bench-'));
  const stop = startNginx(dir, PORT, TARGET_CPU);
  const peers: Array<[string, () => Measure]> = [
    ['mlload', () => ours(dir)],
    ['autocannon', autocannon],
  ];
  // With export: a real Prometheus (Debian's) on the target's core takes each second's remote-write.
  const prometheus = have('prometheus') ? startPrometheus(dir, TARGET_CPU) : null;
  if (prometheus) peers.push(['mlload + export', () => ours(dir, undefined, prometheus.writeUrl)]);
  // gRPC: our generator and a plain grpc-js client against one grpc-js server (nginx keeps its core meanwhile).
  const stopGrpc = startGrpcServer();
  peers.push(['mlload gRPC', () => oursGrpc(dir)], ['grpc-js loop', grpcJsLoop]);
  const other = process.env.BENCH_OTHER_CLI;
  if (other) peers.push(['mlload (other)', () => ours(dir, other)]);
  if (have('wrk')) peers.push(['wrk', () => wrk(dir)]);
  const results = new Map<string, Measure[]>(peers.map(([n]) => [n, []]));
  try {
    console.log(
      `machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, node ${process.version}; generator on core ${GENERATOR_CPU}, nginx on core ${TARGET_CPU}`,
    );
    console.log(
      `${CONNECTIONS} connections, ${SECONDS} s, POST ${PAYLOAD.length} bytes, ${ROUNDS} alternating rounds\n`,
    );
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, run] of peers) {
        const m = run();
        results.get(name)!.push(m);
        console.log(
          `round ${round} ${name.padEnd(14)} ${m.rps.toFixed(0).padStart(7)} req/s  ${m.cpuMsPerRequest.toFixed(4)} CPU ms/request`,
        );
      }
    }
  } finally {
    stop();
    stopGrpc();
    prometheus?.stop();
  }
  const summary = peers.map(([name]) => {
    const ms = results.get(name)!;
    return { name, rps: median(ms.map((m) => m.rps)), cpu: median(ms.map((m) => m.cpuMsPerRequest)) };
  });
  // Each round's ratio to mlload's in the same round: the machine's drift between rounds cancels.
  const paired = (name: string) =>
    median(results.get(name)!.map((m, i) => m.cpuMsPerRequest / results.get('mlload')![i]!.cpuMsPerRequest));
  const mine = summary[0]!;
  console.log('\nmedians:');
  console.log('| generator | req/s | CPU ms per request | mlload req/s ratio | mlload CPU ratio |');
  console.log('|---|---|---|---|---|');
  for (const s of summary) {
    console.log(
      `| ${s.name} | ${s.rps.toFixed(0)} | ${s.cpu.toFixed(4)} | ${(mine.rps / s.rps).toFixed(2)}× | ${(mine.cpu / s.cpu).toFixed(2)}× |`,
    );
  }
  console.log("\nCPU per request against mlload in the same round (median of the rounds' ratios):");
  for (const s of summary.slice(1)) console.log(`  ${s.name}: ${paired(s.name).toFixed(3)}×`);
  const grpc = results.get('mlload gRPC')!;
  const loop = results.get('grpc-js loop')!;
  const grpcRatio = median(grpc.map((m, k) => m.cpuMsPerRequest / loop[k]!.cpuMsPerRequest));
  console.log(
    `\ngRPC: mlload's CPU per request over the grpc-js loop's in the same round (median): ${grpcRatio.toFixed(3)}×`,
  );
}

main();
