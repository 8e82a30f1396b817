import { parseArgs } from 'node:util';
import { shouldFail } from '../gate/index.ts';
import { gateScenario, readAgainst, referenceLabel, shardProblem, type ShardRun } from '../pipeline/index.ts';
import { claimOutputDir, OutputInUseError, progressPlan, progressPrinter, soakAdviceText } from '../report/index.ts';
import { loadScenario, minimumSoakMs, parseDuration, parseShard, parseStartAt } from '../scenario/index.ts';
import { InvalidFileError } from '../shared/document.ts';
import { VERSION } from '../shared/version.ts';
import { TargetError } from '../target/index.ts';
import { EXIT, UsageError } from './errors.ts';
import { baselineCommand, baselineSource, compareCommand, mergeCommand } from './gate-commands.ts';
import { historyCommand, HISTORY_USAGE, reportCommand } from './history-command.ts';

const USAGE = `mlload ${VERSION}: load-test an ML model's HTTP API

Usage:
  mlload run <scenario.yml> [--out DIR] [--url URL] [--image IMAGE] [--duration D]
             [--baseline FILE | --baseline-image IMAGE] [--history FILE] [--fail-on-inconclusive]
             [--markdown FILE] [--shard I/N [--start-at TIME]]
  mlload merge <shard results.json>... --out DIR [--scenario FILE] [--baseline FILE]
             [--history FILE] [--markdown FILE] [--fail-on-inconclusive] [--allow-apart]
  mlload baseline <results.json>... --out <baseline.json>
  mlload compare <results.json> --baseline <baseline.json> [--markdown FILE] [--fail-on-inconclusive]
  mlload report <results.json> --html <report.html> [--history FILE]
${HISTORY_USAGE}
  mlload validate <scenario.yml>

run judges every run against the scenario's SLOs, and its regression tolerances when it has something
to compare with: --baseline (a baseline file), or a paired A/B run (--baseline-image, or
compare.against: image in the scenario), which runs the reference build beside the target and
alternates the load between them, or the last runs of a history (--history, with compare.against:
history). With --history the report shows the trend. The verdict goes into results.json, the charts
into report.html (one self-contained file) beside it.

--shard I/N (or MLLOAD_SHARD) runs shard I (from 0) of N: in the open model every N-th arrival of
the whole seeded schedule, from I; in the closed model its share of the users. --start-at (or
MLLOAD_START_AT: Unix seconds or an ISO time) makes every shard begin at one instant. merge joins the
shards' results exactly (HDR histograms add) and judges them as one run.

Exit codes: 0 passed (or inconclusive, or nothing to compare and the SLOs held), 1 failed the gate (or inconclusive with
--fail-on-inconclusive), 2 invalid input or arguments, 3 target unreachable or failed, 4 internal error (a bug:
please report it), 130 or 143 interrupted (SIGINT, SIGTERM; the results gathered so far are written).`;

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
  isTTY: Boolean(process.stderr.isTTY) && !process.env.CI,
};

