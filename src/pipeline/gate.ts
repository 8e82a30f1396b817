import { join } from 'node:path';
import { buildBaseline, judge, readBaseline, type Baseline, type Verdict } from '../gate/index.ts';
import type { Results } from '../metrics/index.ts';
import { writeResultFiles, writeRunReport, type ReportLinks, type RunReport } from '../report/index.ts';
import type { Scenario } from '../scenario/index.ts';
import { measure, measureJudged, type JudgedRun, type MeasureOptions } from './measure.ts';

export interface BaselineSource {
  file: string;
  /** A missing file: 'none' judges the SLOs alone; 'error' refuses to run. */
  missing: 'none' | 'error';
}

export interface GatedRun extends JudgedRun {
  report: RunReport;
}

/** What a run is judged against: a baseline file read and checked (null when it does not exist), or nothing. */
export type Against = { file: string; baseline: Baseline | null } | null;

/** Reads the baseline before any load, so a corrupt file costs no minutes; a paired run needs none. */
export function readAgainst(scenario: Scenario, source: BaselineSource | null): Against {
  if (!source || scenario.compare.against === 'image') return null;
  return { file: source.file, baseline: readBaseline(source.file, source.missing) };
}

/** The gate, start to end: the run measured and judged, and its files written. The CLI's `run` and the action's gate mode. */
export async function gateScenario(scenario: Scenario, against: Against, out: { dir: string; reportFile?: string | null; links?: ReportLinks }, options: MeasureOptions = {}): Promise<GatedRun> {
  const run = await measureJudged(scenario, against, options);
  return { ...run, report: writeRunReport(out.dir, run, { reportFile: out.reportFile, links: out.links }) };
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
export async function recordBaseline(scenario: Scenario, runs: number, outDir: string, options: (run: number) => MeasureOptions): Promise<RecordedBaseline> {
  const measured: Results[] = [];
  for (let i = 1; i <= runs; i++) {
    const { results, targetError } = await measure(scenario, options(i));
    writeResultFiles(join(outDir, `run-${i}`), results);
    if (targetError) throw targetError;
    if (results.interrupted) throw new Error(`baseline run ${i} stopped early: ${results.stop_reason}`);
    measured.push(results);
  }
  const last = measured[measured.length - 1]!;
  return { baseline: buildBaseline(measured), last, verdict: judge(last, scenario, null), lastResultsPath: join(outDir, `run-${runs}`, 'results.json') };
}
