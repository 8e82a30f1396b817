import {
  decodeHistogram,
  encodeHistogram,
  latencyHistogram,
  mergeHistograms,
  percentileMs,
  recordMs,
  summarize,
  type Histogram,
} from './histogram.ts';
import type { HeadlineFigures, NameSecond, TokenStats, Window } from './types.ts';
import { round2, round3, round6 } from './totals.ts';
import { tokenHeadline, TokenTotals, type TokenState } from './tokens.ts';
import type { Outcome } from '../engine/index.ts';
import type { GoodputSpec } from '../scenario/index.ts';
import { setOwn } from '../shared/own.ts';

/** Windows per run: enough to see the run's own noise, few enough that each holds a usable p99. */
const WINDOWS = 10;

/** One request name's measured outcomes of one second, as sent across a thread. */
export interface WindowSecondState {
  count: number;
  failures: number;
  histogram: string;
  tokens?: TokenState;
}

class Counter {
  readonly latency = latencyHistogram();
  count = 0;
  failures = 0;
  /** Streamed answers' tokens: made at the first one. */
  tokens: TokenTotals | null = null;
  add(other: Counter): void {
    this.latency.add(other.latency);
    this.count += other.count;
    this.failures += other.failures;
    if (other.tokens?.answers) (this.tokens ??= new TokenTotals()).add(other.tokens);
    other.reset();
  }
  reset(): void {
    this.latency.reset();
    this.count = 0;
    this.failures = 0;
    this.tokens?.reset();
  }
}

/**
 * The measured period cut into about ten windows, per request name: measured outcomes gather by
 * second, and whole seconds fold into the window in progress.
 */
export class WindowSink {
  readonly windows: Window[] = [];
  private readonly names: string[];
  private readonly second: Counter[];
  private readonly window: Counter[];
  private readonly warmupMs: number;
  /** Measured seconds at which windows close. */
  private readonly ends: number[];
  private measuredSeconds = 0;
  /** Engine clock (ms) where the window in progress began, and of the last second folded into it. */
  private startMs: number;
  private lastSecondMs = 0;
  private readonly endMs: number;

  private readonly goodput: GoodputSpec | null;

  /** `durationMs`: the planned measured time, cut into about ten windows (1 s windows when 0). */
  constructor(names: string[], warmupMs: number, durationMs: number, goodput: GoodputSpec | null = null) {
    this.names = names;
    this.goodput = goodput;
    this.second = names.map(() => new Counter());
    this.window = names.map(() => new Counter());
    this.warmupMs = warmupMs;
    const seconds = Math.max(1, Math.round(durationMs / 1000));
    const count = durationMs > 0 ? Math.min(WINDOWS, seconds) : 0;
    this.ends = Array.from({ length: count }, (_, k) => Math.round(((k + 1) * seconds) / count));
    this.startMs = warmupMs;
    this.endMs = durationMs > 0 ? warmupMs + durationMs : Number.POSITIVE_INFINITY;
  }

  record(index: number, latencyMs: number, o: Outcome): void {
    const s = this.second[index]!;
    recordMs(s.latency, latencyMs);
    s.count++;
    if (o.failure !== null) s.failures++;
    else if (o.tokens)
      (s.tokens ??= new TokenTotals()).record(o as Outcome & { tokens: NonNullable<Outcome['tokens']> }, this.goodput);
  }

  /** Per request name, the second in progress as counted so far (measured outcomes only): read, never kept. */
  secondCounts(): ReadonlyArray<{
    readonly count: number;
    readonly failures: number;
    readonly latency: Histogram;
    readonly tokens: TokenTotals | null;
  }> {
    return this.second;
  }

  /** Per request name, the second in progress (measured outcomes only): for the per-name series. */
  secondFigures(seconds: number): Record<string, NameSecond> {
    const out: Record<string, NameSecond> = {};
    this.second.forEach((s, i) => {
      if (s.count === 0) return;
      out[this.names[i]!] = {
        rps: round2(s.count / seconds),
        errors: s.failures,
        p50: percentileMs(s.latency, 50),
        p95: percentileMs(s.latency, 95),
        p99: percentileMs(s.latency, 99),
      };
    });
    return out;
  }

