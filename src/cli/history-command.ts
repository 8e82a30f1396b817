import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { baselineFromHistory, DEFAULT_HISTORY_RUNS, historyTrend, type History, type Verdict } from '../gate/index.ts';
import { historyCsv, historyJsonLines, historyTable, htmlReport } from '../report/index.ts';
import { EXIT, UsageError } from './errors.ts';
import {
  appendEntry,
  DEFAULT_KEEP,
  historyEntry,
  readHistory,
  readResults,
  writeBaseline,
  writeHistory,
} from '../store/index.ts';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export const HISTORY_USAGE = `  mlload history add <results.json> --file <history.json> [--commit SHA] [--ref BRANCH] [--keep N]
  mlload history show --file <history.json> [--last N]
  mlload history export --file <history.json> --format csv|jsonl [--out FILE]
  mlload history baseline --file <history.json> --out <baseline.json> [--runs N]`;

function existing(file: string): History {
  const history = readHistory(file);
  if (!history)
    throw new UsageError(`no history at ${file}: \`mlload history add <results.json> --file ${file}\` starts one`);
  return history;
}

/**
 * `mlload history add|show|export|baseline`: the history file the action keeps on its branch, read and written locally.
 */
export function historyCommand(args: string[], io: Io): number {
  const [verb, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      file: { type: 'string' },
      commit: { type: 'string' },
      ref: { type: 'string' },
      keep: { type: 'string' },
      last: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      runs: { type: 'string' },
    },
  });
  if (!values.file) throw new UsageError(`history ${verb ?? ''} needs --file <history.json>`.replace('  ', ' '));
  const count = (name: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`--${name} must be a whole number of at least 1 (got ${text})`);
    return n;
  };
  switch (verb) {
    case 'add': {
      if (positionals.length !== 1) throw new UsageError('history add takes one results.json');
      const results = readResults(positionals[0]!);
      const before = readHistory(values.file);
      if (before && before.scenario.name !== results.scenario.name)
        throw new UsageError(
          `${values.file} is the history of scenario ${before.scenario.name}, not ${results.scenario.name}`,
        );
      const commit = values.commit ?? results.environment.commit ?? 'unknown';
      const entry = historyEntry(results, { commit, ref: values.ref ?? null });
      const after = appendEntry(
        before,
        results.scenario.name,
        entry,
        count('keep', values.keep, before?.keep ?? DEFAULT_KEEP),
      );
      writeHistory(values.file, after);
      io.out(
        `Added ${commit.slice(0, 12)} (${results.started_at}) to ${values.file}: ${after.entries.length} runs kept`,
      );
      return EXIT.ok;
    }
    case 'show':
      io.out(historyTable(existing(values.file), count('last', values.last, 20)));
      return EXIT.ok;
    case 'export': {
      const history = existing(values.file);
      if (values.format !== 'csv' && values.format !== 'jsonl')
        throw new UsageError('history export needs --format csv or --format jsonl');
      const text = values.format === 'csv' ? historyCsv(history) : historyJsonLines(history);
      if (values.out) writeFileSync(values.out, text);
      else io.out(text.trimEnd());
      return EXIT.ok;
    }
    case 'baseline': {
      if (!values.out) throw new UsageError('history baseline needs --out <baseline.json>');
      const history = existing(values.file);
      const newest = history.entries[history.entries.length - 1];
      const runs = count('runs', values.runs, DEFAULT_HISTORY_RUNS);
      // The newest run's scenario and machine: the runs a pull request on that machine would be judged against.
      const baseline = newest
        ? baselineFromHistory(
            history,
            { scenario: { hash: newest.scenario_hash }, environment: { ...newest.machine, node: '' } },
            runs,
          )
        : null;
      if (!baseline)
        throw new UsageError(
          `${values.file} has fewer than 3 runs of its newest scenario on its newest machine: nothing to build a baseline from`,
        );
      writeBaseline(values.out, baseline);
      io.out(
        `Wrote ${values.out} from the last ${baseline.runs} runs of ${values.file} (${newest!.machine.cores} × ${newest!.machine.cpu_model}): p95 ${baseline.overall.latency_ms.p95} ms, ${baseline.overall.rps} req/s`,
      );
      return EXIT.ok;
    }
    default:
      throw new UsageError(`history needs add, show, export or baseline${verb ? ` (got ${verb})` : ''}`);
  }
}

/**
 * `mlload report <results.json> --html <report.html> [--history FILE]`: the self-contained page of a
 * run written earlier (its verdict is in results.json; a paired run's reference beside it in reference/).
 */
export function reportCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { html: { type: 'string' }, history: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('report takes one results.json');
  if (!values.html) throw new UsageError('report needs --html <report.html>');
  const file = positionals[0]!;
  const results = readResults(file);
  const judged = results as typeof results & {
    verdict?: Verdict['status'];
    checks?: Verdict['checks'];
    comparison?: Verdict['comparison'];
  };
  const verdict: Verdict | null = judged.verdict
    ? { status: judged.verdict, checks: judged.checks ?? [], notices: [], comparison: judged.comparison ?? null }
    : null;
  const referenceFile = join(dirname(file), 'reference', 'results.json');
  const reference = existsSync(referenceFile) ? readResults(referenceFile) : null;
  const history = values.history ? readHistory(values.history) : null;
  writeFileSync(
    values.html,
    htmlReport({ results, verdict, reference, trend: history ? historyTrend(history, results) : null }),
  );
  io.out(`Wrote ${values.html}`);
  return EXIT.ok;
}
