// npm run bench:export: the generator's CPU per request with the export on, against the same run with it off.
// nginx on core 1, our CLI on core 0, POST of a 161-byte payload. The export's endpoint is a null sink (a Node
// HTTP server that reads each batch and answers 204) on the target's core, so the arms differ only in the
// generator's own export work: no receiver taking the target's core (a real Prometheus there slows nginx,
// and a slower target costs the generator more CPU per request). BENCH_EXPORT_SINK=prometheus sends to a
// real Prometheus there instead (scripts/setup-prometheus.sh), for that combined figure.
// Two loads: the closed model at full speed (50 users), and the open model at a fixed rate. Each round runs
// the three arms (off, remote-write, OTLP) in a rotated order; a round's ratio is an arm's CPU per request
// over the off arm's in that round, and the figure is the median of the rounds' ratios.
// Options (env): BENCH_SECONDS (6), BENCH_ROUNDS (9), BENCH_RATE (2000), BENCH_CONNECTIONS (50).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureNginx, have, median, runOurs, startNginx, startPrometheus, waitForPort, type Measure } from './peers.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SINK = process.env.BENCH_EXPORT_SINK ?? 'null';
const PORT = 18080;
const GENERATOR_CPU = '0';
const TARGET_CPU = '1';

interface Sink {
  prometheusUrl: string;
  otlpUrl: string;
  batches: () => number;
  stop: () => void;
}

/** A null sink in a child process pinned to the target's core: every batch read whole and answered 204. */
function nullSink(): Sink {
  const port = 19092;
  const code = `
let n = 0;
require('node:http').createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => { n++; res.writeHead(req.url === '/count' ? 200 : 204); res.end(req.url === '/count' ? String(n) : undefined); });
}).listen(${port}, '127.0.0.1');`;
  const child = spawn('taskset', ['-c', TARGET_CPU, process.execPath, '-e', code], { stdio: 'ignore' });
  waitForPort(port, 'the null sink');
  return {
    prometheusUrl: `http://127.0.0.1:${port}/api/v1/write`,
    otlpUrl: `http://127.0.0.1:${port}/v1/metrics`,
    batches: () => Number(spawnSync('curl', ['-s', `http://127.0.0.1:${port}/count`], { encoding: 'utf8' }).stdout) - 1,
    stop: () => child.kill(),
  };
}

/** Debian's Prometheus (remote-write receiver, native histograms) pinned to the target's core; OTLP to a null sink. */
function prometheusSink(dir: string): Sink {
  const prometheus = startPrometheus(dir, TARGET_CPU);
  const otlp = nullSink();
  return {
    prometheusUrl: prometheus.writeUrl,
    otlpUrl: otlp.otlpUrl,
    batches: otlp.batches,
    stop: () => {
      prometheus.stop();
      otlp.stop();
    },
  };
}

/**
 * The median's distribution-free interval (the sign test's): the k-th smallest to the k-th largest of n values, with
 * the largest k whose coverage is still at least 95%. For 9 rounds, the 2nd to the 8th: 96.1%.
 */
function medianInterval(xs: number[]): { low: number; high: number; coverage: number } {
  const sorted = [...xs].sort((a, b) => a - b);
  const n = sorted.length;
  // P(Binomial(n, 1/2) <= m): the chance that at most m values fall below the true median.
  const cdf = (m: number) => {
    let c = 1;
    let sum = 1;
    for (let i = 1; i <= m; i++) {
      c = (c * (n - i + 1)) / i;
      sum += c;
    }
    return sum / 2 ** n;
  };
  // [x(k), x(n-k+1)] holds the median with probability 1 - 2 P(Bin <= k-1).
  let k = 1;
  while (k + 1 <= Math.floor(n / 2) && 1 - 2 * cdf(k) >= 0.95) k++;
  return { low: sorted[k - 1]!, high: sorted[n - k]!, coverage: 1 - 2 * cdf(k - 1) };
}

type Arm = 'off' | 'remote-write' | 'OTLP';
const ARMS: Arm[] = ['off', 'remote-write', 'OTLP'];

function main(): void {
  ensureNginx();
  if (SINK === 'prometheus' && !have('prometheus')) throw new Error('no prometheus: bash scripts/setup-prometheus.sh');
  const dir = mkdtempSync(join(tmpdir(), 'mlload-bench-export-'));
  const stopNginx = startNginx(dir, PORT, TARGET_CPU);
  const sink = SINK === 'prometheus' ? prometheusSink(dir) : nullSink();
  const loads = {
    closed: `{ users: ${CONNECTIONS}, spawn_rate: 1000, duration: ${SECONDS}s }`,
    open: `{ rate: ${RATE}, duration: ${SECONDS}s }`,
  };
  const args: Record<Arm, string[]> = {
    off: [],
    'remote-write': ['--export-prometheus', sink.prometheusUrl],
    OTLP: ['--export-otlp', sink.otlpUrl],
  };
  const results = new Map<string, Measure[]>();
  try {
    console.log(
      `machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, node ${process.version}; generator on core ${GENERATOR_CPU}, ` +
        `nginx and the ${SINK === 'prometheus' ? 'Prometheus' : 'null'} sink on core ${TARGET_CPU}`,
    );
    console.log(`${SECONDS} s a run, ${ROUNDS} rounds, arms in a rotated order\n`);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [load, line] of Object.entries(loads)) {
        for (let k = 0; k < ARMS.length; k++) {
          const arm = ARMS[(k + round) % ARMS.length]!;
          const m = runOurs({ dir, port: PORT, cpu: GENERATOR_CPU, load: line, args: args[arm] });
          const key = `${load} ${arm}`;
          results.set(key, [...(results.get(key) ?? []), m]);
          console.log(
            `round ${round + 1} ${key.padEnd(20)} ${m.rps.toFixed(0).padStart(7)} req/s  ${m.cpuMsPerRequest.toFixed(4)} CPU ms/request`,
          );
        }
      }
    }
  } finally {
    stopNginx();
    console.log(`\nbatches the null sink took: ${sink.batches()}`);
    sink.stop();
  }
  console.log("\nCPU per request with the export on, over off in the same round (median of the rounds' ratios):");
  console.log(
    '| load | arm | req/s (median) | CPU ms/request (median) | ratio to off | its interval | rounds over +10% |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const load of Object.keys(loads)) {
    const off = results.get(`${load} off`)!;
    for (const arm of ARMS) {
      const ms = results.get(`${load} ${arm}`)!;
      const ratios = ms.map((m, i) => m.cpuMsPerRequest / off[i]!.cpuMsPerRequest);
      const over = ratios.filter((r) => r > 1.1).length;
      const ci = medianInterval(ratios);
      const interval = `[${ci.low.toFixed(3)}, ${ci.high.toFixed(3)}] (${(ci.coverage * 100).toFixed(1)}%)`;
      console.log(
        `| ${load} | ${arm} | ${median(ms.map((m) => m.rps)).toFixed(0)} | ${median(ms.map((m) => m.cpuMsPerRequest)).toFixed(4)} | ` +
          (arm === 'off' ? '1× | | |' : `${median(ratios).toFixed(3)}× | ${interval} | ${over} of ${ratios.length} |`),
      );
    }
  }
}

main();
