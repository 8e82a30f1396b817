import type { Histogram } from '../metrics/index.ts';

/**
 * Buckets of a Prometheus native histogram (an OTLP exponential histogram of the same scale): bucket i holds values in
 * (2^((i-1)/2^schema), 2^(i/2^schema)]. Schema 5 makes buckets 2.2% wide, near the HDR histogram's 0.1% at a fraction
 * of the series a classic histogram of that resolution would need.
 */
export const NATIVE_SCHEMA = 5;

/** A latency histogram in exponential buckets, in seconds: sparse bucket indices with their counts, ascending. */
export interface ExponentialBuckets {
  schema: number;
  count: number;
  /** Seconds. */
  sum: number;
  indices: number[];
  counts: number[];
}

/** The bucket of a value in seconds at `schema`. */
export function bucketIndex(seconds: number, schema = NATIVE_SCHEMA): number {
  return Math.ceil(Math.log2(seconds) * 2 ** schema - 1e-9);
}

/** The upper bound of bucket `i`, in seconds. */
export function bucketUpper(i: number, schema = NATIVE_SCHEMA): number {
  return 2 ** (i / 2 ** schema);
}

interface Iterable {
  recordedValuesIterator: {
    reset(): void;
    hasNext(): boolean;
    next(): { valueIteratedTo: number; countAtValueIteratedTo: number };
  };
  highestEquivalentValue(v: number): number;
  medianEquivalentValue(v: number): number;
}

/**
 * An HDR latency histogram (microseconds) in exponential buckets: each HDR bucket's count goes to the exponential
 * bucket of its highest equivalent value, the value the HDR histogram reports its percentiles at.
 */
export function exponentialBuckets(h: Histogram, schema = NATIVE_SCHEMA): ExponentialBuckets {
  const byIndex = new Map<number, number>();
  const js = h as unknown as Iterable;
  const it = js.recordedValuesIterator;
  it.reset();
  // The sum as HDR's mean computes it, in the same pass: this runs every second on a growing histogram.
  let sumUs = 0;
  while (it.hasNext()) {
    const v = it.next();
    const i = bucketIndex(js.highestEquivalentValue(v.valueIteratedTo) / 1e6, schema);
    byIndex.set(i, (byIndex.get(i) ?? 0) + v.countAtValueIteratedTo);
    sumUs += js.medianEquivalentValue(v.valueIteratedTo) * v.countAtValueIteratedTo;
  }
  const indices = [...byIndex.keys()].sort((a, b) => a - b);
  return {
    schema,
    count: h.totalCount,
    sum: sumUs / 1e6,
    indices,
    counts: indices.map((i) => byIndex.get(i)!),
  };
}

/** Runs of consecutive buckets as protobuf spans: each span's offset from the last one's end, and its length. */
export function spansOf(indices: number[]): Array<{ offset: number; length: number }> {
  const spans: Array<{ offset: number; length: number }> = [];
  let end = 0;
  for (const [k, i] of indices.entries()) {
    if (k > 0 && i === indices[k - 1]! + 1) spans.at(-1)!.length++;
    else spans.push({ offset: k === 0 ? i : i - end, length: 1 });
    end = i + 1;
  }
  return spans;
}
