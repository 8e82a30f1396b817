import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  blockLoad,
  runLoad,
  shardOf,
  StopRequest,
  type Block,
  type ShardPart,
  type EngineResult,
  type EnginePlan,
  type Stop,
} from '../engine/index.ts';
import {
  historyTrend,
  judge,
  judgePaired,
  type Baseline,
  type BaselineOrigin,
  type History,
  type HistoryTrend,
  type Verdict,
} from '../gate/index.ts';
import {
  describeEnvironment,
  driftOf,
  Recorder,
  headlineOf,
  type CapacityFigures,
  type OnTimeWatch,
  type PairedBlock,
  type Results,
  type SeriesPoint,
  type Window,
} from '../metrics/index.ts';
import { spikesOf, type LoadPlan, type Scenario, type Spike, type TargetSpec } from '../scenario/index.ts';
import type { Exporter } from '../export/index.ts';
import { VERSION } from '../shared/version.ts';
import { startTarget, TargetError, type Target } from '../target/index.ts';
import { searchCapacity, searchCapacityPaired } from './capacity.ts';
import { recordingSink } from './worker.ts';
import { runWorkers } from './workers.ts';

export interface MeasureOptions {
  signal?: AbortSignal;
  /** Every closed second of the run, for progress lines (paired runs: `t` counts both builds' time). */
  onSecond?: (point: SeriesPoint) => void;
  log?: (line: string) => void;
  runLabel?: string;
  /** One shard of a run shared by several generators (`--shard i/n`), and the instant all begin. */
  shard?: ShardRun;
  /** Where each closed second's figures are exported as the run goes (never waited on). */
  exporter?: Exporter | null;
}

/** Shard `index` of `count` (0-based), its load to begin at `startAtMs` (Unix ms) when given. */
export interface ShardRun {
  index: number;
  count: number;
  startAtMs: number | null;
}

/** Why a scenario cannot run in shards; null when it can. */
export function shardProblem(scenario: Scenario): string | null {
  if (scenario.compare.against === 'image')
    return 'a paired run (compare.against: image) cannot be sharded: its blocks alternate two builds on one generator';
  if (scenario.capacity) return 'a capacity search cannot be sharded: each probe is decided as the load runs';
  if (scenario.slo.overall.recovery !== undefined)
    return 'slo.recovery cannot be judged on shards: run spikes on one generator';
  return null;
}

export interface Measurement {
  results: Results;
  /** Set when the target died or failed mid-run: the results hold what was gathered before. */
  targetError: TargetError | null;
}

export interface PairedMeasurement {
  /** The build under test: the target. */
  candidate: Results;
  /** The reference build: `compare.baseline_image` or `compare.baseline_url`. */
  reference: Results;
  blocks: PairedBlock[];
  targetError: TargetError | null;
}

export interface JudgedRun {
  results: Results;
  /** Always judged: the SLOs on every run, the tolerances when there is a baseline or a reference build. */
  verdict: Verdict;
  /** The reference build's own results, in a paired run. */
  reference: Results | null;
  targetError: TargetError | null;
  /** This run among the last runs of the default branch, when there is a history. */
  trend: HistoryTrend | null;
}

/** The reference build a paired run compares with: its image or URL. */
export function referenceLabel(scenario: Scenario): string {
  return scenario.compare.reference.image ?? scenario.compare.reference.url ?? '';
}

/**
 * … → gate: a paired run judged block by block against the reference build, or one run judged
 * against a baseline file (`against`: read before the load, so a corrupt file costs no minutes), or
 * against its SLOs alone when there is neither.
 */
export async function measureJudged(
  scenario: Scenario,
  against: { file: string; baseline: Baseline | null; origin?: BaselineOrigin; history?: History | null } | null,
  options: MeasureOptions = {},
): Promise<JudgedRun> {
  const trendOf = (results: Results) => (against?.history ? historyTrend(against.history, results) : null);
  if (scenario.compare.against === 'image') {
    const m = await measurePaired(scenario, options);
    const verdict = judgePaired(m.candidate, scenario, {
      reference: m.reference,
      blocks: m.blocks,
      label: referenceLabel(scenario),
    });
    return {
      results: m.candidate,
      verdict,
      reference: m.reference,
      targetError: m.targetError,
      trend: trendOf(m.candidate),
    };
  }
  const { results, targetError } = await measure(scenario, options);
  const verdict = judge(results, scenario, against?.baseline ?? null, against?.file, against?.origin);
  return { results, verdict, reference: null, targetError, trend: trendOf(results) };
}

