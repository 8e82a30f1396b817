import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../shared/pids.ts';
import type { TargetSpec } from '../scenario/index.ts';
import {
  docker,
  dockerStream,
  HOST_LABEL,
  inspectState,
  LABEL,
  lastLogLines,
  parseStats,
  PID_LABEL,
  RUN_LABEL,
} from './docker.ts';

export { HOST_LABEL, LABEL, PID_LABEL, RUN_LABEL } from './docker.ts';
import { tcpProbe, waitForHealth } from './probe.ts';
import { TargetError, type Target, type TargetFigures } from './types.ts';
import type { StartOptions } from './index.ts';

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * `docker run` arguments for a spec: an array, so nothing in the scenario reaches a shell. The
 * container's environment goes in a file (`envFile`), so no value shows in a process list or an error.
 */
export function runArgs(
  spec: TargetSpec & { image: string },
  name: string,
  runLabel: string,
  hostPort: number,
  envFile: string | null,
): string[] {
  const args = ['run', '--detach', '--name', name, '--label', `${LABEL}=true`, '--label', `${RUN_LABEL}=${runLabel}`];
  args.push('--label', `${PID_LABEL}=${process.pid}`, '--label', `${HOST_LABEL}=${hostname()}`);
  if (spec.network === 'host') args.push('--network', 'host');
  else args.push('--publish', `127.0.0.1:${hostPort}:${spec.port}`);
  if (envFile) args.push('--env-file', envFile);
  args.push(...spec.args, spec.image);
  return args;
}

/** The container's environment: the scenario's `env`, and the chosen port in `port_env`. */
export function containerEnv(spec: TargetSpec, hostPort: number): Record<string, string> {
  const env = { ...spec.env };
  if (spec.portEnv) env[spec.portEnv] = String(spec.network === 'host' ? hostPort : spec.port);
  return env;
}

/** Writes an env file readable by this user only; returns it and how to remove it. */
function writeEnvFile(env: Record<string, string>): { file: string | null; remove: () => void } {
  if (Object.keys(env).length === 0) return { file: null, remove: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'mlload-env-'));
  const file = join(dir, 'env');
  writeFileSync(
    file,
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
    { mode: 0o600 },
  );
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Removes containers an earlier mlload on this machine started and could not remove (it was killed
 * with SIGKILL): left running, one could answer this run's health check in place of the new build.
 */
export async function removeLeftovers(log: (line: string) => void): Promise<void> {
  const rows = (
    await docker(
      [
        'ps',
        '--all',
        '--filter',
        `label=${LABEL}=true`,
        '--format',
        `{{.ID}} {{.Label "${PID_LABEL}"}} {{.Label "${HOST_LABEL}"}} {{.Names}}`,
      ],
      30_000,
    )
  )
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '));
  const left = rows.filter(
    ([, pid, host]) =>
      host === hostname() && Number(pid) > 0 && Number(pid) !== process.pid && !processAlive(Number(pid)),
  );
  if (left.length === 0) return;
  await docker(['rm', '--force', ...left.map(([id]) => id!)], 60_000);
  log(
    `removed ${left.length} container(s) left by an earlier run that was killed: ${left.map((r) => r[3]).join(', ')}`,
  );
}

