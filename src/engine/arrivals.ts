import type { Rng } from '../scenario/index.ts';
import type { Arrival, RateStage } from '../scenario/index.ts';

interface Segment {
  start: number;
  duration: number;
  fromRate: number; // per ms
  toRate: number; // per ms
  /** Arrivals due before the segment starts. */
  before: number;
}

/**
 * Arrival times of the open model, in ms from the start of the run, for a rate that is piecewise
 * linear in time with Λ(t) = ∫rate the expected count before t.
 *
 * - `poisson`: a (non-homogeneous) Poisson process: unit-mean exponential steps in Λ, mapped back
 *   to time through Λ⁻¹, so counts in any window are Poisson and gaps at a steady rate exponential.
 * - `constant`: arrival j when Λ reaches j − 0.5, evenly spaced at a steady rate.
 * - `uniform-count`: each 1 s bin gets exactly its expected count, placed uniformly at random in it.
 *   Less bursty than Poisson (counts vary less than their mean), so it understates queueing.
 */
export class ArrivalSchedule {
  private readonly segments: Segment[];
  private readonly endMs: number;
  private readonly arrival: Arrival;
  private readonly rng: Rng;
  /** Poisson: Λ at the last arrival. */
  private lambda = 0;
  private bin = 0;
  private buffer: number[] = [];
  private cursor = 0;

  constructor(stages: RateStage[], warmupMs: number, arrival: Arrival, rng: Rng) {
    const all =
      warmupMs > 0
        ? [{ durationMs: warmupMs, fromRate: stages[0]!.fromRate, toRate: stages[0]!.fromRate }, ...stages]
        : stages;
    this.segments = [];
    let start = 0;
    let before = 0;
    for (const s of all) {
      const seg = { start, duration: s.durationMs, fromRate: s.fromRate / 1000, toRate: s.toRate / 1000, before };
      this.segments.push(seg);
      start += s.durationMs;
      before += ((seg.fromRate + seg.toRate) / 2) * s.durationMs;
    }
    this.endMs = start;
    this.arrival = arrival;
    this.rng = rng;
  }

  /** Expected arrivals before time t. */
  expected(t: number): number {
    const seg = this.segmentAt(t);
    if (!seg) return t <= 0 ? 0 : this.total();
    const x = t - seg.start;
    const slope = (seg.toRate - seg.fromRate) / seg.duration;
    return seg.before + seg.fromRate * x + (slope * x * x) / 2;
  }

  /** Next arrival time, or Infinity when the schedule is over. */
  next(): number {
    if (this.arrival === 'poisson') {
      // 1 − u is in (0, 1]: the log is finite.
      this.lambda += -Math.log(1 - this.rng.next());
      return this.lambda < this.total() ? Math.min(this.endMs, this.inverse(this.lambda)) : Number.POSITIVE_INFINITY;
    }
    while (this.cursor === this.buffer.length) {
      if (this.bin * 1000 >= this.endMs) return Number.POSITIVE_INFINITY;
      this.fill(this.bin * 1000, Math.min(this.endMs, (this.bin + 1) * 1000));
      this.bin++;
    }
    return this.buffer[this.cursor++]!;
  }

  private fill(a: number, b: number): void {
    const la = this.expected(a);
    const lb = this.expected(b);
    // Arrival j (1-based) is due when Λ reaches j - 0.5.
    const first = Math.ceil(la + 0.5);
    const last = Math.ceil(lb + 0.5) - 1;
    const out: number[] = [];
    for (let j = first; j <= last; j++) {
      const v = this.arrival === 'uniform-count' ? la + this.rng.next() * (lb - la) : j - 0.5;
      out.push(Math.min(b, Math.max(a, this.inverse(v))));
    }
    if (this.arrival === 'uniform-count') out.sort((x, y) => x - y);
    this.buffer = out;
    this.cursor = 0;
  }

  private total(): number {
    const last = this.segments[this.segments.length - 1];
    return last ? last.before + ((last.fromRate + last.toRate) / 2) * last.duration : 0;
  }

  private segmentAt(t: number): Segment | undefined {
    for (const s of this.segments) if (t >= s.start && t < s.start + s.duration) return s;
    return undefined;
  }

  /** The time at which Λ reaches v. */
  private inverse(v: number): number {
    for (const s of this.segments) {
      const after = s.before + ((s.fromRate + s.toRate) / 2) * s.duration;
      if (v > after && s !== this.segments[this.segments.length - 1]) continue;
      const c = v - s.before;
      const k = (s.toRate - s.fromRate) / (2 * s.duration);
      const denom = s.fromRate + Math.sqrt(Math.max(0, s.fromRate * s.fromRate + 4 * k * c));
      return s.start + (denom > 0 ? (2 * c) / denom : 0);
    }
    return this.endMs;
  }
}
