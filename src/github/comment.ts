import { withRetry, type Octokit } from './api.ts';

interface IssueComment {
  id: number;
  body?: string;
  html_url: string;
  user?: { login?: string } | null;
}

/** Bots are `name[bot]` in REST and `name` in GraphQL. */
const bare = (login: string) => login.replace(/\[bot\]$/, '').toLowerCase();

/**
 * Who the token acts as. GraphQL's `viewer` answers for every kind of token (REST's GET /user
 * refuses the job's GITHUB_TOKEN); null when it cannot be told.
 */
export async function tokenLogin(octokit: Octokit): Promise<string | null> {
  try {
    const answer = await octokit.graphql<{ viewer: { login: string } }>('query { viewer { login } }');
    return answer.viewer.login || null;
  } catch {
    return null;
  }
}

/**
 * Finds, on every page of the PR's comments, the one carrying `marker` that this token wrote: a
 * comment by anyone else that quotes the marker is not ours to overwrite.
 */
export async function findComment(
  octokit: Octokit,
  owner: string,
  repo: string,
  issue: number,
  marker: string,
  login: string | null,
): Promise<IssueComment | null> {
  if (!login) return null;
  const comments = await withRetry('listing the pull request comments', () =>
    octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner,
      repo,
      issue_number: issue,
      per_page: 100,
    }),
  );
  return (
    (comments as IssueComment[]).find(
      (c) => c.body?.includes(marker) && c.user?.login && bare(c.user.login) === bare(login),
    ) ?? null
  );
}

/** One comment per scenario per PR: updated in place when this token wrote it, created otherwise. Returns its URL. */
export async function upsertComment(
  octokit: Octokit,
  owner: string,
  repo: string,
  issue: number,
  marker: string,
  body: string,
  login: string | null,
): Promise<string> {
  const existing = await findComment(octokit, owner, repo, issue, marker, login);
  if (existing) {
    const res = await withRetry('updating the pull request comment', () =>
      octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        owner,
        repo,
        comment_id: existing.id,
        body,
      }),
    );
    return (res.data as IssueComment).html_url;
  }
  const res = await withRetry('creating the pull request comment', () =>
    octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner,
      repo,
      issue_number: issue,
      body,
    }),
  );
  return (res.data as IssueComment).html_url;
}
