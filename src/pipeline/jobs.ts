import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baselineFromHistory, shouldFail, type Baseline, type History, type Verdict } from '../gate/index.ts';
import { describeEnvironment, slowestRecovery, type Results } from '../metrics/index.ts';
import {
  baselineMarkdown,
  commentMarker,
  headline,
  markdownReport,
  problemAnnotations,
  progressPlan,
  progressPrinter,
  verdictAnnotations,
  writeResultFiles,
} from '../report/index.ts';
import type { Scenario } from '../scenario/index.ts';
import { InvalidFileError } from '../shared/document.ts';
import { readResults, writeBaseline } from '../store/index.ts';
import { Exporter, exportSettings } from '../export/index.ts';
import { finishExport, gateScenario, readAgainst, recordBaseline, type Against, type GatedRun } from './gate.ts';
import type { HistoryStore, JobOutcome, Log, Publisher } from './host.ts';
import { measure, referenceLabel, shardProblem, type MeasureOptions, type ShardRun } from './measure.ts';
import { mergeAndGate } from './merge.ts';

/** What every job is given: the scenario, where its files go, and the host's log, publisher and history. */
export interface Job {
  scenario: Scenario;
  outDir: string;
  log: Log;
  publisher: Publisher;
  /** Null where there is no history (no repository or token, or no --history). */
  history: HistoryStore | null;
  /** The workflow run's page, for the report's links. */
  runUrl?: string | null;
  /** The pull request the run is for, if any: the report calls the run "this PR", the artifact carries its number. */
  pullNumber?: number | null;
  /** Labels this job's containers (the action's post step removes exactly them). */
  runLabel?: string;
  /** Where the progress lines go; `tty` redraws one line. */
  progress: { write: (line: string) => void; tty?: boolean };
  signal?: AbortSignal;
  /** The export's endpoint from a flag or input (over the scenario's), and the id that ties a run's series together. */
  export?: { prometheusUrl?: string | null; otlpUrl?: string | null; runId?: string | null };
}

/** How a judged run is held: which failures fail the job, and the baseline file. */
export interface GateOptions {
  /** The baseline file (`named`: given on purpose; `missing: 'error'`: it must exist); null: none but the history. */
  baseline: { file: string; missing: 'none' | 'error'; named?: boolean } | null;
  failOn: 'any' | 'slo' | 'regression' | 'never';
  failOnInconclusive: boolean;
  /** `mode: record`: the run added to the history too, keeping this many whole runs. */
  record?: { keep: number } | null;
  /** This machine's shard of the load, judged alone (the CLI's `run --shard`). */
  shard?: ShardRun;
}

/**
 * The run's export, when the scenario, a flag or an input names an endpoint; null otherwise. Shards of one run share
 * its id (the workflow run's, MLLOAD_RUN_ID, or their agreed start) and differ in `shard`.
 */
function exporterOf(job: Job, shard: string, startAtMs: number | null = null): Exporter | null {
  const { prometheusUrl, otlpUrl } = job.export ?? {};
  const settings = exportSettings(job.scenario.export ?? undefined, { prometheusUrl, otlpUrl });
  if (!settings.prometheus && !settings.otlp) return null;
  const runId =
    job.export?.runId ||
    process.env.MLLOAD_RUN_ID ||
    (startAtMs !== null ? `shards-${new Date(startAtMs).toISOString()}` : new Date().toISOString());
  const commit = describeEnvironment().commit ?? '';
  const exporter = new Exporter(settings, { scenario: job.scenario.name, run_id: runId, commit, shard });
  job.log.info(`mlload: exporting to ${exporter.describe()}, run_id ${runId}`);
  return exporter;
}

/** The load's options: progress lines with a prefix (a baseline refresh numbers its runs). */
function measureOptions(job: Job, prefix = ''): MeasureOptions {
  const plan = progressPlan(job.scenario.load, job.scenario.compare.against === 'image');
  const write = prefix ? (line: string) => job.progress.write(`${prefix}${line}`) : job.progress.write;
  return {
    runLabel: job.runLabel,
    signal: job.signal,
    log: (line) => job.log.info(`mlload: ${line}`),
    onSecond: progressPrinter(plan, write, job.progress.tty ?? false),
  };
}

/** A run's figures as the action's outputs. */
export function figureOutputs(results: Results, resultsPath: string): Record<string, string> {
  const o = results.overall;
  const spikes = results.spikes ?? [];
  return {
    p50: String(o.latency_ms.p50),
    p95: String(o.latency_ms.p95),
    p99: String(o.latency_ms.p99),
    rps: String(o.rps),
    'error-rate': String(o.error_rate),
    capacity: results.capacity?.value?.toString() ?? '',
    // The slowest spike's; 'none' when a spike never recovered within its watch.
    recovery: spikes.length === 0 ? '' : String(slowestRecovery(spikes) ?? 'none'),
    results: resultsPath,
  };
}

