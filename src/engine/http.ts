import { Pool } from 'undici';
import type { Payload, RequestPlan } from '../scenario/types.ts';
import { formatDuration } from '../scenario/units.ts';
import type { Outcome } from './types.ts';

/** Why a request got no response, in words a report can group by. */
export function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `timeout after ${formatDuration(timeoutMs)}`;
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
    case 'UND_ERR_ABORTED':
      return 'aborted';
    default:
      return code ? `${code}: ${e.message ?? ''}`.trim() : (e.message ?? String(err));
  }
}

function hasPath(value: unknown, path: string[]): boolean {
  let node = value;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !(key in node)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

/** Keep-alive connections to one origin; sends a request and judges its response. */
export class HttpTarget {
  private readonly pool: Pool;
  private readonly headers: Map<RequestPlan, Map<string, Record<string, string>>> = new Map();
  private readonly baseHeaders: Record<string, string>;

  constructor(origin: string, connections: number, connectTimeoutMs: number, baseHeaders: Record<string, string>) {
    this.pool = new Pool(origin, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connectTimeout: connectTimeoutMs,
    });
    this.baseHeaders = baseHeaders;
  }

  private headersFor(plan: RequestPlan, contentType: string | null): Record<string, string> {
    let byType = this.headers.get(plan);
    if (!byType) {
      byType = new Map();
      this.headers.set(plan, byType);
    }
    const key = contentType ?? '';
    let h = byType.get(key);
    if (!h) {
      h = { ...this.baseHeaders, ...plan.headers };
      if (contentType && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = contentType;
      byType.set(key, h);
    }
    return h;
  }

  /** Sends one request; never throws: every problem becomes a failure reason. */
  async send(plan: RequestPlan, payload: Payload | null, scheduled: number, clock: () => number): Promise<Outcome> {
    const sent = clock();
    try {
      const res = await this.pool.request({
        path: plan.path,
        method: plan.method as 'GET',
        headers: this.headersFor(plan, payload?.contentType ?? null),
        body: payload?.data,
        headersTimeout: plan.timeoutMs,
        bodyTimeout: plan.timeoutMs,
      });
      const status = res.statusCode;
      const ok = plan.expect.accepts(status);
      if (ok && plan.expect.jsonFields.length === 0) {
        const buf = await res.body.arrayBuffer();
        return { scheduled, sent, done: clock(), status, bytes: buf.byteLength, failure: null };
      }
      const text = await res.body.text();
      const done = clock();
      const bytes = Buffer.byteLength(text);
      if (!ok) return { scheduled, sent, done, status, bytes, failure: `HTTP ${status} (expected ${plan.expect.statusText})`, sample: text };
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { scheduled, sent, done, status, bytes, failure: 'response is not JSON', sample: text };
      }
      const missing = plan.expect.jsonFields.find((p) => !hasPath(parsed, p));
      if (missing) return { scheduled, sent, done, status, bytes, failure: `missing JSON field "${missing.join('.')}"`, sample: text };
      return { scheduled, sent, done, status, bytes, failure: null };
    } catch (err) {
      return { scheduled, sent, done: clock(), status: 0, bytes: 0, failure: networkReason(err, plan.timeoutMs), sample: (err as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}
