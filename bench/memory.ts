// npm run bench:memory: resident memory of the generator over a long run. Drives nginx (core 1)
// with 50 users and no think time, in this process (core 0), and reads RSS at 1M and 5M requests.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad } from '../src/engine/run.ts';
import type { Outcome } from '../src/engine/types.ts';
import { Recorder } from '../src/metrics/recorder.ts';
import type { RequestSpec } from '../src/scenario/types.ts';

const PORT = 18082;
const TOTAL = Number(process.env.BENCH_REQUESTS ?? 5_000_000);
const dir = mkdtempSync(join(tmpdir(), 'mlload-mem-'));
writeFileSync(
  join(dir, 'nginx.conf'),
  `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 100000000; client_body_temp_path ${dir};
  server { listen 127.0.0.1:${PORT}; location / { default_type application/json; return 200 '{"probability":0.5}'; } } }`,
);
const nginx = spawn('taskset', ['-c', '1', 'nginx', '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
execFileSync('sh', [
  '-c',
  `for i in $(seq 1 50); do curl -s -o /dev/null http://127.0.0.1:${PORT}/ && exit 0; sleep 0.1; done; exit 1`,
]);
execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });

const plan: RequestSpec = {
  name: 'predict',
  method: 'POST',
  path: '/predict',
  weight: 1,
  headers: {},
  timeoutMs: 30_000,
  body: { kind: 'list', values: [{ age: 63, resting_bp: 145, cholesterol: 233, max_heart_rate: 150 }] },
  expect: { statuses: [200], json: [] },
};
const recorder = new Recorder([plan], 0);
const stop = new AbortController();
let count = 0;
const marks: Array<[number, number]> = [];
const mb = () => Math.round((process.memoryUsage().rss / 1048576) * 10) / 10;
const started = Date.now();
await runLoad({
  origin: `http://127.0.0.1:${PORT}`,
  requests: [plan],
  load: {
    model: 'closed',
    stages: [{ durationMs: 3_600_000, users: 50 }],
    spawnRate: 1000,
    thinkTimeMs: [0, 0],
    warmupMs: 0,
    durationMs: 3_600_000,
    workers: 1,
  },
  seed: 1,
  sink: {
    record(i: number, o: Outcome) {
      recorder.record(i, o);
      count++;
      if (count === 1_000_000 || count === TOTAL) marks.push([count, mb()]);
      if (count === TOTAL) stop.abort(new Error('done'));
    },
    second: (now, state) => recorder.second(now, state),
  },
  signal: stop.signal,
});
nginx.kill('SIGQUIT');
const seconds = (Date.now() - started) / 1000;
console.log(
  `${count} requests in ${seconds.toFixed(0)} s (${(count / seconds).toFixed(0)} req/s), series of ${recorder.series.length} points`,
);
for (const [n, rss] of marks) console.log(`RSS at ${n.toLocaleString('en')} requests: ${rss} MB`);
if (marks.length === 2)
  console.log(`growth from 1M to ${(TOTAL / 1e6).toFixed(0)}M: ${(marks[1]![1] - marks[0]![1]).toFixed(1)} MB`);
