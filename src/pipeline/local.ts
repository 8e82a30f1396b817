// The commands on files a run left behind: baselines made and compared, the history kept, a page rendered, a scenario
// checked. Each returns what to print; a problem the user can fix is a UserError.
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  baselineFromHistory,
  buildBaseline,
  DEFAULT_HISTORY_RUNS,
  historyTrend,
  judge,
  shouldFail,
  type History,
  type Verdict,
} from '../gate/index.ts';
import {
  historyCsv,
  historyJsonLines,
  historyTable,
  htmlReport,
  markdownReport,
  soakAdviceText,
  verdictText,
} from '../report/index.ts';
import { loadScenario, minimumSoakMs } from '../scenario/index.ts';
import {
  appendEntry,
  DEFAULT_KEEP,
  historyEntry,
  readBaseline,
  readHistory,
  readResults,
  writeBaseline,
  writeHistory,
} from '../store/index.ts';

/** A request the files cannot meet (the CLI exits 2 with the message alone). */
export class UserError extends Error {}

/** `validate`: the scenario checked, and a drift soak too short for its limits named. */
export function validateScenario(file: string): string[] {
  const scenario = loadScenario(file);
  const lines = [`${scenario.file}: valid (${scenario.requests.length} requests, ${scenario.load.model} model)`];
  const soak = minimumSoakMs(scenario.slo.overall);
  const advice = soak === null ? null : soakAdviceText(scenario.load.durationMs, soak);
  if (advice) lines.push(`note: ${advice}`);
  return lines;
}

/** `baseline`: runs merged into a baseline file. */
export function baselineOfRuns(files: string[], out: string): string {
  const runs = files.map(readResults);
  let baseline: ReturnType<typeof buildBaseline>;
  try {
    baseline = buildBaseline(runs);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  writeBaseline(out, baseline);
  const o = baseline.overall;
  const l = o.latency_ms;
  return (
    `Wrote ${out}: ${baseline.runs} ${baseline.runs === 1 ? 'run' : 'runs'}, ${o.count} requests, ` +
    `p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, ${o.rps} req/s, error rate ${(o.error_rate * 100).toFixed(2)}%`
  );
}

/** `compare`: a run written earlier judged against a baseline file; whether it fails, and the verdict in words. */
export function compareFiles(
  resultsFile: string,
  o: { baseline: string; scenario?: string; markdown?: string; failOnInconclusive: boolean },
): { text: string; failed: boolean } {
  const results = readResults(resultsFile);
  const scenario = loadScenario(o.scenario ?? results.scenario.file);
  const verdict = judge(results, scenario, readBaseline(o.baseline), o.baseline);
  if (o.markdown) writeFileSync(o.markdown, markdownReport(results, verdict));
  return { text: verdictText(verdict), failed: shouldFail(verdict, 'any', o.failOnInconclusive) };
}

function existingHistory(file: string): History {
  const history = readHistory(file);
  if (!history)
    throw new UserError(`no history at ${file}: \`mlload history add <results.json> --file ${file}\` starts one`);
  return history;
}

/** `history add`: a run appended to a local history file. */
export function historyAdd(
  file: string,
  resultsFile: string,
  o: { commit?: string; ref?: string; keep?: number },
): string {
  const results = readResults(resultsFile);
  const before = readHistory(file);
  if (before && before.scenario.name !== results.scenario.name)
    throw new UserError(`${file} is the history of scenario ${before.scenario.name}, not ${results.scenario.name}`);
  const commit = o.commit ?? results.environment.commit ?? 'unknown';
  const entry = historyEntry(results, { commit, ref: o.ref ?? null });
  const after = appendEntry(before, results.scenario.name, entry, o.keep ?? before?.keep ?? DEFAULT_KEEP);
  writeHistory(file, after);
  return `Added ${commit.slice(0, 12)} (${results.started_at}) to ${file}: ${after.entries.length} runs kept`;
}

/** `history show`: the last runs as a table. */
export const historyShow = (file: string, last: number): string => historyTable(existingHistory(file), last);

/** `history export`: the runs as CSV or JSON Lines. */
export function historyExport(file: string, format: 'csv' | 'jsonl'): string {
  const history = existingHistory(file);
  return format === 'csv' ? historyCsv(history) : historyJsonLines(history);
}

/** `history baseline`: the last runs of the newest scenario on the newest machine, as a baseline file. */
export function historyBaseline(file: string, out: string, runs = DEFAULT_HISTORY_RUNS): string {
  const history = existingHistory(file);
  const newest = history.entries.at(-1);
  // The newest run's scenario and machine: the runs a pull request on that machine would be judged against.
  const baseline = newest
    ? baselineFromHistory(
        history,
        { scenario: { hash: newest.scenario_hash }, environment: { ...newest.machine, node: '' } },
        runs,
      )
    : null;
  if (!baseline)
    throw new UserError(
      `${file} has fewer than 3 runs of its newest scenario on its newest machine: nothing to build a baseline from`,
    );
  writeBaseline(out, baseline);
  const machine = `${newest!.machine.cores} × ${newest!.machine.cpu_model}`;
  const o = baseline.overall;
  return (
    `Wrote ${out} from the last ${baseline.runs} runs of ${file} (${machine}): p95 ${o.latency_ms.p95} ms, ` +
    `${o.rps} req/s`
  );
}

/** `report`: the self-contained page of a run written earlier (a paired run's reference beside it in reference/). */
export function htmlOfRun(resultsFile: string, html: string, historyFile?: string): string {
  const results = readResults(resultsFile);
  const judged = results as typeof results & {
    verdict?: Verdict['status'];
    checks?: Verdict['checks'];
    comparison?: Verdict['comparison'];
  };
  const verdict: Verdict | null = judged.verdict
    ? { status: judged.verdict, checks: judged.checks ?? [], notices: [], comparison: judged.comparison ?? null }
    : null;
  const referenceFile = join(dirname(resultsFile), 'reference', 'results.json');
  const reference = existsSync(referenceFile) ? readResults(referenceFile) : null;
  const history = historyFile ? readHistory(historyFile) : null;
  const trend = history ? historyTrend(history, results) : null;
  writeFileSync(html, htmlReport({ results, verdict, reference, trend }));
  return `Wrote ${html}`;
}

/** A local history file as the run's history store: read once, up front, so a corrupt file stops the run at once. */
export function fileHistory(file: string): { label: string; value: History | null } {
  return { label: file, value: readHistory(file) };
}
