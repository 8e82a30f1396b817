// Verdict benchmark (issue 6): how often the gate cries wolf, and how often it catches a real slowdown.
//   npm run bench:verdict            (RUNS=20 by default; RUNS=3 for a quick look)
// Three experiments with the example model made CPU-bound (EXTRA_WORK) in a container:
//   1. paired A/B, the same image as A and B, with two CPU hogs started partway through each run
//   2. paired A/B, B doing 15% more work per prediction
//   3. baseline-file mode: a 3-run baseline, then the unchanged model measured again
//   4. baseline-file mode with small baselines (ONLY=small): for each run, 3 fresh baseline runs, then the
//      unchanged model and a model 2× slower at p95, each judged against baselines of its first 1, 2 and 3 runs
//   5. the history as the reference (ONLY=history): the last 10 runs of the unchanged model, against the
//      3-run baseline file of the last 3; the unchanged model and one about 30% slower at p95
// Prints a markdown table for BENCHMARKS.md and writes every run's figures to bench/out/verdict.jsonl.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { buildBaseline } from '../src/gate/baseline.ts';
import { appendEntry, historyEntry, readResults, type Baseline, type History } from '../src/store/index.ts';
import { judge } from '../src/gate/verdict.ts';
import { baselineFromHistory } from '../src/gate/history.ts';
import { loadScenario } from '../src/scenario/parse.ts';
import { DEFAULT_CONFIDENCE, DEFAULT_MAX_NOISE, DEFAULT_PRIOR } from '../src/scenario/types.ts';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist/cli/index.js');
const RUNS = Number(process.env.RUNS ?? 20);
// About 15 ms of CPU per prediction; constant arrivals at 20/s keep the model a third busy, so p95
// measures the model's compute rather than the bursts of random arrivals (ARRIVAL=poisson to see those).
const WORK = Number(process.env.WORK ?? 200_000);
// 19% more work per prediction comes out about 15% slower at p95 (17.5% gave +13.7%): the invalid
// payloads and the HTTP handling are not slowed. The table reports the measured p95 ratio.
const SLOWER = Number(process.env.SLOWER ?? 1.19);
const RATE = Number(process.env.RATE ?? 20);
const ARRIVAL = process.env.ARRIVAL ?? 'constant';
// 40 s per build in 20 pairs of 2 s: at 20 s the estimate's run-to-run spread (sd 4%) was too wide
// to hold a 10% tolerance against a 15% slowdown in 19 runs of 20.
const DURATION_S = Number(process.env.DURATION_S ?? 40);
const WARMUP_S = Number(process.env.WARMUP_S ?? 4);
const BLOCKS = Number(process.env.BLOCKS ?? 20);
// The scenario's compare.confidence; unset, each mode gets its default (0.99 paired, 0.95 baseline file).
const CONFIDENCE = process.env.CONFIDENCE ? Number(process.env.CONFIDENCE) : null;
// Which experiments to run (a quick look at one: ONLY=slower RUNS=3); the table shows those run.
const ONLY = new Set((process.env.ONLY ?? 'same,slower,baseline,small,history').split(','));
// The history experiment: runs in the reference, and the work of a build about 30% slower at p95.
const HISTORY_RUNS = Number(process.env.HISTORY_RUNS ?? 10);
// 1.45× the work gave +19% at p95 (the invalid payloads and the HTTP handling are not slowed).
const THIRTY = Number(process.env.THIRTY ?? 1.75);
// 20 s runs spread by about 11% at p95 from one to the next (a p95 of 400 requests is its 20th largest).
const HISTORY_DURATION_S = Number(process.env.HISTORY_DURATION_S ?? 40);
const B_THIRTY = 'mlload-bench-model:thirty';
// Small baselines: 20 s runs (400 requests: a p95 of 200 is its 10th largest, too few), and a build about 2× slower at
// p95.
const SMALL_DURATION_S = Number(process.env.SMALL_DURATION_S ?? 20);
// The work per prediction for a build about 2× slower at p95: 2.1× gave +60% (the HTTP handling and the
// invalid payloads are not slowed), 2.9× brought the model near saturation (+81% to +2100%).
const DOUBLE = Number(process.env.DOUBLE ?? 2.4);
const B_DOUBLE = 'mlload-bench-model:double';
const A = 'mlload-bench-model:a';
const B_SLOW = 'mlload-bench-model:slow';

