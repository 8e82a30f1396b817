import { decodeHistogram, encodeHistogram, keepHistogram, latencyHistogram, mergeHistograms, percentileMs, recordMs, summarize, type Histogram } from './histogram.ts';
import type { Outcome, OutcomeSink, Phase, RequestIdentity } from '../engine/index.ts';
import type { FailureGroup, RequestStats, SeriesPoint, Window, HeadlineFigures } from './types.ts';

const SAMPLES_PER_REASON = 3;
/** Windows per run: enough to see the run's own noise, few enough that each holds a usable p99. */
const WINDOWS = 10;
const SAMPLE_CHARS = 300;

class NameStats {
  count = 0;
  failures = 0;
  bytes = 0;
  readonly latency = latencyHistogram();
  readonly service = latencyHistogram();
  readonly statuses = new Map<number, number>();
  readonly reasons = new Map<string, FailureGroup>();
  /** Measured outcomes of the second in progress, then of the window in progress. */
  readonly secLatency = latencyHistogram();
  secCount = 0;
  secFailures = 0;
  readonly winLatency = latencyHistogram();
  winCount = 0;
  winFailures = 0;
  readonly name: string;
  readonly method: string;
  readonly path: string;
  constructor(name: string, method: string, path: string) {
    this.name = name;
    this.method = method;
    this.path = path;
  }
}

/** One second of one worker's outcomes, for the parent to merge exactly. */
export interface SecondState {
  count: number;
  errors: number;
  bytes: number;
  histogram: string;
  /** Measured outcomes per request name, for the run's windows. */
  names: Array<{ count: number; failures: number; histogram: string }>;
}

/** A worker's figures at the end of its run: histograms encoded, so they add up exactly. */
export interface RecorderState {
  names: Array<{
    count: number;
    failures: number;
    bytes: number;
    latency: string;
    service: string;
    statuses: Array<[number, number]>;
    reasons: FailureGroup[];
  }>;
  /** Engine clock (ms) of the last measured completion. */
  lastDoneMs: number;
}

/**
 * Aggregates outcomes into HDR histograms per request name and a per-second series.
 * Memory does not grow with the number of requests: only with names, reasons and seconds.
 */
export class Recorder implements OutcomeSink {
  private readonly stats: NameStats[];
  private readonly warmupMs: number;
  private readonly secondLatency = latencyHistogram();
  private readonly cumulative = latencyHistogram();
  private cumulativeFailures = 0;
  private cumulativeBytes = 0;
  private secondCount = 0;
  private secondErrors = 0;
  private secondBytes = 0;
  private seriesStart = 0;
  readonly series: SeriesPoint[] = [];
  private readonly listeners: Array<(p: SeriesPoint) => void> = [];
  measuredCount = 0;
  measuredFailures = 0;
  /** Engine clock (ms) when the last measured request finished: achieved throughput runs to it. */
  private lastDoneMs = 0;
  /** Measured seconds at which windows close: about ten windows over the run. */
  private readonly windowEnds: number[];
  private measuredSeconds = 0;
  /** Engine clock (ms) where the window in progress began, and of the last second folded into it. */
  private windowStartMs: number;
  private lastSecondMs = 0;
  private readonly endMs: number;
  readonly windows: Window[] = [];

  /** `durationMs`: the planned measured time, cut into about ten windows (1 s windows when 0). */
  constructor(requests: RequestIdentity[], warmupMs: number, durationMs = 0) {
    this.stats = requests.map((r) => new NameStats(r.name, r.method, r.path));
    this.warmupMs = warmupMs;
    const seconds = Math.max(1, Math.round(durationMs / 1000));
    const count = durationMs > 0 ? Math.min(WINDOWS, seconds) : 0;
    this.windowEnds = Array.from({ length: count }, (_, k) => Math.round(((k + 1) * seconds) / count));
    this.windowStartMs = warmupMs;
    this.endMs = durationMs > 0 ? warmupMs + durationMs : Number.POSITIVE_INFINITY;
  }

