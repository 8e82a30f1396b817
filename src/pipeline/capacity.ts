import { performance } from 'node:perf_hooks';
import { runLoad, type Outcome, type OutcomeSink } from '../engine/index.ts';
import {
  decideProbe,
  emptyBlock,
  interpolateCapacity,
  MIN_BLOCKS,
  probeMargin,
  QUANTILE,
  type ProbeCounts,
} from '../gate/index.ts';
import { Recorder, type CapacityFigures, type CapacityProbe, type FailureMode } from '../metrics/index.ts';
import type { CapacityPlan, LoadPlan, Scenario } from '../scenario/index.ts';
import type { Target } from '../target/index.ts';

const BOUNDS = Object.keys(QUANTILE) as Array<keyof typeof QUANTILE>;

interface SearchOptions {
  signal: AbortSignal;
  log?: (line: string) => void;
  /** The target's failure, once it has failed. */
  targetError: () => Error | null;
}

/** The load of one probe: the scenario's requests at a fixed rate (Poisson arrivals) or a fixed number of users. */
function probeLoad(scenario: Scenario, load: number, settleMs: number, measureMs: number): LoadPlan {
  const l = scenario.load;
  if (l.model === 'open') {
    // The scenario's max_in_flight holds here too: arrivals beyond it wait, and their wait counts as latency.
    return {
      model: 'open',
      arrival: 'poisson',
      stages: [{ durationMs: measureMs, fromRate: load, toRate: load }],
      warmupMs: settleMs,
      durationMs: measureMs,
      maxInFlight: l.maxInFlight,
      workers: 1,
    };
  }
  return {
    model: 'closed',
    stages: [{ durationMs: measureMs, users: load }],
    spawnRate: Math.max(load, 1) * 10,
    thinkTimeMs: l.thinkTimeMs,
    warmupMs: settleMs,
    durationMs: measureMs,
    workers: 1,
  };
}

/**
 * The length of a block of a probe's measured time: the unit of its batch means, a fifth of the
 * shortest probe so a probe that ends there can be sure, and no longer than 2 s.
 */
const blockMs = (plan: CapacityPlan): number => Math.min(2_000, Math.max(200, plan.minProbeMs / MIN_BLOCKS));

/**
 * Each outcome to the probe's recorder and, once settled, to its block's counts: requests, failures, and those over
 * each limit and over half of it (the clustering the decision allows for).
 */
function blockSink(
  recorder: Recorder,
  counts: ProbeCounts,
  at: { first: number; blockMs: number; settleMs: number; slo: CapacityPlan['slo'] },
): OutcomeSink {
  const bounds = BOUNDS.filter((b) => at.slo[b] !== undefined);
  return {
    record(index: number, o: Outcome) {
      recorder.record(index, o);
      if (o.scheduled < at.settleMs) return;
      const i = at.first + Math.floor((o.scheduled - at.settleMs) / at.blockMs);
      while (counts.blocks.length <= i) counts.blocks.push(emptyBlock());
      const b = counts.blocks[i]!;
      b.count++;
      const failed = o.failure !== null;
      if (failed) b.failures++;
      const latency = o.done - o.scheduled;
      for (const k of bounds) {
        if (failed || latency > at.slo[k]!) b.over[k] = (b.over[k] ?? 0) + 1;
        if (failed || latency > at.slo[k]! / 2) b.near[k] = (b.near[k] ?? 0) + 1;
      }
    },
    second: (now, state) => recorder.second(now, state),
  };
}

/**
 * Runs one probe until its verdict is sure, or its time is up. `prior`: the counts of an earlier
 * probe at the same load, pooled with this one's (a repeat continues the same evidence).
 */
