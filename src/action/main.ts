import * as core from '@actions/core';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildBaseline, readBaseline, writeBaseline } from '../gate/baseline.ts';
import type { Verdict } from '../gate/types.ts';
import { judge, shouldFail } from '../gate/verdict.ts';
import { client, GitHubError } from '../github/api.ts';
import { uploadResults } from '../github/artifact.ts';
import { commitBaseline } from '../github/baseline-commit.ts';
import { findComment, tokenLogin, upsertComment } from '../github/comment.ts';
import { readRunContext, type RunContext } from '../github/context.ts';
import type { Results } from '../metrics/types.ts';
import { measure, measureJudged, referenceLabel } from '../pipeline.ts';
import { progressPlan, progressPrinter, resultsTable, verdictText } from '../report/console.ts';
import { writeResultFiles } from '../report/files.ts';
import { commentMarker, markdownReport } from '../report/markdown.ts';
import { InvalidFileError } from '../scenario/document.ts';
import { loadScenario } from '../scenario/parse.ts';
import type { Scenario } from '../scenario/types.ts';
import { TargetError } from '../target/types.ts';
import { readInputs, type Inputs } from './inputs.ts';

/** Labels this job's containers, so the post step removes exactly them. */
export function runLabel(env: NodeJS.ProcessEnv = process.env): string {
  return `${env.GITHUB_RUN_ID ?? 'local'}-${env.GITHUB_RUN_ATTEMPT ?? '1'}-${env.GITHUB_JOB ?? 'job'}-${process.pid}`;
}

/** The action: read inputs, run the pipeline, report, and fail the step when the gate says so. */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const scenario = loadScenario(inputs.scenario, { url: inputs.url ?? undefined, image: inputs.image ?? undefined, baselineImage: inputs.baselineImage ?? undefined });
    const label = runLabel();
    core.saveState('run-label', label);
    const ctx = readRunContext();
    const outDir = inputs.resultsDir ?? join(process.env.RUNNER_TEMP ?? tmpdir(), 'mlload', scenario.name);
    const baselinePath = inputs.baseline ?? join('baselines', `${scenario.name}.json`);
    if (inputs.mode === 'update-baseline') await updateBaseline(inputs, scenario, ctx, outDir, baselinePath, label);
    else await gate(inputs, scenario, ctx, outDir, baselinePath, label);
  } catch (err) {
    if (err instanceof InvalidFileError) {
      for (const p of err.problems) core.error(`${p.key ? `${p.key}: ` : ''}${p.message}`, { title: 'mlload: invalid file', file: p.file, startLine: p.line || undefined, startColumn: p.col || undefined });
      core.setFailed(`invalid input file:\n${err.message}`);
    } else if (err instanceof TargetError) {
      core.setFailed(`mlload: ${err.message}`);
    } else {
      core.setFailed(`mlload: ${(err as Error).message}`);
    }
  }
}

function measureOptions(scenario: Scenario, label: string, prefix = '') {
  const paired = scenario.compare.against === 'image';
  return {
    runLabel: label,
    log: (line: string) => core.info(line),
    onSecond: progressPrinter(progressPlan(scenario.load, paired), (line) => core.info(`${prefix}${line}`)),
  };
}

const measureLogged = (scenario: Scenario, label: string, prefix = '') => measure(scenario, measureOptions(scenario, label, prefix));

function setFigures(results: Results, resultsPath: string): void {
  const o = results.overall;
  core.setOutput('p50', String(o.latency_ms.p50));
  core.setOutput('p95', String(o.latency_ms.p95));
  core.setOutput('p99', String(o.latency_ms.p99));
  core.setOutput('rps', String(o.rps));
  core.setOutput('error-rate', String(o.error_rate));
  core.setOutput('results', resultsPath);
}

