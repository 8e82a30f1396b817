import * as core from '@actions/core';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { baselineFromHistory, shouldFail, type Baseline, type History, type Verdict } from '../gate/index.ts';
import {
  client,
  commentOnPullRequest,
  commitBaseline,
  defaultStartAt,
  downloadArtifacts,
  historyLabel,
  historyPath,
  readBranchHistory,
  readRunContext,
  recordRun,
  shardArtifactName,
  shardArtifactPrefix,
  uploadResults,
  uploadRun,
  type HistoryLocation,
  type RunContext,
} from '../github/index.ts';
import { describeEnvironment, slowestRecovery, type Results } from '../metrics/index.ts';
import {
  gateScenario,
  measure,
  mergeAndGate,
  readAgainst,
  recordBaseline,
  referenceLabel,
  shardProblem,
  type Against,
  type GatedRun,
  type MeasureOptions,
  type RecordedBaseline,
} from '../pipeline/index.ts';
import { writeResultFiles } from '../report/index.ts';
import {
  baselineMarkdown,
  breachText,
  commentMarker,
  describeMetric,
  headline,
  markdownReport,
  noticeText,
  progressPlan,
  progressPrinter,
  undecidedText,
} from '../report/index.ts';
import { loadScenario, type Scenario } from '../scenario/index.ts';
import { InvalidFileError } from '../shared/document.ts';
import { readInputs, type Inputs } from './inputs.ts';
import { readResults, writeBaseline } from '../store/index.ts';

/** Labels this job's containers, so the post step removes exactly them. */
export function runLabel(env: NodeJS.ProcessEnv = process.env): string {
  return `${env.GITHUB_RUN_ID ?? 'local'}-${env.GITHUB_RUN_ATTEMPT ?? '1'}-${env.GITHUB_JOB ?? 'job'}-${process.pid}`;
}

interface Job {
  inputs: Inputs;
  scenario: Scenario;
  ctx: RunContext;
  outDir: string;
  baselinePath: string;
  measure: (prefix?: string) => MeasureOptions;
}

const log = { info: (line: string) => core.info(line), warning: (line: string) => core.warning(line) };

/** The action: read the inputs, run the gate or refresh the baseline, set the outputs; any error fails the step. */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const scenario = loadScenario(inputs.scenario, {
      url: inputs.url ?? undefined,
      image: inputs.image ?? undefined,
      baselineImage: inputs.baselineImage ?? undefined,
    });
    const label = runLabel();
    core.saveState('run-label', label);
    const plan = progressPlan(scenario.load, scenario.compare.against === 'image');
    const job: Job = {
      inputs,
      scenario,
      ctx: readRunContext(),
      outDir: inputs.resultsDir ?? join(process.env.RUNNER_TEMP ?? tmpdir(), 'mlload', scenario.name),
      baselinePath: inputs.baseline ?? join('baselines', `${scenario.name}.json`),
      measure: (prefix = '') => ({
        runLabel: label,
        log: (line) => core.info(line),
        onSecond: progressPrinter(plan, (line) => core.info(`${prefix}${line}`)),
      }),
    };
    if (inputs.mode === 'update-baseline') await updateBaseline(job);
    else if (inputs.mode === 'shard') await shard(job);
    else if (inputs.mode === 'merge') await merge(job);
    else await gate(job);
  } catch (err) {
    if (err instanceof InvalidFileError) {
      for (const p of err.problems)
        core.error(`${p.key ? `${p.key}: ` : ''}${p.message}`, {
          title: 'mlload: invalid file',
          file: p.file,
          startLine: p.line || undefined,
          startColumn: p.col || undefined,
        });
      core.setFailed(`invalid input file:\n${err.message}`);
    } else core.setFailed(`mlload: ${(err as Error).message}`);
  }
}

function setFigures(results: Results, resultsPath: string): void {
  const o = results.overall;
  core.setOutput('p50', String(o.latency_ms.p50));
  core.setOutput('p95', String(o.latency_ms.p95));
  core.setOutput('p99', String(o.latency_ms.p99));
  core.setOutput('rps', String(o.rps));
  core.setOutput('error-rate', String(o.error_rate));
  core.setOutput('capacity', results.capacity?.value?.toString() ?? '');
  // The slowest spike's; 'none' when a spike never recovered within its watch.
  const spikes = results.spikes ?? [];
  core.setOutput('recovery', spikes.length === 0 ? '' : String(slowestRecovery(spikes) ?? 'none'));
  core.setOutput('results', resultsPath);
}

