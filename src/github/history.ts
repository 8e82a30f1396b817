import { setTimeout as sleep } from 'node:timers/promises';
import type { History } from '../gate/index.ts';
import { GitHubError, withRetry, type Octokit } from './api.ts';
import { formatHistory, parseHistory } from '../store/index.ts';

/** Where a scenario's history lives: a file on a branch of its own. */
export interface HistoryLocation {
  owner: string;
  repo: string;
  branch: string;
  path: string;
}

/** The default path of a scenario's history on the history branch. */
export function historyPath(scenario: string): string {
  return `history/${scenario.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
}

export function historyLabel(loc: HistoryLocation): string {
  return `${loc.branch}:${loc.path}`;
}

const segments = (p: string) => p.split('/').map(encodeURIComponent).join('/');
const statusOf = (err: unknown) => (err as { status?: number }).status;

/**
 * The history and the blob it was read from (null, null when the branch or the file does not exist
 * yet). A corrupt file throws InvalidFileError naming the entry: it is neither judged against nor
 * written over.
 */
export async function readBranchHistory(
  octokit: Octokit,
  loc: HistoryLocation,
): Promise<{ history: History | null; sha: string | null }> {
  let data: { sha: string; content?: string; encoding?: string; size?: number };
  try {
    const res = await withRetry('reading the history', () =>
      octokit.request(`GET /repos/{owner}/{repo}/contents/${segments(loc.path)}`, {
        owner: loc.owner,
        repo: loc.repo,
        ref: loc.branch,
      }),
    );
    data = res.data as typeof data;
  } catch (err) {
    if (err instanceof GitHubError && err.status === 404) return { history: null, sha: null };
    throw err;
  }
  let base64 = data.encoding === 'base64' ? (data.content ?? '') : '';
  // The contents API leaves files over 1 MB out; the blob API has them (up to 100 MB).
  if (!base64 && (data.size ?? 0) > 0) {
    const blob = await withRetry('reading the history blob', () =>
      octokit.request('GET /repos/{owner}/{repo}/git/blobs/{sha}', { owner: loc.owner, repo: loc.repo, sha: data.sha }),
    );
    base64 = (blob.data as { content: string }).content;
  }
  const text = Buffer.from(base64, 'base64').toString('utf8');
  return { history: parseHistory(historyLabel(loc), text), sha: data.sha };
}

/**
 * Creates the history branch with no parent (it shares nothing with the code); a branch made meanwhile by another run
 * is fine.
 */
async function ensureBranch(octokit: Octokit, loc: HistoryLocation): Promise<void> {
  try {
    await octokit.request(`GET /repos/{owner}/{repo}/git/ref/heads/${segments(loc.branch)}`, {
      owner: loc.owner,
      repo: loc.repo,
    });
    return;
  } catch (err) {
    if (statusOf(err) !== 404) throw new GitHubError('reading the history branch', err);
  }
  const readme =
    `# mlload history\n\nRuns of the default branch recorded by mlload-action (\`mode: record\`), ` +
    `one file per scenario under \`history/\`. Written by the action; read by \`compare.against: history\` and ` +
    `by every report's trend. \`mlload history show|export --file <file>\` reads a file locally.\n`;
  const tree = await withRetry('creating the history tree', () =>
    octokit.request('POST /repos/{owner}/{repo}/git/trees', {
      owner: loc.owner,
      repo: loc.repo,
      tree: [{ path: 'README.md', mode: '100644', type: 'blob', content: readme }],
    }),
  );
  const commit = await withRetry('creating the history commit', () =>
    octokit.request('POST /repos/{owner}/{repo}/git/commits', {
      owner: loc.owner,
      repo: loc.repo,
      message: 'mlload: start the history branch',
      tree: (tree.data as { sha: string }).sha,
      parents: [],
    }),
  );
  try {
    await octokit.request('POST /repos/{owner}/{repo}/git/refs', {
      owner: loc.owner,
      repo: loc.repo,
      ref: `refs/heads/${loc.branch}`,
      sha: (commit.data as { sha: string }).sha,
    });
  } catch (err) {
    // 422: another run created it first.
    if (statusOf(err) !== 422) throw new GitHubError('creating the history branch', err);
  }
}

/**
 * Adds to the history on its branch with optimistic concurrency: read the file and its blob, write
 * the new version naming that blob; a write that lost a race (409, or 422 for a stale blob) reads
 * again and retries, so runs racing to record lose no entry.
 */
export async function recordToBranch(
  octokit: Octokit,
  loc: HistoryLocation,
  update: (current: History | null) => History,
  message: string,
  attempts = 8,
): Promise<{ history: History; url: string | null }> {
  await ensureBranch(octokit, loc);
  for (let attempt = 1; ; attempt++) {
    const { history, sha } = await readBranchHistory(octokit, loc);
    const next = update(history);
    try {
      const put = await withRetry('writing the history', () =>
        octokit.request(`PUT /repos/{owner}/{repo}/contents/${segments(loc.path)}`, {
          owner: loc.owner,
          repo: loc.repo,
          branch: loc.branch,
          message,
          content: Buffer.from(formatHistory(next)).toString('base64'),
          ...(sha ? { sha } : {}),
        }),
      );
      return { history: next, url: (put.data as { commit?: { html_url?: string } }).commit?.html_url ?? null };
    } catch (err) {
      const status = err instanceof GitHubError ? err.status : statusOf(err);
      if ((status !== 409 && status !== 422) || attempt >= attempts)
        throw err instanceof GitHubError ? err : new GitHubError('writing the history', err);
      // Another run wrote first: back off a little (jittered, so racing runs spread out) and merge again.
      await sleep(100 * attempt + Math.random() * 200 * attempt);
    }
  }
}
