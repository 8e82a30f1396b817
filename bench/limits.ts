// Limits benchmark (issue 14), the capacity part:
//   npm run bench:limits:model  (RUNS=10 by default)
// The example model made CPU-bound (EXTRA_WORK) in a container; capacity = the highest Poisson rate
// at which p99 ≤ 100 ms holds. A baseline of BASELINE_RUNS searches of the model, then RUNS searches
// each of the unchanged model and of one doing twice the work per prediction, alternating, each
// judged against the baseline with regression.capacity: 10%. Last, the search against a plain
// step-by-step sweep of the unchanged model: the capacity each finds and the probe-seconds each takes.
// Prints markdown for BENCHMARKS.md and writes every run to bench/out/limits.jsonl.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildBaseline, judge, type Baseline } from '../src/gate/index.ts';
import type { Results } from '../src/metrics/index.ts';
import { measure } from '../src/pipeline/index.ts';
import { loadScenario } from '../src/scenario/index.ts';

const ROOT = join(import.meta.dirname, '..');
const RUNS = Number(process.env.RUNS ?? 10);
const BASELINE_RUNS = Number(process.env.BASELINE_RUNS ?? 3);
const WORK = Number(process.env.WORK ?? 200_000);
const P99_MS = Number(process.env.P99_MS ?? 100);
const SWEEP_S = Number(process.env.SWEEP_S ?? 8);
// SWEEP_ONLY=1: the baseline searches and the sweep, without the judged runs.
const SWEEP_ONLY = process.env.SWEEP_ONLY === '1';
const A = 'mlload-bench-model:a';
const DOUBLE = 'mlload-bench-model:double-work';
const work = mkdtempSync(join(tmpdir(), 'mlload-bench-limits-'));
const outDir = join(ROOT, 'bench/out');
mkdirSync(outDir, { recursive: true });
const log = join(outDir, 'limits.jsonl');
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
const TARGET = (image: string) => ({
  image,
  port: 8080,
  network: 'host',
  port_env: 'PORT',
  env: { HOST: '127.0.0.1' },
  pull: 'never',
  health: { path: '/health', timeout: '60s' },
});

function scenarioFile(image: string, name: string, doc: Record<string, unknown>): string {
  const file = join(work, `${name}.yml`);
  writeFileSync(file, stringify({ name: 'bench-limits', seed: 5, target: TARGET(image), requests: REQUESTS, ...doc }));
  return file;
}

const capacityDoc = {
  load: { rate: 5, duration: '1s' },
  regression: { capacity: '10%' },
  capacity: {
    slo: { p99: `${P99_MS}ms` },
    start: 10,
    max: 400,
    precision: '10%',
    max_duration: '3m',
    probe: { settle: '2s', min: '3s', max: '8s' },
  },
};

async function search(image: string): Promise<Results> {
  const { results, targetError } = await measure(loadScenario(scenarioFile(image, 'capacity', capacityDoc)));
  if (targetError) throw targetError;
  return results;
}

const probeSeconds = (r: Results) => r.capacity!.probes.reduce((a, p) => a + p.seconds, 0);

