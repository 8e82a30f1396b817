// The gRPC bench's peers: `server PORT` answers ModelInfer at once with a fixed answer (grpc-js); `client PORT
// SECONDS CONCURRENCY` is a plain grpc-js client as an application writes it (each request a message object
// serialized by protobufjs, like a generated stub), sending in CONCURRENCY loops; it prints the requests it completed.
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto3";
package inference;
message InferTensorContents { repeated int64 int64_contents = 3; repeated float fp32_contents = 6; }
message InferInputTensor { string name = 1; string datatype = 2; repeated int64 shape = 3; InferTensorContents contents = 5; }
message ModelInferRequest { string model_name = 1; repeated InferInputTensor inputs = 5; }
message InferOutputTensor { string name = 1; string datatype = 2; repeated int64 shape = 3; InferTensorContents contents = 5; }
message ModelInferResponse { string model_name = 1; repeated InferOutputTensor outputs = 5; }
`;
const root = protobuf.parse(PROTO).root;
const Request = root.lookupType('inference.ModelInferRequest');
const Response = root.lookupType('inference.ModelInferResponse');
const PATH = '/inference.GRPCInferenceService/ModelInfer';
const id = (b: Buffer) => b;
const [mode, portText, secondsText, concurrencyText] = process.argv.slice(2);
const port = Number(portText);

if (mode === 'server') {
  const answer = Buffer.from(
    Response.encode(
      Response.fromObject({
        modelName: 'heart',
        outputs: [{ name: 'probability', datatype: 'FP32', shape: [1], contents: { fp32Contents: [0.5] } }],
      }),
    ).finish(),
  );
  const server = new grpc.Server();
  const unary = (name: string) => ({
    path: `/inference.GRPCInferenceService/${name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: id,
    requestDeserialize: id,
    responseSerialize: id,
    responseDeserialize: id,
  });
  const ready = Buffer.from([0x08, 0x01]);
  const definition = {
    ModelInfer: unary('ModelInfer'),
    ServerReady: unary('ServerReady'),
    ModelReady: unary('ModelReady'),
  };
  server.addService(definition as grpc.ServiceDefinition, {
    ModelInfer: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, answer),
    ServerReady: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, ready),
    ModelReady: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, ready),
  });
  server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) => {
    if (err) throw err;
    console.log('ready');
  });
} else {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const endAt = Date.now() + Number(secondsText) * 1000;
  let done = 0;
  const serialize = (o: object) => Buffer.from(Request.encode(Request.fromObject(o)).finish());
  const deserialize = (b: Buffer) => Response.decode(b);
  const loop = () => {
    if (Date.now() >= endAt) return;
    const request = {
      modelName: 'heart',
      inputs: [
        {
          name: 'age',
          datatype: 'INT64',
          shape: [1],
          contents: { int64Contents: [29 + Math.floor(Math.random() * 48)] },
        },
        { name: 'oldpeak', datatype: 'FP32', shape: [1], contents: { fp32Contents: [Math.random() * 6.2] } },
      ],
    };
    // A deadline on every call, as ghz sets one (its --timeout, 20 s by default).
    const deadline = Date.now() + 20_000;
    client.makeUnaryRequest(PATH, serialize, deserialize, request, new grpc.Metadata(), { deadline }, (err) => {
      if (err) throw err;
      done++;
      loop();
    });
  };
  for (let i = 0; i < Number(concurrencyText); i++) loop();
  const check = setInterval(() => {
    if (Date.now() < endAt + 2000) return;
    clearInterval(check);
    console.log(JSON.stringify({ requests: done }));
    client.close();
  }, 100);
}
