import { performance } from 'node:perf_hooks';
import type { TargetSpec } from '../scenario/index.ts';
import { describeCode, tcpProbe, waitForHealth } from './probe.ts';
import { TargetError, type Target } from './types.ts';

/** A service that is already running: check it answers, then hand out its origin. */
export async function useUrl(spec: TargetSpec & { url: string }, signal?: AbortSignal): Promise<Target> {
  const url = new URL(spec.url);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const refused = await tcpProbe(host, port, 5000);
  if (refused) throw new TargetError(`target ${url.origin} is unreachable: ${describeCode(refused)}`);
  if (spec.health.path) {
    const start = performance.now();
    const health = await waitForHealth(`${url.origin}${spec.health.path}`, start + spec.health.timeoutMs, spec.health.intervalMs, () => performance.now(), signal);
    if (signal?.aborted) throw new TargetError(`interrupted while waiting for ${url.origin}${spec.health.path} to answer`);
    if (!health.ok) throw new TargetError(`target ${url.origin}${spec.health.path} did not answer 200 within ${spec.health.timeoutMs} ms (last: ${health.last})`);
  }
  return {
    origin: url.origin,
    failure: new Promise<never>(() => {}),
    sample: () => null,
    figures: () => ({ kind: 'url', url: url.origin }),
    firstPrediction: () => {},
    stop: async () => {},
  };
}