/** Runs one CLI command; resolves to the process exit code. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest, io);
      case 'validate':
        return validateCommand(rest, io);
      case 'baseline':
        return baselineCommand(rest, io);
      case 'compare':
        return compareCommand(rest, io);
      case 'history':
        return historyCommand(rest, io);
      case 'merge':
        return mergeCommand(rest, io);
      case 'report':
        return reportCommand(rest, io);
      case '--version':
      case '-v':
        io.out(VERSION);
        return EXIT.ok;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command: ${command}`);
    }
  } catch (err) {
    if (err instanceof InvalidFileError) {
      io.err(err.message);
      return EXIT.usage;
    }
    if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      io.err(`mlload: ${(err as Error).message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    if (err instanceof TargetError) {
      io.err(`mlload: ${err.message}`);
      return EXIT.target;
    }
    throw err;
  }
}

function validateCommand(args: string[], io: Io): number {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError('validate takes one scenario file');
  const scenario = loadScenario(positionals[0]!);
  io.out(`${scenario.file}: valid (${scenario.requests.length} requests, ${scenario.load.model} model)`);
  const soak = minimumSoakMs(scenario.slo.overall);
  const advice = soak === null ? null : soakAdviceText(scenario.load.durationMs, soak);
  if (advice) io.out(`note: ${advice}`);
  return EXIT.ok;
}

async function runCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string', default: 'mlload-results' },
      url: { type: 'string' },
      image: { type: 'string' },
      duration: { type: 'string' },
      baseline: { type: 'string' },
      'baseline-image': { type: 'string' },
      'fail-on-inconclusive': { type: 'boolean', default: false },
      markdown: { type: 'string' },
      history: { type: 'string' },
      shard: { type: 'string' },
      'start-at': { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('run takes one scenario file');
  const shardText = values.shard ?? process.env.MLLOAD_SHARD;
  const startText = values['start-at'] ?? process.env.MLLOAD_START_AT;
  let shard: ShardRun | undefined;
  try {
    if (shardText) shard = { ...parseShard(shardText), startAtMs: startText ? parseStartAt(startText) : null };
    else if (startText) throw new Error('--start-at lines up the shards of a run: give --shard I/N too');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  let durationMs: number | undefined;
  if (values.duration !== undefined) {
    durationMs = parseDuration(values.duration);
    if (!(durationMs > 0) || durationMs > 7 * 24 * 3_600_000)
      throw new UsageError(
        `--duration must be a duration with a unit from 1ms to 7 days, like 30s (got ${values.duration})`,
      );
  }
  if (values.url !== undefined) {
    // The URL is not echoed: it may carry a password.
    if (!/^https?:\/\//.test(values.url)) throw new UsageError('--url must start with http:// or https://');
    if (URL.canParse(values.url) && (new URL(values.url).username || new URL(values.url).password)) {
      throw new UsageError(
        '--url carries a user name or password: send credentials in target.headers (Authorization), from a secret',
      );
    }
  }
  if (values.baseline && values['baseline-image'])
    throw new UsageError('give --baseline (a baseline file) or --baseline-image (a paired run), not both');
  const scenario = loadScenario(positionals[0]!, {
    url: values.url,
    image: values.image,
    durationMs,
    baselineImage: values['baseline-image'],
  });
  const paired = scenario.compare.against === 'image';
  const unshardable = shard ? shardProblem(scenario) : null;
  if (unshardable) throw new UsageError(unshardable);
  if (scenario.compare.against === 'history' && !values.history)
    throw new UsageError(
      'the scenario compares against its history (compare.against: history): give --history FILE (`mlload history add` keeps one)',
    );
  const source = baselineSource(values.baseline, values.history);
  const against = readAgainst(scenario, source);

  let claim: ReturnType<typeof claimOutputDir>;
  try {
    claim = claimOutputDir(values.out!);
  } catch (err) {
    if (err instanceof OutputInUseError) throw new UsageError(err.message);
    throw err;
  }
  if (claim.replacing) io.err(`mlload: the results of an earlier run in ${values.out} will be replaced`);

  const controller = new AbortController();
  let signalled: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) {
      // A second interrupt: stop now. Containers left behind are removed by the next run.
      io.err(`mlload: second ${sig}: exiting without waiting`);
      claim.release();
      process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
    }
    signalled = sig;
    io.err(`\nmlload: ${sig}: stopping, writing the results gathered so far`);
    controller.abort(new Error(`interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const totalS = (scenario.load.warmupMs + scenario.load.durationMs) / 1000;
  try {
    const pairing = paired ? `, paired with ${referenceLabel(scenario)} in ${scenario.compare.blocks} block pairs` : '';
    const part = shard
      ? `, shard ${shard.index}/${shard.count}${shard.startAtMs !== null ? ` from ${new Date(shard.startAtMs).toISOString()}` : ''}`
      : '';
    io.err(
      `mlload: ${scenario.name}: ${scenario.load.model} model, ${totalS} s against ${scenario.target.url ?? scenario.target.image}${pairing}${part}`,
    );
    const soak = minimumSoakMs(scenario.slo.overall);
    const advice = soak === null ? null : soakAdviceText(scenario.load.durationMs, soak);
    if (advice) io.err(`mlload: note: ${advice}`);
    const options = {
      shard,
      signal: controller.signal,
      log: (line: string) => io.err(`mlload: ${line}`),
      onSecond: progressPrinter(
        progressPlan(scenario.load, paired),
        io.isTTY ? (s) => process.stderr.write(s) : io.err,
        io.isTTY,
      ),
    };
    let run: Awaited<ReturnType<typeof gateScenario>>;
    try {
      run = await gateScenario(scenario, against, { dir: values.out!, reportFile: values.markdown }, options);
    } catch (err) {
      // Interrupted before the load began (a container starting, a health check waiting): nothing to write.
      if (signalled && err instanceof TargetError) {
        io.err(`mlload: ${err.message}`);
        return 128 + (signalled === 'SIGINT' ? 2 : 15);
      }
      throw err;
    }
    const { verdict, targetError } = run;
    if (io.isTTY) process.stderr.write('\n');
    io.out(run.report.text);
    io.out(`\nWrote ${run.report.files.join(', ')}`);
    if (targetError) {
      io.err(`mlload: ${targetError.message}`);
      return EXIT.target;
    }
    if (signalled) return 128 + (signalled === 'SIGINT' ? 2 : 15);
    if (shouldFail(verdict, 'any', values['fail-on-inconclusive'])) return EXIT.fail;
    return EXIT.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    claim.release();
  }
}
