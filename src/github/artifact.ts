import { join } from 'node:path';

/** Artifact storage is only reachable from a runner (it hands the runtime token to the job). */
export const onRunner = (env: NodeJS.ProcessEnv = process.env) =>
  Boolean(env.ACTIONS_RUNTIME_TOKEN && env.ACTIONS_RESULTS_URL);

/** Uploads the result files as one artifact when on a runner: its id and page (when both are known); null elsewhere. */
export async function uploadResults(
  name: string,
  files: string[],
  rootDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ id: number | undefined; url: string | null } | null> {
  if (!onRunner(env)) return null;
  const { DefaultArtifactClient } = await import('@actions/artifact');
  const res = await new DefaultArtifactClient().uploadArtifact(name, files, rootDir, { retentionDays: 30 });
  const runUrl =
    env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY
      ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : null;
  return { id: res.id, url: res.id && runUrl ? `${runUrl}/artifacts/${res.id}` : null };
}

/**
 * Downloads this workflow run's artifacts whose names start with `prefix` (the latest of each name,
 * so a re-run shard replaces its first attempt), each into `dir/<name>`; returns those folders by
 * name, or null off a runner.
 */
export async function downloadArtifacts(
  prefix: string,
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Array<{ name: string; dir: string }> | null> {
  if (!onRunner(env)) return null;
  const { DefaultArtifactClient } = await import('@actions/artifact');
  const client = new DefaultArtifactClient();
  const { artifacts } = await client.listArtifacts({ latest: true });
  const wanted = artifacts.filter((a) => a.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
  const out: Array<{ name: string; dir: string }> = [];
  for (const a of wanted) {
    const path = join(dir, a.name.replace(/[^A-Za-z0-9._-]/g, '_'));
    await client.downloadArtifact(a.id, { path });
    out.push({ name: a.name, dir: path });
  }
  return out;
}
