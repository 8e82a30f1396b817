import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildBaseline } from '../gate/index.ts';
import { ShardMergeError } from '../metrics/index.ts';
import { mergeAndGate, readAgainst, type BaselineSource } from '../pipeline/index.ts';
import { judge, shouldFail } from '../gate/index.ts';
import { verdictText } from '../report/index.ts';
import { markdownReport } from '../report/index.ts';
import { loadScenario } from '../scenario/index.ts';
import { EXIT, UsageError } from './errors.ts';
import { readBaseline, readHistory, readResults, writeBaseline } from '../store/index.ts';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** `mlload baseline <results.json>... --out <baseline.json>` */
export function baselineCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { out: { type: 'string' } },
  });
  if (positionals.length === 0) throw new UsageError('baseline takes one or more results.json files');
  if (!values.out) throw new UsageError('baseline needs --out <baseline.json>');
  const runs = positionals.map(readResults);
  let baseline: ReturnType<typeof buildBaseline>;
  try {
    baseline = buildBaseline(runs);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  writeBaseline(values.out, baseline);
  const o = baseline.overall;
  io.out(
    `Wrote ${values.out}: ${baseline.runs} ${baseline.runs === 1 ? 'run' : 'runs'}, ${o.count} requests, p50 ${o.latency_ms.p50} ms, p95 ${o.latency_ms.p95} ms, p99 ${o.latency_ms.p99} ms, ${o.rps} req/s, error rate ${(o.error_rate * 100).toFixed(2)}%`,
  );
  return EXIT.ok;
}

/** `mlload compare <results.json> --baseline <baseline.json> [--scenario FILE] [--markdown FILE]` */
export function compareCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      baseline: { type: 'string' },
      scenario: { type: 'string' },
      markdown: { type: 'string' },
      'fail-on-inconclusive': { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError('compare takes one results.json');
  if (!values.baseline) throw new UsageError('compare needs --baseline <baseline.json>');
  const results = readResults(positionals[0]!);
  const scenario = loadScenario(values.scenario ?? results.scenario.file);
  const baseline = readBaseline(values.baseline);
  const verdict = judge(results, scenario, baseline, values.baseline);
  io.out(verdictText(verdict));
  if (values.markdown) writeFileSync(values.markdown, markdownReport(results, verdict));
  return shouldFail(verdict, 'any', values['fail-on-inconclusive']) ? EXIT.fail : EXIT.ok;
}

/**
 * `mlload merge <shard results.json>... --out DIR [--scenario FILE] [--baseline FILE] [--history FILE] [--markdown
 * FILE]`
 */
export function mergeCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string' },
      scenario: { type: 'string' },
      baseline: { type: 'string' },
      history: { type: 'string' },
      markdown: { type: 'string' },
      'fail-on-inconclusive': { type: 'boolean', default: false },
      'allow-apart': { type: 'boolean', default: false },
    },
  });
  if (positionals.length === 0) throw new UsageError('merge takes the results.json of every shard');
  if (!values.out) throw new UsageError('merge needs --out DIR for the merged results');
  const inputs = positionals.map((file) => ({ file, results: readResults(file) }));
  const scenario = loadScenario(values.scenario ?? inputs[0]!.results.scenario.file);
  const source = baselineSource(values.baseline, values.history);
  let run: ReturnType<typeof mergeAndGate>;
  try {
    run = mergeAndGate(
      inputs,
      scenario,
      readAgainst(scenario, source),
      { dir: values.out, reportFile: values.markdown },
      { allowApart: values['allow-apart'] },
    );
  } catch (err) {
    if (err instanceof ShardMergeError) throw new UsageError(err.message);
    throw err;
  }
  io.out(run.report.text);
  io.out(`\nWrote ${run.report.files.join(', ')}`);
  return shouldFail(run.verdict, 'any', values['fail-on-inconclusive']) ? EXIT.fail : EXIT.ok;
}

/**
 * What `--baseline FILE` and `--history FILE` give a run to be judged against: a baseline file that must exist, the
 * history read; null without either.
 */
export function baselineSource(
  baselineFile: string | undefined,
  historyFile: string | undefined,
): BaselineSource | null {
  const history = historyFile ? { label: historyFile, value: readHistory(historyFile) } : null;
  return baselineFile || history
    ? { file: baselineFile ?? '', missing: baselineFile ? 'error' : 'none', history }
    : null;
}
