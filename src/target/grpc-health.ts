import { setTimeout as sleep } from 'node:timers/promises';
import { GrpcConnection, grpcCodeName } from '../shared/grpc-wire.ts';
import { ProtoWriter, readFields } from '../shared/protobuf.ts';

const SERVICE = '/inference.GRPCInferenceService';

/** One unary call of the readiness API: null when its answer says ready (field 1 true), else why not. */
function ready(connection: GrpcConnection, method: string, request: Buffer, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) =>
    connection.call(`${SERVICE}/${method}`, request, timeoutMs, (a) => {
      if (a.code !== 0) return resolve(`${method}: gRPC ${grpcCodeName(a.code)}${a.message ? `: ${a.message}` : ''}`);
      try {
        resolve(readFields(a.body).some((f) => f.field === 1 && f.value === 1) ? null : `${method}: not ready`);
      } catch {
        resolve(`${method}: an answer that is not its message`);
      }
    }),
  );
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
  const connection = new GrpcConnection(address);
  const modelRequest = new ProtoWriter();
  if (model) modelRequest.string(1, model);
  let last = 'no answer';
  try {
    while (now() < deadline && !abort?.aborted) {
      const server = await ready(connection, 'ServerReady', Buffer.alloc(0), 2000);
      const why = server ?? (model ? await ready(connection, 'ModelReady', modelRequest.finish(), 2000) : null);
      if (why === null) return { ok: true, last: 'ready' };
      last = why;
      await sleep(intervalMs, undefined, { signal: abort }).catch(() => undefined);
    }
    return { ok: false, last };
  } finally {
    connection.close();
  }
}
