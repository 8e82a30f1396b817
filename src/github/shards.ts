import { client, withRetry } from './api.ts';
import type { RunContext } from './context.ts';

/**
 * Seconds after the workflow run began at which its shards start, by default: time for every matrix job to get a runner
 * and start its target.
 */
export const DEFAULT_START_DELAY_S = 120;

/**
 * The instant every shard of this workflow run begins, the same in each job without talking to the
 * others: the run's start (from the REST API) plus `delayS`, rounded up to a whole 10 s. A shard that
 * is ready later starts at once and says how late it was.
 */
export async function defaultStartAt(token: string, ctx: RunContext, delayS = DEFAULT_START_DELAY_S): Promise<number> {
  if (!token || !ctx.owner || !ctx.runId)
    throw new Error('needs github-token and a workflow run (GITHUB_REPOSITORY, GITHUB_RUN_ID)');
  const octokit = client(token);
  const run = await withRetry('reading the workflow run', () =>
    octokit.rest.actions.getWorkflowRun({ owner: ctx.owner, repo: ctx.repo, run_id: Number(ctx.runId) }),
  );
  const started = Date.parse(run.data.run_started_at ?? run.data.created_at);
  if (!Number.isFinite(started)) throw new Error('the workflow run has no start time');
  return Math.ceil((started + delayS * 1000) / 10_000) * 10_000;
}
