import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';

/**
 * The messages of the Open Inference Protocol's gRPC API that the test server reads and writes, decoded by protobufjs
 * (not by the code under test). Written here from the protocol's field numbers; only the fields the tests use.
 */
const PROTO = `
syntax = "proto3";
package inference;
message ModelReadyRequest { string name = 1; string version = 2; }
message ReadyResponse { bool ready = 1; }
message InferTensorContents {
  repeated bool bool_contents = 1;
  repeated int32 int_contents = 2;
  repeated int64 int64_contents = 3;
  repeated float fp32_contents = 6;
  repeated double fp64_contents = 7;
  repeated bytes bytes_contents = 8;
}
message InferInputTensor { string name = 1; string datatype = 2; repeated int64 shape = 3; InferTensorContents contents = 5; }
message ModelInferRequest { string model_name = 1; string model_version = 2; string id = 3; repeated InferInputTensor inputs = 5; }
message InferOutputTensor { string name = 1; string datatype = 2; repeated int64 shape = 3; InferTensorContents contents = 5; }
message ModelInferResponse { string model_name = 1; string id = 3; repeated InferOutputTensor outputs = 5; }
`;
const root = protobuf.parse(PROTO).root;
const InferRequest = root.lookupType('inference.ModelInferRequest');
const InferResponse = root.lookupType('inference.ModelInferResponse');
const ModelReady = root.lookupType('inference.ModelReadyRequest');
const Ready = root.lookupType('inference.ReadyResponse');

interface DecodedTensor {
  name: string;
  datatype: string;
  shape: number[];
  contents?: Record<string, unknown[]>;
}

/** What a strict server checks: the model's name, and each input's datatype. */
export interface GrpcModel {
  name: string;
  inputs: Record<string, string>;
  /** Each request's latency, ms. */
  latency: () => number;
}

const CONTENTS_OF: Record<string, string> = {
  BOOL: 'boolContents',
  INT64: 'int64Contents',
  FP32: 'fp32Contents',
  FP64: 'fp64Contents',
  BYTES: 'bytesContents',
};

const id = (b: Buffer) => b;
const unary = (method: string) => ({
  path: `/inference.GRPCInferenceService/${method}`,
  requestStream: false,
  responseStream: false,
  requestSerialize: id,
  requestDeserialize: id,
  responseSerialize: id,
  responseDeserialize: id,
});

/** Why a request is refused (INVALID_ARGUMENT), or null: a strict server's checks. */
export function refusal(model: GrpcModel, body: Buffer): { code: grpc.status; why: string } | null {
  let req: { modelName: string; inputs: DecodedTensor[] };
  try {
    req = InferRequest.toObject(InferRequest.decode(body), { longs: Number, defaults: true }) as typeof req;
  } catch (err) {
    return { code: grpc.status.INVALID_ARGUMENT, why: `not a ModelInferRequest: ${(err as Error).message}` };
  }
  if (req.modelName !== model.name) return { code: grpc.status.NOT_FOUND, why: `no model "${req.modelName}"` };
  for (const [name, datatype] of Object.entries(model.inputs)) {
    const t = req.inputs.find((x) => x.name === name);
    if (!t) return { code: grpc.status.INVALID_ARGUMENT, why: `missing input ${name}` };
    if (t.datatype !== datatype)
      return { code: grpc.status.INVALID_ARGUMENT, why: `input ${name}: datatype ${t.datatype}, expected ${datatype}` };
    const values = t.contents?.[CONTENTS_OF[datatype]!] ?? [];
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (values.length !== size)
      return {
        code: grpc.status.INVALID_ARGUMENT,
        why: `input ${name}: ${values.length} values for shape [${t.shape}]`,
      };
  }
  return null;
}

/** A KServe v2 gRPC server on 127.0.0.1: ServerReady, ModelReady and ModelInfer of one model, strict. */
export async function startGrpcModel(model: GrpcModel): Promise<{
  url: string;
  port: number;
  calls: { infer: number; refused: number };
  close(): Promise<void>;
  kill(): void;
}> {
  const server = new grpc.Server();
  const calls = { infer: 0, refused: 0 };
  const answer = InferResponse.encode(
    InferResponse.fromObject({
      modelName: model.name,
      outputs: [{ name: 'probability', datatype: 'FP32', shape: [1], contents: { fp32Contents: [0.5] } }],
    }),
  ).finish();
  server.addService(
    {
      ServerReady: unary('ServerReady'),
      ModelReady: unary('ModelReady'),
      ModelInfer: unary('ModelInfer'),
    } as grpc.ServiceDefinition,
    {
      ServerReady: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) =>
        cb(null, Buffer.from(Ready.encode({ ready: true }).finish())),
      ModelReady: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        const name = (ModelReady.decode(call.request) as unknown as { name: string }).name;
        cb(null, Buffer.from(Ready.encode({ ready: name === model.name }).finish()));
      },
      ModelInfer: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        calls.infer++;
        const refused = refusal(model, call.request);
        setTimeout(() => {
          if (refused) {
            calls.refused++;
            return cb({ code: refused.code, details: refused.why });
          }
          cb(null, Buffer.from(answer));
        }, model.latency());
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    url: `grpc://127.0.0.1:${port}`,
    port,
    calls,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
    kill: () => server.forceShutdown(),
  };
}