const work = mkdtempSync(join(tmpdir(), 'mlload-bench-verdict-'));
const outDir = join(ROOT, 'bench/out');
mkdirSync(outDir, { recursive: true });
const log = join(outDir, 'verdict.jsonl');
writeFileSync(log, '');

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** The example scenario's requests (valid and invalid predictions) with the bench's target, load and gate. */
function scenario(paired: boolean, durationS = DURATION_S, name = paired ? 'paired.yml' : 'baseline-mode.yml'): string {
  const file = join(work, name);
  const example = parse(readFileSync(join(ROOT, 'examples/scenario-container.yml'), 'utf8')) as { requests: unknown[] };
  const compare = {
    ...(CONFIDENCE ? { confidence: CONFIDENCE } : {}),
    ...(paired ? { against: 'image', baseline_image: A, blocks: BLOCKS } : {}),
  };
  const doc = {
    name: 'bench-verdict',
    seed: 11,
    target: {
      image: A,
      port: 8080,
      network: 'host',
      port_env: 'PORT',
      env: { HOST: '127.0.0.1' },
      pull: 'never',
      health: { path: '/health', timeout: '60s' },
    },
    load: { rate: RATE, arrival: ARRIVAL, duration: `${durationS}s`, warmup: `${WARMUP_S}s` },
    requests: example.requests,
    slo: { error_rate: '1%' },
    regression: { p95: '10%', p99: '25%', rps: '5%', error_rate: '1%' },
    ...(Object.keys(compare).length ? { compare } : {}),
  };
  writeFileSync(file, stringify(doc));
  return file;
}

interface Judged {
  change: number;
  low: number;
  high: number;
  status: string;
}

interface Outcome {
  code: number;
  verdict: string;
  p95: Judged | null;
  p99: Judged | null;
  failed: string[];
  inconclusive: string[];
  blocks: number[];
  blocksP99: number[];
  /** Whole-run p95, this build over the reference (or the baseline). */
  p95Ratio: number;
  wallS: number;
}

function runCli(args: string[], hogAfterMs: number | null): Promise<Outcome> {
  const out = mkdtempSync(join(work, 'run-'));
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args, '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true' },
    });
    let stderr = '';
    child.stdout!.resume();
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const hogs: ChildProcess[] = [];
    const hogTimer =
      hogAfterMs === null
        ? null
        : setTimeout(() => {
            // A noisy neighbour: one busy loop per core.
            for (let i = 0; i < cpus().length; i++)
              hogs.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
          }, hogAfterMs);
    child.on('error', reject);
    child.on('close', (code) => {
      if (hogTimer) clearTimeout(hogTimer);
      for (const h of hogs) h.kill('SIGKILL');
      try {
        const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
        const checks = (r.checks ?? []) as Array<{
          scope: string;
          kind: string;
          metric: string;
          value: number;
          baseline: number;
          change: number;
          interval?: { low: number; high: number } | null;
          status: string;
        }>;
        const overall = (m: string) =>
          checks.find((c) => c.scope === 'overall' && c.kind === 'regression' && c.metric === m);
        const judged = (c: (typeof checks)[number] | undefined): Judged | null =>
          c ? { change: c.change, low: c.interval?.low ?? NaN, high: c.interval?.high ?? NaN, status: c.status } : null;
        const p95 = overall('p95');
        const name = (c: (typeof checks)[number]) => `${c.scope}/${c.kind}/${c.metric}`;
        resolve({
          code: code ?? -1,
          verdict: r.verdict ?? 'none',
          p95: judged(p95),
          p99: judged(overall('p99')),
          failed: checks.filter((c) => c.status === 'fail').map(name),
          inconclusive: checks.filter((c) => c.status === 'inconclusive').map(name),
          blocks: (r.comparison?.blocks ?? []).map((b: { p95: number }) => b.p95),
          blocksP99: (r.comparison?.blocks ?? []).map((b: { p99: number }) => b.p99),
          p95Ratio: p95 ? p95.value / p95.baseline : NaN,
          wallS: (Date.now() - start) / 1000,
        });
      } catch (err) {
        reject(new Error(`run failed (exit ${code}): ${stderr.slice(-2000)} ${(err as Error).message}`));
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  });
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function experiment(label: string, args: string[], hogAfterMs: number | null): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const o = await runCli(args, hogAfterMs);
    outcomes.push(o);
    appendFileSync(log, `${JSON.stringify({ experiment: label, run: i, ...o })}\n`);
    const p = o.p95;
    console.error(
      `${label} ${i}/${RUNS}: ${o.verdict} (exit ${o.code}) p95 ${p ? `${pct(p.change)} [${pct(p.low)}, ${pct(p.high)}] ${p.status}` : 'n/a'}${o.failed.length ? ` failed: ${o.failed.join(', ')}` : ''}${o.inconclusive.length ? ` inconclusive: ${o.inconclusive.join(', ')}` : ''} (${o.wallS.toFixed(0)} s)`,
    );
  }
  return outcomes;
}