async function gate(inputs: Inputs, scenario: Scenario, ctx: RunContext, outDir: string, baselinePath: string, label: string): Promise<void> {
  const paired = scenario.compare.against === 'image';
  if (paired) core.info(`mlload: paired run: ${scenario.target.image ?? scenario.target.url} (B) against ${referenceLabel(scenario)} (A), ${scenario.compare.blocks} block pairs`);
  // A corrupt baseline is found before minutes of load, not after.
  const against = paired ? null : { file: baselinePath, baseline: readBaseline(baselinePath, 'none') };
  if (against && !against.baseline && inputs.baseline) core.warning(`mlload: the baseline input names ${inputs.baseline}, which does not exist: only the SLOs are judged`, { title: `mlload: ${scenario.name}` });
  const judged = await measureJudged(scenario, against, measureOptions(scenario, label));
  const { results, reference, targetError } = judged;
  const verdict = judged.verdict;
  if (reference) writeResultFiles(join(outDir, 'reference'), reference);
  const files = writeResultFiles(outDir, results, verdict);
  const resultsPath = join(outDir, 'results.json');
  core.info(resultsTable(results));
  core.info(verdictText(verdict));

  // The artifact carries the report and the PR number, so a workflow_run job with a write token can
  // comment on a fork's pull request (whose workflow_run event lists no pull requests).
  const reportPath = join(outDir, 'report.md');
  writeFileSync(reportPath, markdownReport(results, verdict, { runUrl: ctx.runUrl ?? undefined }));
  files.push(reportPath);
  if (ctx.pullNumber) {
    const prFile = join(outDir, 'pull-request.txt');
    writeFileSync(prFile, `${ctx.pullNumber}\n`);
    files.push(prFile);
  }
  const artifactUrl = await upload(scenario.name, outDir, files);
  const report = markdownReport(results, verdict, { runUrl: ctx.runUrl ?? undefined, artifactUrl: artifactUrl ?? undefined, resultsPath: artifactUrl ? undefined : outDir });
  await core.summary.addRaw(report).write();

  core.setOutput('verdict', verdict.status);
  setFigures(results, resultsPath);
  const commentUrl = await comment(inputs, ctx, scenario.name, report, verdict);
  core.setOutput('comment-url', commentUrl ?? '');

  annotate(verdict, scenario);
  if (targetError) return core.setFailed(`mlload: ${targetError.message}`);
  const failOn = inputs.mode === 'report' ? 'never' : inputs.failOn;
  if (shouldFail(verdict, failOn, inputs.failOnInconclusive)) core.setFailed(`mlload: ${scenario.name} ${verdict.status === 'fail' ? 'failed' : 'is inconclusive (fail-on-inconclusive)'}: ${verdict.headline}`);
  else core.info(`mlload: ${scenario.name}: ${verdict.status}: ${verdict.headline}`);
}

function annotate(verdict: Verdict, scenario: Scenario): void {
  for (const n of verdict.notices) core.notice(n, { title: `mlload: ${scenario.name}` });
  for (const c of verdict.checks.filter((x) => x.status === 'inconclusive')) {
    core.warning(`${c.scope === 'overall' ? '' : `${c.scope}: `}${c.metric}: ${c.note ?? 'inconclusive'}`, { title: `mlload: ${scenario.name}: inconclusive` });
  }
  for (const c of verdict.checks.filter((x) => x.status === 'fail')) {
    core.error(`${c.scope === 'overall' ? '' : `${c.scope}: `}${c.metric} ${c.value} breaches ${c.kind === 'slo' ? 'the SLO' : 'the regression tolerance'} ${c.limit}`, {
      title: `mlload: ${scenario.name}`,
      file: relative(process.cwd(), scenario.file),
    });
  }
}

async function upload(name: string, outDir: string, files: string[]): Promise<string | null> {
  try {
    const uploaded = await uploadResults(`mlload-${name}`, files, outDir);
    if (!uploaded) {
      core.info(`mlload: not on a GitHub runner with artifact storage: results stay in ${outDir}`);
      return null;
    }
    return uploaded.url;
  } catch (err) {
    core.warning(`mlload: uploading the results artifact failed: ${(err as Error).message}; results stay in ${outDir}`);
    return null;
  }
}

