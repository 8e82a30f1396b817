import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
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
  env.fingerprint = machineFingerprint(env);
  if (process.env.RUNNER_OS)
    env.runner = `${process.env.RUNNER_OS} ${process.env.RUNNER_ARCH ?? ''} ${process.env.RUNNER_NAME ?? ''}`.trim();
  const commit = process.env.GITHUB_SHA ?? gitHead();
  if (commit) env.commit = commit;
  return env;
}

/** Runs are compared over time only with runs of the same kind of machine: OS, architecture, CPU model and cores. */
export function machineFingerprint(e: Pick<Environment, 'os' | 'arch' | 'cpu_model' | 'cores'>): string {
  // The OS's name, not its kernel release: a runner image update is the same machine.
  return createHash('sha256')
    .update([e.os.split(' ')[0], e.arch, e.cpu_model, e.cores].join('|'))
    .digest('hex')
    .slice(0, 12);
}

/** The checkout's HEAD, asked of git once a process (the export's labels and results.json both want it). */
let head: { commit: string | undefined } | null = null;

function gitHead(): string | undefined {
  head ??= { commit: askGit() };
  return head.commit;
}

function askGit(): string | undefined {
  try {
    return (
      execFileSync('git', ['rev-parse', 'HEAD'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 2000,
      }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}
