import { readFileSync } from 'node:fs';
import { GitHubError, withRetry, type Octokit } from './api.ts';

export interface BaselineCommit {
  owner: string;
  repo: string;
  /** Path of the baseline file in the repository. */
  path: string;
  /** Local file to commit. */
  file: string;
  /** The branch the run is on. */
  branch: string;
  message: string;
  /** `pr`: a new branch and a pull request; `push`: straight onto `branch`. */
  how: 'pr' | 'push';
}

/** Commits the baseline through the contents API; returns the pull request or commit URL. */
export async function commitBaseline(octokit: Octokit, c: BaselineCommit): Promise<string> {
  const content = readFileSync(c.file).toString('base64');
  // Paths and branch names keep their slashes as path segments.
  const segments = (p: string) => p.split('/').map(encodeURIComponent).join('/');
  let target = c.branch;
  if (c.how === 'pr') {
    const ref = await withRetry('reading the branch', () =>
      octokit.request(`GET /repos/{owner}/{repo}/git/ref/heads/${segments(c.branch)}`, {
        owner: c.owner,
        repo: c.repo,
      }),
    );
    target = `mlload/baseline-${Date.now()}`;
    await withRetry('creating the baseline branch', () =>
      octokit.request('POST /repos/{owner}/{repo}/git/refs', {
        owner: c.owner,
        repo: c.repo,
        ref: `refs/heads/${target}`,
        sha: (ref.data as { object: { sha: string } }).object.sha,
      }),
    );
  }
  let sha: string | undefined;
  try {
    const existing = await octokit.request(`GET /repos/{owner}/{repo}/contents/${segments(c.path)}`, {
      owner: c.owner,
      repo: c.repo,
      ref: target,
    });
    sha = (existing.data as { sha?: string }).sha;
  } catch (err) {
    if ((err as { status?: number }).status !== 404) throw new GitHubError('reading the current baseline', err);
  }
  const put = await withRetry('committing the baseline', () =>
    octokit.request(`PUT /repos/{owner}/{repo}/contents/${segments(c.path)}`, {
      owner: c.owner,
      repo: c.repo,
      message: c.message,
      content,
      branch: target,
      ...(sha ? { sha } : {}),
    }),
  );
  if (c.how === 'push') return (put.data as { commit: { html_url: string } }).commit.html_url;
  const pr = await withRetry('opening the baseline pull request', () =>
    octokit.request('POST /repos/{owner}/{repo}/pulls', {
      owner: c.owner,
      repo: c.repo,
      head: target,
      base: c.branch,
      title: c.message,
      body:
        'Refreshed by mlload-action (`mode: update-baseline`). Merge it to make these figures the baseline ' +
        'that pull requests are compared with.',
    }),
  );
  return (pr.data as { html_url: string }).html_url;
}