type HistoryRead = { label: string; value: History | null; corrupt: boolean };

/**
 * The scenario's history, for the trend and `compare.against: history`. Reading it never stops the
 * gate: none is a first run, an unreadable one a warning, a corrupt one error annotations naming the
 * entry (it is left untouched, and `record` will not write over it).
 */
async function readHistory(job: Job): Promise<HistoryRead | null> {
  const store = job.history;
  if (!store) return null;
  try {
    const value = await store.read();
    if (value) job.log.info(`mlload: history ${store.label}: ${value.entries.length} runs`);
    return { label: store.label, value, corrupt: false };
  } catch (err) {
    if (err instanceof InvalidFileError) {
      const problems = err.problems.map((p) => ({ ...p, file: '', line: 0, col: 0 }));
      job.publisher.annotate(problemAnnotations(problems, 'mlload: corrupt history (left untouched)'));
      return { label: store.label, value: null, corrupt: true };
    }
    job.log.warning(
      `mlload: cannot read the history ${store.label}: ${(err as Error).message}; no trend this time`,
      `mlload: ${job.scenario.name}`,
    );
    return { label: store.label, value: null, corrupt: false };
  }
}

/** What the run is judged against: the baseline file, or the history's runs. */
async function against(
  job: Job,
  options: GateOptions,
): Promise<{ history: HistoryRead | null; against: Against | null }> {
  const history = await readHistory(job);
  const { file, missing, named } = options.baseline ?? { file: '', missing: 'none' };
  const read = options.baseline || history ? readAgainst(job.scenario, { file, missing, history }) : null;
  if (read && !read.baseline && named && missing === 'none')
    job.log.warning(
      `mlload: the baseline input names ${file}, which does not exist: only the SLOs are judged`,
      `mlload: ${job.scenario.name}`,
    );
  return { history, against: read };
}

/** The gate: the run measured (alone, or paired with the reference build) and judged, then published. */
export async function gateJob(job: Job, options: GateOptions): Promise<JobOutcome> {
  const { scenario } = job;
  if (scenario.compare.against === 'image')
    job.log.info(
      `mlload: paired run: ${scenario.target.image ?? scenario.target.url} (B) against ${referenceLabel(scenario)} ` +
        `(A), ${scenario.compare.blocks} block pairs`,
    );
  const { history, against: judgedAgainst } = await against(job, options);
  const shard = options.shard;
  const exporter = exporterOf(job, shard ? `${shard.index}/${shard.count}` : '', shard?.startAtMs ?? null);
  const measured = { ...measureOptions(job), shard, exporter };
  const run = await gateScenario(scenario, judgedAgainst, { dir: job.outDir }, measured);
  return publish(job, run, options, history);
}

/** `merge`: the shards' results, downloaded (or given), merged exactly and judged as one run. */
export async function mergeJob(
  job: Job,
  options: GateOptions & { shards?: Array<{ file: string; results: Results }>; allowApart?: boolean },
): Promise<JobOutcome> {
  const { scenario } = job;
  const shards = options.shards ?? (await downloadShards(job));
  const { history, against: judgedAgainst } = await against(job, options);
  const run = await mergeAndGate(
    shards,
    scenario,
    judgedAgainst,
    { dir: job.outDir },
    {
      allowApart: options.allowApart,
      exporter: exporterOf(job, 'merged'),
      log: (line) => job.log.info(`mlload: ${line}`),
    },
  );
  return publish(job, run, options, history);
}

/** Every shard's artifact of this workflow run. */
async function downloadShards(job: Job): Promise<Array<{ file: string; results: Results }>> {
  const { scenario } = job;
  const prefix = shardArtifactPrefix(scenario.name);
  const downloaded = await job.publisher.download(prefix, join(job.outDir, 'shards'));
  if (downloaded === null)
    throw new Error(
      "mode: merge downloads the shards' artifacts, which needs a GitHub runner (ACTIONS_RUNTIME_TOKEN); " +
        'locally, use `mlload merge`',
    );
  if (downloaded.length === 0)
    throw new Error(
      `no shard results of ${scenario.name} in this workflow run (artifacts ${prefix}*): run the shards first (needs:)`,
    );
  job.log.info(
    `mlload: merging ${downloaded.length} shards of ${scenario.name}: ${downloaded.map((d) => d.name).join(', ')}`,
  );
  return downloaded.map(({ name, dir }) => {
    const file = join(dir, 'results.json');
    if (!existsSync(file)) throw new Error(`artifact ${name} holds no results.json`);
    return { file, results: readResults(file) };
  });
}

