import { execFileSync } from 'node:child_process';
import { arch, cpus, platform, release } from 'node:os';
import type { Environment } from './types.ts';

/** Where a run was measured: baselines from another machine are flagged, not silently compared. */
export function describeEnvironment(): Environment {
  const cpu = cpus();
  const env: Environment = {
    os: `${platform()} ${release()}`,
    arch: arch(),
    cpu_model: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    node: process.version,
  };
  if (process.env.RUNNER_OS) env.runner = `${process.env.RUNNER_OS} ${process.env.RUNNER_ARCH ?? ''} ${process.env.RUNNER_NAME ?? ''}`.trim();
  const commit = process.env.GITHUB_SHA ?? gitHead();
  if (commit) env.commit = commit;
  return env;
}

function gitHead(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).trim() || undefined;
  } catch {
    return undefined;
  }
}