  /** Called with every closed second (progress lines, resource sampling). */
  onSecond(listen: (p: SeriesPoint) => void): void {
    this.listeners.push(listen);
  }

  record(index: number, o: Outcome): void {
    const latency = o.done - o.scheduled;
    recordMs(this.secondLatency, latency);
    this.secondBytes += o.bytes;
    this.secondCount++;
    if (o.failure !== null) {
      this.secondErrors++;
    }
    if (o.scheduled < this.warmupMs) return;

    const s = this.stats[index]!;
    s.count++;
    this.measuredCount++;
    if (o.done > this.lastDoneMs) this.lastDoneMs = o.done;
    s.bytes += o.bytes;
    recordMs(s.latency, latency);
    recordMs(s.secLatency, latency);
    s.secCount++;
    if (o.failure !== null) s.secFailures++;
    recordMs(s.service, o.done - o.sent);
    if (o.status > 0) s.statuses.set(o.status, (s.statuses.get(o.status) ?? 0) + 1);
    if (o.failure !== null) {
      s.failures++;
      this.measuredFailures++;
      let group = s.reasons.get(o.failure);
      if (!group) {
        group = { request: s.name, method: s.method, reason: o.failure, count: 0, samples: [] };
        s.reasons.set(o.failure, group);
      }
      group.count++;
      if (o.sample !== undefined && group.samples.length < SAMPLES_PER_REASON) {
        group.samples.push(o.sample.length > SAMPLE_CHARS ? `${o.sample.slice(0, SAMPLE_CHARS)}…` : o.sample);
      }
    }
  }

  /** Closes the current second of the series. */
  second(nowMs: number, { inFlight, users, phase }: { inFlight: number; users: number; phase: Phase }): void {
    // The run-so-far histogram grows by whole seconds: one add a second, not a record per request.
    this.cumulative.add(this.secondLatency);
    this.cumulativeFailures += this.secondErrors;
    this.cumulativeBytes += this.secondBytes;
    const span = Math.max(1, nowMs - this.seriesStart) / 1000;
    const point: SeriesPoint = {
      t: Math.round(nowMs) / 1000,
      time: Date.now(),
      phase,
      rps: round2(this.secondCount / span),
      errors: this.secondErrors,
      p50: percentileMs(this.secondLatency, 50),
      p95: percentileMs(this.secondLatency, 95),
      p99: percentileMs(this.secondLatency, 99),
      in_flight: inFlight,
      users,
      total: {
        count: this.cumulative.totalCount,
        failures: this.cumulativeFailures,
        p50: percentileMs(this.cumulative, 50),
        mean: this.cumulative.totalCount ? round2(this.cumulative.mean / 1000) : 0,
        min: this.cumulative.totalCount ? round2(this.cumulative.minNonZeroValue / 1000) : 0,
        max: round2(this.cumulative.maxValue / 1000),
        avg_bytes: this.cumulative.totalCount ? Math.round(this.cumulativeBytes / this.cumulative.totalCount) : 0,
      },
    };
    this.series.push(point);
    this.secondLatency.reset();
    this.secondCount = 0;
    this.secondErrors = 0;
    this.secondBytes = 0;
    this.seriesStart = nowMs;
    this.foldSecond(phase === 'measure', nowMs);
    for (const listen of this.listeners) listen(point);
  }

  /** Adds the second's measured outcomes to the window in progress; a second after the window's end starts a new one. */
  private foldSecond(measuring: boolean, nowMs: number): void {
    // The last planned window also takes what comes after it: the final partial second and the drain.
    const k = this.windows.length;
    const planned = this.windowEnds.length;
    const end = planned === 0 ? k + 1 : k < planned - 1 ? this.windowEnds[k]! : Number.POSITIVE_INFINITY;
    if (measuring && this.measuredSeconds >= end) this.closeWindow();
    for (const s of this.stats) {
      s.winLatency.add(s.secLatency);
      s.winCount += s.secCount;
      s.winFailures += s.secFailures;
      s.secLatency.reset();
      s.secCount = 0;
      s.secFailures = 0;
    }
    if (measuring) this.measuredSeconds++;
    this.lastSecondMs = Math.max(this.lastSecondMs, nowMs);
  }

