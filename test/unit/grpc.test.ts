import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { grpcCodeName, httpStatusOf } from '../../src/engine/grpc.ts';
import { grpcGenerator } from '../../src/scenario/presets/kserve-grpc.ts';
import { Rng } from '../../src/scenario/rng.ts';
import { refusal, type GrpcModel } from '../helpers/grpc.ts';

const MODEL: GrpcModel = {
  name: 'heart',
  inputs: { age: 'INT64', delta: 'INT64', oldpeak: 'FP32', vector: 'FP32', flag: 'BOOL', tier: 'BYTES' },
  latency: () => 0,
};

const generator = (batch: number) =>
  grpcGenerator(
    {
      age: { int: [29, 77] },
      delta: { int: [-5_000_000_000, 5] },
      oldpeak: { float: [0, 6.2] },
      vector: { array: { float: [0, 1] }, length: 8 },
      flag: { choice: [true, false] },
      tier: { choice: ['free', 'pro'] },
    },
    batch,
    'heart',
  );

describe('KServe v2 over gRPC: the ModelInferRequest, as a strict server decodes it (protobufjs)', () => {
  it('valid requests decode with every input of its datatype and shape, for batches of 1 and 4, negative int64 too', () => {
    for (const batch of [1, 4]) {
      const g = generator(batch);
      const rng = new Rng(7);
      for (let i = 0; i < 200; i++) {
        const body = Buffer.from(g.next(rng).data, 'latin1');
        assert.equal(refusal(MODEL, body), null);
      }
    }
  });

  it('each mutation is refused: a missing input, a wrong shape or datatype, bytes that are no message, an empty one', () => {
    const g = generator(2);
    const rng = new Rng(11);
    const expected: Record<string, grpc.status> = {
      missing_inputs: grpc.status.INVALID_ARGUMENT,
      wrong_shape: grpc.status.INVALID_ARGUMENT,
      wrong_datatype: grpc.status.INVALID_ARGUMENT,
      malformed_message: grpc.status.INVALID_ARGUMENT,
      empty_body: grpc.status.NOT_FOUND,
    };
    assert.deepEqual([...g.mutations].sort(), Object.keys(expected).sort());
    for (const how of g.mutations)
      for (let i = 0; i < 50; i++) {
        const r = refusal(MODEL, Buffer.from(g.mutate(rng, how).data, 'latin1'));
        assert.equal(r?.code, expected[how], `${how}: ${r?.why}`);
      }
  });

  it("a gRPC status is counted as Google's HTTP equivalent, and named", () => {
    assert.equal(httpStatusOf(grpc.status.INVALID_ARGUMENT), 400);
    assert.equal(httpStatusOf(grpc.status.UNAVAILABLE), 503);
    assert.equal(httpStatusOf(grpc.status.RESOURCE_EXHAUSTED), 429);
    assert.equal(httpStatusOf(grpc.status.OK), 200);
    assert.equal(grpcCodeName(grpc.status.INVALID_ARGUMENT), 'INVALID_ARGUMENT');
  });
});