/** Where this repository keeps the scenario's history; null off a runner (no repository) or without a token. */
function historyLocation({ inputs, scenario, ctx }: Job): HistoryLocation | null {
  if (!inputs.token || !ctx.owner || !ctx.repo) return null;
  return { owner: ctx.owner, repo: ctx.repo, branch: inputs.historyBranch, path: historyPath(scenario.name) };
}

/**
 * The scenario's history from its branch, for the trend and `compare.against: history`. Reading it
 * never stops the gate: a missing branch is a first run, an unreadable one a warning, and a corrupt
 * file an error annotation naming the entry (it is left untouched, and `record` will not write over it).
 */
async function readHistoryFor(job: Job): Promise<{ label: string; value: History | null; corrupt: boolean } | null> {
  const loc = historyLocation(job);
  if (!loc) return null;
  const label = historyLabel(loc);
  try {
    const { history } = await readBranchHistory(client(job.inputs.token), loc);
    if (history) core.info(`mlload: history ${label}: ${history.entries.length} runs`);
    return { label, value: history, corrupt: false };
  } catch (err) {
    if (err instanceof InvalidFileError) {
      for (const p of err.problems)
        core.error(`${p.key ? `${p.key}: ` : ''}${p.message}`, { title: 'mlload: corrupt history (left untouched)' });
      return { label, value: null, corrupt: true };
    }
    core.warning(`mlload: cannot read the history ${label}: ${(err as Error).message}; no trend this time`, {
      title: `mlload: ${job.scenario.name}`,
    });
    return { label, value: null, corrupt: false };
  }
}

async function gate(job: Job): Promise<void> {
  const { scenario, outDir, ctx, measure } = job;
  if (scenario.compare.against === 'image')
    core.info(
      `mlload: paired run: ${scenario.target.image ?? scenario.target.url} (B) against ${referenceLabel(scenario)} (A), ${scenario.compare.blocks} block pairs`,
    );
  const { history, against } = await againstFor(job);
  const reportFile = join(outDir, 'report.md');
  const run = await gateScenario(
    scenario,
    against,
    { dir: outDir, reportFile, links: { runUrl: ctx.runUrl ?? undefined } },
    measure(),
  );
  await publish(job, run, reportFile, history);
}

/** What the run is judged against: the committed baseline, or the history's runs. */
async function againstFor(
  job: Job,
): Promise<{ history: Awaited<ReturnType<typeof readHistoryFor>>; against: Against | null }> {
  const { inputs, scenario, baselinePath } = job;
  const history = await readHistoryFor(job);
  const against = readAgainst(scenario, { file: baselinePath, missing: 'none', history });
  if (against && !against.baseline && inputs.baseline)
    core.warning(
      `mlload: the baseline input names ${inputs.baseline}, which does not exist: only the SLOs are judged`,
      { title: `mlload: ${scenario.name}` },
    );
  return { history, against };
}

/** `mode: shard`: this job's shard of the load, its results uploaded for the merge job; nothing judged. */
async function shard(job: Job): Promise<void> {
  const { inputs, scenario, ctx, outDir } = job;
  const unshardable = shardProblem(scenario);
  if (unshardable) throw new Error(unshardable);
  const { index, count } = inputs.shard!;
  let startAtMs = inputs.startAtMs;
  if (startAtMs === null) {
    try {
      startAtMs = await defaultStartAt(inputs.token, ctx);
    } catch (err) {
      core.warning(
        `mlload: no start time for the shards (${(err as Error).message}): this one starts when ready; set the start-at input to line them up`,
        { title: `mlload: ${scenario.name}` },
      );
    }
  }
  if (startAtMs !== null)
    core.info(`mlload: shard ${index}/${count}: the load begins at ${new Date(startAtMs).toISOString()}`);
  const { results, targetError } = await measure(scenario, { ...job.measure(), shard: { index, count, startAtMs } });
  const files = writeResultFiles(outDir, results);
  const name = shardArtifactName(scenario.name, index);
  try {
    const uploaded = await uploadResults(name, [join(outDir, 'results.json')], outDir);
    core.info(
      uploaded
        ? `mlload: shard ${index}/${count}: results uploaded as ${name}`
        : `mlload: not on a runner with artifact storage: the shard's results stay in ${outDir}`,
    );
  } catch (err) {
    throw new Error(
      `uploading the shard's results as ${name} failed: ${(err as Error).message} (they stay in ${outDir})`,
    );
  }
  setFigures(results, files[0]!);
  core.setOutput('verdict', 'shard');
  if (targetError) core.setFailed(`mlload: ${targetError.message}`);
}

