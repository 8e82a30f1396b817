import type * as Grpc from '@grpc/grpc-js';
import type { Payload, RequestPlan } from '../scenario/index.ts';
import { formatDuration } from '../scenario/index.ts';
import { readFields } from '../shared/protobuf.ts';
import type { Done } from './http.ts';

/**
 * A gRPC status as the HTTP status the rest of the run counts by (Google's mapping of google.rpc.Code): a refused
 * request is a 4xx, a failing server a 5xx, so expectations ("4xx"), status counts and reports read alike.
 */
const CODES = [
  ['OK', 200],
  ['CANCELLED', 499],
  ['UNKNOWN', 500],
  ['INVALID_ARGUMENT', 400],
  ['DEADLINE_EXCEEDED', 504],
  ['NOT_FOUND', 404],
  ['ALREADY_EXISTS', 409],
  ['PERMISSION_DENIED', 403],
  ['RESOURCE_EXHAUSTED', 429],
  ['FAILED_PRECONDITION', 400],
  ['ABORTED', 409],
  ['OUT_OF_RANGE', 400],
  ['UNIMPLEMENTED', 501],
  ['INTERNAL', 500],
  ['UNAVAILABLE', 503],
  ['DATA_LOSS', 500],
  ['UNAUTHENTICATED', 401],
] as const;
// gRPC's codes are its wire protocol's numbers, 0 to 16, in this order.
const DEADLINE_EXCEEDED = 4;

export const httpStatusOf = (code: number): number => CODES[code]?.[1] ?? 500;
export const grpcCodeName = (code: number): string => CODES[code]?.[0] ?? `code ${code}`;

/** The payload's bytes, which travel as a latin1 string: turned back once per request, the only copy made. */
const identity = (b: Buffer) => b;

/** Whether an answer of ModelInfer holds output tensors (field 5) or their raw contents (field 6). */
function hasOutputs(answer: Buffer): boolean {
  try {
    return readFields(answer).some((f) => f.field === 5 || f.field === 6);
  } catch {
    return false;
  }
}

/**
 * gRPC over HTTP/2 (grpc-js), on `channels` connections to one grpc:// target, requests taken round-robin. A
 * channel is one HTTP/2 connection that multiplexes every request sent on it; more channels spread the requests over
 * more connections (and a server's threads) at the cost of one socket and its HTTP/2 state each.
 */
export class GrpcClient {
  private readonly clients: Grpc.Client[];
  private next = 0;
  private readonly metadata: Grpc.Metadata;
  private readonly clock: () => number;

  /** grpc-js loads only for a gRPC run: it stays out of the bundle's main chunk, in one of its own. */
  static async create(origin: string, channels: number, headers: Record<string, string>, clock: () => number) {
    return new GrpcClient(await import('@grpc/grpc-js'), origin, channels, headers, clock);
  }

  private constructor(
    grpc: typeof Grpc,
    origin: string,
    channels: number,
    headers: Record<string, string>,
    clock: () => number,
  ) {
    const url = new URL(origin);
    const address = url.host;
    this.clock = clock;
    this.metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(headers)) this.metadata.set(k.toLowerCase(), v);
    // A local subchannel pool each: without it grpc-js would share one connection between the clients.
    this.clients = Array.from(
      { length: Math.max(1, channels) },
      () => new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }),
    );
  }

  send(plan: RequestPlan, payload: Payload | null, scheduled: number, done: Done): void {
    const client = this.clients[this.next]!;
    this.next = (this.next + 1) % this.clients.length;
    const body = Buffer.from(payload?.data ?? '', 'latin1');
    const sent = this.clock();
    client.makeUnaryRequest<Buffer, Buffer>(
      plan.path,
      identity,
      identity,
      body,
      this.metadata,
      { deadline: Date.now() + plan.timeoutMs },
      (err, answer) => {
        const doneAt = this.clock();
        const base = { scheduled, sent, done: doneAt };
        if (!err) {
          const bytes = answer?.length ?? 0;
          let failure: string | null = null;
          if (!plan.expect.accepts(200)) failure = `gRPC OK (expected ${plan.expect.statusText})`;
          else if (plan.expect.jsonFields.length > 0 && !hasOutputs(answer ?? Buffer.alloc(0)))
            failure = 'answer holds no output tensors';
          return done({ ...base, status: 200, bytes, failure });
        }
        if (err.code === DEADLINE_EXCEEDED)
          return done({ ...base, status: 0, bytes: 0, failure: `timeout after ${formatDuration(plan.timeoutMs)}` });
        const status = httpStatusOf(err.code);
        const accepted = plan.expect.accepts(status);
        const reason = `gRPC ${grpcCodeName(err.code)} (expected ${plan.expect.statusText})`;
        done({
          ...base,
          status,
          bytes: 0,
          failure: accepted ? null : reason,
          ...(accepted ? {} : { sample: err.details || err.message }),
        });
      },
    );
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.close();
  }

  async destroy(): Promise<void> {
    for (const c of this.clients) c.close();
  }
}