  private closeWindow(): void {
    // Measured time only: not the warm-up before it, nor the drain after the schedule's end.
    const endMs = Math.min(this.lastSecondMs, this.endMs);
    const seconds = Math.max(0.001, (endMs - this.windowStartMs) / 1000);
    const requests: Record<string, HeadlineFigures> = {};
    for (const s of this.stats) requests[s.name] = headlineFigures(s.winCount, s.winFailures, s.winLatency, seconds);
    const all = mergeHistograms(this.stats.map((s) => s.winLatency));
    const count = this.stats.reduce((a, s) => a + s.winCount, 0);
    const failures = this.stats.reduce((a, s) => a + s.winFailures, 0);
    this.windows.push({ start_s: round3((this.windowStartMs - this.warmupMs) / 1000), seconds: round3(seconds), overall: headlineFigures(count, failures, all, seconds), requests });
    this.windowStartMs = endMs;
    for (const s of this.stats) {
      s.winLatency.reset();
      s.winCount = 0;
      s.winFailures = 0;
    }
  }

  /** The second in progress, encoded (worker side; call before `second`). */
  secondState(): SecondState {
    return {
      count: this.secondCount,
      errors: this.secondErrors,
      bytes: this.secondBytes,
      histogram: encodeHistogram(this.secondLatency),
      names: this.stats.map((s) => ({ count: s.secCount, failures: s.secFailures, histogram: encodeHistogram(s.secLatency) })),
    };
  }

  /** Adds another recorder's second into the one in progress (parent side). */
  addSecond(w: SecondState): void {
    const h = decodeHistogram(w.histogram);
    this.secondLatency.add(h);
    this.secondCount += w.count;
    this.secondErrors += w.errors;
    this.secondBytes += w.bytes;
    w.names.forEach((n, i) => {
      const s = this.stats[i]!;
      if (n.count > 0) s.secLatency.add(decodeHistogram(n.histogram));
      s.secCount += n.count;
      s.secFailures += n.failures;
    });
  }

  exportState(): RecorderState {
    return {
      names: this.stats.map((s) => ({
        count: s.count,
        failures: s.failures,
        bytes: s.bytes,
        latency: encodeHistogram(s.latency),
        service: encodeHistogram(s.service),
        statuses: [...s.statuses],
        reasons: [...s.reasons.values()],
      })),
      lastDoneMs: this.lastDoneMs,
    };
  }

  /** Merges a worker's final figures, sent across the thread boundary. */
  absorb(state: RecorderState): void {
    this.addNames(
      state.names.map((n) => ({ ...n, latency: decodeHistogram(n.latency), service: decodeHistogram(n.service) })),
      state.lastDoneMs,
    );
  }

  /** Merges another recorder of this thread (a paired run's block): nothing encoded. */
  merge(other: Recorder): void {
    const names = other.stats.map((s) => ({ count: s.count, failures: s.failures, bytes: s.bytes, latency: s.latency, service: s.service, statuses: [...s.statuses], reasons: [...s.reasons.values()] }));
    this.addNames(names, other.lastDoneMs);
  }

  /** Counts add, histograms add exactly, samples stay few. */
  private addNames(names: Array<Omit<RecorderState['names'][number], 'latency' | 'service'> & { latency: Histogram; service: Histogram }>, lastDoneMs: number): void {
    this.lastDoneMs = Math.max(this.lastDoneMs, lastDoneMs);
    names.forEach((n, i) => {
      const s = this.stats[i]!;
      s.count += n.count;
      s.failures += n.failures;
      s.bytes += n.bytes;
      s.latency.add(n.latency);
      s.service.add(n.service);
      for (const [code, c] of n.statuses) s.statuses.set(code, (s.statuses.get(code) ?? 0) + c);
      for (const r of n.reasons) {
        const group = s.reasons.get(r.reason);
        if (!group) s.reasons.set(r.reason, { ...r, samples: r.samples.slice(0, SAMPLES_PER_REASON) });
        else {
          group.count += r.count;
          group.samples.push(...r.samples.slice(0, SAMPLES_PER_REASON - group.samples.length));
        }
      }
      this.measuredCount += n.count;
      this.measuredFailures += n.failures;
    });
  }