function row(label: string, outcomes: Outcome[], wanted: string): string {
  const count = (v: string) => outcomes.filter((o) => o.verdict === v).length;
  const p95Fail = outcomes.filter((o) => o.p95?.status === 'fail').length;
  const p99Fail = outcomes.filter((o) => o.p99?.status === 'fail').length;
  const changes = outcomes.map((o) => o.p95?.change ?? NaN);
  const widths = outcomes.map((o) => (o.p95 ? (o.p95.high - o.p95.low) / 2 : NaN));
  const ratio = median(outcomes.map((o) => o.p95Ratio));
  return `| ${label} | ${outcomes.length} | ${count('fail')} | ${p95Fail} | ${p99Fail} | ${count('inconclusive')} | ${count('pass')} | ${pct(ratio - 1)} | ${pct(median(changes))} (${pct(Math.min(...changes))} to ${pct(Math.max(...changes))}) | ±${(median(widths) * 100).toFixed(1)}% | ${wanted} |`;
}

async function main(): Promise<void> {
  sh('bash', [join(ROOT, 'scripts/setup-engine.sh')]);
  sh('bash', [join(ROOT, 'scripts/build-scratch-image.sh'), A, join(ROOT, 'examples/model')], {
    IMAGE_ENV: `EXTRA_WORK=${WORK}`,
  });
  sh('bash', [join(ROOT, 'scripts/build-scratch-image.sh'), B_SLOW, join(ROOT, 'examples/model')], {
    IMAGE_ENV: `EXTRA_WORK=${Math.round(WORK * SLOWER)}`,
  });
  if (ONLY.has('history'))
    sh('bash', [join(ROOT, 'scripts/build-scratch-image.sh'), B_THIRTY, join(ROOT, 'examples/model')], {
      IMAGE_ENV: `EXTRA_WORK=${Math.round(WORK * THIRTY)}`,
    });
  if (ONLY.has('small'))
    sh('bash', [join(ROOT, 'scripts/build-scratch-image.sh'), B_DOUBLE, join(ROOT, 'examples/model')], {
      IMAGE_ENV: `EXTRA_WORK=${Math.round(WORK * DOUBLE)}`,
    });
  const paired = scenario(true);
  const single = scenario(false);
  const blockS = DURATION_S / BLOCKS;
  // Partway through: after about 40% of the paired run's load.
  const hogAfterMs = Math.round((2 * (WARMUP_S + DURATION_S) * 0.4 + 2) * 1000);
  console.error(
    `verdict bench: ${RUNS} runs per experiment, ${RATE} req/s ${ARRIVAL}, ${DURATION_S} s per build in ${BLOCKS} blocks of ${blockS} s, EXTRA_WORK ${WORK} (slower build ${Math.round(WORK * SLOWER)})`,
  );

  // The slower build first: its first runs show at once whether SLOWER lands near +15% at p95.
  const slower = ONLY.has('slower')
    ? await experiment(`A/B, B ${Math.round((SLOWER - 1) * 100)}% more work`, ['run', paired, '--image', B_SLOW], null)
    : null;
  const same = ONLY.has('same') ? await experiment('A/B same image + CPU hog', ['run', paired], hogAfterMs) : null;
  const again = ONLY.has('baseline') ? await baselineMode(single) : null;
  const small = ONLY.has('small') ? await smallBaselines(scenario(false, SMALL_DURATION_S, 'small.yml')) : null;
  const history = ONLY.has('history')
    ? await historyReference(scenario(false, HISTORY_DURATION_S, 'history.yml'))
    : null;
  const rows = [
    same && row('A/B, same image, 2 CPU hogs started partway', same, '0 fail'),
    slower &&
      row(
        `A/B, B does ${Math.round((SLOWER - 1) * 100)}% more work per prediction`,
        slower,
        `≥ ${Math.ceil(RUNS * 0.95)} fail on p95`,
      ),
    again && row('Baseline file (3 runs), unchanged model', again, '0 fail'),
  ].filter((r) => r !== null);

  const lines = [
    `Verdict benchmark: ${RUNS} runs per row; ${cpus().length} × ${cpus()[0]?.model.trim()}; example model in a container with EXTRA_WORK=${WORK}; ${RATE} req/s ${ARRIVAL} arrivals, ${DURATION_S} s measured per build (${WARMUP_S} s warm-up); paired runs in ${BLOCKS} block pairs; tolerances p95 10%, p99 25%, rps 5%, error rate 1 pt; intervals ${CONFIDENCE ? `${CONFIDENCE * 100}%` : `${DEFAULT_CONFIDENCE.image * 100}% paired, ${DEFAULT_CONFIDENCE.baseline * 100}% baseline file (the defaults)`}.`,
    '',
    '| Experiment | Runs | Verdict fail | p95 fail | p99 fail | Inconclusive | Pass | Whole-run p95 B/A − 1, median | p95 change the verdict used, median (range) | p95 interval half-width, median | Wanted |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ];
  if (small) lines.push('', ...small);
  if (history) lines.push('', ...history);
  console.log(lines.join('\n'));
  // KEEP=1 keeps every run's results.json (the per-run lines name them), to judge them again offline.
  if (process.env.KEEP) console.error(`verdict bench: results kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

/** Baseline-file mode: a baseline of 3 runs (the action's default baseline-runs), then the same model again. */
async function baselineMode(single: string): Promise<Outcome[]> {
  const baselineRuns: string[] = [];
  for (let i = 0; i < 3; i++) {
    const out = mkdtempSync(join(work, 'base-'));
    sh(process.execPath, [CLI, 'run', single, '--out', out], { CI: 'true' });
    baselineRuns.push(join(out, 'results.json'));
  }
  const baseline = join(work, 'baseline.json');
  sh(process.execPath, [CLI, 'baseline', ...baselineRuns, '--out', baseline]);
  return experiment('baseline file, unchanged model', ['run', single, '--baseline', baseline], null);
}

await main();

/** One run of the scenario with `image` as the target; the path of its results.json. */
function runImage(file: string, image: string, prefix: string): string {
  const out = mkdtempSync(join(work, prefix));
  try {
    sh(process.execPath, [CLI, 'run', file, '--image', image, '--out', out], { CI: 'true' });
  } catch {
    // exit 1 is an SLO breach; the results are written all the same
  }
  return join(out, 'results.json');
}

/**
 * One comparison judged in process (against a baseline file of `baselineRuns`, or the history of them): the verdict and
 * the p95/p99 rows.
 */
function judged(file: string, resultsFile: string, baselineRuns: string[], from: 'file' | 'history' = 'file'): Outcome {
  const results = readResults(resultsFile);
  let baseline: Baseline | null;
  if (from === 'history') {
    let h: History | null = null;
    for (const r of baselineRuns)
      h = appendEntry(h, 'bench-verdict', historyEntry(readResults(r), { commit: r, ref: 'main' }));
    baseline = baselineFromHistory(h!, results, baselineRuns.length);
  } else baseline = buildBaseline(baselineRuns.map(readResults));
  const scenario = loadScenario(file);
  const v = judge(
    results,
    from === 'history'
      ? {
          ...scenario,
          compare: {
            ...scenario.compare,
            against: 'history' as const,
            confidence: CONFIDENCE ?? DEFAULT_CONFIDENCE.history,
          },
        }
      : scenario,
    baseline,
    from === 'history' ? 'history' : 'baseline.json',
    { from },
  );
  const row = (m: string) => v.checks.find((c) => c.scope === 'overall' && c.kind === 'regression' && c.metric === m);
  const pick = (m: string): Judged | null => {
    const c = row(m);
    return c
      ? { change: c.change ?? NaN, low: c.interval?.low ?? NaN, high: c.interval?.high ?? NaN, status: c.status }
      : null;
  };
  const name = (c: { scope: string; kind: string; metric: string }) => `${c.scope}/${c.kind}/${c.metric}`;
  const p95 = row('p95');
  return {
    code: v.status === 'fail' ? 1 : 0,
    verdict: v.status,
    p95: pick('p95'),
    p99: pick('p99'),
    failed: v.checks.filter((c) => c.status === 'fail').map(name),
    inconclusive: v.checks.filter((c) => c.status === 'inconclusive').map(name),
    blocks: [],
    blocksP99: [],
    p95Ratio: p95?.baseline ? p95.value / p95.baseline : NaN,
    wallS: 0,
  };
}

/**
 * Small baselines (issue 11): per repetition, 3 fresh baseline runs of the model, then the same model
 * and a build about 2× slower at p95; each is judged against the baselines of the first 1, 2 and 3 runs.
 */
async function smallBaselines(file: string): Promise<string[]> {
  const outcomes: Record<string, Outcome[]> = {};
  const runTo = (image: string) => runImage(file, image, 'small-');
  // A rolling window: each repetition's baseline is the 1, 2 or 3 runs of the model just before it, and
  // its unchanged run then joins the window. Every comparison is fair (the candidate is not in its
  // baseline); two runs per repetition instead of five.
  const history = [runTo(A), runTo(A), runTo(A)];
  for (let i = 1; i <= RUNS; i++) {
    const same = runTo(A);
    const slower = runTo(B_DOUBLE);
    for (const r of [1, 2, 3]) {
      const base = history.slice(-r);
      for (const [label, candidate] of [
        [`unchanged, ${r}-run baseline`, same],
        [`2× slower, ${r}-run baseline`, slower],
      ] as const) {
        const o = judged(file, candidate, base);
        (outcomes[label] ??= []).push(o);
        appendFileSync(
          log,
          `${JSON.stringify({ experiment: `small: ${label}`, run: i, ...o, candidate, baseline: base })}\n`,
        );
        const p = o.p95;
        console.error(
          `small: ${label} ${i}/${RUNS}: ${o.verdict} p95 ${p ? `${pct(p.change)} [${pct(p.low)}, ${pct(p.high)}] ${p.status}` : 'n/a'}${o.failed.length ? ` failed: ${o.failed.join(', ')}` : ''}`,
        );
      }
    }
    history.push(same);
  }
  return [
    `Small baselines: ${RUNS} repetitions; each: the unchanged model judged against the 1, 2 or 3 runs of it just before (a rolling window), and a build with ${DOUBLE}× the work (EXTRA_WORK=${Math.round(WORK * DOUBLE)}); ${SMALL_DURATION_S} s measured per run (${WARMUP_S} s warm-up); intervals at the defaults (${DEFAULT_CONFIDENCE.baseline * 100}%, prior ${DEFAULT_PRIOR.latency * 100}% latency / ${DEFAULT_PRIOR.tail * 100}% tail / ${DEFAULT_PRIOR.throughput * 100}% throughput worth ${DEFAULT_PRIOR.runs} runs, max_noise ${DEFAULT_MAX_NOISE * 100}%, twice that for the tail).`,
    '',
    '| Experiment | Runs | Verdict fail | p95 fail | p99 fail | Inconclusive | Pass | Whole-run p95 B/A − 1, median | p95 change the verdict used, median (range) | p95 interval half-width, median | Wanted |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...Object.entries(outcomes).map(([label, o]) =>
      row(label, o, label.startsWith('unchanged') ? '0 fail' : `${RUNS} fail on p95`),
    ),
  ];
}

/**
 * The history as the reference (issue 15): HISTORY_RUNS runs of the model first; then per repetition
 * the model again and a build about 30% slower at p95, each judged against the history's last
 * HISTORY_RUNS runs and against a baseline file of the last 3 of them; the unchanged run then joins
 * the history. The interval widths side by side show what K runs of spread buy over 3.
 */
async function historyReference(file: string): Promise<string[]> {
  const outcomes: Record<string, Outcome[]> = {};
  const runTo = (image: string) => runImage(file, image, 'history-');
  const runs = Array.from({ length: HISTORY_RUNS }, () => runTo(A));
  for (let i = 1; i <= RUNS; i++) {
    const same = runTo(A);
    const slower = runTo(B_THIRTY);
    for (const [model, candidate] of [
      ['unchanged', same],
      ['about 30% slower', slower],
    ] as const) {
      for (const [label, base, from] of [
        [`${model}, history of ${HISTORY_RUNS} runs`, runs.slice(-HISTORY_RUNS), 'history'],
        [`${model}, 3-run baseline file`, runs.slice(-3), 'file'],
      ] as const) {
        const o = judged(file, candidate, [...base], from);
        (outcomes[label] ??= []).push(o);
        appendFileSync(log, `${JSON.stringify({ experiment: `history: ${label}`, run: i, ...o })}\n`);
        const p = o.p95;
        console.error(
          `history: ${label} ${i}/${RUNS}: ${o.verdict} p95 ${p ? `${pct(p.change)} [${pct(p.low)}, ${pct(p.high)}] ${p.status}` : 'n/a'}${o.failed.length ? ` failed: ${o.failed.join(', ')}` : ''}`,
        );
      }
    }
    runs.push(same);
  }
  return [
    `The history as the reference: ${HISTORY_RUNS} runs of the model first, then ${RUNS} repetitions, each: the unchanged model and a build with ${THIRTY}× the work (EXTRA_WORK=${Math.round(WORK * THIRTY)}) judged against the last ${HISTORY_RUNS} runs of the history (compare.against: history) and against a baseline file of the last 3 (a rolling window: the unchanged run then joins it); ${HISTORY_DURATION_S} s measured per run (${WARMUP_S} s warm-up); intervals at ${CONFIDENCE ? `${CONFIDENCE * 100}%` : `the default ${DEFAULT_CONFIDENCE.history * 100}%`}.`,
    '',
    '| Experiment | Runs | Verdict fail | p95 fail | p99 fail | Inconclusive | Pass | Whole-run p95 B/A − 1, median | p95 change the verdict used, median (range) | p95 interval half-width, median | Wanted |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...Object.entries(outcomes).map(([label, o]) =>
      row(
        label,
        o,
        label.startsWith('unchanged')
          ? '0 fail'
          : label.includes('history')
            ? `≥ ${Math.ceil(RUNS * 0.95)} fail on p95`
            : '',
      ),
    ),
  ];
}
