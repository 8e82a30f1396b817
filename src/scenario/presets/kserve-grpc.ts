import { ProtoWriter } from '../../shared/protobuf.ts';
import { compileField, type FieldSpec, type Generator, type Mutation } from '../payload.ts';
import type { Rng } from '../rng.ts';
import { datatypeOf, wrongDatatype } from './kserve-v2.ts';
import type { Preset } from './preset.ts';

/** The gRPC service of the Open Inference Protocol (KServe v2, Triton) and its inference method. */
const GRPC_SERVICE = 'inference.GRPCInferenceService';
const GRPC_CONTENT_TYPE = 'application/grpc+proto';

/**
 * KServe v2 over gRPC: `ModelInfer` with the same tensors as the REST preset, as protobuf. A payload's bytes travel in
 * a latin1 string (the engine's payloads are strings), turned back into bytes once, by the gRPC client.
 */
export const kserveV2Grpc: Preset = {
  name: 'kserve-v2-grpc',
  path: () => `/${GRPC_SERVICE}/ModelInfer`,
  // On a grpc:// target the health check calls ServerReady, then ModelReady of this model.
  health: (model) => model,
  answer: 'outputs',
  body: 'fields',
  builds: { plural: 'input tensors', one: 'input tensor' },
  generator: (fields, batch, _format, model) => grpcGenerator(fields, batch, model ?? ''),
  fieldProblem: (spec) =>
    spec.array && (typeof spec.length !== 'number' || spec.array.array || spec.array.object)
      ? 'is an array of varying length or of arrays: a KServe v2 tensor needs one fixed `length` of plain values'
      : null,
  transport: 'grpc',
};

interface Tensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
  /** Which contents field carries the data: the datatype's own, unless a mutation says otherwise. */
  contentsOf: string;
}

/** InferTensorContents: the field of each datatype's values. */
function writeContents(w: ProtoWriter, datatype: string, data: unknown[]): void {
  switch (datatype) {
    case 'BOOL':
      w.packed(
        1,
        data.map((v) => (v ? 1 : 0)),
        false,
      );
      return;
    case 'INT64':
      w.packedInt64(
        3,
        data.map((v) => Math.trunc(Number(v))),
      );
      return;
    case 'FP32':
      w.packedFloats(6, data.map(Number));
      return;
    default:
      for (const v of data) w.bytes(8, Buffer.from(String(v)));
  }
}

/** A ModelInferRequest: model_name (1), inputs (5) of name (1), datatype (2), shape (3) and contents (5). */
export function modelInferRequest(model: string, tensors: Tensor[]): Buffer {
  const w = new ProtoWriter();
  if (model) w.string(1, model);
  for (const t of tensors)
    w.message(5, (input) => {
      input.string(1, t.name);
      input.string(2, t.datatype);
      input.packedInt64(3, t.shape);
      input.message(5, (c) => writeContents(c, t.contentsOf, t.data));
    });
  return w.finish();
}

const payload = (b: Buffer) => ({ data: b.toString('latin1'), contentType: GRPC_CONTENT_TYPE });

/**
 * Tensors as the REST preset draws them, in protobuf. Mutations break the request as a client's bug would: an input
 * missing, a shape that does not match the data, a datatype the data is not, bytes that are not a message, or an
 * empty one (no model named).
 */
export function grpcGenerator(specs: Record<string, FieldSpec>, batch: number, model: string): Generator {
  const fields = Object.entries(specs).map(([name, spec]) => ({
    name,
    spec,
    row: compileField(spec),
    datatype: datatypeOf(spec),
  }));
  const draw = (rng: Rng): Tensor[] =>
    fields.map((f) => {
      const rows = Array.from({ length: batch }, () => f.row.draw(rng));
      const common = { name: f.name, datatype: f.datatype, contentsOf: f.datatype };
      return f.spec.array
        ? { ...common, shape: [batch, f.spec.length as number], data: (rows as unknown[][]).flat() }
        : { ...common, shape: [batch], data: rows };
    });
  const mutations: Mutation[] = ['missing_inputs', 'wrong_shape', 'wrong_datatype', 'malformed_message', 'empty_body'];
  return {
    mutations,
    next: (rng) => payload(modelInferRequest(model, draw(rng))),
    mutate(rng, how) {
      const inputs = draw(rng);
      const t = inputs[rng.int(0, inputs.length - 1)]!;
      switch (how) {
        case 'missing_inputs':
          return payload(
            modelInferRequest(
              model,
              inputs.filter((x) => x !== t),
            ),
          );
        case 'wrong_shape':
          t.shape = [t.shape[0]! + 1, ...t.shape.slice(1)];
          return payload(modelInferRequest(model, inputs));
        case 'wrong_datatype':
          t.datatype = wrongDatatype(t.datatype);
          return payload(modelInferRequest(model, inputs));
        case 'malformed_message': {
          // A length-delimited field that claims more bytes than follow: never a message.
          const valid = modelInferRequest(model, inputs);
          return payload(Buffer.concat([valid, Buffer.from([0x2a, 0xff, 0x01])]));
        }
        default:
          return payload(Buffer.alloc(0));
      }
    },
  };
}