/**
 * `mode: merge`: every shard's artifact of this workflow run, merged and judged as one run: the comment, summary and
 * outputs of the gate.
 */
async function merge(job: Job): Promise<void> {
  const { scenario, ctx, outDir } = job;
  const downloaded = await downloadArtifacts(shardArtifactPrefix(scenario.name), join(outDir, 'shards'));
  if (downloaded === null)
    throw new Error(
      "mode: merge downloads the shards' artifacts, which needs a GitHub runner (ACTIONS_RUNTIME_TOKEN); locally, use `mlload merge`",
    );
  if (downloaded.length === 0)
    throw new Error(
      `no shard results of ${scenario.name} in this workflow run (artifacts ${shardArtifactPrefix(scenario.name)}*): run the shards first (needs:)`,
    );
  const inputs = downloaded.map(({ name, dir }) => {
    const file = join(dir, 'results.json');
    if (!existsSync(file)) throw new Error(`artifact ${name} holds no results.json`);
    return { file, results: readResults(file) };
  });
  core.info(`mlload: merging ${inputs.length} shards of ${scenario.name}: ${downloaded.map((d) => d.name).join(', ')}`);
  const { history, against } = await againstFor(job);
  const reportFile = join(outDir, 'report.md');
  const run = mergeAndGate(inputs, scenario, against, {
    dir: outDir,
    reportFile,
    links: { runUrl: ctx.runUrl ?? undefined },
  });
  await publish(job, run, reportFile, history);
}

/**
 * The gate's end, whether the run was measured here or merged from shards: artifact, summary, comment, outputs,
 * annotations, the step's status.
 */
async function publish(
  job: Job,
  run: GatedRun,
  reportFile: string,
  history: Awaited<ReturnType<typeof readHistoryFor>>,
): Promise<void> {
  const { inputs, scenario, ctx, outDir } = job;
  const { results, verdict, targetError } = run;
  core.info(run.report.text);

  // The artifact carries the report and the PR number, so a workflow_run job with a write token can
  // comment on a fork's pull request (whose workflow_run event lists no pull requests).
  const files = [...run.report.files, reportFile];
  if (ctx.pullNumber) {
    files.push(join(outDir, 'pull-request.txt'));
    writeFileSync(files[files.length - 1]!, `${ctx.pullNumber}\n`);
  }
  const artifactUrl = await uploadRun(scenario.name, outDir, files, log);
  const subject = ctx.pullNumber ? 'this PR' : 'this run';
  const report = markdownReport(
    results,
    verdict,
    {
      runUrl: ctx.runUrl ?? undefined,
      artifactUrl: artifactUrl ?? undefined,
      resultsPath: artifactUrl ? undefined : outDir,
      subject,
    },
    run.trend,
  );
  await core.summary.addRaw(report).write();
  const commentUrl = await commentOnPullRequest(
    {
      policy: inputs.comment,
      token: inputs.token,
      ctx,
      marker: commentMarker(scenario.name),
      body: report,
      failed: verdict.status === 'fail',
    },
    log,
  );

  core.setOutput('verdict', verdict.status);
  setFigures(results, run.report.resultsPath);
  core.setOutput('comment-url', commentUrl ?? '');
  annotate(verdict, scenario);
  if (targetError) return core.setFailed(`mlload: ${targetError.message}`);
  if (inputs.mode === 'record') await record(job, results, history);
  const failOn = inputs.mode === 'report' ? 'never' : inputs.failOn;
  if (shouldFail(verdict, failOn, inputs.failOnInconclusive))
    core.setFailed(
      `mlload: ${scenario.name} ${verdict.status === 'fail' ? 'failed' : 'is inconclusive (fail-on-inconclusive)'}: ${headline(verdict)}`,
    );
  else core.info(`mlload: ${scenario.name}: ${verdict.status}: ${headline(verdict)}`);
}

