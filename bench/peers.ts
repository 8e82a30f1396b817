// What the benchmarks share: nginx as a fixed-JSON target on a core of its own, and commands run
// pinned to a core with their CPU time measured.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));

// A heart-disease model's input (the seed article's payload) plus a request id: 161 bytes.
export const PAYLOAD = JSON.stringify({
  age: 63,
  sex: 1,
  chest_pain: 3,
  resting_bp: 145,
  cholesterol: 233,
  fasting_bs: 1,
  rest_ecg: 0,
  max_heart_rate: 150,
  angina: 0,
  oldpeak: 2.3,
  slope: 0,
  id: 'r',
});

export interface Measure {
  rps: number;
  cpuMsPerRequest: number;
  requests: number;
}

/**
 * Our CLI (the bundle, or another build's) POSTing PAYLOAD to nginx's /predict, pinned to `cpu`: `load` is the
 * scenario's load line, `args` extra flags (an export). Throws on a failed request or a dropped export sample.
 */
export function runOurs(o: {
  dir: string;
  port: number;
  cpu: string;
  load: string;
  cli?: string;
  args?: string[];
}): Measure {
  const scenario = join(o.dir, 'bench.yml');
  writeFileSync(
    scenario,
    `name: bench
target: { url: "http://127.0.0.1:${o.port}" }
load: ${o.load}
requests:
  - name: predict
    method: POST
    path: /predict
    body: { json: ${PAYLOAD} }
    expect: { status: 200 }
`,
  );
  const out = join(o.dir, 'ours');
  const cli = o.cli ?? join(ROOT, 'dist/cli/index.js');
  const { cpuS } = timed([process.execPath, cli, 'run', scenario, '--out', out, ...(o.args ?? [])], o.cpu);
  const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
    overall: { count: number; rps: number; failure_count: number };
    export?: Record<string, { samples_dropped: number }>;
  };
  if (r.overall.failure_count > 0) throw new Error(`our generator saw ${r.overall.failure_count} failures`);
  for (const [kind, e] of Object.entries(r.export ?? {}))
    if (typeof e === 'object' && e.samples_dropped > 0) throw new Error(`the ${kind} export dropped samples`);
  return { rps: r.overall.rps, requests: r.overall.count, cpuMsPerRequest: (cpuS * 1000) / r.overall.count };
}

/** Debian's Prometheus with its remote-write receiver and native histograms, pinned to `cpu`, on port 19091. */
export function startPrometheus(dir: string, cpu: string): { writeUrl: string; stop: () => void } {
  const port = 19091;
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
  const child = spawn(
    'taskset',
    [
      '-c',
      cpu,
      'prometheus',
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--enable-feature=native-histograms',
    ],
    { stdio: 'ignore' },
  );
  const ready = spawnSync('bash', [
    '-c',
    `for i in $(seq 100); do curl -fs http://127.0.0.1:${port}/-/ready >/dev/null && exit 0; sleep 0.2; done; exit 1`,
  ]);
  if (ready.status !== 0) throw new Error('prometheus did not become ready');
  return { writeUrl: `http://127.0.0.1:${port}/api/v1/write`, stop: () => child.kill() };
}

/** Waits (at most 10 s) until something listens on 127.0.0.1:`port`; `what` names it when nothing does. */
export function waitForPort(port: number, what: string): void {
  const ready = spawnSync('bash', [
    '-c',
    `for i in $(seq 100); do (echo > /dev/tcp/127.0.0.1/${port}) 2>/dev/null && exit 0; sleep 0.1; done; exit 1`,
  ]);
  if (ready.status !== 0) throw new Error(`${what} did not start (nothing listening on ${port})`);
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export function ensureNginx(): void {
  if (have('nginx')) return;
  if (process.getuid?.() !== 0) throw new Error('nginx is needed as the target: apt-get install nginx-light');
  console.log('installing nginx-light from Debian');
  execFileSync('apt-get', ['install', '-y', '-qq', 'nginx-light'], { stdio: 'ignore' });
}

/**
 * nginx answering every request with a model's fixed JSON on 127.0.0.1:`port`, one worker pinned to `cpu`; returns its
 * stop.
 */
export function startNginx(dir: string, port: number, cpu: string): () => void {
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path ${dir};
  server {
    listen 127.0.0.1:${port};
    location / { default_type application/json; return 200 '{"probability":0.5,"label":1,"model_version":"1.0.0"}'; }
  }
}
`,
  );
  const child = spawn('taskset', ['-c', cpu, 'nginx', '-c', conf], { stdio: 'ignore' });
  execFileSync('sh', [
    '-c',
    `for i in $(seq 1 50); do curl -s -o /dev/null http://127.0.0.1:${port}/ && exit 0; sleep 0.1; done; exit 1`,
  ]);
  return () => child.kill('SIGQUIT');
}

/**
 * Runs a command pinned to `cpu`; its stdout, CPU seconds (user + system) and peak memory. Exit 1 (a gate that failed)
 * counts as run.
 */
export function timed(cmd: string[], cpu: string, cwd?: string): { stdout: string; cpuS: number; maxRssMb: number } {
  const r = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S %M', 'taskset', '-c', cpu, ...cmd], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    cwd,
  });
  const m = /CPU ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr);
  if ((r.status !== 0 && r.status !== 1) || !m) throw new Error(`${cmd.join(' ')} failed: ${r.stderr.slice(-800)}`);
  return { stdout: r.stdout, cpuS: Number(m[1]) + Number(m[2]), maxRssMb: Number(m[3]) / 1024 };
}