/** The artifact name of a scenario's shard, and the prefix the merge looks for. */
export const shardArtifactPrefix = (scenario: string) => `mlload-shard-${scenario}-`;
export const shardArtifactName = (scenario: string, index: number) => `${shardArtifactPrefix(scenario)}${index}`;

/**
 * The end of a judged run, measured here or merged: the report made once (the artifact's report.md,
 * the summary and the comment are one text), uploaded, annotated; the history recorded in record mode.
 */
async function publish(
  job: Job,
  run: GatedRun,
  options: GateOptions,
  history: HistoryRead | null,
): Promise<JobOutcome> {
  const { scenario, publisher, outDir } = job;
  const { results, verdict, targetError } = run;
  const artifact = `mlload-${scenario.name}`;
  const links = {
    runUrl: job.runUrl ?? undefined,
    artifactName: publisher.storesArtifacts ? artifact : undefined,
    resultsPath: publisher.storesArtifacts ? undefined : outDir,
    subject: job.pullNumber ? 'this PR' : 'this run',
  };
  // The artifact's own report names the artifact; the summary and comment, made after the upload, link to it.
  const reportFile = join(outDir, 'report.md');
  writeFileSync(reportFile, markdownReport(results, verdict, links, run.trend));
  // The PR number travels with the artifact, so a workflow_run job with a write token can comment on a fork's PR.
  const files = [...run.report.files, reportFile];
  if (job.pullNumber) {
    files.push(join(outDir, 'pull-request.txt'));
    writeFileSync(files.at(-1)!, `${job.pullNumber}\n`);
  }
  const uploaded = await uploadRun(job, artifact, files);
  const report = markdownReport(
    results,
    verdict,
    { ...links, artifactUrl: uploaded.url ?? undefined, notUploaded: publisher.storesArtifacts && !uploaded.ok },
    run.trend,
  );
  await publisher.summary(report);
  const commentUrl = await publisher.comment(report, {
    failed: verdict.status === 'fail',
    marker: commentMarker(scenario.name),
  });
  publisher.annotate(verdictAnnotations(verdict, scenario));
  const outputs = {
    verdict: verdict.status,
    ...figureOutputs(results, run.report.resultsPath),
    'comment-url': commentUrl ?? '',
  };
  const done = { outputs, text: run.report.text, files: run.report.files };
  if (targetError) return { ...done, failure: { kind: 'target', message: targetError.message } };
  if (options.record) Object.assign(outputs, await record(job, results, history, options.record.keep));
  const failure = gateFailure(scenario, verdict, options);
  if (!failure) job.log.info(`mlload: ${scenario.name}: ${verdict.status}: ${headline(verdict)}`);
  return { ...done, failure };
}

/** The run's files uploaded as one artifact: whether that worked, and the artifact's page when the host knows it. */
async function uploadRun(job: Job, name: string, files: string[]): Promise<{ ok: boolean; url: string | null }> {
  try {
    const uploaded = await job.publisher.upload(name, job.outDir, files);
    return { ok: true, url: uploaded?.url ?? null };
  } catch (err) {
    job.log.warning(
      `mlload: uploading the results artifact failed: ${(err as Error).message}; results stay in ${job.outDir}`,
    );
    return { ok: false, url: null };
  }
}

function gateFailure(scenario: Scenario, verdict: Verdict, options: GateOptions): JobOutcome['failure'] {
  if (shouldFail(verdict, options.failOn, options.failOnInconclusive)) {
    const what = verdict.status === 'fail' ? 'failed' : 'is inconclusive (fail-on-inconclusive)';
    return { kind: 'gate', message: `${scenario.name} ${what}: ${headline(verdict)}` };
  }
  return null;
}

/** `mode: record`: the run added to the history (a whole run only; never over a corrupt file). */
async function record(
  job: Job,
  results: Results,
  history: HistoryRead | null,
  keep: number,
): Promise<Record<string, string>> {
  const store = job.history;
  if (!store)
    throw new Error('mode: record needs github-token and a repository (GITHUB_REPOSITORY) to write the history branch');
  if (history?.corrupt)
    throw new Error(
      `the history ${store.label} is corrupt (see the errors above): the run was not recorded, and the file was ` +
        `left as it is`,
    );
  if (results.interrupted) {
    job.log.warning(
      `mlload: the run stopped early (${results.stop_reason}): not recorded in the history`,
      `mlload: ${job.scenario.name}`,
    );
    return {};
  }
  const { entries, url } = await store.append(results, keep);
  job.log.info(`mlload: recorded in ${store.label}: ${entries} runs kept${url ? ` (${url})` : ''}`);
  return { 'history-url': url ?? '' };
}