  /**
   * Adds the second's measured outcomes to the window in progress; a second after the window's end starts a new one.
   */
  fold(measuring: boolean, nowMs: number): void {
    // The last planned window also takes what comes after it: the final partial second and the drain.
    const k = this.windows.length;
    const planned = this.ends.length;
    const end = planned === 0 ? k + 1 : k < planned - 1 ? this.ends[k]! : Number.POSITIVE_INFINITY;
    if (measuring && this.measuredSeconds >= end) this.close();
    for (const [i, s] of this.second.entries()) this.window[i]!.add(s);
    if (measuring) this.measuredSeconds++;
    this.lastSecondMs = Math.max(this.lastSecondMs, nowMs);
  }

  /** At the end of the run: what is left closes the last window. */
  finish(): void {
    this.fold(false, this.lastSecondMs);
    if (this.window.some((w) => w.count > 0)) this.close();
  }

  private close(): void {
    // Measured time only: not the warm-up before it, nor the drain after the schedule's end.
    const endMs = Math.min(this.lastSecondMs, this.endMs);
    const seconds = Math.max(0.001, (endMs - this.startMs) / 1000);
    const requests: Record<string, HeadlineFigures> = {};
    const goodput = this.goodput !== null;
    this.window.forEach((w, i) => {
      setOwn(requests, this.names[i]!, {
        ...headlineFigures(w.count, w.failures, w.latency, seconds),
        ...(w.tokens?.answers ? w.tokens.headline(seconds, goodput) : {}),
      });
    });
    const all = mergeHistograms(this.window.map((w) => w.latency));
    const count = this.window.reduce((a, w) => a + w.count, 0);
    const failures = this.window.reduce((a, w) => a + w.failures, 0);
    const streamed = this.window.filter((w) => w.tokens?.answers);
    let tokens: Partial<HeadlineFigures> = {};
    if (streamed.length > 0) {
      const t = new TokenTotals();
      for (const w of streamed) t.add(w.tokens!);
      tokens = t.headline(seconds, goodput);
    }
    this.windows.push({
      start_s: round3((this.startMs - this.warmupMs) / 1000),
      seconds: round3(seconds),
      overall: { ...headlineFigures(count, failures, all, seconds), ...tokens },
      requests,
    });
    this.startMs = endMs;
    for (const w of this.window) w.reset();
  }

  state(): WindowSecondState[] {
    return this.second.map((s) => ({
      count: s.count,
      failures: s.failures,
      histogram: encodeHistogram(s.latency),
      ...(s.tokens?.answers ? { tokens: s.tokens.state() } : {}),
    }));
  }

  /** Another thread's same second, into the one in progress. */
  add(names: WindowSecondState[]): void {
    names.forEach((n, i) => {
      const s = this.second[i]!;
      if (n.count > 0) s.latency.add(decodeHistogram(n.histogram));
      s.count += n.count;
      s.failures += n.failures;
      if (n.tokens) (s.tokens ??= new TokenTotals()).absorb(n.tokens);
    });
  }
}

/** The headline figures of a finished run's figures. */
export function headlineOf(f: {
  count: number;
  failure_count: number;
  rps: number;
  error_rate: number;
  latency_ms: ReturnType<typeof summarize>;
  tokens?: TokenStats;
}): HeadlineFigures {
  const l = f.latency_ms;
  const figures: HeadlineFigures = {
    count: f.count,
    failures: f.failure_count,
    rps: f.rps,
    error_rate: f.error_rate,
    p50: l.p50,
    p90: l.p90,
    p95: l.p95,
    p99: l.p99,
    p999: l.p999,
    mean: l.mean,
  };
  return f.tokens ? { ...figures, ...tokenHeadline(f.tokens) } : figures;
}

function headlineFigures(count: number, failures: number, latency: Histogram, seconds: number): HeadlineFigures {
  return headlineOf({
    count,
    failure_count: failures,
    rps: round2(count / seconds),
    error_rate: count === 0 ? 0 : round6(failures / count),
    latency_ms: summarize(latency),
  });
}
