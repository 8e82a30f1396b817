import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

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
  h.recordValue(us < 1 ? 1 : us > HIGHEST_US ? HIGHEST_US : us);
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Decodes into a fixed-range histogram, so decoded runs merge exactly with new ones. */
export function decodeHistogram(encoded: string): Histogram {
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