/** `mode: shard`: this job's shard of the load, its results uploaded for the merge job; nothing judged. */
export async function shardJob(
  job: Job,
  shard: { index: number; count: number; startAtMs: number | null; startAt: () => Promise<number> },
): Promise<JobOutcome> {
  const { scenario, outDir } = job;
  const unshardable = shardProblem(scenario);
  if (unshardable) throw new Error(unshardable);
  const { index, count } = shard;
  let startAtMs = shard.startAtMs;
  if (startAtMs === null) {
    try {
      startAtMs = await shard.startAt();
    } catch (err) {
      job.log.warning(
        `mlload: no start time for the shards (${(err as Error).message}): this one starts when ready; set the ` +
          `start-at input to line them up`,
        `mlload: ${scenario.name}`,
      );
    }
  }
  if (startAtMs !== null)
    job.log.info(`mlload: shard ${index}/${count}: the load begins at ${new Date(startAtMs).toISOString()}`);
  const exporter = exporterOf(job, `${index}/${count}`, startAtMs);
  const options = { ...measureOptions(job), shard: { index, count, startAtMs }, exporter };
  const { results, targetError } = await measure(scenario, options);
  await finishExport(options, results, null);
  const files = writeResultFiles(outDir, results);
  const name = shardArtifactName(scenario.name, index);
  try {
    const uploaded = await job.publisher.upload(name, outDir, [join(outDir, 'results.json')]);
    job.log.info(
      uploaded !== null
        ? `mlload: shard ${index}/${count}: results uploaded as ${name}`
        : `mlload: not on a runner with artifact storage: the shard's results stay in ${outDir}`,
    );
  } catch (err) {
    throw new Error(
      `uploading the shard's results as ${name} failed: ${(err as Error).message} (they stay in ${outDir})`,
    );
  }
  return {
    outputs: { ...figureOutputs(results, files[0]!), verdict: 'shard' },
    failure: targetError ? { kind: 'target', message: targetError.message } : null,
    text: null,
    files,
  };
}

/** Commits a refreshed baseline: the commit's or pull request's URL. */
export interface BaselineCommitter {
  how: 'push' | 'pr';
  commit(file: string, message: string): Promise<string>;
}

/** `update-baseline`: the baseline made of fresh runs (or the history's last runs), written, committed if asked. */
export async function refreshBaselineJob(
  job: Job,
  options: { runs: number; from: 'runs' | 'history'; file: string; committer: BaselineCommitter | null },
): Promise<JobOutcome> {
  const { scenario, outDir, publisher, log } = job;
  const n = options.runs;
  let baseline: Baseline;
  const outputs: Record<string, string> = {};
  if (options.from === 'history') {
    const history = await readHistory(job);
    if (!history?.value)
      throw new Error(
        `baseline-from: history needs the history branch with runs of ${scenario.name} ` +
          `(${history?.corrupt ? 'it is corrupt' : 'there is none yet'}): record some with mode: record`,
      );
    const here = { scenario: { hash: scenario.hash }, environment: describeEnvironment() };
    const fromHistory = baselineFromHistory(history.value, here, scenario.compare.historyRuns);
    if (!fromHistory)
      throw new Error(
        `the history ${history.label} has fewer than 3 runs of this scenario on this kind of machine: nothing to ` +
          `build a baseline from`,
      );
    baseline = fromHistory;
    log.info(`mlload: baseline from the last ${baseline.runs} runs of ${history.label}`);
  } else {
    const recorded = await recordBaseline(scenario, n, outDir, (i) => {
      log.info(`mlload: baseline run ${i} of ${n}`);
      return measureOptions(job, `[${i}/${n}] `);
    });
    baseline = recorded.baseline;
    Object.assign(outputs, figureOutputs(recorded.last, recorded.lastResultsPath), {
      verdict: recorded.verdict.status,
    });
  }
  writeBaseline(options.file, baseline);
  log.info(`mlload: baseline written to ${options.file} (${baseline.runs} ${baseline.runs === 1 ? 'run' : 'runs'})`);
  let summary = baselineMarkdown(scenario.name, baseline, options.file);
  let committed: string | null = null;
  if (options.committer) {
    committed = await options.committer.commit(options.file, `mlload: refresh the ${scenario.name} baseline`);
    summary += `\n${options.committer.how === 'pr' ? 'Pull request' : 'Commit'}: ${committed}\n`;
    log.info(`mlload: baseline committed: ${committed}`);
  }
  await publisher.summary(summary);
  Object.assign(outputs, { baseline: options.file, 'baseline-url': committed ?? '' });
  return { outputs, failure: null, text: null, files: [options.file] };
}
