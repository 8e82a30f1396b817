import type { Outcome, OutcomeSink, Phase, RequestIdentity } from '../engine/index.ts';
import { latencyHistogram, type Histogram } from './histogram.ts';
import { SeriesSink, type SeriesSecondState } from './series.ts';
import { NameTotals, overallFigures, type NameTotalsState } from './totals.ts';
import type { RequestStats, SeriesPoint, Window } from './types.ts';
import { WindowSink, type WindowSecondState } from './windows.ts';
import { OnTimeSink, type OnTimeState, type OnTimeWatch } from './ontime.ts';
import { TokenTotals } from './tokens.ts';
import type { GoodputSpec, Spike } from '../scenario/index.ts';
import type { ShardSecond, SpikeRecovery } from './types.ts';
import { setOwn } from '../shared/own.ts';

export { headlineOf } from './windows.ts';

/** One request name's measured outcomes up to the last closed second, for a live export. */
export interface MeasuredSoFar {
  name: string;
  count: number;
  failures: number;
  histogram: Histogram;
  /** Streamed answers' tokens so far, once one has come. */
  tokens?: TokenTotals;
}

/** One second of one worker's outcomes, for the parent to merge exactly. */
export interface SecondState extends SeriesSecondState {
  /** Measured outcomes per request name, for the run's windows. */
  names: WindowSecondState[];
}

/** A worker's figures at the end of its run: histograms encoded, so they add up exactly. */
export interface RecorderState {
  names: NameTotalsState[];
  /** Engine clock (ms) of the last measured completion. */
  lastDoneMs: number;
  onTime: OnTimeState | null;
}

/**
 * An outcome sink made of three, one a timescale, each mergeable: the per-second series (every
 * outcome), the windows (measured outcomes, about a tenth of the run each) and the run's totals per
 * request name. Memory does not grow with the number of requests: only with names, reasons and seconds.
 */
export class Recorder implements OutcomeSink {
  private readonly totals: NameTotals[];
  private readonly seriesSink = new SeriesSink();
  private readonly windowSink: WindowSink;
  private readonly warmupMs: number;
  private readonly listeners: Array<(p: SeriesPoint) => void> = [];
  /** Each closed second, encoded, when kept for a merge of shards. */
  private kept: Array<{ point: SeriesPoint; state: SecondState }> | null = null;
  /** Engine clock (ms) when the last measured request finished: achieved throughput runs to it. */
  private lastDoneMs = 0;
  private readonly onTime: OnTimeSink | null;
  /** Each name's measured outcomes so far, added up second by second, when an export asks for them. */
  private measured: MeasuredSoFar[] | null = null;
  private readonly names: string[];
  /** What makes a streamed answer good; null: goodput is not counted. */
  readonly goodput: GoodputSpec | null;

  /**
   * `durationMs`: the planned measured time, cut into about ten windows (1 s windows when 0).
   * `onTime`: a latency bound to count late requests against by due time, for spike recovery.
   */
  constructor(
    requests: RequestIdentity[],
    warmupMs: number,
    durationMs = 0,
    onTime: OnTimeWatch | null = null,
    goodput: GoodputSpec | null = null,
  ) {
    this.onTime = onTime ? new OnTimeSink(onTime) : null;
    this.goodput = goodput;
    this.totals = requests.map((r) => new NameTotals({ name: r.name, method: r.method, path: r.path }, goodput));
    this.windowSink = new WindowSink(
      requests.map((r) => r.name),
      warmupMs,
      durationMs,
      goodput,
    );
    this.warmupMs = warmupMs;
    this.names = requests.map((r) => r.name);
  }

  get series(): SeriesPoint[] {
    return this.seriesSink.points;
  }

  get windows(): Window[] {
    return this.windowSink.windows;
  }

  /** Called with every closed second (progress lines, resource sampling). */
  onSecond(listen: (p: SeriesPoint) => void): void {
    this.listeners.push(listen);
  }

  record(index: number, o: Outcome): void {
    const latency = o.done - o.scheduled;
    this.seriesSink.record(o, latency);
    if (o.scheduled < this.warmupMs) return;
    this.onTime?.record(o, latency);
    if (o.done > this.lastDoneMs) this.lastDoneMs = o.done;
    this.totals[index]!.record(o, latency);
    this.windowSink.record(index, latency, o);
  }

  /** Adds up each name's measured outcomes as seconds close, for `measuredSoFar` (a live export). */
  trackMeasured(): void {
    this.measured = this.names.map((name) => ({ name, count: 0, failures: 0, histogram: latencyHistogram() }));
  }

