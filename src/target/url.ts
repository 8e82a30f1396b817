import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TargetSpec } from '../scenario/index.ts';
import { waitForGrpcReady } from './grpc-health.ts';
import { describeCode, tcpProbe, waitForHealth } from './probe.ts';
import { TargetError, type Target } from './types.ts';

/** How often a URL still refusing connections is reported while it is waited for. */
const PROGRESS_MS = 5_000;

/**
 * A service that is already running, or still starting: connect until it accepts (within
 * `health.timeout`, as a container is given), check its health path, then hand out its origin.
 */
export async function useUrl(
  spec: TargetSpec & { url: string },
  options: { signal?: AbortSignal; log?: (line: string) => void } = {},
): Promise<Target> {
  const { signal, log } = options;
  const url = new URL(spec.url);
  // grpc:// is not a special scheme: its URL has no origin of its own.
  const origin = url.protocol === 'grpc:' ? `grpc://${url.host}` : url.origin;
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const start = performance.now();
  const deadline = start + spec.health.timeoutMs;
  let reported = start;
  for (;;) {
    const refused = await tcpProbe(host, port, Math.max(1, Math.min(5000, deadline - performance.now())));
    if (!refused) break;
    const now = performance.now();
    if (signal?.aborted) throw new TargetError(`interrupted while waiting for ${origin} to accept connections`);
    if (now >= deadline)
      throw new TargetError(
        `target ${origin} is unreachable: ${describeCode(refused)} for ${Math.round((now - start) / 1000)} s ` +
          `(health.timeout ${spec.health.timeoutMs / 1000} s)`,
      );
    if (now - reported >= PROGRESS_MS) {
      reported = now;
      log?.(
        `waiting for ${origin}: ${describeCode(refused)} (${Math.round((now - start) / 1000)} s of ` +
          `${spec.health.timeoutMs / 1000} s)`,
      );
    }
    await sleep(Math.min(spec.health.intervalMs, Math.max(0, deadline - now)), undefined, { signal }).catch(
      () => undefined,
    );
  }
  if (url.protocol === 'grpc:') {
    const health = await waitForGrpcReady(
      url.host,
      spec.health.path,
      deadline,
      spec.health.intervalMs,
      () => performance.now(),
      signal,
    );
    if (!health.ok)
      throw new TargetError(`target ${origin} was not ready within ${spec.health.timeoutMs} ms (last: ${health.last})`);
  } else if (spec.health.path) {
    const health = await waitForHealth(
      `${origin}${spec.health.path}`,
      deadline,
      spec.health.intervalMs,
      () => performance.now(),
      signal,
    );
    if (signal?.aborted) throw new TargetError(`interrupted while waiting for ${origin}${spec.health.path} to answer`);
    if (!health.ok)
      throw new TargetError(
        `target ${origin}${spec.health.path} did not answer 200 within ${spec.health.timeoutMs} ms (last: ` +
          `${health.last})`,
      );
  }
  return {
    origin,
    failure: new Promise<never>(() => {}),
    sample: () => null,
    figures: () => ({ kind: 'url', url: origin }),
    firstPrediction: () => {},
    stop: async () => {},
  };
}
