import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Verdict } from '../gate/types.ts';
import type { Results } from '../metrics/types.ts';
import { exceptionsCsv, failuresCsv, statsCsv, statsHistoryCsv } from './csv.ts';

/** Writes results.json (with the verdict beside the figures, when judged) and the Locust-compatible CSVs into `dir`; returns the paths written. */
export function writeResultFiles(dir: string, results: Results, verdict?: Verdict): string[] {
  mkdirSync(dir, { recursive: true });
  const judged = verdict ? { ...results, verdict: verdict.status, checks: verdict.checks, comparison: verdict.comparison } : results;
  const files: Array<[string, string]> = [
    ['results.json', JSON.stringify(judged, null, 2) + '\n'],
    ['stats.csv', statsCsv(results)],
    ['stats_history.csv', statsHistoryCsv(results)],
    ['failures.csv', failuresCsv(results)],
    ['exceptions.csv', exceptionsCsv(results)],
  ];
  return files.map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}
