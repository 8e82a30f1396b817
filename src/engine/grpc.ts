import type { Payload, RequestPlan } from '../scenario/index.ts';
import { formatDuration } from '../scenario/index.ts';
import { DEADLINE_EXCEEDED, GrpcConnection, grpcCodeName } from '../shared/grpc-wire.ts';
import { readFields } from '../shared/protobuf.ts';
import type { Done } from './http.ts';

/**
 * A gRPC status as the HTTP status the rest of the run counts by (Google's mapping of google.rpc.Code): a refused
 * request is a 4xx, a failing server a 5xx, so expectations ("4xx"), status counts and reports read alike.
 */
const HTTP_STATUS = [200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401] as const;

export const httpStatusOf = (code: number): number => HTTP_STATUS[code] ?? 500;
export { grpcCodeName };

/** Whether an answer of ModelInfer holds output tensors (field 5) or their raw contents (field 6). */
function hasOutputs(answer: Buffer): boolean {
  try {
    return readFields(answer).some((f) => f.field === 5 || f.field === 6);
  } catch {
    return false;
  }
}

/**
 * gRPC over HTTP/2 on `channels` connections to one grpc:// target, requests taken round-robin. A channel is one
 * HTTP/2 connection that multiplexes every request sent on it; more channels spread the requests over more
 * connections (and a server's threads) at the cost of one socket and its HTTP/2 state each.
 */
export class GrpcClient {
  private readonly channels: GrpcConnection[];
  private next = 0;
  private readonly clock: () => number;

  constructor(origin: string, channels: number, headers: Record<string, string>, clock: () => number) {
    const authority = new URL(origin).host;
    this.clock = clock;
    this.channels = Array.from({ length: Math.max(1, channels) }, () => new GrpcConnection(authority, headers));
  }

  send(plan: RequestPlan, payload: Payload | null, scheduled: number, done: Done): void {
    const channel = this.channels[this.next]!;
    this.next = (this.next + 1) % this.channels.length;
    const body = Buffer.from(payload?.data ?? '', 'latin1');
    const sent = this.clock();
    channel.call(plan.path, body, plan.timeoutMs, (answer) => {
      const base = { scheduled, sent, done: this.clock() };
      if (answer.code === 0) {
        let failure: string | null = null;
        if (!plan.expect.accepts(200)) failure = `gRPC OK (expected ${plan.expect.statusText})`;
        else if (plan.expect.jsonFields.length > 0 && !hasOutputs(answer.body))
          failure = 'answer holds no output tensors';
        return done({ ...base, status: 200, bytes: answer.body.length, failure });
      }
      if (answer.code === DEADLINE_EXCEEDED)
        return done({ ...base, status: 0, bytes: 0, failure: `timeout after ${formatDuration(plan.timeoutMs)}` });
      const status = httpStatusOf(answer.code);
      const accepted = plan.expect.accepts(status);
      done({
        ...base,
        status,
        bytes: 0,
        failure: accepted ? null : `gRPC ${grpcCodeName(answer.code)} (expected ${plan.expect.statusText})`,
        ...(accepted ? {} : { sample: answer.message }),
      });
    });
  }

  async close(): Promise<void> {
    for (const c of this.channels) c.close();
  }

  async destroy(): Promise<void> {
    for (const c of this.channels) c.close();
  }
}