  /**
   * Overall and per-name figures over the measured window of `measuredSeconds`. Throughput is achieved,
   * not offered: the measured requests over the time they took to complete, drain included (as Locust's
   * total RPS runs to its last request), so a model that falls behind the arrivals shows it.
   */
  finish(measuredSeconds: number): { overall: Omit<RequestStats, 'method' | 'path'>; requests: Record<string, RequestStats> } {
    const offeredSeconds = measuredSeconds > 0 ? measuredSeconds : 1;
    const seconds = Math.max(offeredSeconds, (this.lastDoneMs - this.warmupMs) / 1000);
    this.foldSecond(false, this.lastSecondMs);
    if (this.stats.some((s) => s.winCount > 0)) this.closeWindow();
    const requests: Record<string, RequestStats> = {};
    for (const s of this.stats) {
      requests[s.name] = {
        method: s.method,
        path: s.path,
        ...figures(s.count, s.failures, s.bytes, s.latency, s.service, seconds, offeredSeconds),
        status_codes: Object.fromEntries([...s.statuses].sort(([a], [b]) => a - b).map(([k, v]) => [String(k), v])),
        failures: [...s.reasons.values()].sort((a, b) => b.count - a.count),
      };
      keepHistogram(requests[s.name]!, s.latency);
    }
    const latency = mergeHistograms(this.stats.map((s) => s.latency));
    const service = mergeHistograms(this.stats.map((s) => s.service));
    const statuses = new Map<string, number>();
    for (const r of Object.values(requests)) for (const [k, v] of Object.entries(r.status_codes)) statuses.set(k, (statuses.get(k) ?? 0) + v);
    const overall = {
      ...figures(
        this.measuredCount,
        this.measuredFailures,
        this.stats.reduce((a, s) => a + s.bytes, 0),
        latency,
        service,
        seconds,
        offeredSeconds,
      ),
      status_codes: Object.fromEntries([...statuses].sort()),
      failures: Object.values(requests)
        .flatMap((r) => r.failures)
        .sort((a, b) => b.count - a.count),
    };
    keepHistogram(overall, latency);
    return { overall, requests };
  }
}

function figures(count: number, failures: number, bytes: number, latency: Histogram, service: Histogram, seconds: number, offeredSeconds: number) {
  return {
    count,
    failure_count: failures,
    rps: round2(count / seconds),
    offered_rps: round2(count / offeredSeconds),
    error_rate: count === 0 ? 0 : round6(failures / count),
    latency_ms: summarize(latency),
    service_ms: summarize(service),
    avg_content_bytes: count === 0 ? 0 : Math.round(bytes / count),
    histogram: encodeHistogram(latency),
    service_histogram: encodeHistogram(service),
  };
}

/** The headline figures of a finished run's figures. */
export function headlineOf(f: Pick<RequestStats, 'count' | 'failure_count' | 'rps' | 'error_rate' | 'latency_ms'>): HeadlineFigures {
  const l = f.latency_ms;
  return { count: f.count, failures: f.failure_count, rps: f.rps, error_rate: f.error_rate, p50: l.p50, p90: l.p90, p95: l.p95, p99: l.p99, p999: l.p999, mean: l.mean };
}

function headlineFigures(count: number, failures: number, latency: Histogram, seconds: number): HeadlineFigures {
  return headlineOf({ count, failure_count: failures, rps: round2(count / seconds), error_rate: count === 0 ? 0 : round6(failures / count), latency_ms: summarize(latency) });
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