/** scenario → target → engine → metrics: one run of the scenario, measured. */
export async function measure(scenario: Scenario, options: MeasureOptions = {}): Promise<Measurement> {
  const target = await startTarget(scenario.target, {
    signal: options.signal,
    log: options.log,
    runLabel: options.runLabel,
  });
  try {
    const watch = watchTargets([target], options.signal, () => 'the target');
    const spikes = spikesOf(scenario.load);
    const onTime = onTimeWatch(scenario, spikes);
    const recorder = new Recorder(
      scenario.requests,
      scenario.load.warmupMs,
      scenario.load.durationMs,
      onTime,
      scenario.goodput,
    );
    recorder.onSecond((point) => {
      const resources = target.sample();
      if (resources) Object.assign(point, resources);
      options.onSecond?.(point);
    });
    const exporter = options.exporter;
    if (exporter) {
      recorder.trackMeasured();
      recorder.onSecond((point) => exporter.second(point, [...recorder.measuredSoFar()]));
    }
    const shard = options.shard;
    let lateMs = 0;
    if (shard) {
      recorder.keepSeconds();
      lateMs = await waitUntil(shard.startAtMs, watch.signal);
      if (lateMs > 100)
        options.log?.(
          `shard ${shard.index}/${shard.count}: the load began ${(lateMs / 1000).toFixed(3)} s after the agreed start`,
        );
    }
    const load = shard ? shardOf(scenario.load, shard.index, shard.count) : scenario.load;
    // The open model's shards take turns through one schedule; the closed model's split the users (in `load`).
    const part = shard && load.model === 'open' ? { index: shard.index, count: shard.count } : undefined;
    const drove = { scenario, target, load, seed: scenario.seed, recorder, signal: watch.signal, offsetMs: 0, part };
    const run = await driveKeeping(drove);
    const { overall, requests } = recorder.finish(run.measuredMs / 1000);
    const shardFigures = shard && {
      index: shard.index,
      count: shard.count,
      start_at: shard.startAtMs === null ? null : new Date(shard.startAtMs).toISOString(),
      late_ms: Math.round(lateMs),
      seconds: recorder.shardSeconds(),
    };
    // A spike the run stopped before is not reported: its watch was cut short.
    const watched = spikes.filter((s) => s.endMs <= scenario.load.warmupMs + run.measuredMs + 1);
    // The target's figures are the fixed load's, before a capacity search samples it further.
    const targetFigures = target.figures();
    const results = assemble(scenario, run, {
      overall,
      requests,
      series: recorder.series,
      windows: recorder.windows,
      target: targetFigures,
      shard: shardFigures || undefined,
      spikes: onTime && watched.length > 0 ? recorder.recoveries(watched) : undefined,
      drift: driftOf(recorder.series, scenario.compare.confidence) ?? undefined,
      capacity: (await capacityAfter(scenario, target, run, watch, options.log)) ?? undefined,
    });
    watch.done();
    return { results, targetError: watch.error() };
  } finally {
    await target.stop();
  }
}

/** The p95 bound that spike recovery is measured against, watched from the first spike; null when there is none. */
function onTimeWatch(scenario: Scenario, spikes: Spike[]): OnTimeWatch | null {
  const first = spikes[0];
  const bound = scenario.slo.overall.p95;
  return first && bound !== undefined ? { boundMs: bound, fromMs: first.startMs } : null;
}

/** One build of a paired run: its target, its merged figures, and its blocks' series, windows and runs. */
interface PairedBuild {
  target: Target;
  recorder: Recorder;
  series: SeriesPoint[];
  windows: Window[];
  runs: EngineResult[];
  elapsedMs: number;
  measuredMs: number;
}

/** What the blocks of a paired run share: the builds (B, then A), the watch, the start, and whether it stopped. */
interface PairedLoad {
  scenario: Scenario;
  builds: PairedBuild[];
  watch: ReturnType<typeof watchTargets>;
  t0: number;
  options: MeasureOptions;
  /** A block that stopped early (a signal, a failed target, an engine error) ends the whole run. */
  halted: boolean;
}

// A, B, A, B, …: every block follows exactly one block of the other build, so neither comes to
// its blocks more rested than the other.
const ORDER = [1, 0];
const over = (p: PairedLoad) => p.halted || p.watch.signal.aborted;

/**
 * Paired A/B: the target (B) and the reference build (A) run side by side, and the load alternates
 * between them in blocks. Pair i runs the same slice of the schedule with the same seed on both,
 * back to back, so what slows the whole runner in that moment slows both.
 */
