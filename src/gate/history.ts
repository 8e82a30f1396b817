import type { Environment, HeadlineFigures, Results } from '../metrics/index.ts';
import {
  checkHistograms,
  machineOf,
  type Baseline,
  type History,
  type HistoryEntry,
  type Machine,
} from '../store/index.ts';
import { own } from '../shared/own.ts';
import { medianCapacity, mergeFigures } from './baseline.ts';

/** Runs of the default branch a pull request is judged against (`compare.against: history`). */
export const DEFAULT_HISTORY_RUNS = 10;
/** Fewer comparable runs than this make no reference: their spread would be a guess. */
export const MIN_HISTORY_RUNS = 3;

/** The runs of a history comparable with this one: same scenario and same kind of machine, oldest first. */
export function comparableRuns(history: History, scenarioHash: string, machine: Machine): HistoryEntry[] {
  return history.entries.filter(
    (e) => e.scenario_hash === scenarioHash && e.machine.fingerprint === machine.fingerprint,
  );
}

/**
 * The last `runs` comparable runs as a baseline: figures merged exactly (histograms add), each run's
 * headline figures as `per_run`, so the run-to-run spread comes from them. Null with fewer than
 * MIN_HISTORY_RUNS.
 */
export function baselineFromHistory(
  history: History,
  results: { scenario: { hash: string }; environment: Environment },
  runs = DEFAULT_HISTORY_RUNS,
): Baseline | null {
  const usable = comparableRuns(history, results.scenario.hash, machineOf(results.environment)).slice(-runs);
  if (usable.length < MIN_HISTORY_RUNS) return null;
  checkHistograms(history, usable);
  const last = usable[usable.length - 1]!;
  const figures = (f: HeadlineFigures, histogram: string) => ({
    count: f.count,
    failure_count: f.failures,
    rps: f.rps,
    histogram,
  });
  const names = Object.keys(last.requests);
  return {
    schema_version: 1,
    scenario: { name: history.scenario.name, hash: results.scenario.hash },
    created_at: last.time,
    runs: usable.length,
    tool_version: last.tool_version,
    environment: {
      os: last.machine.os,
      arch: last.machine.arch,
      cpu_model: last.machine.cpu_model,
      cores: last.machine.cores,
      node: '',
      fingerprint: last.machine.fingerprint,
    },
    overall: mergeFigures(
      usable.map((e) => figures(e.overall, e.histograms.overall)),
      usable.map((e) => e.duration_s),
    ),
    requests: Object.fromEntries(
      names.map((n) => {
        const having = usable.filter((e) => own(e.requests, n) && own(e.histograms.requests, n));
        return [
          n,
          mergeFigures(
            having.map((e) => figures(own(e.requests, n)!, own(e.histograms.requests, n)!)),
            having.map((e) => e.duration_s),
          ),
        ];
      }),
    ),
    per_run: usable.map((e) => ({
      ...e.overall,
      requests: e.requests,
      ...(e.capacity ? { capacity: e.capacity.value } : {}),
    })),
    ...medianCapacity(usable.map((e) => e.capacity).filter((c) => c !== undefined)),
  };
}

/** What a trend is drawn of. */
export type TrendMetric = 'p95' | 'p99' | 'rps' | 'capacity';

/** The last runs of the default branch and this run among them: numbers only, worded in report/. */
export interface HistoryTrend {
  /** Oldest first. */
  runs: Array<{ commit: string; time: string; p95: number; p99: number; rps: number; capacity: number | null }>;
  current: { p95: number; p99: number; rps: number; capacity: number | null };
  /** How many of the runs this run's value is above and below (ties are neither). */
  ranks: Array<{ metric: TrendMetric; above: number; below: number; total: number }>;
}

/** Runs shown in a trend by default. */
export const TREND_RUNS = 50;

/** This run against the last `count` comparable runs of the history; null when there are none. */
export function historyTrend(history: History, results: Results, count = TREND_RUNS): HistoryTrend | null {
  const runs = comparableRuns(history, results.scenario.hash, machineOf(results.environment)).slice(-count);
  if (runs.length === 0) return null;
  const points = runs.map((e) => ({
    commit: e.commit,
    time: e.time,
    p95: e.overall.p95,
    p99: e.overall.p99,
    rps: e.overall.rps,
    capacity: e.capacity?.value ?? null,
  }));
  const o = results.overall;
  const current = {
    p95: o.latency_ms.p95,
    p99: o.latency_ms.p99,
    rps: o.rps,
    capacity: results.capacity ? results.capacity.value : null,
  };
  const metrics: TrendMetric[] = [
    'p95',
    'p99',
    'rps',
    ...(current.capacity !== null && points.some((p) => p.capacity !== null) ? (['capacity'] as const) : []),
  ];
  const ranks = metrics.map((metric) => {
    const values = points.map((p) => p[metric]).filter((v): v is number => v !== null);
    const v = current[metric]!;
    return {
      metric,
      above: values.filter((x) => v > x).length,
      below: values.filter((x) => v < x).length,
      total: values.length,
    };
  });
  return { runs: points, current, ranks };
}