  /** Each name's measured outcomes up to the last closed second; empty unless `trackMeasured` was called. */
  measuredSoFar(): readonly MeasuredSoFar[] {
    return this.measured ?? [];
  }

  /** Keeps every second encoded from now on, for `shardSeconds` (a shard's run, merged later). */
  keepSeconds(): void {
    this.kept = [];
  }

  /** The kept seconds, with the container figures the listeners added to their points. */
  shardSeconds(): ShardSecond[] {
    return (this.kept ?? []).map(({ point, state }) => ({
      t: point.t,
      phase: point.phase,
      in_flight: point.in_flight,
      users: point.users,
      count: state.count,
      errors: state.errors,
      bytes: state.bytes,
      histogram: state.histogram,
      names: state.names.map((n) => ({ count: n.count, failures: n.failures, histogram: n.histogram })),
      ...(point.cpu_percent !== undefined ? { cpu_percent: point.cpu_percent } : {}),
      ...(point.memory_mb !== undefined ? { memory_mb: point.memory_mb } : {}),
    }));
  }

  /** Closes the current second of the series. */
  second(nowMs: number, state: { inFlight: number; users: number; phase: Phase }): void {
    const keep = this.kept ? this.secondState() : null;
    // The second in progress began where the last closed one ended (as the series counts its span).
    const startMs = (this.seriesSink.points.at(-1)?.t ?? 0) * 1000;
    const names = this.windowSink.secondFigures(Math.max(1, nowMs - startMs) / 1000);
    const point = this.seriesSink.close(nowMs, state);
    if (Object.keys(names).length > 0) point.requests = names;
    if (this.measured)
      for (const [i, s] of this.windowSink.secondCounts().entries()) {
        const m = this.measured[i]!;
        m.count += s.count;
        m.failures += s.failures;
        m.histogram.add(s.latency);
        if (s.tokens?.answers) (m.tokens ??= new TokenTotals()).add(s.tokens);
      }
    this.windowSink.fold(state.phase === 'measure', nowMs);
    if (keep) this.kept!.push({ point, state: keep });
    for (const listen of this.listeners) listen(point);
  }

  /** The second in progress, encoded (worker side; call before `second`). */
  secondState(): SecondState {
    return { ...this.seriesSink.state(), names: this.windowSink.state() };
  }

  /** Adds another recorder's second into the one in progress (parent side). */
  addSecond(s: SecondState): void {
    this.seriesSink.add(s);
    this.windowSink.add(s.names);
  }

  exportState(): RecorderState {
    return {
      names: this.totals.map((t) => t.state()),
      lastDoneMs: this.lastDoneMs,
      onTime: this.onTime?.state() ?? null,
    };
  }

  /** Merges a worker's final figures, sent across the thread boundary. */
  absorb(state: RecorderState): void {
    this.lastDoneMs = Math.max(this.lastDoneMs, state.lastDoneMs);
    for (const [i, n] of state.names.entries()) this.totals[i]!.absorb(n);
    if (state.onTime) this.onTime?.absorb(state.onTime);
  }

  /** The bound late requests are counted against, for a worker's recorder to count the same. */
  get onTimeWatch(): OnTimeWatch | null {
    return this.onTime?.watch ?? null;
  }

  /** How each spike was weathered; empty without an on-time bound. */
  recoveries(spikes: Spike[]): SpikeRecovery[] {
    return this.onTime ? this.onTime.recoveries(spikes) : [];
  }

  /** Merges another recorder of this thread (a paired run's block): nothing encoded. */
  merge(other: Recorder): void {
    this.lastDoneMs = Math.max(this.lastDoneMs, other.lastDoneMs);
    for (const [i, t] of other.totals.entries()) this.totals[i]!.merge(t);
  }

  /**
   * Overall and per-name figures over the measured window of `measuredSeconds`. Throughput is achieved,
   * not offered: the measured requests over the time they took to complete, drain included (as Locust's
   * total RPS runs to its last request), so a model that falls behind the arrivals shows it.
   */
  finish(measuredSeconds: number): {
    overall: Omit<RequestStats, 'method' | 'path'>;
    requests: Record<string, RequestStats>;
  } {
    const offeredSeconds = measuredSeconds > 0 ? measuredSeconds : 1;
    const seconds = Math.max(offeredSeconds, (this.lastDoneMs - this.warmupMs) / 1000);
    this.windowSink.finish();
    const byName = this.totals.map((t) => t.figures(seconds, offeredSeconds));
    const requests: Record<string, RequestStats> = {};
    for (const [i, t] of this.totals.entries()) setOwn(requests, t.identity.name, byName[i]!);
    return { overall: overallFigures(this.totals, byName, seconds, offeredSeconds, this.goodput !== null), requests };
  }
}
