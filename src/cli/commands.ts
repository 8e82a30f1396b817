import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  baselineOfRuns,
  compareFiles,
  historyAdd,
  historyBaseline,
  historyExport,
  historyShow,
  htmlOfRun,
  validateScenario,
} from '../pipeline/index.ts';
import { EXIT, UsageError } from './errors.ts';
import type { Io } from './io.ts';

const parse = <O extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(args: string[], options: O) =>
  parseArgs({ args, allowPositionals: true, strict: true, options });

/** `mlload validate <scenario.yml>` */
export function validateCommand(args: string[], io: Io): number {
  const { positionals } = parse(args, {});
  if (positionals.length !== 1) throw new UsageError('validate takes one scenario file');
  for (const line of validateScenario(positionals[0]!)) io.out(line);
  return EXIT.ok;
}

/** `mlload baseline <results.json>... --out <baseline.json>` */
export function baselineCommand(args: string[], io: Io): number {
  const { values, positionals } = parse(args, { out: { type: 'string' } });
  if (positionals.length === 0) throw new UsageError('baseline takes one or more results.json files');
  if (!values.out) throw new UsageError('baseline needs --out <baseline.json>');
  io.out(baselineOfRuns(positionals, values.out));
  return EXIT.ok;
}

/** `mlload compare <results.json> --baseline <baseline.json> [--scenario FILE] [--markdown FILE]` */
export function compareCommand(args: string[], io: Io): number {
  const { values, positionals } = parse(args, {
    baseline: { type: 'string' },
    scenario: { type: 'string' },
    markdown: { type: 'string' },
    'fail-on-inconclusive': { type: 'boolean', default: false },
  });
  if (positionals.length !== 1) throw new UsageError('compare takes one results.json');
  if (!values.baseline) throw new UsageError('compare needs --baseline <baseline.json>');
  const { text, failed } = compareFiles(positionals[0]!, {
    baseline: values.baseline,
    scenario: values.scenario,
    markdown: values.markdown,
    failOnInconclusive: values['fail-on-inconclusive'],
  });
  io.out(text);
  return failed ? EXIT.fail : EXIT.ok;
}

/** `mlload history add|show|export|baseline`: the history file the action keeps on its branch, used locally. */
export function historyCommand(args: string[], io: Io): number {
  const [verb, ...rest] = args;
  const { values, positionals } = parse(rest, {
    file: { type: 'string' },
    commit: { type: 'string' },
    ref: { type: 'string' },
    keep: { type: 'string' },
    last: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    runs: { type: 'string' },
  });
  const file = values.file;
  if (!file) throw new UsageError(`history ${verb ?? ''} needs --file <history.json>`.replace('  ', ' '));
  const count = (name: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`--${name} must be a whole number of at least 1 (got ${text})`);
    return n;
  };
  switch (verb) {
    case 'add':
      if (positionals.length !== 1) throw new UsageError('history add takes one results.json');
      io.out(
        historyAdd(file, positionals[0]!, { commit: values.commit, ref: values.ref, keep: count('keep', values.keep) }),
      );
      return EXIT.ok;
    case 'show':
      io.out(historyShow(file, count('last', values.last) ?? 20));
      return EXIT.ok;
    case 'export': {
      if (values.format !== 'csv' && values.format !== 'jsonl')
        throw new UsageError('history export needs --format csv or --format jsonl');
      const text = historyExport(file, values.format);
      if (values.out) writeFileSync(values.out, text);
      else io.out(text.trimEnd());
      return EXIT.ok;
    }
    case 'baseline':
      if (!values.out) throw new UsageError('history baseline needs --out <baseline.json>');
      io.out(historyBaseline(file, values.out, count('runs', values.runs)));
      return EXIT.ok;
    default:
      throw new UsageError(`history needs add, show, export or baseline${verb ? ` (got ${verb})` : ''}`);
  }
}

/** `mlload report <results.json> --html <report.html> [--history FILE]` */
export function reportCommand(args: string[], io: Io): number {
  const { values, positionals } = parse(args, { html: { type: 'string' }, history: { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('report takes one results.json');
  if (!values.html) throw new UsageError('report needs --html <report.html>');
  io.out(htmlOfRun(positionals[0]!, values.html, values.history));
  return EXIT.ok;
}
