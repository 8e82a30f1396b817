import type * as Grpc from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProtoWriter, readFields } from '../shared/protobuf.ts';

const SERVICE = '/inference.GRPCInferenceService';
const identity = (b: Buffer) => b;

/** One unary call of the readiness API: whether its answer says ready (field 1 true), or why not. */
function ready(
  grpc: typeof Grpc,
  client: Grpc.Client,
  method: string,
  request: Buffer,
  timeoutMs: number,
): Promise<string | null> {
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(
      `${SERVICE}/${method}`,
      identity,
      identity,
      request,
      new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs },
      (err, answer) => {
        if (err)
          return resolve(
            `${method}: gRPC ${grpc.status[err.code] ?? err.code}${err.details ? `: ${err.details}` : ''}`,
          );
        try {
          const on = readFields(answer ?? Buffer.alloc(0)).some((f) => f.field === 1 && f.value === 1);
          resolve(on ? null : `${method}: not ready`);
        } catch {
          resolve(`${method}: an answer that is not its message`);
        }
      },
    );
  });
}

/**
 * Polls the Open Inference Protocol's ServerReady, then ModelReady of `model` (when given), until both say ready or
 * `deadline` (performance-clock ms) passes.
 */
export async function waitForGrpcReady(
  address: string,
  model: string | null,
  deadline: number,
  intervalMs: number,
  now: () => number,
  abort?: AbortSignal,
): Promise<{ ok: boolean; last: string }> {
  const grpc = await import('@grpc/grpc-js');
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const modelRequest = new ProtoWriter();
  if (model) modelRequest.string(1, model);
  let last = 'no answer';
  try {
    while (now() < deadline && !abort?.aborted) {
      const server = await ready(grpc, client, 'ServerReady', Buffer.alloc(0), 2000);
      const why = server ?? (model ? await ready(grpc, client, 'ModelReady', modelRequest.finish(), 2000) : null);
      if (why === null) return { ok: true, last: 'ready' };
      last = why;
      await sleep(intervalMs, undefined, { signal: abort }).catch(() => undefined);
    }
    return { ok: false, last };
  } finally {
    client.close();
  }
}
