import * as core from '@actions/core';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  client,
  commentOnPullRequest,
  commitBaseline,
  defaultStartAt,
  downloadArtifacts,
  historyLabel,
  historyPath,
  onRunner,
  readBranchHistory,
  readRunContext,
  recordRun,
  uploadResults,
  type RunContext,
} from '../github/index.ts';
import {
  loadScenario,
  type Annotation,
  type BaselineCommitter,
  type HistoryStore,
  type Job,
  type Log,
  type Publisher,
} from '../pipeline/index.ts';
import type { Inputs } from './inputs.ts';

/** The runner's log: warnings are annotations. */
export const runnerLog: Log = {
  info: (line) => core.info(line),
  warning: (line, title) => core.warning(line, title ? { title } : {}),
};

/** Annotations as the runner shows them, on the file's line where there is one. */
export function annotate(annotations: Annotation[]): void {
  for (const a of annotations) {
    const file = a.file ? relative(process.cwd(), a.file) : undefined;
    const where = { title: a.title, file, startLine: a.line, startColumn: a.col };
    if (a.level === 'error') core.error(a.message, where);
    else if (a.level === 'warning') core.warning(a.message, where);
    else core.notice(a.message, where);
  }
}

/** The action's publisher: the run's artifact, the step summary, the PR comment, annotations. */
export function runnerPublisher(inputs: Inputs, ctx: RunContext): Publisher {
  return {
    storesArtifacts: onRunner(),
    async upload(name, dir, files) {
      const uploaded = await uploadResults(name, files, dir);
      if (!uploaded) core.info(`mlload: not on a GitHub runner with artifact storage: results stay in ${dir}`);
      return uploaded ? { url: uploaded.url } : null;
    },
    download: (prefix, dir) => downloadArtifacts(prefix, dir),
    summary: async (markdown) => void (await core.summary.addRaw(markdown).write()),
    comment: (body, { failed, marker }) =>
      commentOnPullRequest({ policy: inputs.comment, token: inputs.token, ctx, marker, body, failed }, runnerLog),
    annotate,
  };
}

/** The scenario's history on its branch; null off a runner (no repository) or without a token. */
export function branchHistory(inputs: Inputs, ctx: RunContext, scenarioName: string): HistoryStore | null {
  if (!inputs.token || !ctx.owner || !ctx.repo) return null;
  const loc = { owner: ctx.owner, repo: ctx.repo, branch: inputs.historyBranch, path: historyPath(scenarioName) };
  return {
    label: historyLabel(loc),
    read: async () => (await readBranchHistory(client(inputs.token), loc)).history,
    append: (results, keep) => recordRun(inputs.token, loc, ctx, results, keep),
  };
}

/** The refreshed baseline committed to the branch (or in a pull request); null with `baseline-commit: none`. */
export function baselineCommitter(inputs: Inputs, ctx: RunContext): BaselineCommitter | null {
  const how = inputs.baselineCommit;
  if (how === 'none') return null;
  return {
    how,
    async commit(file, message) {
      if (!inputs.token)
        throw new Error('update-baseline needs github-token to commit the baseline (or set baseline-commit: none)');
      if (!ctx.branch) throw new Error('update-baseline cannot tell the current branch (GITHUB_REF_NAME is not set)');
      const path = relative(process.cwd(), file).split('\\').join('/');
      return commitBaseline(client(inputs.token), {
        owner: ctx.owner,
        repo: ctx.repo,
        path,
        file,
        branch: ctx.branch,
        message,
        how,
      });
    },
  };
}

/** When the shards of this workflow run begin, from its start time. */
export const shardStart = (inputs: Inputs, ctx: RunContext) => () => defaultStartAt(inputs.token, ctx);

/** Labels this job's containers, so the post step removes exactly them. */
export function runLabel(env: NodeJS.ProcessEnv = process.env): string {
  return `${env.GITHUB_RUN_ID ?? 'local'}-${env.GITHUB_RUN_ATTEMPT ?? '1'}-${env.GITHUB_JOB ?? 'job'}-${process.pid}`;
}

/** The job the inputs describe, with the runner's log, publisher and history branch. */
export function runnerJob(inputs: Inputs): { job: Job; ctx: RunContext } {
  const overrides = {
    url: inputs.url ?? undefined,
    image: inputs.image ?? undefined,
    baselineImage: inputs.baselineImage ?? undefined,
  };
  const scenario = loadScenario(inputs.scenario, overrides);
  const ctx = readRunContext();
  const label = runLabel();
  core.saveState('run-label', label);
  const job: Job = {
    scenario,
    outDir: inputs.resultsDir ?? join(process.env.RUNNER_TEMP ?? tmpdir(), 'mlload', scenario.name),
    log: runnerLog,
    publisher: runnerPublisher(inputs, ctx),
    history: branchHistory(inputs, ctx, scenario.name),
    runUrl: ctx.runUrl,
    pullNumber: ctx.pullNumber,
    runLabel: label,
    progress: { write: (line) => core.info(line) },
    // Shards and their merge share the workflow run's id; a re-run attempt is a run of its own.
    export: {
      prometheusUrl: inputs.exportPrometheus,
      otlpUrl: inputs.exportOtlp,
      runId: `${process.env.GITHUB_RUN_ID ?? 'local'}-${process.env.GITHUB_RUN_ATTEMPT ?? '1'}`,
    },
  };
  return { job, ctx };
}
