import { join } from 'node:path';
import {
  baselineFromHistory,
  buildBaseline,
  comparableRuns,
  judge,
  MIN_HISTORY_RUNS,
  type Baseline,
  type BaselineOrigin,
  type History,
  type Notice,
  type Verdict,
} from '../gate/index.ts';
import { describeEnvironment, type Results } from '../metrics/index.ts';
import { exportText, writeResultFiles, writeRunReport, type RunReport } from '../report/index.ts';
import type { Scenario } from '../scenario/index.ts';
import { measure, measureJudged, type JudgedRun, type MeasureOptions } from './measure.ts';
import { machineOf, readBaseline } from '../store/index.ts';

export interface BaselineSource {
  file: string;
  /** A missing file: 'none' judges the SLOs alone; 'error' refuses to run. */
  missing: 'none' | 'error';
  /** The scenario's history, already read (the action reads its branch, the CLI a file), and what to call it. */
  history?: { label: string; value: History | null } | null;
}

export interface GatedRun extends JudgedRun {
  report: RunReport;
}

/**
 * What a run is judged against: a baseline (read from its file, or made of the history's runs), and the history for the
 * trend.
 */
export interface Against {
  file: string;
  baseline: Baseline | null;
  origin: BaselineOrigin;
  history: History | null;
}

/**
 * Reads the baseline before any load, so a corrupt file costs no minutes. With `compare.against:
 * history`, the last runs of the history on this kind of machine are the baseline, or the file when
 * the history holds too few. A paired run needs neither, though the history still gives its trend.
 */
export function readAgainst(scenario: Scenario, source: BaselineSource | null): Against | null {
  if (!source) return null;
  const history = source.history?.value ?? null;
  if (scenario.compare.against === 'image')
    return history ? { file: '', baseline: null, origin: { from: 'file' }, history } : null;
  if (scenario.compare.against === 'history') {
    const here = { scenario: { hash: scenario.hash }, environment: describeEnvironment() };
    const fromHistory = history ? baselineFromHistory(history, here, scenario.compare.historyRuns) : null;
    if (fromHistory)
      return { file: source.history!.label, baseline: fromHistory, origin: { from: 'history' }, history };
    const runs = history ? comparableRuns(history, scenario.hash, machineOf(here.environment)).length : 0;
    const fallback = readBaseline(source.file, 'none');
    const notices: Notice[] = [
      { kind: 'short-history', runs, needed: MIN_HISTORY_RUNS, fallback: fallback ? source.file : null },
    ];
    return { file: source.file, baseline: fallback, origin: { from: fallback ? 'file' : 'history', notices }, history };
  }
  return { file: source.file, baseline: readBaseline(source.file, source.missing), origin: { from: 'file' }, history };
}

/**
 * The gate, start to end: the run measured and judged, and its files written. The CLI's `run` and the action's gate
 * mode.
 */
export async function gateScenario(
  scenario: Scenario,
  against: Against | null,
  out: { dir: string },
  options: MeasureOptions = {},
): Promise<GatedRun> {
  const run = await measureJudged(scenario, against, options);
  await finishExport(options, run.results, run.verdict);
  return { ...run, report: writeRunReport(out.dir, run) };
}

/** The export's final figures sent (after the verdict, which they carry), and what arrived noted in the results. */
export async function finishExport(
  options: Pick<MeasureOptions, 'exporter' | 'log'>,
  results: Results,
  verdict: Verdict | null,
): Promise<void> {
  if (!options.exporter) return;
  const figures = await options.exporter.finish(results, verdict);
  if (!figures) return;
  results.export = figures;
  const line = exportText(figures);
  if (line) options.log?.(line);
}

export interface RecordedBaseline {
  baseline: Baseline;
  /** The last run, judged against the SLOs alone. */
  last: Results;
  verdict: Verdict;
  lastResultsPath: string;
}

/**
 * `runs` runs of the scenario merged into a baseline (each run's files in `run-i/`). A run that
 * stops early or loses its target fails the refresh: a baseline must be a whole run's figures.
 */
export async function recordBaseline(
  scenario: Scenario,
  runs: number,
  outDir: string,
  options: (run: number) => MeasureOptions,
): Promise<RecordedBaseline> {
  const measured: Results[] = [];
  for (let i = 1; i <= runs; i++) {
    const { results, targetError } = await measure(scenario, options(i));
    writeResultFiles(join(outDir, `run-${i}`), results);
    if (targetError) throw targetError;
    if (results.interrupted) throw new Error(`baseline run ${i} stopped early: ${results.stop_reason}`);
    measured.push(results);
  }
  const last = measured[measured.length - 1]!;
  return {
    baseline: buildBaseline(measured),
    last,
    verdict: judge(last, scenario, null),
    lastResultsPath: join(outDir, `run-${runs}`, 'results.json'),
  };
}
