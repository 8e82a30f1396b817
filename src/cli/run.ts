import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  claimOutputDir,
  fileHistory,
  gateJob,
  loadScenario,
  mergeJob,
  minimumSoakMs,
  parseDuration,
  parseShard,
  parseStartAt,
  readResults,
  referenceLabel,
  shardProblem,
  soakAdviceText,
  TargetError,
  type GateOptions,
  type Job,
  type JobOutcome,
  type Publisher,
  type ShardRun,
} from '../pipeline/index.ts';
import { EXIT, UsageError } from './errors.ts';
import type { Io } from './io.ts';

/** The CLI's publisher: files stay in --out; the markdown report goes to --markdown when asked for. */
function localPublisher(markdown: string | undefined): Publisher {
  return {
    storesArtifacts: false,
    upload: async () => null,
    download: async () => null,
    summary: async (text) => (markdown ? writeFileSync(markdown, text) : undefined),
    comment: async () => null,
    annotate: () => {},
  };
}

/** A job writing to `out`: the log and progress on stderr, the history read from --history up front. */
function localJob(
  io: Io,
  scenario: Job['scenario'],
  out: string,
  values: {
    markdown?: string;
    history?: string;
    'export-prometheus'?: string;
    'export-otlp'?: string;
    'run-id'?: string;
  },
  signal?: AbortSignal,
): Job {
  const history = values.history ? fileHistory(values.history) : null;
  return {
    scenario,
    outDir: out,
    log: { info: (line) => io.err(line), warning: (line) => io.err(line) },
    publisher: localPublisher(values.markdown),
    history: history && {
      label: history.label,
      read: async () => history.value,
      append: async () => {
        throw new Error('the CLI adds runs to a history with `mlload history add`');
      },
    },
    progress: { write: io.isTTY ? (s) => process.stderr.write(s) : io.err, tty: io.isTTY },
    signal,
    export: { prometheusUrl: values['export-prometheus'], otlpUrl: values['export-otlp'], runId: values['run-id'] },
  };
}

function gateOptions(values: { baseline?: string; 'fail-on-inconclusive'?: boolean }): GateOptions {
  return {
    baseline: values.baseline ? { file: values.baseline, missing: 'error' } : null,
    failOn: 'any',
    failOnInconclusive: values['fail-on-inconclusive'] ?? false,
  };
}

/** The outcome printed: the report to stdout, the files written, and the exit code. */
function finish(io: Io, outcome: JobOutcome): number {
  if (outcome.text) io.out(outcome.text);
  io.out(`\nWrote ${outcome.files.join(', ')}`);
  if (outcome.failure?.kind === 'target') io.err(`mlload: ${outcome.failure.message}`);
  return outcome.failure ? (outcome.failure.kind === 'target' ? EXIT.target : EXIT.fail) : EXIT.ok;
}

