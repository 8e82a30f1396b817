import { execFile, spawn, type ChildProcess } from 'node:child_process';

/** Every container we start carries this label; the run label tells one job's from another's. */
export const LABEL = 'io.mlload.managed';
export const RUN_LABEL = 'io.mlload.run';
/** The process that started a container, and on which machine: a container whose process is gone is left over. */
export const PID_LABEL = 'io.mlload.pid';
export const HOST_LABEL = 'io.mlload.host';

/**
 * What the docker CLI needs of the environment, and nothing more: the action's inputs (its token
 * among them) and the runner's own tokens must not reach docker, nor through it a container.
 */
const DOCKER_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LANG',
  'LC_ALL',
  'TMPDIR',
  'XDG_RUNTIME_DIR',
  'DOCKER_HOST',
  'DOCKER_CONFIG',
  'DOCKER_CONTEXT',
  'DOCKER_CERT_PATH',
  'DOCKER_TLS_VERIFY',
  'DOCKER_API_VERSION',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

export function dockerEnv(from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(DOCKER_ENV.filter((k) => from[k] !== undefined).map((k) => [k, from[k]]));
}

/**
 * Runs the docker CLI with an argument array (never a shell) and a clean environment; rejects with
 * docker's own last lines of stderr, never the command line (it may hold values meant for the container).
 */
export function docker(args: string[], timeoutMs = 120_000, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'docker',
      args,
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8', env: dockerEnv(), signal },
      (err, stdout, stderr) => {
        if (err) {
          const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: string | number };
          const why =
            e.code === 'ENOENT'
              ? 'the docker CLI is not installed'
              : e.name === 'AbortError'
                ? 'interrupted'
                : stderr.trim()
                  ? stderr.trim().split('\n').slice(-3).join(' ')
                  : e.killed
                    ? `no answer within ${timeoutMs / 1000} s`
                    : `exited with code ${e.code ?? e.signal ?? 'unknown'} and printed nothing`;
          reject(new Error(`docker ${args[0]} failed: ${why}`));
        } else resolve(stdout);
      },
    );
  });
}

/** Starts a long-running docker command (wait, stats) whose output is read as it comes. */
export function dockerStream(args: string[]): ChildProcess {
  return spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'], env: dockerEnv() });
}

export async function lastLogLines(id: string, lines = 30): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      'docker',
      ['logs', '--tail', String(lines), id],
      { timeout: 10_000, encoding: 'utf8', env: dockerEnv() },
      (_err, stdout, stderr) => {
        resolve(`${stdout ?? ''}${stderr ?? ''}`.trim());
      },
    );
  });
}

export interface ContainerState {
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  health: string | null;
  error: string;
}

export async function inspectState(id: string): Promise<ContainerState> {
  const out = await docker(['inspect', '--format', '{{json .State}}', id], 10_000);
  const s = JSON.parse(out) as {
    Running: boolean;
    ExitCode: number;
    OOMKilled: boolean;
    Health?: { Status: string };
    Error?: string;
  };
  return {
    running: s.Running,
    exitCode: s.ExitCode,
    oomKilled: s.OOMKilled,
    health: s.Health?.Status ?? null,
    error: s.Error ?? '',
  };
}

/** "12.5%" → 12.5; "45.6MiB / 1GiB" → 45.6 (MB of the first figure). */
export function parseStats(line: string): { cpu_percent: number; memory_mb: number } | null {
  const clean = line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trim();
  if (!clean.startsWith('{')) return null;
  try {
    const s = JSON.parse(clean) as { CPUPerc?: string; MemUsage?: string };
    const cpu = Number.parseFloat(s.CPUPerc ?? '');
    const m = /^([\d.]+)\s*([KMGT]?i?B)/.exec(s.MemUsage ?? '');
    if (!Number.isFinite(cpu) || !m) return null;
    const unit: Record<string, number> = {
      B: 1 / 1048576,
      KiB: 1 / 1024,
      KB: 1 / 1048.576,
      MiB: 1,
      MB: 1 / 1.048576,
      GiB: 1024,
      GB: 1000 / 1.048576,
      TiB: 1048576,
    };
    return { cpu_percent: cpu, memory_mb: Math.round(Number(m[1]) * (unit[m[2]!] ?? 1) * 10) / 10 };
  } catch {
    return null;
  }
}

/** Removes every container of a run label (the action's post step, after a cancel). */
export async function removeLabelled(runLabel: string): Promise<number> {
  const ids = (await docker(['ps', '--all', '--quiet', '--filter', `label=${RUN_LABEL}=${runLabel}`], 30_000))
    .split('\n')
    .filter(Boolean);
  if (ids.length > 0) await docker(['rm', '--force', ...ids], 60_000);
  return ids.length;
}