async function ensureImage(
  image: string,
  pull: TargetSpec['pull'],
  log: (l: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  let present = true;
  try {
    await docker(['image', 'inspect', '--format', '{{.Id}}', image], 30_000, signal);
  } catch {
    present = false;
  }
  if (signal?.aborted) throw new TargetError(`interrupted before ${image} started`);
  if (pull === 'always' || (pull === 'missing' && !present)) {
    log(`pulling ${image}`);
    try {
      await docker(['pull', image], 600_000, signal);
    } catch (err) {
      throw new TargetError(`cannot pull image ${image}: ${(err as Error).message}`);
    }
  } else if (!present) throw new TargetError(`image ${image} is not present and pull is "never"`);
}

async function imageDigest(image: string): Promise<string | undefined> {
  try {
    const out = await docker(['image', 'inspect', '--format', '{{json .RepoDigests}} {{.Id}}', image], 10_000);
    const [digests, id] = out.trim().split(' ');
    const repo = (JSON.parse(digests ?? '[]') as string[])[0];
    return repo ?? id;
  } catch {
    return undefined;
  }
}

async function describeExit(id: string): Promise<string> {
  try {
    const s = await inspectState(id);
    const oom = s.oomKilled ? ' (OOM-killed: out of memory)' : '';
    return `exited with code ${s.exitCode}${oom}${s.error ? `: ${s.error}` : ''}`;
  } catch {
    return 'is gone';
  }
}

/** Starts the image, waits until it is healthy, and watches it (exit, CPU, memory) until stopped. */
export async function startContainer(
  spec: TargetSpec & { image: string },
  options: StartOptions = {},
): Promise<Target> {
  const log = options.log ?? (() => {});
  await removeLeftovers(log).catch(() => {});
  await ensureImage(spec.image, spec.pull, log, options.signal);
  const { id, name, origin, t0 } = await runContainer(spec, options);
  log(`started container ${name} from ${spec.image} on ${origin}`);

  let stopped = false;
  const remove = async () => {
    if (stopped) return;
    stopped = true;
    await docker(['rm', '--force', id], 30_000).catch(() => '');
  };

  // Exit watcher: `docker wait` returns when the container stops, for whatever reason.
  const waiter = dockerStream(['wait', id]);
  const exited = new Promise<string>((resolve) => waiter.on('close', () => resolve('exited')));

  try {
    await waitReady(spec, id, origin, t0, exited, options.signal);
  } catch (err) {
    const logs = await lastLogLines(id);
    waiter.kill('SIGKILL');
    await remove();
    throw err instanceof TargetError ? new TargetError(err.message, logs) : err;
  }
  const coldStart = performance.now() - t0;
  log(`${spec.image} healthy after ${Math.round(coldStart)} ms`);

  let firstPrediction: number | undefined;
  const cpu: number[] = [];
  const memory: number[] = [];
  const stats = watchStats(id);
  const failure = exitFailure(exited, id, `container ${name} (${spec.image})`, () => stopped);
  const digest = await imageDigest(spec.image);
  const runStart = performance.now();

  return {
    origin,
    failure,
    sample() {
      const latest = stats.latest();
      if (!latest) return null;
      cpu.push(latest.cpu_percent);
      memory.push(latest.memory_mb);
      return latest;
    },
    firstPrediction(atMs: number) {
      // The engine's clock starts with the load; cold start counts from `docker run`.
      if (firstPrediction === undefined) firstPrediction = runStart - t0 + atMs;
    },
    figures(): TargetFigures {
      const f: TargetFigures = {
        kind: 'container',
        url: origin,
        image: spec.image,
        cold_start_ms: Math.round(coldStart),
      };
      if (digest) f.image_digest = digest;
      if (firstPrediction !== undefined) f.first_prediction_ms = Math.round(firstPrediction);
      if (cpu.length > 0) {
        f.cpu_percent = { mean: round1(mean(cpu)), peak: round1(Math.max(...cpu)) };
        f.memory_mb = { mean: round1(mean(memory)), peak: round1(Math.max(...memory)) };
      }
      return f;
    },
    async stop() {
      // docker stats ignores SIGTERM while it streams.
      stats.kill();
      waiter.kill('SIGKILL');
      await remove();
    },
  };
}

/** Rejects when the container exits during the run (not when it is stopped), with why and its last log lines. */
function exitFailure(exited: Promise<string>, id: string, what: string, stopped: () => boolean): Promise<never> {
  const failure = exited.then(async () => {
    if (stopped()) return new Promise<never>(() => {});
    const why = await describeExit(id);
    const logs = await lastLogLines(id);
    throw new TargetError(`${what} ${why} during the run`, logs);
  });
  failure.catch(() => {});
  return failure;
}

/** `docker run` on a free port (or the fixed one of the host network): the container's id, name and origin. */
async function runContainer(
  spec: TargetSpec & { image: string },
  options: StartOptions,
): Promise<{ id: string; name: string; origin: string; t0: number }> {
  const signal = options.signal;
  const fixedPort = spec.network === 'host' && !spec.portEnv;
  const hostPort = fixedPort ? spec.port : await freePort();
  const name = `mlload-${randomBytes(4).toString('hex')}`;
  const origin = `http://127.0.0.1:${hostPort}`;
  // On the host network with a fixed port, whatever already listens there would answer for the new build.
  if (fixedPort && (await tcpProbe('127.0.0.1', hostPort, 1000)) === null) {
    throw new TargetError(
      `port ${hostPort} on 127.0.0.1 already has a server, which would answer in place of ${spec.image}: stop ` +
        `it, or give \`port_env\` so mlload picks a free port`,
    );
  }

  const t0 = performance.now();
  let id: string;
  const envFile = writeEnvFile(containerEnv(spec, hostPort));
  try {
    id = (await docker(runArgs(spec, name, options.runLabel ?? 'cli', hostPort, envFile.file), 60_000, signal)).trim();
  } catch (err) {
    await docker(['rm', '--force', name], 30_000).catch(() => '');
    if (signal?.aborted) throw new TargetError(`interrupted while starting ${spec.image}`);
    throw new TargetError(`cannot start ${spec.image}: ${(err as Error).message}`);
  } finally {
    envFile.remove();
  }
  return { id, name, origin, t0 };
}

/** `docker stats` streamed: the latest CPU and memory sample. */
function watchStats(id: string): { latest: () => { cpu_percent: number; memory_mb: number } | null; kill: () => void } {
  let latest: { cpu_percent: number; memory_mb: number } | null = null;
  const stats = dockerStream(['stats', '--format', '{{json .}}', id]);
  let buffered = '';
  stats.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const sample = parseStats(line);
      if (sample) latest = sample;
    }
  });
  return { latest: () => latest, kill: () => stats.kill('SIGKILL') };
}