async function main(): Promise<void> {
  for (const [image, extra] of [
    [A, WORK],
    [DOUBLE, 2 * WORK],
  ] as const) {
    execFileSync('bash', [join(ROOT, 'scripts/build-scratch-image.sh'), image, join(ROOT, 'examples/model')], {
      env: { ...process.env, IMAGE_ENV: `EXTRA_WORK=${extra}` },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  console.error(
    `limits bench: ${BASELINE_RUNS} baseline searches, then ${RUNS} × (unchanged, twice the work), p99 ≤ ${P99_MS} ms, EXTRA_WORK ${WORK}`,
  );
  const baselineRuns: Results[] = [];
  for (let i = 0; i < BASELINE_RUNS; i++) {
    const r = await search(A);
    baselineRuns.push(r);
    console.error(`baseline ${i + 1}: ${r.capacity!.value} req/s`);
  }
  const baseline: Baseline = buildBaseline(baselineRuns);
  const scenario = loadScenario(scenarioFile(A, 'judge', capacityDoc));
  const rows: Record<
    'same' | 'double',
    Array<{ value: number | null; status: string; change: number | null; seconds: number }>
  > = { same: [], double: [] };
  for (let i = 0; i < (SWEEP_ONLY ? 0 : RUNS); i++) {
    for (const [kind, image] of [
      ['same', A],
      ['double', DOUBLE],
    ] as const) {
      const r = await search(image);
      const check = judge(r, scenario, baseline).checks.find((c) => c.metric === 'capacity')!;
      rows[kind].push({
        value: r.capacity!.value,
        status: check.status,
        change: check.change,
        seconds: probeSeconds(r),
      });
      appendFileSync(log, `${JSON.stringify({ kind, run: i + 1, capacity: r.capacity, check })}\n`);
      console.error(
        `run ${i + 1} ${kind}: ${r.capacity!.value} req/s, ${check.status} (${((check.change ?? 0) * 100).toFixed(1)}%)`,
      );
    }
  }

  // The sweep: fixed-rate runs of SWEEP_S s (2 s warm-up) in 5% steps from half the baseline's capacity.
  const cap = baseline.capacity!.value!;
  let swept: number | null = null;
  let sweepSeconds = 0;
  // Two breaks in a row end it: one can be a stall of the machine (each step starts a fresh container).
  let breaks = 0;
  for (let rate = Math.round(cap * 0.5); rate <= cap * 1.6 && breaks < 2; rate = Math.round(rate * 1.05 + 0.5)) {
    const file = scenarioFile(A, 'sweep', {
      load: { rate, arrival: 'poisson', duration: `${SWEEP_S}s`, warmup: '4s' },
    });
    const { results } = await measure(loadScenario(file));
    sweepSeconds += SWEEP_S + 4;
    const holds = results.overall.latency_ms.p99 <= P99_MS && results.overall.error_rate <= 0.01;
    console.error(`sweep ${rate} req/s: p99 ${results.overall.latency_ms.p99} ms ${holds ? 'holds' : 'breaks'}`);
    if (holds) [swept, breaks] = [rate, 0];
    else breaks++;
  }
  const searchSeconds = probeSeconds(baselineRuns[0]!) + baselineRuns[0]!.capacity!.probes.length * 2;

  const count = (kind: 'same' | 'double', status: string) => rows[kind].filter((r) => r.status === status).length;
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const changes = (kind: 'same' | 'double') => rows[kind].map((r) => r.change ?? -1);
  if (SWEEP_ONLY) {
    const found = baselineRuns
      .map((r) => `${r.capacity!.value} req/s in ${(probeSeconds(r) + r.capacity!.probes.length * 2).toFixed(0)} s`)
      .join(', ');
    console.log(
      `Search against a sweep (unchanged model, ${cpus().length} × ${cpus()[0]?.model.trim()}): ${BASELINE_RUNS} searches found ${found} of probing (settling included); a sweep of ${SWEEP_S} s runs (4 s warm-up) in 5% steps from half the searches' median, until two steps in a row break, found ${swept ?? 'no passing rate'} req/s in ${sweepSeconds} s.`,
    );
    return;
  }
  console.log(
    `Limits benchmark: ${cpus().length} × ${cpus()[0]?.model.trim()}; the example model in a container (EXTRA_WORK=${WORK}, and ${2 * WORK} for twice the work); capacity = highest Poisson rate with p99 ≤ ${P99_MS} ms; baseline of ${BASELINE_RUNS} searches (median ${cap} req/s); regression.capacity 10%.\n`,
  );
  console.log(
    '| Model | Runs | fail | inconclusive | pass | Capacity, median | Change vs baseline, median (range) | Probe-seconds per search, median | Wanted |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [kind, label, wanted] of [
    ['same', 'unchanged', '0 fail'],
    ['double', 'twice the work', `${RUNS} fail`],
  ] as const) {
    const c = changes(kind);
    console.log(
      `| ${label} | ${rows[kind].length} | ${count(kind, 'fail')} | ${count(kind, 'inconclusive')} | ${count(kind, 'pass') + count(kind, 'improved')} | ${med(rows[kind].map((r) => r.value ?? 0))} req/s | ${(med(c) * 100).toFixed(1)}% (${(Math.min(...c) * 100).toFixed(1)}% to ${(Math.max(...c) * 100).toFixed(1)}%) | ${med(rows[kind].map((r) => r.seconds)).toFixed(0)} s | ${wanted} |`,
    );
  }
  console.log(
    `\nSearch against a sweep (unchanged model): the first baseline search found ${baselineRuns[0]!.capacity!.value} req/s in ${searchSeconds.toFixed(0)} s of probing (${baselineRuns[0]!.capacity!.probes.length} probes, settling included); a sweep of ${SWEEP_S} s runs (4 s warm-up) in 5% steps from half the baseline's capacity, until two steps in a row break, found ${swept ?? 'no passing rate'} req/s in ${sweepSeconds} s.`,
  );
}

await main();
