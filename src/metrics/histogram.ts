import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import { inflateSync } from 'node:zlib';

export type { Histogram };

/** Highest latency kept exactly: one hour, in microseconds. Anything longer is clamped. */
const HIGHEST_US = 3_600_000_000;

/** Latency histogram in microseconds, 3 significant digits (0.1% error), fixed range. */
export function latencyHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });
}

export function recordMs(h: Histogram, ms: number): void {
  const us = Math.round(ms * 1000);
  h.recordValue(us < 1 ? 1 : Math.min(us, HIGHEST_US));
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Longest encoded histogram read (ours are a few KB), and most its compressed payload may inflate to. */
const MAX_ENCODED = 1024 * 1024;
const MAX_INFLATED = 4 * 1024 * 1024;

/**
 * Checks an encoded histogram before the library decodes it: a short zlib stream can inflate to
 * gigabytes (a "zip bomb"), and its header can ask for an enormous range.
 */
function checkEncoded(encoded: string): void {
  if (encoded.length > MAX_ENCODED) throw new Error(`encoded histogram longer than ${MAX_ENCODED / 1048576} MiB`);
  const raw = Buffer.from(encoded, 'base64');
  // Compressed V2 encoding: cookie, payload length, then zlib data.
  if (raw.length < 9) throw new Error('encoded histogram too short');
  const inflated = inflateSync(raw.subarray(8), { maxOutputLength: MAX_INFLATED });
  // Uncompressed header: cookie, payload length, normalizing offset, significant digits, lowest, highest (64-bit).
  if (inflated.length < 40) throw new Error('histogram header too short');
  const digits = inflated.readInt32BE(12);
  const lowest = Number(inflated.readBigInt64BE(16));
  const highest = Number(inflated.readBigInt64BE(24));
  if (digits < 1 || digits > 5 || lowest < 1 || highest > 1e13 || highest < 2 * lowest)
    throw new Error('histogram header out of range');
}

/**
 * Decodes into a fixed-range histogram, so decoded runs merge exactly with new ones. Throws on anything malformed or
 * oversized.
 */
const live = new WeakMap<object, Histogram>();

/** Remembers the histogram behind a set of figures, so this process never decodes what it encoded. */
export function keepHistogram(figures: object, h: Histogram): void {
  live.set(figures, h);
}

/** The latency histogram of a set of figures: the one this process measured, or decoded once from a file's text. */
export function histogramOf(figures: { histogram: string }): Histogram {
  let h = live.get(figures);
  if (!h) {
    h = decodeHistogram(figures.histogram);
    live.set(figures, h);
  }
  return h;
}

export function decodeHistogram(encoded: string): Histogram {
  checkEncoded(encoded);
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32, false);
  const h = latencyHistogram();
  h.add(decoded);
  return h;
}

export function mergeHistograms(parts: Histogram[]): Histogram {
  const h = latencyHistogram();
  for (const p of parts) h.add(p);
  return h;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  min: number;
  max: number;
  mean: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Percentiles in milliseconds (3 decimals: the histogram's microsecond resolution). */
export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, min: 0, max: 0, mean: 0 };
  const at = (p: number) => round3(h.getValueAtPercentile(p) / 1000);
  return {
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    min: round3(h.minNonZeroValue / 1000),
    max: round3(h.maxValue / 1000),
    mean: round3(h.mean / 1000),
  };
}

export function percentileMs(h: Histogram, p: number): number {
  return h.totalCount === 0 ? 0 : round3(h.getValueAtPercentile(p) / 1000);
}

/**
 * The percentile distribution as HdrHistogram plots it: latency against 1/(1 − q) on a log axis, a
 * point every tenth of a decade, up to the slowest request. [x, ms] pairs.
 */
export function percentileCurve(h: Histogram): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (h.totalCount === 0) return out;
  for (let k = 0; ; k++) {
    const x = 10 ** (k / 10);
    if (x > h.totalCount) break;
    out.push([Math.round(x * 1000) / 1000, percentileMs(h, 100 * (1 - 1 / x))]);
  }
  out.push([h.totalCount, Math.round(h.maxValue / 10) / 100]);
  return out;
}
