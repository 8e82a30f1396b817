import { Pool, type Dispatcher } from 'undici';
import type { Payload, RequestPlan } from '../scenario/index.ts';
import { formatDuration } from '../scenario/index.ts';
import { MAX_KEPT_BODY } from './response.ts';
import { TokenStream } from './sse.ts';
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

/** Judges a response that did not simply pass on its status: returns the failure reason or null. */
export function judgeBody(plan: RequestPlan, status: number, text: string, truncated = false): string | null {
  if (!plan.expect.accepts(status)) return `HTTP ${status} (expected ${plan.expect.statusText})`;
  // A body too large to keep cannot be checked: a failure, never a pass.
  if (truncated) return `response body over ${MAX_KEPT_BODY / 1048576} MiB: JSON fields not checked`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'response is not JSON';
  }
  const missing = plan.expect.jsonFields.find((p) => !hasPath(parsed, p));
  return missing ? `missing JSON field "${missing.join('.')}"` : null;
}

export type Done = (outcome: Outcome) => void;

/**
 * One request on undici's dispatcher: no promise, no body stream, and the body is kept only
 * when it has to be read (an unexpected status, or JSON fields to check).
 */
class Exchange implements Dispatcher.DispatchHandler {
  private status = 0;
  private bytes = 0;
  private chunks: Buffer[] | null = null;
  private kept = 0;
  private tokens: TokenStream | null = null;
  private notStream: string | null = null;
  private readonly plan: RequestPlan;
  private readonly scheduled: number;
  private readonly sent: number;
  private readonly clock: () => number;
  private readonly done: Done;

  /** True while undici's dispatch() runs: errors it reports then are deferred, so loops cannot recurse. */
  inDispatch = true;

  constructor(plan: RequestPlan, scheduled: number, sent: number, clock: () => number, done: Done) {
    this.plan = plan;
    this.scheduled = scheduled;
    this.sent = sent;
    this.clock = clock;
    this.done = done;
  }

  onRequestStart(): void {}

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.status = statusCode;
    if (!this.plan.expect.accepts(statusCode) || this.plan.expect.jsonFields.length > 0) this.chunks = [];
    else if (this.plan.stream) {
      const type = String(headers['content-type'] ?? '')
        .split(';')[0]!
        .trim()
        .toLowerCase();
      if (type === 'text/event-stream') {
        this.tokens = new TokenStream();
        this.tokens.reset(this.plan.stream, this.plan.maxTokens ?? null);
      } else this.notStream = `not a stream: answered ${type || 'without a content-type'}`;
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.bytes += chunk.length;
    this.tokens?.feed(chunk, 0, chunk.length, this.clock());
    // A size limit passed: stop reading now (onResponseError reports the stream's own reason).
    if (this.tokens?.overflow) return controller.abort(new Error(this.tokens.failure!));
    // Kept up to MAX_KEPT_BODY; beyond it counted and dropped.
    if (this.chunks && this.kept < MAX_KEPT_BODY) {
      const part = chunk.length > MAX_KEPT_BODY - this.kept ? chunk.subarray(0, MAX_KEPT_BODY - this.kept) : chunk;
      this.chunks.push(part);
      this.kept += part.length;
    }
  }

  onResponseEnd(): void {
    const done = this.clock();
    if (this.chunks === null) {
      const outcome: Outcome = {
        scheduled: this.scheduled,
        sent: this.sent,
        done,
        status: this.status,
        bytes: this.bytes,
        failure: this.notStream,
      };
      if (this.tokens) {
        const timing = this.tokens.end();
        if (timing) outcome.tokens = timing;
        else {
          outcome.failure = this.tokens.failure;
          outcome.sample = this.tokens.detail;
        }
      }
      this.done(outcome);
      return;
    }
    const text = Buffer.concat(this.chunks).toString('utf8');
    const failure = judgeBody(this.plan, this.status, text, this.bytes > this.kept);
    this.done({
      scheduled: this.scheduled,
      sent: this.sent,
      done,
      status: this.status,
      bytes: this.bytes,
      failure,
      sample: failure ? text : undefined,
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, err: Error): void {
    if (this.inDispatch) {
      queueMicrotask(() => {
        this.inDispatch = false;
        this.onResponseError(null, err);
      });
      return;
    }
    const failure = this.tokens?.overflow ? this.tokens.failure! : networkReason(err, this.plan.timeoutMs);
    this.done({
      scheduled: this.scheduled,
      sent: this.sent,
      done: this.clock(),
      status: 0,
      bytes: 0,
      failure,
      sample: err.message,
    });
  }
}

/** Keep-alive connections to one origin; sends requests and judges their responses. */
export class UndiciClient {
  private readonly pool: Pool;
  private readonly headers: Map<RequestPlan, Map<string, string[]>> = new Map();
  private readonly baseHeaders: Record<string, string>;
  private readonly clock: () => number;

  constructor(
    origin: string,
    connections: number,
    connectTimeoutMs: number,
    baseHeaders: Record<string, string>,
    clock: () => number,
  ) {
    this.pool = new Pool(origin, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connectTimeout: connectTimeoutMs,
    });
    this.baseHeaders = baseHeaders;
    this.clock = clock;
  }

  /** Flat header arrays, built once per request kind and content type. */
  private headersFor(plan: RequestPlan, contentType: string | null): string[] {
    let byType = this.headers.get(plan);
    if (!byType) {
      byType = new Map();
      this.headers.set(plan, byType);
    }
    const key = contentType ?? '';
    let h = byType.get(key);
    if (!h) {
      const merged: Record<string, string> = { ...this.baseHeaders, ...plan.headers };
      if (contentType && !Object.keys(merged).some((k) => k.toLowerCase() === 'content-type'))
        merged['content-type'] = contentType;
      h = Object.entries(merged).flat();
      byType.set(key, h);
    }
    return h;
  }

  /** Sends one request; `done` is always called once, with every problem as a failure reason. */
  send(plan: RequestPlan, payload: Payload | null, scheduled: number, done: Done): void {
    const handler = new Exchange(plan, scheduled, this.clock(), this.clock, done);
    try {
      this.pool.dispatch(
        {
          path: plan.path,
          method: plan.method as Dispatcher.HttpMethod,
          headers: this.headersFor(plan, payload?.contentType ?? null),
          body: payload?.data,
          headersTimeout: plan.timeoutMs,
          bodyTimeout: plan.timeoutMs,
        },
        handler,
      );
    } catch (err) {
      handler.onResponseError(null, err as Error);
    }
    handler.inDispatch = false;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}
