import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Verdict } from '../gate/index.ts';
import { limitText, undecidedText } from './words.ts';
import type { Results } from '../metrics/index.ts';
import { processAlive } from '../shared/pids.ts';
import { writeResults } from '../store/index.ts';
import { capacityCsv, exceptionsCsv, failuresCsv, statsCsv, statsHistoryCsv, tokensCsv } from './csv.ts';

/**
 * Writes results.json (with the verdict beside the figures, when judged) and the Locust-compatible CSVs into `dir`;
 * returns the paths written.
 */
export function writeResultFiles(dir: string, results: Results, verdict?: Verdict): string[] {
  mkdirSync(dir, { recursive: true });
  writeResults(join(dir, 'results.json'), results, verdict ? verdictFields(verdict) : {});
  const files: Array<[string, string]> = [
    ['stats.csv', statsCsv(results)],
    ['stats_history.csv', statsHistoryCsv(results)],
    ['failures.csv', failuresCsv(results)],
    ['exceptions.csv', exceptionsCsv(results)],
    ...(results.capacity ? [['capacity.csv', capacityCsv(results)] as [string, string]] : []),
    ...(results.overall.tokens ? [['tokens.csv', tokensCsv(results)] as [string, string]] : []),
  ];
  return [
    join(dir, 'results.json'),
    ...files.map(([name, text]) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    }),
  ];
}

/** The verdict as results.json holds it: the checks' numbers, with their limits and notes in words beside them. */
function verdictFields(verdict: Verdict) {
  const checks = verdict.checks.map((c) => {
    const note = undecidedText(c, verdict.comparison);
    return { ...c, limit: limitText(c), ...(note ? { note } : {}) };
  });
  return { verdict: verdict.status, checks, comparison: verdict.comparison };
}

/** Another run is writing into the same folder. */
export class OutputInUseError extends Error {}

/**
 * Claims `dir` for one run, so two runs at once cannot overwrite each other's files: the second is
 * refused. A claim left by a run that was killed is taken over. `replacing`: an earlier run's
 * results are there and will be replaced.
 */
export function claimOutputDir(dir: string): { replacing: boolean; release: () => void } {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, '.mlload.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return { replacing: existsSync(join(dir, 'results.json')), release: () => rmSync(lock, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(lock, 'utf8').trim());
      if (pid > 0 && pid !== process.pid && processAlive(pid))
        throw new OutputInUseError(`another mlload run (pid ${pid}) is writing to ${dir}: give each run its own --out`);
      rmSync(lock, { force: true });
    }
  }
  throw new OutputInUseError(`cannot claim ${dir} for this run`);
}