/** `mode: record`: the run added to the history on its branch (a whole run only; never over a corrupt file). */
async function record(job: Job, results: Results, history: { corrupt: boolean } | null): Promise<void> {
  const loc = historyLocation(job);
  if (!loc)
    throw new Error('mode: record needs github-token and a repository (GITHUB_REPOSITORY) to write the history branch');
  if (history?.corrupt)
    throw new Error(
      `the history ${historyLabel(loc)} is corrupt (see the errors above): the run was not recorded, and the file was left as it is`,
    );
  if (results.interrupted) {
    core.warning(`mlload: the run stopped early (${results.stop_reason}): not recorded in the history`, {
      title: `mlload: ${job.scenario.name}`,
    });
    return;
  }
  const { entries, url } = await recordRun(job.inputs.token, loc, job.ctx, results, job.inputs.historyKeep);
  core.info(`mlload: recorded in ${historyLabel(loc)}: ${entries} runs kept${url ? ` (${url})` : ''}`);
  core.setOutput('history-url', url ?? '');
}

function annotate(verdict: Verdict, scenario: Scenario): void {
  const title = `mlload: ${scenario.name}`;
  for (const n of verdict.notices) core.notice(noticeText(n), { title });
  for (const c of verdict.checks.filter((x) => x.status === 'inconclusive')) {
    core.warning(
      `${c.scope === 'overall' ? '' : `${c.scope}: `}${describeMetric(c.metric)}: ${undecidedText(c, verdict.comparison) ?? 'inconclusive'}`,
      { title: `${title}: inconclusive` },
    );
  }
  for (const c of verdict.checks.filter((x) => x.status === 'fail'))
    core.error(breachText(c, verdict.comparison), { title, file: relative(process.cwd(), scenario.file) });
}

async function updateBaseline(job: Job): Promise<void> {
  const { inputs, scenario, ctx, outDir, baselinePath, measure } = job;
  const n = inputs.baselineRuns;
  let recorded: RecordedBaseline | null = null;
  let baseline: Baseline;
  if (inputs.baselineFrom === 'history') {
    const history = await readHistoryFor(job);
    if (!history?.value)
      throw new Error(
        `baseline-from: history needs the history branch ${inputs.historyBranch} with runs of ${scenario.name} (${history?.corrupt ? 'it is corrupt' : 'there is none yet'}): record some with mode: record`,
      );
    const fromHistory = baselineFromHistory(
      history.value,
      { scenario: { hash: scenario.hash }, environment: describeEnvironment() },
      scenario.compare.historyRuns,
    );
    if (!fromHistory)
      throw new Error(
        `the history ${history.label} has fewer than 3 runs of this scenario on this kind of machine: nothing to build a baseline from`,
      );
    baseline = fromHistory;
    core.info(`mlload: baseline from the last ${baseline.runs} runs of ${history.label}`);
  } else {
    recorded = await recordBaseline(scenario, n, outDir, (i) => {
      core.info(`mlload: baseline run ${i} of ${n}`);
      return measure(`[${i}/${n}] `);
    });
    baseline = recorded.baseline;
  }
  writeBaseline(baselinePath, baseline);
  let summary = baselineMarkdown(scenario.name, baseline, baselinePath);
  let committed: string | null = null;
  if (inputs.baselineCommit !== 'none') {
    if (!inputs.token)
      throw new Error('update-baseline needs github-token to commit the baseline (or set baseline-commit: none)');
    if (!ctx.branch) throw new Error('update-baseline cannot tell the current branch (GITHUB_REF_NAME is not set)');
    committed = await commitBaseline(client(inputs.token), {
      owner: ctx.owner,
      repo: ctx.repo,
      path: relative(process.cwd(), baselinePath).split('\\').join('/'),
      file: baselinePath,
      branch: ctx.branch,
      message: `mlload: refresh the ${scenario.name} baseline`,
      how: inputs.baselineCommit,
    });
    summary += `\n${inputs.baselineCommit === 'pr' ? 'Pull request' : 'Commit'}: ${committed}\n`;
    core.info(`mlload: baseline committed: ${committed}`);
  }
  await core.summary.addRaw(summary).write();
  core.setOutput('baseline', baselinePath);
  core.setOutput('baseline-url', committed ?? '');
  if (recorded) {
    core.setOutput('verdict', recorded.verdict.status);
    setFigures(recorded.last, recorded.lastResultsPath);
  }
}