async function probe(
  scenario: Scenario,
  target: Target,
  plan: CapacityPlan,
  load: number,
  settleMs: number,
  measureMs: number,
  options: SearchOptions,
  seed: number,
  prior: ProbeCounts | null,
): Promise<CapacityProbe & { counts: ProbeCounts }> {
  const counts: ProbeCounts = { blocks: [...(prior?.blocks ?? [])] };
  const first = counts.blocks.length;
  const block = blockMs(plan);
  const recorder = new Recorder(scenario.requests, settleMs);
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal.reason);
  options.signal.addEventListener('abort', onAbort, { once: true });
  let verdict: 'pass' | 'fail' | null = null;
  let cpu = 0;
  let cpuSeconds = 0;
  let memory = 0;
  recorder.onSecond((point) => {
    const r = target.sample();
    if (r && point.phase === 'measure') {
      cpu += r.cpu_percent;
      cpuSeconds++;
      memory = Math.max(memory, r.memory_mb);
    }
    if (point.phase !== 'measure' || verdict) return;
    if (point.t * 1000 - settleMs < plan.minProbeMs) return;
    verdict = decideProbe(counts, plan.slo, plan.confidence);
    if (verdict) stop.abort(new Error(`probe decided: ${verdict}`));
  });
  const sink = blockSink(recorder, counts, { first, blockMs: block, settleMs, slo: plan.slo });
  try {
    const run = await runLoad({
      origin: target.origin,
      requests: scenario.requests,
      load: probeLoad(scenario, load, settleMs, measureMs),
      seed,
      headers: scenario.target.headers,
      channels: scenario.target.channels,
      sink,
      signal: stop.signal,
    });
    const seconds = run.measuredMs / 1000;
    const { overall } = recorder.finish(seconds);
    const decided = verdict ?? decideProbe(counts, plan.slo, plan.confidence, true)!;
    const margin = probeMargin(counts, plan.slo);
    const reasons = overall.failures.slice(0, 3).map((f) => ({ reason: f.reason, count: f.count }));
    const p: CapacityProbe = {
      load,
      achieved_rps: overall.rps,
      count: overall.count,
      seconds: Math.round(seconds * 1000) / 1000,
      p50: overall.latency_ms.p50,
      p95: overall.latency_ms.p95,
      p99: overall.latency_ms.p99,
      error_rate: overall.error_rate,
      verdict: decided,
      decided: verdict ? 'confident' : 'time',
      margin: Number.isFinite(margin) ? Math.round(margin * 1000) / 1000 : null,
      status_codes: overall.status_codes,
      failures: reasons,
    };
    if (cpuSeconds > 0) {
      p.cpu_percent = Math.round((cpu / cpuSeconds) * 10) / 10;
      p.memory_mb = memory;
    }
    return { ...p, counts };
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
}

/**
 * The figures of two probes at one load taken together, as their verdict was: errors and statuses
 * summed, latencies the worse of the two (the failure mode describes the pooled evidence).
 */
function pooled(a: CapacityProbe, b: CapacityProbe): CapacityProbe {
  const count = a.count + b.count;
  const statuses: Record<string, number> = { ...a.status_codes };
  for (const [code, n] of Object.entries(b.status_codes)) statuses[code] = (statuses[code] ?? 0) + n;
  const reasons = new Map<string, number>();
  for (const f of [...a.failures, ...b.failures]) reasons.set(f.reason, (reasons.get(f.reason) ?? 0) + f.count);
  const seconds = a.seconds + b.seconds;
  return {
    ...b,
    count,
    seconds,
    achieved_rps: seconds > 0 ? (a.achieved_rps * a.seconds + b.achieved_rps * b.seconds) / seconds : b.achieved_rps,
    error_rate: count > 0 ? (a.error_rate * a.count + b.error_rate * b.count) / count : 0,
    p50: Math.max(a.p50, b.p50),
    p95: Math.max(a.p95, b.p95),
    p99: Math.max(a.p99, b.p99),
    status_codes: statuses,
    failures: [...reasons]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 3)
      .map(([reason, n]) => ({ reason, count: n })),
  };
}

/** How a failing probe failed, from its figures: a crash, errors, saturation (achieved below offered), or latency. */
function failureOf(
  p: CapacityProbe,
  plan: CapacityPlan,
  unit: CapacityFigures['unit'],
  crash: Error | null,
): FailureMode {
  if (crash) return { kind: 'crash', message: crash.message.split('\n')[0]! };
  const errorsBroke = plan.slo.error_rate !== undefined ? p.error_rate > plan.slo.error_rate : p.error_rate > 0.01;
  if (errorsBroke) return { kind: 'errors', error_rate: p.error_rate, statuses: p.status_codes, reasons: p.failures };
  if (unit === 'req/s' && p.achieved_rps < 0.9 * p.load)
    return { kind: 'saturation', offered: p.load, achieved_rps: p.achieved_rps };
  const values = { p50: p.p50, p95: p.p95, p99: p.p99 } as Record<string, number>;
  const broken = BOUNDS.filter(
    (b) => plan.slo[b] !== undefined && values[b] !== undefined && values[b]! > plan.slo[b]!,
  );
  // Failed requests count as over every limit: a probe whose latencies all held failed by its errors.
  if (broken.length === 0 && p.error_rate > 0)
    return { kind: 'errors', error_rate: p.error_rate, statuses: p.status_codes, reasons: p.failures };
  const b = broken[broken.length - 1] ?? BOUNDS.filter((x) => plan.slo[x] !== undefined).pop() ?? 'p99';
  return { kind: 'latency', percentile: b, value_ms: values[b] ?? p.p99, limit_ms: plan.slo[b] ?? 0 };
}

