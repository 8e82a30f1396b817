import type { Outcome, TokenTiming } from '../engine/index.ts';
import type { GoodputSpec } from '../scenario/index.ts';
import {
  decodeHistogram,
  encodeHistogram,
  latencyHistogram,
  recordMs,
  summarize,
  type Histogram,
} from './histogram.ts';
import type { HeadlineFigures, TokenStats } from './types.ts';

/** One set of streamed answers' token figures as sent across a thread: histograms encoded, so they add up exactly. */
export interface TokenState {
  answers: number;
  tokens: number;
  good: number;
  ttft: string;
  tpot: string;
  itl: string;
}

/**
 * Streamed answers' tokens, as vLLM's serving benchmark defines them: TTFT from the request's
 * scheduled time (its arrival in the open model: coordinated omission corrected) to the first
 * chunk; TPOT = (last chunk − first) / (output tokens − 1), for answers of two tokens or more; every
 * inter-chunk gap an ITL. An answer is good when it met every limit of the scenario's `goodput:`.
 */
export class TokenTotals {
  answers = 0;
  tokens = 0;
  good = 0;
  readonly ttft = latencyHistogram();
  readonly tpot = latencyHistogram();
  readonly itl = latencyHistogram();

  record(o: Outcome & { tokens: TokenTiming }, goodput: GoodputSpec | null): void {
    const t = o.tokens;
    const ttft = t.first - o.scheduled;
    this.answers++;
    this.tokens += t.tokens;
    recordMs(this.ttft, ttft);
    const tpot = t.tokens > 1 ? (t.last - t.first) / (t.tokens - 1) : 0;
    if (t.tokens > 1) recordMs(this.tpot, tpot);
    for (const gap of t.gaps) recordMs(this.itl, gap);
    if (
      goodput &&
      (goodput.ttft === undefined || ttft <= goodput.ttft) &&
      (goodput.tpot === undefined || tpot <= goodput.tpot) &&
      (goodput.e2e === undefined || o.done - o.scheduled <= goodput.e2e)
    )
      this.good++;
  }

  add(other: {
    answers: number;
    tokens: number;
    good: number;
    ttft: Histogram;
    tpot: Histogram;
    itl: Histogram;
  }): void {
    this.answers += other.answers;
    this.tokens += other.tokens;
    this.good += other.good;
    this.ttft.add(other.ttft);
    this.tpot.add(other.tpot);
    this.itl.add(other.itl);
  }

  absorb(s: TokenState): void {
    this.add({ ...s, ttft: decodeHistogram(s.ttft), tpot: decodeHistogram(s.tpot), itl: decodeHistogram(s.itl) });
  }

  reset(): void {
    this.answers = 0;
    this.tokens = 0;
    this.good = 0;
    this.ttft.reset();
    this.tpot.reset();
    this.itl.reset();
  }

  state(): TokenState {
    return {
      answers: this.answers,
      tokens: this.tokens,
      good: this.good,
      ttft: encodeHistogram(this.ttft),
      tpot: encodeHistogram(this.tpot),
      itl: encodeHistogram(this.itl),
    };
  }

  /** The figures over `seconds` (achieved time, as throughput's); goodput only when the scenario defines it. */
  figures(seconds: number, goodput: boolean): TokenStats {
    return {
      ...this.summary(seconds, goodput),
      ttft_histogram: encodeHistogram(this.ttft),
      tpot_histogram: encodeHistogram(this.tpot),
      itl_histogram: encodeHistogram(this.itl),
    };
  }

  /**
   * The flat figures a window (or a baseline's run) carries for the noise estimates: no histogram encoded, as every
   * window closes.
   */
  headline(seconds: number, goodput: boolean): Partial<HeadlineFigures> {
    return tokenHeadline(this.summary(seconds, goodput));
  }

  private summary(
    seconds: number,
    goodput: boolean,
  ): Omit<TokenStats, 'ttft_histogram' | 'tpot_histogram' | 'itl_histogram'> {
    return {
      answers: this.answers,
      output_tokens: this.tokens,
      output_tokens_per_s: round2(this.tokens / seconds),
      ttft_ms: summarize(this.ttft),
      tpot_ms: summarize(this.tpot),
      itl_ms: summarize(this.itl),
      ...(goodput ? { good: this.good, goodput: round2(this.good / seconds) } : {}),
    };
  }
}

/** A run's or a window's token figures, flat: what HeadlineFigures carry beside the latency percentiles. */
export function tokenHeadline(
  t: Pick<TokenStats, 'output_tokens_per_s' | 'ttft_ms' | 'tpot_ms' | 'itl_ms' | 'goodput'>,
): Partial<HeadlineFigures> {
  const out: Partial<HeadlineFigures> = { output_tokens_per_s: t.output_tokens_per_s };
  for (const [name, s] of [
    ['ttft', t.ttft_ms],
    ['tpot', t.tpot_ms],
    ['itl', t.itl_ms],
  ] as const) {
    out[`${name}_p50`] = s.p50;
    out[`${name}_p90`] = s.p90;
    out[`${name}_p95`] = s.p95;
    out[`${name}_p99`] = s.p99;
  }
  if (t.goodput !== undefined) out.goodput = t.goodput;
  return out;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Several runs' token figures as one (a baseline): histograms add exactly, rates over the runs' achieved `seconds`. */
export function mergeTokens(parts: TokenStats[], seconds: number): TokenStats {
  const t = new TokenTotals();
  for (const p of parts)
    t.add({
      answers: p.answers,
      tokens: p.output_tokens,
      good: p.good ?? 0,
      ttft: decodeHistogram(p.ttft_histogram),
      tpot: decodeHistogram(p.tpot_histogram),
      itl: decodeHistogram(p.itl_histogram),
    });
  return t.figures(
    seconds,
    parts.every((p) => p.goodput !== undefined),
  );
}
