import type { Results } from '../metrics/index.ts';
import { client, GitHubError } from './api.ts';
import { recordToBranch, type HistoryLocation } from './history.ts';
import { findComment, tokenLogin, upsertComment } from './comment.ts';
import type { RunContext } from './context.ts';
import { appendEntry, historyEntry } from '../store/index.ts';

/** Where the github stage's messages go: the action's log and warnings. */
export interface Log {
  info(line: string): void;
  warning(line: string): void;
}

export interface CommentRequest {
  policy: 'always' | 'on-failure' | 'never';
  token: string;
  ctx: RunContext;
  /** The hidden marker that finds this scenario's comment again. */
  marker: string;
  body: string;
  failed: boolean;
}

/**
 * The pull request's one comment for this scenario, posted or updated in place; null when there
 * is none to post. A failing API costs a warning, never the verdict.
 */
export async function commentOnPullRequest(c: CommentRequest, log: Log): Promise<string | null> {
  if (c.policy === 'never') return null;
  if (!c.ctx.pullNumber) {
    log.info('mlload: not a pull request event: no comment; the report is in the job summary');
    return null;
  }
  if (!c.token) {
    log.warning('mlload: no github-token: cannot comment; the report is in the job summary');
    return null;
  }
  const octokit = client(c.token);
  const { owner, repo, pullNumber } = c.ctx;
  try {
    const login = await tokenLogin(octokit);
    if (!login)
      log.warning(
        'mlload: cannot tell which account the token acts as, so no earlier comment is updated: a new one is posted',
      );
    if (c.policy === 'on-failure' && !c.failed) {
      // Still refresh an earlier failure comment, so it does not go stale.
      const existing = await findComment(octokit, owner, repo, pullNumber, c.marker, login);
      if (!existing) return null;
    }
    const url = await upsertComment(octokit, owner, repo, pullNumber, c.marker, c.body, login);
    log.info(`mlload: report posted to ${url}`);
    return url;
  } catch (err) {
    const message = err instanceof GitHubError ? err.message : `GitHub API: ${(err as Error).message}`;
    log.warning(`mlload: could not comment on the pull request: ${message}. The verdict and the job summary stand.`);
    return null;
  }
}

/**
 * A whole run of the default branch added to the scenario's history on its branch (thinned to
 * `keep` whole runs); the entries kept and the commit that added it.
 */
export async function recordRun(
  token: string,
  loc: HistoryLocation,
  ctx: RunContext,
  results: Results,
  keep: number,
): Promise<{ entries: number; url: string | null }> {
  const commit = process.env.GITHUB_SHA ?? results.environment.commit ?? 'unknown';
  const entry = historyEntry(results, { commit, ref: ctx.branch, runUrl: ctx.runUrl });
  const { history, url } = await recordToBranch(
    client(token),
    loc,
    (current) => appendEntry(current, results.scenario.name, entry, keep),
    `mlload: record ${results.scenario.name} at ${commit.slice(0, 12)}`,
  );
  return { entries: history.entries.length, url };
}
