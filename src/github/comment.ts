import { withRetry, type Octokit } from './api.ts';

interface IssueComment {
  id: number;
  body?: string;
  html_url: string;
}

/** Finds the comment carrying `marker` on every page of the PR's comments. */
export async function findComment(octokit: Octokit, owner: string, repo: string, issue: number, marker: string): Promise<IssueComment | null> {
  const comments = await withRetry('listing the pull request comments', () =>
    octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: issue, per_page: 100 }),
  );
  return (comments as IssueComment[]).find((c) => c.body?.includes(marker)) ?? null;
}

/** One comment per scenario per PR: updated in place when it exists, created otherwise. Returns its URL. */
export async function upsertComment(octokit: Octokit, owner: string, repo: string, issue: number, marker: string, body: string): Promise<string> {
  const existing = await findComment(octokit, owner, repo, issue, marker);
  if (existing) {
    const res = await withRetry('updating the pull request comment', () =>
      octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner, repo, comment_id: existing.id, body }),
    );
    return (res.data as IssueComment).html_url;
  }
  const res = await withRetry('creating the pull request comment', () =>
    octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: issue, body }),
  );
  return (res.data as IssueComment).html_url;
}
