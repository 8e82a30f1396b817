import type { Outcome } from '../engine/index.ts';
import type { Spike } from '../scenario/index.ts';
import type { SpikeRecovery } from './types.ts';

/** Width of the buckets of due time: places a recovery to about a tenth of a second. */
export const ON_TIME_BUCKET_MS = 100;
/** Buckets in the sliding second whose p95 is held against the bound. */
const SECOND = 1000 / ON_TIME_BUCKET_MS;
/** A second whose p95 is within the bound has at most this share of late requests. */
const LATE_SHARE = 0.05;

/** What a latency bound is watched from: the first spike's start (engine clock). */
export interface OnTimeWatch {
  boundMs: number;
  fromMs: number;
}

export interface OnTimeState {
  counts: number[];
  late: number[];
}

/**
 * Requests by the time they were due (their scheduled time, in 100 ms buckets), and how many of them
 * were late: slower than a bound, or failed. Due time rather than completion time: a backlog shows
 * as lateness of every request due while it lasts, so the second the backlog has drained and new
 * requests are served within the bound is the first whose requests are on time again.
 */
export class OnTimeSink {
  private readonly counts: number[] = [];
  private readonly late: number[] = [];
  readonly watch: OnTimeWatch;
  constructor(watch: OnTimeWatch) {
    this.watch = watch;
  }

  record(o: Outcome, latencyMs: number): void {
    if (o.scheduled < this.watch.fromMs) return;
    const b = Math.floor((o.scheduled - this.watch.fromMs) / ON_TIME_BUCKET_MS);
    while (this.counts.length <= b) {
      this.counts.push(0);
      this.late.push(0);
    }
    this.counts[b]!++;
    if (o.failure !== null || latencyMs > this.watch.boundMs) this.late[b]!++;
  }

  state(): OnTimeState {
    return { counts: this.counts, late: this.late };
  }

  absorb(s: OnTimeState): void {
    s.counts.forEach((c, b) => {
      while (this.counts.length <= b) {
        this.counts.push(0);
        this.late.push(0);
      }
      this.counts[b]! += c;
      this.late[b]! += s.late[b]!;
    });
  }

  /**
   * Per spike: the time from its start to the start of the first second (sliding by a bucket) from
   * which the requests due in every second, to the end of its watch, have a p95 within the bound
   * (at most 5% late). Null when the last second of the watch is still over it.
   */
  recoveries(spikes: Spike[]): SpikeRecovery[] {
    return spikes.map((spike) => {
      const first = Math.round((spike.startMs - this.watch.fromMs) / ON_TIME_BUCKET_MS);
      const end = Math.floor((spike.endMs - this.watch.fromMs) / ON_TIME_BUCKET_MS);
      let count = 0;
      let late = 0;
      let worst = 0;
      let lastOver = first - 1;
      for (let b = first; b < end; b++) {
        count += this.counts[b] ?? 0;
        late += this.late[b] ?? 0;
        const gone = b - SECOND;
        if (gone >= first) {
          count -= this.counts[gone] ?? 0;
          late -= this.late[gone] ?? 0;
        }
        if (b - first + 1 < SECOND && b < end - 1) continue;
        // The second of due time [b − 9, b], or what the watch has of it.
        const share = count > 0 ? late / count : 0;
        worst = Math.max(worst, share);
        if (share > LATE_SHARE) lastOver = Math.max(first, b - SECOND + 1);
      }
      const watched = (end - first) * ON_TIME_BUCKET_MS;
      const recoveredBucket = lastOver + 1;
      const recovered =
        lastOver < first ? 0 : recoveredBucket + SECOND <= end ? (recoveredBucket - first) * ON_TIME_BUCKET_MS : null;
      return {
        stage: spike.stage,
        start_s: Math.round(spike.startMs) / 1000,
        from: spike.from,
        to: spike.to,
        bound_ms: this.watch.boundMs,
        recovery_s: recovered === null ? null : recovered / 1000,
        watched_s: watched / 1000,
        worst_late_share: Math.round(worst * 1e4) / 1e4,
      };
    });
  }
}

/** The slowest spike's recovery in seconds; null when one never recovered or there were none to judge. */
export function slowestRecovery(spikes: SpikeRecovery[]): number | null {
  if (spikes.length === 0 || spikes.some((s) => s.recovery_s === null)) return null;
  return Math.max(...spikes.map((s) => s.recovery_s!));
}
