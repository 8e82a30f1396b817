import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryTrend, Verdict } from '../gate/index.ts';
import { rankText } from './words.ts';
import type { Results } from '../metrics/index.ts';
import { resultsTable, verdictText } from './console.ts';
import { writeResultFiles } from './files.ts';
import { htmlReport } from './html.ts';

export interface RunReport {
  /** The results files written (report.md aside), for the artifact and the CLI's "Wrote …" line. */
  files: string[];
  resultsPath: string;
  /** The results table and the verdict, for a terminal or a log. */
  text: string;
}

/**
 * What every judged run leaves behind, the CLI's and the action's alike: results.json and the CSVs
 * (and the reference build's, in a paired run), report.md when asked for, and the console text.
 */
export function writeRunReport(
  dir: string,
  run: { results: Results; verdict: Verdict; reference: Results | null; trend?: HistoryTrend | null },
): RunReport {
  if (run.reference) writeResultFiles(join(dir, 'reference'), run.reference);
  const files = writeResultFiles(dir, run.results, run.verdict);
  const html = join(dir, 'report.html');
  writeFileSync(
    html,
    htmlReport({ results: run.results, verdict: run.verdict, reference: run.reference, trend: run.trend ?? null }),
  );
  files.push(html);
  const trend = run.trend ? `\n${run.trend.ranks.map((r) => `trend: ${rankText(r)}`).join('\n')}` : '';
  return {
    files,
    resultsPath: join(dir, 'results.json'),
    text: `${resultsTable(run.results)}\n\n${verdictText(run.verdict)}${trend}`,
  };
}
