// Limits benchmark (issue 14), the soak part:
//   npm run bench:soak          (RUNS=20 by default, PARALLEL=4)
// The example model in a container, two-minute soaks at 50 req/s after a 20 s warm-up, gated on
// slo.drift { p95: 10%/h, memory: 50MB/h }: RUNS soaks of the model as it is, and RUNS of the model
// keeping LEAK_KB (default 2 KB) per prediction (about 350 MB an hour at this rate). PARALLEL soaks
// run at once (the model and the generator each use a few percent of a core at this rate).
// Prints markdown for BENCHMARKS.md and writes every soak to bench/out/soak.jsonl.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { judge } from '../src/gate/index.ts';
import { measure } from '../src/pipeline/index.ts';
import { loadScenario } from '../src/scenario/index.ts';

const ROOT = join(import.meta.dirname, '..');
const RUNS = Number(process.env.RUNS ?? 20);
const PARALLEL = Number(process.env.PARALLEL ?? 4);
const LEAK_KB = Number(process.env.LEAK_KB ?? 2);
const DURATION = process.env.DURATION ?? '2m';
const IMAGE = 'mlload-bench-model:soak';
const work = mkdtempSync(join(tmpdir(), 'mlload-bench-soak-'));
const outDir = join(ROOT, 'bench/out');
mkdirSync(outDir, { recursive: true });
const log = join(outDir, 'soak.jsonl');
writeFileSync(log, '');

const REQUESTS = [
  {
    name: 'predict',
    method: 'POST',
    path: '/predict',
    body: {
      fields: {
        age: { int: [29, 77] },
        resting_bp: { int: [94, 200] },
        cholesterol: { int: [126, 564] },
        max_heart_rate: { int: [71, 202] },
      },
    },
    expect: { status: 200 },
  },
];

function scenarioFile(name: string, leakKb: number): string {
  const file = join(work, `${name}.yml`);
  const target = {
    image: IMAGE,
    port: 8080,
    network: 'host',
    port_env: 'PORT',
    env: { HOST: '127.0.0.1', LEAK_KB: String(leakKb) },
    pull: 'never',
    health: { path: '/health', timeout: '60s' },
  };
  const doc = {
    name: 'bench-soak',
    seed: 3,
    target,
    load: { rate: 50, arrival: 'poisson', warmup: '20s', duration: DURATION },
    requests: REQUESTS,
    slo: { drift: { p95: '10%/h', memory: '50MB/h' } },
  };
  writeFileSync(file, stringify(doc));
  return file;
}

interface Soak {
  model: 'steady' | 'leaking';
  status: string;
  p95: string;
  memory: string;
  memory_per_hour: number;
  memory_interval: [number, number];
  p95_per_hour: number;
}

async function soak(model: Soak['model'], i: number): Promise<Soak> {
  const scenario = loadScenario(scenarioFile(`${model}-${i}`, model === 'leaking' ? LEAK_KB : 0));
  const { results, targetError } = await measure(scenario);
  if (targetError) throw targetError;
  const verdict = judge(results, scenario, null);
  const check = (m: string) => verdict.checks.find((c) => c.metric === m)!;
  const d = results.drift!;
  const s: Soak = {
    model,
    status: verdict.checks.some((c) => c.status === 'fail')
      ? 'fail'
      : verdict.checks.some((c) => c.status === 'inconclusive')
        ? 'inconclusive'
        : 'pass',
    p95: check('p95_drift').status,
    memory: check('memory_drift').status,
    memory_per_hour: d.memory_mb!.per_hour,
    memory_interval: [d.memory_mb!.low, d.memory_mb!.high],
    p95_per_hour: d.p95 ? Math.round((d.p95.per_hour / d.p95.level) * 1000) / 1000 : Number.NaN,
  };
  appendFileSync(log, `${JSON.stringify(s)}\n`);
  console.error(
    `${model} ${i}: ${s.status} (memory ${s.memory} ${s.memory_per_hour} MB/h [${s.memory_interval.join(', ')}], p95 ${s.p95} ${(s.p95_per_hour * 100).toFixed(0)}%/h)`,
  );
  return s;
}

async function main(): Promise<void> {
  execFileSync('bash', [join(ROOT, 'scripts/build-scratch-image.sh'), IMAGE, join(ROOT, 'examples/model')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  console.error(
    `soak bench: ${RUNS} × (steady, leaking ${LEAK_KB} KB a prediction), ${DURATION} at 50 req/s, ${PARALLEL} at once`,
  );
  const jobs = Array.from({ length: RUNS }, (_, i) => [
    () => soak('steady', i + 1),
    () => soak('leaking', i + 1),
  ]).flat();
  const done: Soak[] = [];
  const started = Date.now();
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      for (let job = jobs.shift(); job; job = jobs.shift()) done.push(await job());
    }),
  );
  const count = (model: Soak['model'], status: string) =>
    done.filter((s) => s.model === model && s.status === status).length;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const rows = (['steady', 'leaking'] as const).map((m) => {
    const mine = done.filter((s) => s.model === m);
    return `| ${m === 'steady' ? 'as it is' : `leaking ${LEAK_KB} KB a prediction`} | ${mine.length} | ${count(m, 'pass')} | ${count(m, 'inconclusive')} | ${count(m, 'fail')} | ${median(mine.map((s) => s.memory_per_hour)).toFixed(0)} MB/h | ${mine.filter((s) => s.memory === 'fail').length} | ${mine.filter((s) => s.p95 === 'fail').length} |`;
  });
  console.log(
    [
      `Soaks of ${DURATION} at 50 req/s after a 20 s warm-up, slo.drift { p95: 10%/h, memory: 50MB/h }, ${PARALLEL} at once; ${cpus().length} × ${cpus()[0]?.model.trim()}; ${((Date.now() - started) / 60000).toFixed(0)} min in all.`,
      '',
      '| Model | Soaks | Pass | Inconclusive | Fail | Median memory slope | Memory fails | p95 fails |',
      '|---|---|---|---|---|---|---|---|',
      ...rows,
    ].join('\n'),
  );
}

await main();
