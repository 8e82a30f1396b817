import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

/** Opens and closes one TCP connection; resolves to null or the error's code. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: string | null) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done('ETIMEDOUT'));
    socket.once('connect', () => done(null));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

export function describeCode(code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    default:
      return code;
  }
}

/** GETs `url` until it answers 200 or `deadline` (performance-clock ms) passes. Returns the last status or error. */
export async function waitForHealth(
  url: string,
  deadline: number,
  intervalMs: number,
  now: () => number,
  abort?: AbortSignal,
): Promise<{ ok: boolean; last: string }> {
  let last = 'no answer';
  while (now() < deadline && !abort?.aborted) {
    try {
      const res = await request(url, { method: 'GET', headersTimeout: 2000, bodyTimeout: 2000, signal: abort });
      await res.body.dump();
      if (res.statusCode === 200) return { ok: true, last: 'HTTP 200' };
      last = `HTTP ${res.statusCode}`;
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
      last = describeCode(e.code ?? e.cause?.code ?? e.message);
    }
    await sleep(intervalMs, undefined, { signal: abort }).catch(() => undefined);
  }
  return { ok: false, last };
}