function shardOf(values: { shard?: string; 'start-at'?: string }): ShardRun | undefined {
  const shardText = values.shard ?? process.env.MLLOAD_SHARD;
  const startText = values['start-at'] ?? process.env.MLLOAD_START_AT;
  try {
    if (shardText) return { ...parseShard(shardText), startAtMs: startText ? parseStartAt(startText) : null };
    if (startText) throw new Error('--start-at lines up the shards of a run: give --shard I/N too');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return undefined;
}

/** `mlload run <scenario.yml>`: the gate on this machine; Ctrl-C stops the load and still writes the results. */
export async function runCommand(args: string[], io: Io): Promise<number> {
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
      'export-prometheus': { type: 'string' },
      'export-otlp': { type: 'string' },
      'run-id': { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('run takes one scenario file');
  const shard = shardOf(values);
  const scenario = loadScenario(positionals[0]!, {
    ...checkedOverrides(values),
    baselineImage: values['baseline-image'],
  });
  if (shard && shardProblem(scenario)) throw new UsageError(shardProblem(scenario)!);
  if (scenario.compare.against === 'history' && !values.history)
    throw new UsageError(
      'the scenario compares against its history (compare.against: history): give --history FILE (`mlload history ' +
        'add` keeps one)',
    );
  const out = values.out!;
  const claim = claimOutputDir(out);
  if (claim.replacing) io.err(`mlload: the results of an earlier run in ${out} will be replaced`);
  const stop = interrupts(io, claim.release);
  try {
    io.err(`mlload: ${describeRun(scenario, shard)}`);
    const soak = minimumSoakMs(scenario.slo.overall);
    const advice = soak === null ? null : soakAdviceText(scenario.load.durationMs, soak);
    if (advice) io.err(`mlload: note: ${advice}`);
    const job = localJob(io, scenario, out, values, stop.signal);
    let outcome: JobOutcome;
    try {
      outcome = await gateJob(job, { ...gateOptions(values), shard });
    } catch (err) {
      // Interrupted before the load began (a container starting, a health check waiting): nothing to write.
      if (!(stop.signalled() && err instanceof TargetError)) throw err;
      io.err(`mlload: ${err.message}`);
      return stop.exitCode()!;
    }
    if (io.isTTY) process.stderr.write('\n');
    const code = finish(io, outcome);
    return code === EXIT.target ? code : (stop.exitCode() ?? code);
  } finally {
    stop.dispose();
    claim.release();
  }
}

/** `--duration` and `--url` checked; the URL is never echoed, as it may carry a password. */
function checkedOverrides(values: { url?: string; image?: string; duration?: string }) {
  let durationMs: number | undefined;
  if (values.duration !== undefined) {
    durationMs = parseDuration(values.duration);
    if (!(durationMs > 0) || durationMs > 7 * 24 * 3_600_000)
      throw new UsageError(
        `--duration must be a duration with a unit from 1ms to 7 days, like 30s (got ${values.duration})`,
      );
  }
  if (values.url !== undefined) {
    if (!/^(https?|grpc):\/\//.test(values.url))
      throw new UsageError('--url must start with http://, https:// or grpc:// (gRPC requests)');
    if (URL.canParse(values.url) && (new URL(values.url).username || new URL(values.url).password))
      throw new UsageError(
        '--url carries a user name or password: send credentials in target.headers (Authorization), from a secret',
      );
  }
  return { url: values.url, image: values.image, durationMs };
}

function describeRun(scenario: Job['scenario'], shard: ShardRun | undefined): string {
  const totalS = (scenario.load.warmupMs + scenario.load.durationMs) / 1000;
  const pairing =
    scenario.compare.against === 'image'
      ? `, paired with ${referenceLabel(scenario)} in ${scenario.compare.blocks} block pairs`
      : '';
  const from = shard?.startAtMs != null ? ` from ${new Date(shard.startAtMs).toISOString()}` : '';
  const part = shard ? `, shard ${shard.index}/${shard.count}${from}` : '';
  const target = scenario.target.url ?? scenario.target.image;
  return `${scenario.name}: ${scenario.load.model} model, ${totalS} s against ${target}${pairing}${part}`;
}

/** SIGINT and SIGTERM stop the load (the results so far are written); a second one exits at once. */
function interrupts(io: Io, release: () => void) {
  const controller = new AbortController();
  let signalled: NodeJS.Signals | null = null;
  const code = (sig: NodeJS.Signals) => 128 + (sig === 'SIGINT' ? 2 : 15);
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) {
      // Containers left behind are removed by the next run.
      io.err(`mlload: second ${sig}: exiting without waiting`);
      release();
      process.exit(code(sig));
    }
    signalled = sig;
    io.err(`\nmlload: ${sig}: stopping, writing the results gathered so far`);
    controller.abort(new Error(`interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    signalled: () => signalled !== null,
    exitCode: () => (signalled ? code(signalled) : null),
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** `mlload merge <shard results.json>... --out DIR`: the shards merged exactly and judged as one run. */
export async function mergeCommand(args: string[], io: Io): Promise<number> {
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
      'export-prometheus': { type: 'string' },
      'export-otlp': { type: 'string' },
      'run-id': { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new UsageError('merge takes the results.json of every shard');
  if (!values.out) throw new UsageError('merge needs --out DIR for the merged results');
  const shards = positionals.map((file) => ({ file, results: readResults(file) }));
  const scenario = loadScenario(values.scenario ?? shards[0]!.results.scenario.file);
  const job = localJob(io, scenario, values.out, values);
  return finish(io, await mergeJob(job, { ...gateOptions(values), shards, allowApart: values['allow-apart'] }));
}