export async function measurePaired(scenario: Scenario, options: MeasureOptions = {}): Promise<PairedMeasurement> {
  const targets = await startBoth(scenario, options);
  try {
    const watch = watchTargets(targets, options.signal, (i) => (i === 0 ? 'the target' : 'the reference build'));
    const builds = targets.map((target) => ({
      target,
      recorder: new Recorder(
        scenario.requests,
        scenario.load.warmupMs,
        scenario.load.durationMs,
        null,
        scenario.goodput,
      ),
      series: [],
      windows: [],
      runs: [],
      elapsedMs: 0,
      measuredMs: 0,
    }));
    const paired: PairedLoad = { scenario, builds, watch, t0: performance.now(), options, halted: false };
    await warmUpPaired(paired);
    const pairs = await measureBlocks(paired);
    const measured = builds.map((build) => {
      const run = joinRuns(build.runs, build.measuredMs);
      const { overall, requests } = build.recorder.finish(run.measuredMs / 1000);
      const figures = {
        overall,
        requests,
        series: build.series,
        windows: build.windows,
        target: build.target.figures(),
      };
      return { run, figures };
    });
    let found: { candidate: CapacityFigures; reference: CapacityFigures } | null = null;
    if (scenario.capacity && !over(paired)) {
      const c = scenario.capacity;
      options.log?.(
        `capacity search of both builds, taking turns: from ${c.start} to at most ${c.max} ` +
          `${scenario.load.model === 'open' ? 'req/s' : 'users'}, within ${c.maxDurationMs / 1000} s each`,
      );
      found = await searchCapacityPaired(
        scenario,
        { candidate: targets[0]!, reference: targets[1]! },
        { signal: watch.signal, log: options.log, targetError: watch.error },
      );
    }
    const [candidate, reference] = measured.map(({ run, figures }, i) =>
      assemble(scenario, run, { ...figures, capacity: found?.[i === 0 ? 'candidate' : 'reference'] }),
    ) as [Results, Results];
    watch.done();
    return { candidate, reference, blocks: pairs, targetError: watch.error() };
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
  }
}

/** Both builds started together, so neither's container start overlaps the other's load; one failing stops both. */
async function startBoth(scenario: Scenario, options: MeasureOptions): Promise<Target[]> {
  const start = { signal: options.signal, log: options.log, runLabel: options.runLabel };
  const [candidate, reference] = await Promise.allSettled([
    startTarget(scenario.target, start),
    startTarget(referenceSpec(scenario), start),
  ]);
  if (candidate.status === 'fulfilled' && reference.status === 'fulfilled') return [candidate.value, reference.value];
  if (candidate.status === 'fulfilled') await candidate.value.stop();
  if (reference.status === 'fulfilled') await reference.value.stop();
  const err = (
    candidate.status === 'rejected' ? candidate.reason : (reference as PromiseRejectedResult).reason
  ) as Error;
  if (candidate.status === 'fulfilled')
    throw err instanceof TargetError ? new TargetError(`reference build: ${err.message}`) : err;
  throw err;
}

/** The warm-up, in unmeasured rounds of blocks taken in turn as the measured ones are. */
async function warmUpPaired(p: PairedLoad): Promise<void> {
  const { scenario, options } = p;
  const count = scenario.compare.blocks;
  const blockMs = scenario.load.durationMs / count;
  const rounds = Math.max(1, Math.ceil(scenario.load.warmupMs / blockMs));
  for (let round = 0; round < rounds && !over(p); round++) {
    for (const b of ORDER) {
      if (over(p)) break;
      const warmupMs = Math.max(scenario.load.warmupMs, blockMs) / rounds;
      const load = blockLoad(scenario.load, { index: 0, count, warmupMs, measure: false });
      const recorder = new Recorder(scenario.requests, load.warmupMs, 0, null, scenario.goodput);
      const wallS = (performance.now() - p.t0) / 1000;
      recorder.onSecond((point) => options.onSecond?.({ ...point, t: point.t + wallS }));
      const build = p.builds[b]!;
      const seed = scenario.seed + 7 * round;
      const run = await driveBlock(p, build, load, seed, recorder);
      build.elapsedMs += run.elapsedMs;
      if (run.stop) {
        // Its stop must reach the results, though a warm-up's figures do not.
        build.runs.push({ ...run, measuredMs: 0 });
        p.halted = true;
      }
    }
  }
}

/** One block of a paired run driven at a build, on the run's clock. */
function driveBlock(p: PairedLoad, build: PairedBuild, load: LoadPlan, seed: number, recorder: Recorder) {
  const offsetMs = performance.now() - p.t0;
  return driveKeeping({
    scenario: p.scenario,
    target: build.target,
    load,
    seed,
    recorder,
    signal: p.watch.signal,
    offsetMs,
  });
}

