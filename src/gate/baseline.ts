import { writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import schema from '../../schema/baseline.schema.json' with { type: 'json' };
import resultsSchema from '../../schema/results.schema.json' with { type: 'json' };
import {
  decodeHistogram,
  encodeHistogram,
  histogramOf,
  keepHistogram,
  mergeHistograms,
  summarize,
} from '../metrics/index.ts';
import { headlineOf, mergeTokens, type TokenStats } from '../metrics/index.ts';
import type { CapacityFigures, Results } from '../metrics/index.ts';
import { InvalidFileError, SourceDocument, validate } from '../shared/document.ts';
import type { Baseline, BaselineFigures } from './types.ts';
import { own } from '../shared/own.ts';

/** Largest baseline read (ours are tens of KB), and largest results.json (a week-long run's series). */
const MAX_BASELINE_BYTES = 16 * 1024 * 1024;
const MAX_RESULTS_BYTES = 128 * 1024 * 1024;

const SCHEMA_REF = 'https://github.com/org/mlload-action/schema/baseline.schema.json';

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
      `runs of different scenarios cannot be merged: ${first.scenario.name} (${first.scenario.hash}) and ${other.scenario.name} (${other.scenario.hash})`,
    );
  const names = Object.keys(first.requests);
  const target = { ...first.target };
  delete target.cpu_percent;
  delete target.memory_mb;
  return {
    $schema: SCHEMA_REF,
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

/**
 * Reads and validates a baseline file; null when there is none and `missing: 'none'` (the action's
 * default path before the first baseline is committed); a path given on purpose must exist.
 * Corrupt files throw InvalidFileError.
 */
export function readBaseline(file: string, missing: 'none' | 'error' = 'error'): Baseline | null {
  if (!existsSync(file)) {
    if (missing === 'none') return null;
    throw new InvalidFileError([
      {
        file,
        line: 0,
        col: 0,
        key: '',
        message:
          'no such baseline file: make one with `mlload baseline <results.json>... --out FILE`, or check the path',
      },
    ]);
  }
  const doc = SourceDocument.read(file, MAX_BASELINE_BYTES);
  const value = doc.value as { schema_version?: unknown; tool?: unknown; started_at?: unknown } | null;
  if (value && typeof value === 'object' && value.tool !== undefined && value.started_at !== undefined) {
    throw new InvalidFileError([
      {
        ...doc.problem(
          [],
          `is the results of one run (written by mlload run), not a baseline: make a baseline from it with \`mlload baseline ${file} --out baseline.json\``,
        ),
        line: 0,
        col: 0,
      },
    ]);
  }
  const version = value?.schema_version;
  if (version !== undefined && version !== 1) {
    throw new InvalidFileError([
      doc.problem(
        ['schema_version'],
        `is ${JSON.stringify(version)}; this mlload reads version 1 baselines: refresh the baseline`,
      ),
    ]);
  }
  const problems = validate(doc, schema);
  if (problems.length > 0) throw new InvalidFileError(problems);
  const baseline = doc.value as Baseline;
  if (baseline.overall.count < 1)
    throw new InvalidFileError([
      doc.problem(['overall', 'count'], 'is 0: a baseline of no requests compares with nothing'),
    ]);
  for (const [scope, f] of [['overall', baseline.overall], ...Object.entries(baseline.requests)] as Array<
    [string, BaselineFigures]
  >) {
    const path = scope === 'overall' ? ['overall'] : ['requests', scope];
    let histogram: ReturnType<typeof decodeHistogram>;
    try {
      histogram = decodeHistogram(f.histogram);
    } catch (err) {
      throw new InvalidFileError([
        doc.problem([...path, 'histogram'], `is not a valid encoded HDR histogram (${(err as Error).message})`),
      ]);
    }
    // The figures must be the histogram's: a hand-edited p95 would be compared while the histogram disagrees.
    keepHistogram(f, histogram);
    if (histogram.totalCount !== f.count)
      throw new InvalidFileError([
        doc.problem([...path, 'count'], `is ${f.count} but the histogram holds ${histogram.totalCount} requests`),
      ]);
    if (f.failure_count > f.count)
      throw new InvalidFileError([doc.problem([...path, 'failure_count'], 'is larger than count')]);
    const from = summarize(histogram);
    for (const k of ['p50', 'p95', 'p99'] as const) {
      if (Math.abs(f.latency_ms[k] - from[k]) > Math.max(0.01, from[k] * 0.01)) {
        throw new InvalidFileError([
          doc.problem([...path, 'latency_ms', k], `is ${f.latency_ms[k]} ms but the histogram says ${from[k]} ms`),
        ]);
      }
    }
  }
  return baseline;
}

export function writeBaseline(file: string, baseline: Baseline): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(baseline, null, 2)}\n`);
}

/** Reads a results.json written by `mlload run`. */
export function readResults(file: string): Results {
  const doc = SourceDocument.read(file, MAX_RESULTS_BYTES);
  const problems = validate(doc, resultsSchema);
  if (problems.length > 0) throw new InvalidFileError(problems);
  return doc.value as Results;
}
