import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import schema from '../../schema/baseline.schema.json' with { type: 'json' };
import {
  decodeHistogram,
  keepHistogram,
  summarize,
  type Environment,
  type HeadlineFigures,
  type RequestStats,
  type TargetFigures,
  type Window,
} from '../metrics/index.ts';
import { InvalidFileError, SourceDocument, validate } from '../shared/document.ts';

/** Largest baseline read (ours are tens of KB). */
const MAX_BASELINE_BYTES = 16 * 1024 * 1024;

export const BASELINE_SCHEMA_REF = 'https://github.com/org/mlload-action/schema/baseline.schema.json';

/** A baseline's merged figures, overall or of one request: a run's, less what a comparison does not use. */
export type BaselineFigures = Pick<
  RequestStats,
  'count' | 'failure_count' | 'rps' | 'error_rate' | 'latency_ms' | 'histogram' | 'tokens'
>;

export interface Baseline {
  $schema?: string;
  schema_version: 1;
  scenario: { name: string; hash: string };
  created_at: string;
  runs: number;
  tool_version?: string;
  environment: Environment;
  target?: Partial<TargetFigures>;
  overall: BaselineFigures;
  requests: Record<string, BaselineFigures>;
  /** Each run's own figures and windows: the spread the noise-aware comparison works from. */
  per_run?: BaselineRun[];
  /** The capacity searches of the runs: their median, and the median bracket's ends. */
  capacity?: { unit: 'req/s' | 'users'; value: number | null; bracket: [number | null, number | null] };
}

/** One run of a baseline. Files written before windows were kept hold only the headline figures. */
export interface BaselineRun extends Partial<HeadlineFigures> {
  rps: number;
  error_rate: number;
  p50: number;
  p95: number;
  p99: number;
  requests?: Record<string, HeadlineFigures>;
  windows?: Window[];
  /** This run's capacity (null: even its lowest probe failed), when it searched. */
  capacity?: number | null;
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
          `is the results of one run (written by mlload run), not a baseline: make a baseline from it with ` +
            `\`mlload baseline ${file} --out baseline.json\``,
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

/** A baseline as its file holds it. */
export function formatBaseline(baseline: Baseline): string {
  return `${JSON.stringify(baseline, null, 2)}\n`;
}

export function writeBaseline(file: string, baseline: Baseline): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, formatBaseline(baseline));
}