/**
 * One capacity search, a probe at a time: from `start` doubling until a probe fails (or `max`
 * passes), then bisection between the highest passing and the lowest failing load until the bracket
 * is within `precision`; never above `max`. Its time budget counts its own probes only, so two
 * searches can take turns.
 */
class CapacitySearch {
  readonly probes: CapacityProbe[] = [];
  /** The highest passing and lowest failing load, with their margins (observed share over the SLO / share allowed). */
  private lo: { load: number; margin: number } | null = null;
  private hi: { load: number; margin: number } | null = null;
  /** The highest load that passed, and the lowest that failed, with the test sure at the search's confidence. */
  private surePass: number | null = null;
  private sureFail: number | null = null;
  private failure: FailureMode | null = null;
  ended: CapacityFigures['ended'] | null = null;
  private next: number;
  private spentMs = 0;
  private readonly scenario: Scenario;
  private readonly target: Target;
  private readonly plan: CapacityPlan;
  private readonly unit: CapacityFigures['unit'];
  private readonly label: string;

  constructor(scenario: Scenario, target: Target, label = '') {
    this.scenario = scenario;
    this.target = target;
    this.plan = scenario.capacity!;
    this.unit = scenario.load.model === 'open' ? 'req/s' : 'users';
    this.label = label;
    this.next = this.whole(Math.min(this.plan.start, this.plan.max));
  }

  private whole(x: number): number {
    return this.unit === 'users' ? Math.round(x) : Math.round(x * 100) / 100;
  }

  private left(): number {
    return this.plan.maxDurationMs - this.spentMs;
  }

  /**
   * The settling time of the next probe: the plan's, or 100 service times (the lowest p50 seen), as long as a queue
   * near saturation takes to fill.
   */
  private settleMs(): number {
    const service = Math.min(...this.probes.map((p) => p.p50).filter((x) => x > 0));
    return Number.isFinite(service)
      ? Math.max(this.plan.settleMs, Math.min(this.plan.maxProbeMs, Math.round(100 * service)))
      : this.plan.settleMs;
  }

  /** One probe at the next load (and a repeat, when time decided it); false once the search has ended. */
  async step(options: SearchOptions): Promise<boolean> {
    if (this.ended !== null) return false;
    const { plan, unit } = this;
    if (options.signal.aborted) {
      this.ended = options.targetError() ? 'target-failed' : 'interrupted';
      return false;
    }
    const settleMs = this.settleMs();
    if (this.left() < settleMs + plan.minProbeMs) {
      this.ended = 'time';
      return false;
    }
    const report = (p: CapacityProbe, n: number, again: boolean) =>
      options.log?.(
        `capacity probe ${n}${this.label}${again ? ' (again, pooled with the last)' : ''}: ${p.load} ${unit}: ` +
          `${p.verdict} (${p.decided === 'confident' ? 'sure' : 'time up'}; ${p.achieved_rps} req/s, p99 ` +
          `${p.p99} ms, errors ${(p.error_rate * 100).toFixed(2)}%)`,
      );
    // One probe at the load `next`, within what is left of the budget; a crashed target fails it.
    const attempt = async (prior: ProbeCounts | null) => {
      const t0 = performance.now();
      const budget = this.left() - settleMs;
      const seed = this.scenario.seed + 7919 * (this.probes.length + 1) + (prior ? 1 : 0);
      const { counts, ...p } = await probe(
        this.scenario,
        this.target,
        plan,
        this.next,
        settleMs,
        Math.min(plan.maxProbeMs, budget),
        options,
        seed,
        prior,
      );
      this.spentMs += performance.now() - t0;
      if (prior) p.repeat = true;
      if (options.targetError()) p.verdict = 'fail';
      this.probes.push(p);
      report(p, this.probes.length, prior !== null);
      return { p, counts };
    };
    let { p, counts } = await attempt(null);
    let first: CapacityProbe | null = null;
    // A verdict the time decided (the shares were too close to the limit to be sure) gets a second
    // probe at the same load, pass or fail alike, pooled with the first: queued requests come in
    // clusters, so one probe's share near saturation is noisy, and short probes see too few busy
    // periods (their p99 reads low). Saturation needs no second look: a whole probe completing
    // under 90% of its arrivals is no chance.
    const room = this.left() >= settleMs + plan.minProbeMs;
    const saturated = unit === 'req/s' && p.achieved_rps < 0.9 * p.load;
    if (p.decided === 'time' && !options.targetError() && !saturated && !options.signal.aborted && room) {
      first = p;
      ({ p, counts } = await attempt(counts));
    }
    const crash = options.targetError();
    this.record(p, first, crash, saturated);
    this.aim(crash, options.signal.aborted);
    return this.ended === null;
  }

