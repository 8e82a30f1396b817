import { decodeHistogram, encodeHistogram, latencyHistogram, mergeHistograms, percentileMs, recordMs, summarize, type Histogram } from './histogram.ts';
import type { Outcome, OutcomeSink, Phase, RequestIdentity } from '../engine/types.ts';
import type { FailureGroup, RequestStats, SeriesPoint } from './types.ts';

const SAMPLES_PER_REASON = 3;
const SAMPLE_CHARS = 300;

class NameStats {
  count = 0;
  failures = 0;
  bytes = 0;
  readonly latency = latencyHistogram();
  readonly service = latencyHistogram();
  readonly statuses = new Map<number, number>();
  readonly reasons = new Map<string, FailureGroup>();
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
export interface WindowState {
  count: number;
  errors: number;
  bytes: number;
  histogram: string;
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
}

/**
 * Aggregates outcomes into HDR histograms per request name and a per-second series.
 * Memory does not grow with the number of requests: only with names, reasons and seconds.
 */
export class Recorder implements OutcomeSink {
  private readonly stats: NameStats[];
  private readonly warmupMs: number;
  private readonly window = latencyHistogram();
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

  constructor(requests: RequestIdentity[], warmupMs: number) {
    this.stats = requests.map((r) => new NameStats(r.name, r.method, r.path));
    this.warmupMs = warmupMs;
  }

  /** Called with every closed second (progress lines, resource sampling). */
  onSecond(listen: (p: SeriesPoint) => void): void {
    this.listeners.push(listen);
  }

  record(index: number, o: Outcome): void {
    const latency = o.done - o.scheduled;
    recordMs(this.window, latency);
    this.secondBytes += o.bytes;
    this.secondCount++;
    if (o.failure !== null) {
      this.secondErrors++;
    }
    if (o.scheduled < this.warmupMs) return;

    const s = this.stats[index]!;
    s.count++;
    this.measuredCount++;
    s.bytes += o.bytes;
    recordMs(s.latency, latency);
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
    this.cumulative.add(this.window);
    this.cumulativeFailures += this.secondErrors;
    this.cumulativeBytes += this.secondBytes;
    const span = Math.max(1, nowMs - this.seriesStart) / 1000;
    const point: SeriesPoint = {
      t: Math.round(nowMs) / 1000,
      time: Date.now(),
      phase,
      rps: round2(this.secondCount / span),
      errors: this.secondErrors,
      p50: percentileMs(this.window, 50),
      p95: percentileMs(this.window, 95),
      p99: percentileMs(this.window, 99),
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
    this.window.reset();
    this.secondCount = 0;
    this.secondErrors = 0;
    this.secondBytes = 0;
    this.seriesStart = nowMs;
    for (const listen of this.listeners) listen(point);
  }

  /** The second in progress, encoded (worker side; call before `second`). */
  windowState(): WindowState {
    return { count: this.secondCount, errors: this.secondErrors, bytes: this.secondBytes, histogram: encodeHistogram(this.window) };
  }

  /** Adds another recorder's second into the one in progress (parent side). */
  addWindow(w: WindowState): void {
    const h = decodeHistogram(w.histogram);
    this.window.add(h);
    this.secondCount += w.count;
    this.secondErrors += w.errors;
    this.secondBytes += w.bytes;
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
    };
  }

  /** Merges a worker's final figures: counts add, histograms add exactly, samples stay few. */
  absorb(state: RecorderState): void {
    state.names.forEach((n, i) => {
      const s = this.stats[i]!;
      s.count += n.count;
      s.failures += n.failures;
      s.bytes += n.bytes;
      s.latency.add(decodeHistogram(n.latency));
      s.service.add(decodeHistogram(n.service));
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

  /** Overall and per-name figures over the measured window of `measuredSeconds`. */
  finish(measuredSeconds: number): { overall: Omit<RequestStats, 'method' | 'path'>; requests: Record<string, RequestStats> } {
    const seconds = measuredSeconds > 0 ? measuredSeconds : 1;
    const requests: Record<string, RequestStats> = {};
    for (const s of this.stats) {
      requests[s.name] = {
        method: s.method,
        path: s.path,
        ...figures(s.count, s.failures, s.bytes, s.latency, s.service, seconds),
        status_codes: Object.fromEntries([...s.statuses].sort(([a], [b]) => a - b).map(([k, v]) => [String(k), v])),
        failures: [...s.reasons.values()].sort((a, b) => b.count - a.count),
      };
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
      ),
      status_codes: Object.fromEntries([...statuses].sort()),
      failures: Object.values(requests)
        .flatMap((r) => r.failures)
        .sort((a, b) => b.count - a.count),
    };
    return { overall, requests };
  }
}

function figures(count: number, failures: number, bytes: number, latency: Histogram, service: Histogram, seconds: number) {
  return {
    count,
    failure_count: failures,
    rps: round2(count / seconds),
    error_rate: count === 0 ? 0 : round6(failures / count),
    latency_ms: summarize(latency),
    service_ms: summarize(service),
    avg_content_bytes: count === 0 ? 0 : Math.round(bytes / count),
    histogram: encodeHistogram(latency),
    service_histogram: encodeHistogram(service),
  };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