/** The measured block pairs: each build's block of one slice of the schedule, back to back, with one seed. */
async function measureBlocks(p: PairedLoad): Promise<PairedMeasurement['blocks']> {
  const pairs: PairedMeasurement['blocks'] = [];
  for (let index = 0; index < p.scenario.compare.blocks && !over(p); index++) {
    const windows: Window[] = [];
    for (const b of ORDER) {
      if (over(p)) break;
      windows[b] = await measureBlock(p, p.builds[b]!, index);
    }
    if (windows[0] && windows[1])
      pairs.push({ index, first: 'reference', candidate: windows[0], reference: windows[1] });
  }
  return pairs;
}

/** One build's block of a pair: measured, merged into the build's figures, and its window. */
async function measureBlock(p: PairedLoad, build: PairedBuild, index: number): Promise<Window> {
  const { scenario, options } = p;
  const block: Block = { index, count: scenario.compare.blocks, warmupMs: 0, measure: true };
  const load = blockLoad(scenario.load, block);
  const recorder = new Recorder(scenario.requests, 0, 0, null, scenario.goodput);
  const offsetS = build.elapsedMs / 1000;
  const wallS = (performance.now() - p.t0) / 1000;
  recorder.onSecond((point) => {
    const resources = build.target.sample();
    if (resources) Object.assign(point, resources);
    // Each build's series runs on its own clock: its blocks back to back.
    build.series.push({ ...point, t: Math.round((point.t + offsetS) * 1000) / 1000 });
    options.onSecond?.({ ...point, t: point.t + wallS });
  });
  // Same seed for both builds of a pair: the same arrivals and payloads.
  const seed = scenario.seed + index * 104_729;
  const run = await driveBlock(p, build, load, seed, recorder);
  const figures = recorder.finish(run.measuredMs / 1000);
  build.recorder.merge(recorder);
  const window: Window = {
    start_s: build.measuredMs / 1000,
    seconds: run.measuredMs / 1000,
    overall: headlineOf(figures.overall),
    requests: Object.fromEntries(Object.entries(figures.requests).map(([n, r]) => [n, headlineOf(r)])),
  };
  build.windows.push(window);
  build.runs.push(run);
  build.elapsedMs += run.elapsedMs;
  build.measuredMs += run.measuredMs;
  if (run.stop) p.halted = true;
  return window;
}

/** The reference build's target: the scenario's, with the reference image or URL in its place. */
function referenceSpec(scenario: Scenario): TargetSpec {
  const { image, url } = scenario.compare.reference;
  return { ...scenario.target, image: url ? null : image, url: url ?? null };
}

/** Stops the load when a target fails or the caller aborts; remembers the first target failure. */
function watchTargets(targets: Target[], signal: AbortSignal | undefined, name: (i: number) => string) {
  const stop = new AbortController();
  let failed: TargetError | null = null;
  const onAbort = () => stop.abort(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  targets.forEach((target, i) => {
    target.failure.catch((err: Error) => {
      if (failed) return;
      const message = targets.length > 1 ? `${name(i)}: ${err.message}` : err.message;
      failed = err instanceof TargetError && targets.length === 1 ? err : new TargetError(message);
      stop.abort(new StopRequest('target-failed', `${name(i)} failed: ${err.message.split('\n')[0]}`));
    });
  });
  return {
    signal: stop.signal,
    error: () => failed,
    done: () => signal?.removeEventListener('abort', onAbort),
  };
}

/** One load driven at a target: its seed, where its outcomes go, and its place in the run. */
interface Drive {
  scenario: Scenario;
  target: Target;
  load: LoadPlan;
  seed: number;
  recorder: Recorder;
  signal: AbortSignal;
  /** When the load begins on the run's clock (a paired run's later blocks). */
  offsetMs: number;
  /** This generator's turn through a schedule shared by shards. */
  part?: ShardPart;
}

/**
 * Drives one load (a run, or a block of a paired run) at a target: one plan, run here or split over
 * load workers, each running its part of the same plan through the same engine entry and sink.
 */
async function drive({ scenario, target, load, seed, recorder, signal, offsetMs, part }: Drive): Promise<EngineResult> {
  const plan: EnginePlan = {
    origin: target.origin,
    requests: scenario.requests,
    load,
    seed,
    headers: scenario.target.headers,
    channels: scenario.target.channels,
    shard: part ?? null,
  };
  const firstPrediction = (ms: number) => target.firstPrediction(offsetMs + ms);
  if (load.workers > 1)
    return runWorkers(
      plan,
      { onTime: recorder.onTimeWatch, goodput: recorder.goodput },
      recorder,
      signal,
      firstPrediction,
    );
  return runLoad({ ...plan, sink: recordingSink(recorder, firstPrediction), signal });
}

/**
 * `drive`, but a failure of the generator itself ends the run rather than losing it: what the
 * recorder gathered until then is kept, and the run is marked as stopped by an engine error.
 */
async function driveKeeping(d: Drive): Promise<EngineResult> {
  const { load } = d;
  const startedAt = new Date();
  const t0 = performance.now();
  try {
    return await drive(d);
  } catch (err) {
    const elapsedMs = performance.now() - t0;
    const measuredMs = Math.max(0, Math.min(elapsedMs, load.warmupMs + load.durationMs) - load.warmupMs);
    const stop: Stop = { cause: 'engine-error', reason: `the load generator failed: ${(err as Error).message}` };
    return { elapsedMs, measuredMs, stop, startedAt, finishedAt: new Date() };
  }
}

/** Waits for `atMs` (Unix ms) unless aborted; how late it is by then (0 when it waited, or without a time). */
async function waitUntil(atMs: number | null, signal: AbortSignal): Promise<number> {
  if (atMs === null) return 0;
  const wait = atMs - Date.now();
  if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined);
  return Math.max(0, Date.now() - atMs);
}

