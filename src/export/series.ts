import type { ExponentialBuckets } from './native.ts';

/** One exported series at one instant: a counter's or gauge's value, or a cumulative latency histogram. */
export interface ExportSample {
  name: string;
  kind: 'counter' | 'gauge' | 'histogram';
  /** What the series is, for the receivers that keep metadata. */
  help: string;
  unit?: 'seconds' | 'requests' | 'bytes' | 'percent' | 'tokens';
  labels: Record<string, string>;
  timeMs: number;
  value?: number;
  histogram?: ExponentialBuckets;
}