async function waitReady(
  spec: TargetSpec,
  id: string,
  origin: string,
  t0: number,
  exited: Promise<string>,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = t0 + spec.health.timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  const abort = new AbortController();
  void exited.then(() => abort.abort());
  signal?.addEventListener('abort', () => abort.abort(), { once: true });
  const health = spec.health.path
    ? waitForHealth(
        `${origin}${spec.health.path}`,
        deadline,
        spec.health.intervalMs,
        () => performance.now(),
        abort.signal,
      )
    : Promise.resolve({ ok: true, last: '' });
  const result = await health;
  if (signal?.aborted) throw new TargetError(`interrupted while waiting for ${spec.image} to become healthy`);
  if (gone) throw new TargetError(`container from ${spec.image} ${await describeExit(id)} before it became healthy`);
  if (!result.ok)
    throw new TargetError(
      `${spec.image} did not become healthy within ${spec.health.timeoutMs / 1000} s: ${origin}${spec.health.path} ` +
        `last answered ${result.last}`,
    );
  // An image's own HEALTHCHECK is honoured too.
  while (performance.now() < deadline) {
    if (signal?.aborted) throw new TargetError(`interrupted while waiting for ${spec.image} to become healthy`);
    const state = await inspectState(id);
    if (!state.running)
      throw new TargetError(`container from ${spec.image} ${await describeExit(id)} before it became healthy`);
    if (state.health === null || state.health === 'healthy') return;
    await sleep(250);
  }
  throw new TargetError(
    `${spec.image} did not report healthy (its HEALTHCHECK) within ${spec.health.timeoutMs / 1000} s`,
  );
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round1 = (x: number) => Math.round(x * 10) / 10;