async function comment(inputs: Inputs, ctx: RunContext, name: string, report: string, verdict: Verdict): Promise<string | null> {
  if (inputs.comment === 'never') return null;
  if (!ctx.pullNumber) {
    core.info('mlload: not a pull request event: no comment; the report is in the job summary');
    return null;
  }
  if (!inputs.token) {
    core.warning('mlload: no github-token: cannot comment; the report is in the job summary');
    return null;
  }
  const octokit = client(inputs.token);
  const marker = commentMarker(name);
  try {
    const login = await tokenLogin(octokit);
    if (!login) core.warning('mlload: cannot tell which account the token acts as, so no earlier comment is updated: a new one is posted');
    if (inputs.comment === 'on-failure' && verdict.status !== 'fail') {
      // Still refresh an earlier failure comment, so it does not go stale.
      const existing = await findComment(octokit, ctx.owner, ctx.repo, ctx.pullNumber, marker, login);
      if (!existing) return null;
    }
    const url = await upsertComment(octokit, ctx.owner, ctx.repo, ctx.pullNumber, marker, report, login);
    core.info(`mlload: report posted to ${url}`);
    return url;
  } catch (err) {
    const message = err instanceof GitHubError ? err.message : `GitHub API: ${(err as Error).message}`;
    core.warning(`mlload: could not comment on the pull request: ${message}. The verdict and the job summary stand.`);
    return null;
  }
}

async function updateBaseline(inputs: Inputs, scenario: Scenario, ctx: RunContext, outDir: string, baselinePath: string, label: string): Promise<void> {
  const runs: Results[] = [];
  for (let i = 1; i <= inputs.baselineRuns; i++) {
    core.info(`mlload: baseline run ${i} of ${inputs.baselineRuns}`);
    const { results, targetError } = await measureLogged(scenario, label, `[${i}/${inputs.baselineRuns}] `);
    writeResultFiles(join(outDir, `run-${i}`), results);
    if (targetError) throw targetError;
    if (results.interrupted) throw new Error(`baseline run ${i} stopped early: ${results.stop_reason}`);
    runs.push(results);
  }
  const baseline = buildBaseline(runs);
  writeBaseline(baselinePath, baseline);
  const o = baseline.overall;
  const spread = (baseline.per_run ?? []).map((r) => r.p95.toFixed(1)).join(', ');
  const text = [
    `### mlload \`${scenario.name}\`: baseline refreshed from ${baseline.runs} ${baseline.runs === 1 ? 'run' : 'runs'}`,
    '',
    `| Requests | req/s | error rate | p50 | p95 | p99 |`,
    '|---|---|---|---|---|---|',
    `| ${o.count} | ${o.rps} | ${(o.error_rate * 100).toFixed(2)}% | ${o.latency_ms.p50} ms | ${o.latency_ms.p95} ms | ${o.latency_ms.p99} ms |`,
    '',
    `p95 of each run: ${spread} ms. Written to \`${baselinePath}\`.`,
  ];
  let committed: string | null = null;
  if (inputs.baselineCommit !== 'none') {
    if (!inputs.token) throw new Error('update-baseline needs github-token to commit the baseline (or set baseline-commit: none)');
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
    text.push('', inputs.baselineCommit === 'pr' ? `Pull request: ${committed}` : `Commit: ${committed}`);
    core.info(`mlload: baseline committed: ${committed}`);
  }
  await core.summary.addRaw(text.join('\n') + '\n').write();
  const verdict = judge(runs[runs.length - 1]!, scenario, null);
  core.setOutput('verdict', verdict.status);
  core.setOutput('baseline', baselinePath);
  core.setOutput('baseline-url', committed ?? '');
  setFigures(runs[runs.length - 1]!, join(outDir, `run-${runs.length}`, 'results.json'));
}
