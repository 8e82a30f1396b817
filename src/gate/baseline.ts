import {
  encodeHistogram,
  headlineOf,
  histogramOf,
  mergeHistograms,
  mergeTokens,
  summarize,
  type CapacityFigures,
  type Results,
  type TokenStats,
} from '../metrics/index.ts';
import { own } from '../shared/own.ts';
import { BASELINE_SCHEMA_REF, type Baseline, type BaselineFigures } from '../store/index.ts';

/** Runs merged exactly: counts and histograms add; throughput is the counts over the time each run's requests took. */
export function mergeFigures(
  parts: Array<{ count: number; failure_count: number; rps: number; histogram: string; tokens?: TokenStats }>,
  durations: number[],
): BaselineFigures {
  const histogram = mergeHistograms(parts.map(histogramOf));
  const count = parts.reduce((a, p) => a + p.count, 0);
  const seconds = parts.reduce((a, p, i) => a + (p.rps > 0 ? p.count / p.rps : (durations[i] ?? 0)), 0) || 1;
  const failures = parts.reduce((a, p) => a + p.failure_count, 0);
  return {
    count,
    failure_count: failures,
    rps: Math.round((count / seconds) * 100) / 100,
    error_rate: count ? Math.round((failures / count) * 1e6) / 1e6 : 0,
    latency_ms: summarize(histogram),
    histogram: encodeHistogram(histogram),
    ...(parts.length > 0 && parts.every((p) => p.tokens)
      ? {
          tokens: mergeTokens(
            parts.map((p) => p.tokens!),
            seconds,
          ),
        }
      : {}),
  };
}

/** Merges one or more runs of one scenario into a baseline: histograms add exactly. */
export function buildBaseline(runs: Results[]): Baseline {
  if (runs.length === 0) throw new Error('a baseline needs at least one run');
  const first = runs[0]!;
  const other = runs.find((r) => r.scenario.hash !== first.scenario.hash);
  if (other)
    throw new Error(
      `runs of different scenarios cannot be merged: ${first.scenario.name} (${first.scenario.hash}) and ` +
        `${other.scenario.name} (${other.scenario.hash})`,
    );
  const names = Object.keys(first.requests);
  const target = { ...first.target };
  delete target.cpu_percent;
  delete target.memory_mb;
  return {
    $schema: BASELINE_SCHEMA_REF,
    schema_version: 1,
    scenario: { name: first.scenario.name, hash: first.scenario.hash },
    created_at: new Date().toISOString(),
    runs: runs.length,
    tool_version: first.tool.version,
    environment: first.environment,
    target,
    overall: mergeFigures(
      runs.map((r) => r.overall),
      runs.map((r) => r.duration_s),
    ),
    requests: Object.fromEntries(
      names.map((n) => {
        const having = runs.filter((r) => own(r.requests, n) !== undefined);
        return [
          n,
          mergeFigures(
            having.map((r) => own(r.requests, n)!),
            having.map((r) => r.duration_s),
          ),
        ];
      }),
    ),
    per_run: runs.map((r) => ({
      ...headlineOf(r.overall),
      requests: Object.fromEntries(Object.entries(r.requests).map(([n, f]) => [n, headlineOf(f)])),
      windows: r.windows ?? [],
      ...(r.capacity ? { capacity: r.capacity.value } : {}),
    })),
    ...capacityOf(runs),
  };
}

/** The runs' capacity: the median of their searches. */
function capacityOf(runs: Results[]): Pick<Baseline, 'capacity'> {
  return medianCapacity(runs.map((r) => r.capacity).filter((c) => c !== undefined));
}

/** The median of capacity searches (a search whose lowest probe failed counts as 0), and of their brackets' ends. */
export function medianCapacity(
  searched: Array<Pick<CapacityFigures, 'unit' | 'value' | 'bracket'>>,
): Pick<Baseline, 'capacity'> {
  if (searched.length === 0) return {};
  const median = (xs: Array<number | null>): number | null => {
    const known = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
    return known.length === 0 ? null : known[Math.floor((known.length - 1) / 2)]!;
  };
  const values = searched.map((c) => c.value ?? 0);
  return {
    capacity: {
      unit: searched[0]!.unit,
      value: median(values),
      bracket: [median(searched.map((c) => c.bracket[0])), median(searched.map((c) => c.bracket[1]))],
    },
  };
}
