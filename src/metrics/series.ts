import type { Outcome, Phase } from '../engine/index.ts';
import { decodeHistogram, encodeHistogram, latencyHistogram, percentileMs, recordMs } from './histogram.ts';
import type { SeriesPoint } from './types.ts';
import { round2 } from './totals.ts';

/** One second of every outcome (warm-up and drain included), as sent across a thread. */
export interface SeriesSecondState {
  count: number;
  errors: number;
  bytes: number;
  histogram: string;
}

/** The per-second series: the second in progress, and the run so far, whole seconds at a time. */
export class SeriesSink {
  readonly points: SeriesPoint[] = [];
  private readonly latency = latencyHistogram();
  private count = 0;
  private errors = 0;
  private bytes = 0;
  private readonly cumulative = latencyHistogram();
  private cumulativeFailures = 0;
  private cumulativeBytes = 0;
  private startMs = 0;

  record(o: Outcome, latencyMs: number): void {
    recordMs(this.latency, latencyMs);
    this.bytes += o.bytes;
    this.count++;
    if (o.failure !== null) this.errors++;
  }

  /** Closes the second in progress. */
  close(nowMs: number, { inFlight, users, phase }: { inFlight: number; users: number; phase: Phase }): SeriesPoint {
    // The run-so-far histogram grows by whole seconds: one add a second, not a record per request.
    this.cumulative.add(this.latency);
    this.cumulativeFailures += this.errors;
    this.cumulativeBytes += this.bytes;
    const span = Math.max(1, nowMs - this.startMs) / 1000;
    const c = this.cumulative;
    const point: SeriesPoint = {
      t: Math.round(nowMs) / 1000,
      time: Date.now(),
      phase,
      rps: round2(this.count / span),
      errors: this.errors,
      p50: percentileMs(this.latency, 50),
      p95: percentileMs(this.latency, 95),
      p99: percentileMs(this.latency, 99),
      in_flight: inFlight,
      users,
      total: {
        count: c.totalCount,
        failures: this.cumulativeFailures,
        p50: percentileMs(c, 50),
        mean: c.totalCount ? round2(c.mean / 1000) : 0,
        min: c.totalCount ? round2(c.minNonZeroValue / 1000) : 0,
        max: round2(c.maxValue / 1000),
        avg_bytes: c.totalCount ? Math.round(this.cumulativeBytes / c.totalCount) : 0,
      },
    };
    this.points.push(point);
    this.latency.reset();
    this.count = 0;
    this.errors = 0;
    this.bytes = 0;
    this.startMs = nowMs;
    return point;
  }

  state(): SeriesSecondState {
    return { count: this.count, errors: this.errors, bytes: this.bytes, histogram: encodeHistogram(this.latency) };
  }

  /** Another thread's same second, into the one in progress. */
  add(s: SeriesSecondState): void {
    this.latency.add(decodeHistogram(s.histogram));
    this.count += s.count;
    this.errors += s.errors;
    this.bytes += s.bytes;
  }
}
