/** Uploads the result files as one artifact when on a runner; returns its URL, or null elsewhere. */
export async function uploadResults(name: string, files: string[], rootDir: string, env: NodeJS.ProcessEnv = process.env): Promise<{ id: number | undefined; url: string | null } | null> {
  // Artifact storage is only reachable from a runner (it hands the runtime token to the job).
  if (!env.ACTIONS_RUNTIME_TOKEN || !env.ACTIONS_RESULTS_URL) return null;
  const { DefaultArtifactClient } = await import('@actions/artifact');
  const res = await new DefaultArtifactClient().uploadArtifact(name, files, rootDir, { retentionDays: 30 });
  const runUrl = env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : null;
  return { id: res.id, url: res.id && runUrl ? `${runUrl}/artifacts/${res.id}` : runUrl };
}
