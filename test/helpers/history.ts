import type { HistoryEntry } from '../../src/gate/index.ts';
import { encodeHistogram, latencyHistogram, recordMs } from '../../src/metrics/histogram.ts';

export const MACHINE = { os: 'Linux', arch: 'x64', cpu_model: 'AMD EPYC', cores: 2, fingerprint: 'f00d' };

/** A history entry: a run of `count` requests around `p95` ms at `time`, of one request `name`. */
export function historyEntry(
  time: string,
  p95: number,
  machine = MACHINE,
  count = 200,
  name = 'predict',
): HistoryEntry {
  const h = latencyHistogram();
  for (let i = 0; i < count; i++) recordMs(h, (p95 / 1.6) * (0.5 + i / count));
  const figures = {
    count,
    failures: 0,
    rps: 100,
    error_rate: 0,
    p50: p95 / 1.6,
    p90: p95 * 0.95,
    p95,
    p99: p95 * 1.05,
    p999: p95 * 1.1,
    mean: p95 / 1.6,
  };
  const histogram = encodeHistogram(h);
  return {
    commit: `c${time}`,
    ref: 'main',
    time,
    machine,
    scenario_hash: 'abc',
    tool_version: '1.0.0',
    duration_s: 2,
    overall: figures,
    requests: { [name]: figures },
    histograms: { overall: histogram, requests: { [name]: histogram } },
  };
}