  /** Moves the bracket by a probe (pooled with its first look when it was repeated). */
  private record(p: CapacityProbe, first: CapacityProbe | null, crash: Error | null, saturated: boolean): void {
    // The probe's margin is of the pooled counts when it was repeated.
    const margin = p.margin ?? Number.POSITIVE_INFINITY;
    if (p.verdict === 'pass') {
      if (this.lo === null || p.load >= this.lo.load) this.lo = { load: p.load, margin };
      if (p.decided === 'confident') this.surePass = Math.max(this.surePass ?? 0, p.load);
      return;
    }
    if (!this.failure || this.hi === null || p.load < this.hi.load)
      this.failure = failureOf(first ? pooled(first, p) : p, this.plan, this.unit, crash);
    if (this.hi === null || p.load <= this.hi.load)
      this.hi = { load: p.load, margin: crash || saturated ? Number.POSITIVE_INFINITY : margin };
    if (p.decided === 'confident' || crash || saturated)
      this.sureFail = Math.min(this.sureFail ?? Number.POSITIVE_INFINITY, p.load);
  }

  /** The next load to probe (doubling, halving, then bisecting the bracket), or why the search ends. */
  private aim(crash: Error | null, aborted: boolean): void {
    const { plan } = this;
    const floor = this.unit === 'users' ? 1 : plan.start / 64;
    const lo = this.lo?.load ?? null;
    const hi = this.hi?.load ?? null;
    const mid = lo !== null && hi !== null ? this.whole((lo + hi) / 2) : null;
    if (crash) this.ended = 'target-failed';
    else if (aborted) this.ended = 'interrupted';
    else if (hi === null) {
      if (lo! >= plan.max) this.ended = 'max';
      else this.next = this.whole(Math.min(plan.max, lo! * 2));
    } else if (lo === null) {
      if (hi <= this.whole(floor)) this.ended = 'floor';
      else this.next = this.whole(Math.max(floor, hi / 2));
    } else if ((hi - lo) / lo <= plan.precision || mid === lo || mid === hi) this.ended = 'precision';
    else this.next = mid!;
  }

  /**
   * The capacity: between the bracket's probes where their margins say the SLO is just met; the highest passing load
   * without a failing one above it.
   */
  private value(): number | null {
    if (this.lo === null) return null;
    if (this.hi === null) return this.lo.load;
    const v = interpolateCapacity(this.lo, this.hi);
    return this.unit === 'users' ? Math.max(this.lo.load, Math.floor(v)) : Math.round(v * 100) / 100;
  }

  figures(): CapacityFigures {
    return {
      unit: this.unit,
      value: this.value(),
      bracket: [this.lo?.load ?? null, this.hi?.load ?? null],
      interval: [this.surePass, this.sureFail],
      ended: this.ended ?? 'interrupted',
      slo: { ...this.plan.slo } as Record<string, number>,
      confidence: this.plan.confidence,
      probes: this.probes,
      failure: this.failure,
      seconds: Math.round(this.spentMs) / 1000,
    };
  }
}

/** Capacity search against a started target; never above `max`, never past `max_duration`. */
export async function searchCapacity(
  scenario: Scenario,
  target: Target,
  options: SearchOptions,
): Promise<CapacityFigures> {
  const search = new CapacitySearch(scenario, target);
  while (await search.step(options));
  return search.figures();
}

/**
 * Both builds of a paired run searched, taking turns probe by probe (reference first), so what
 * slows the runner for a while slows both searches alike. Each has its own `max_duration`.
 */
export async function searchCapacityPaired(
  scenario: Scenario,
  targets: { candidate: Target; reference: Target },
  options: SearchOptions,
): Promise<{ candidate: CapacityFigures; reference: CapacityFigures }> {
  const reference = new CapacitySearch(scenario, targets.reference, ' (reference build)');
  const candidate = new CapacitySearch(scenario, targets.candidate, ' (this build)');
  for (let going = true; going; ) {
    const r = await reference.step(options);
    const c = await candidate.step(options);
    going = r || c;
  }
  return { candidate: candidate.figures(), reference: reference.figures() };
}
