import { getOctokit } from '@actions/github';
import { setTimeout as sleep } from 'node:timers/promises';

export type Octokit = ReturnType<typeof getOctokit>;

/** A GitHub API failure in one readable line (the token never appears in it). */
export class GitHubError extends Error {
  readonly status: number | null;
  constructor(action: string, err: unknown) {
    const e = err as { status?: number; message?: string };
    const status = typeof e.status === 'number' ? e.status : null;
    const hint =
      status === 403 || status === 401
        ? ' (the token cannot write here: a pull request from a fork, or missing `permissions:`)'
        : status === 404
          ? ' (not found, or the token cannot see it)'
          : '';
    super(
      `GitHub API: ${action} failed: ${status ?? 'network error'} ${(e.message ?? '').split('\n')[0]}${hint}`
        .replace(/\s+/g, ' ')
        .trim(),
    );
    this.name = 'GitHubError';
    this.status = status;
  }
}

export function client(token: string): Octokit {
  return getOctokit(token, { log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } });
}

/** Retries server errors and network failures; client errors (403, 404, 422) are final. */
export async function withRetry<T>(
  action: string,
  call: () => Promise<T>,
  attempts = 3,
  baseDelayMs = 500,
): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await call();
    } catch (err) {
      last = err;
      const status = (err as { status?: number }).status;
      if (typeof status === 'number' && status < 500 && status !== 429) break;
      if (i < attempts - 1) await sleep(baseDelayMs * 2 ** i);
    }
  }
  throw new GitHubError(action, last);
}