/** A paired build's blocks as one run: their measured time adds up; it was stopped if any block was. */
function joinRuns(runs: EngineResult[], measuredMs: number): EngineResult {
  return {
    elapsedMs: runs.reduce((a, r) => a + r.elapsedMs, 0),
    measuredMs,
    stop: runs.find((r) => r.stop)?.stop ?? null,
    startedAt: runs[0]?.startedAt ?? new Date(),
    finishedAt: runs[runs.length - 1]?.finishedAt ?? new Date(),
  };
}

/** `{ [key]: value }`, or nothing when there is no value. */
const optional = <K extends string, V>(key: K, value: V | null | undefined) =>
  (value === null || value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

/** The capacity search that follows the fixed load on the same target (one container start for both). */
async function capacityAfter(
  scenario: Scenario,
  target: Target,
  run: EngineResult,
  watch: ReturnType<typeof watchTargets>,
  log: MeasureOptions['log'],
): Promise<CapacityFigures | null> {
  const c = scenario.capacity;
  if (!c || run.stop) return null;
  const unit = scenario.load.model === 'open' ? 'req/s' : 'users';
  log?.(`capacity search: from ${c.start} to at most ${c.max} ${unit}, within ${c.maxDurationMs / 1000} s`);
  return searchCapacity(scenario, target, { signal: watch.signal, log, targetError: watch.error });
}

/** A run's results, built once from everything measured. */
function assemble(
  scenario: Scenario,
  run: EngineResult,
  measured: Pick<Results, 'overall' | 'requests' | 'series' | 'windows' | 'target'> &
    Partial<Pick<Results, 'shard' | 'spikes' | 'drift' | 'capacity'>>,
): Results {
  return {
    schema_version: 1,
    tool: { name: 'mlload', version: VERSION },
    scenario: { name: scenario.name, file: scenario.file, hash: scenario.hash },
    started_at: run.startedAt.toISOString(),
    finished_at: run.finishedAt.toISOString(),
    duration_s: run.measuredMs / 1000,
    warmup_s: scenario.load.warmupMs / 1000,
    interrupted: run.stop !== null,
    stop_reason: run.stop?.reason ?? null,
    stop_cause: run.stop?.cause ?? null,
    load: describeLoad(scenario),
    overall: measured.overall,
    requests: measured.requests,
    series: measured.series,
    windows: measured.windows,
    target: measured.target,
    environment: describeEnvironment(),
    ...optional('shard', measured.shard),
    ...optional('spikes', measured.spikes),
    ...optional('drift', measured.drift),
    ...optional('capacity', measured.capacity),
  };
}

function describeLoad(scenario: Scenario): Record<string, unknown> {
  const l = scenario.load;
  const paired = scenario.compare.against === 'image' ? { paired_blocks: scenario.compare.blocks } : {};
  if (l.model === 'open') {
    return {
      model: 'open',
      arrival: l.arrival,
      stages: l.stages,
      warmup_ms: l.warmupMs,
      duration_ms: l.durationMs,
      max_in_flight: l.maxInFlight,
      workers: l.workers,
      seed: scenario.seed,
      ...paired,
    };
  }
  return {
    model: 'closed',
    stages: l.stages,
    spawn_rate: l.spawnRate,
    think_time_ms: l.thinkTimeMs,
    warmup_ms: l.warmupMs,
    duration_ms: l.durationMs,
    workers: l.workers,
    seed: scenario.seed,
    ...paired,
  };
}
