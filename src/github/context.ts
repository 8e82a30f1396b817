import { readFileSync } from 'node:fs';

/** What the run knows about where it runs, read from the runner's environment. */
export interface RunContext {
  owner: string;
  repo: string;
  /** The pull request this run is for, when it is for one. */
  pullNumber: number | null;
  runUrl: string | null;
  /** The workflow run's id (GITHUB_RUN_ID), shared by every job of the run. */
  runId: string | null;
  /** Branch of the run (GITHUB_HEAD_REF on pull requests, else GITHUB_REF_NAME). */
  branch: string | null;
}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? '').split('/');
  let pullNumber: number | null = null;
  if (env.GITHUB_EVENT_PATH) {
    try {
      const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as {
        pull_request?: { number?: number };
        issue?: { number?: number; pull_request?: unknown };
        number?: number;
      };
      pullNumber = event.pull_request?.number ?? (event.issue?.pull_request ? (event.issue.number ?? null) : null);
    } catch {
      pullNumber = null;
    }
  }
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  return {
    owner,
    repo,
    pullNumber,
    runUrl: env.GITHUB_RUN_ID && owner ? `${server}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID}` : null,
    runId: env.GITHUB_RUN_ID || null,
    branch: env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || null,
  };
}
