// The example model server: logistic regression behind POST /predict, with GET /health, and the same
// model behind the KServe v2 / Open Inference Protocol (POST /v2/models/<name>/infer, GET
// /v2/health/ready) and TF Serving's REST API (POST /v1/models/<name>:predict, GET /v1/models/<name>).
// Plain Node.js, no dependencies, so it runs in a FROM scratch image beside the node binary.
//   PORT        port to listen on (default 8080)
//   HOST        address to bind (default 127.0.0.1; 0.0.0.0 inside a published container)
//   MODEL_PATH  model file (default model.json beside this file)
//   EXTRA_WORK  extra forward passes per prediction, to make the model CPU-bound (default 0)
//   LOAD_DELAY_MS  time spent "loading the model" before /health answers 200 (default 0)
//   LEAK_KB     memory kept for ever per prediction, to play a leak in a soak (default 0)
//   GRPC_PORT   also serve the Open Inference Protocol over gRPC (ServerReady, ModelReady, ModelInfer) on this port,
//               plaintext HTTP/2 with node:http2 and a few lines of protobuf below: still no dependency
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const extraWork = Number(process.env.EXTRA_WORK ?? 0);
const leakKb = Number(process.env.LEAK_KB ?? 0);
const leaked = [];
const model = JSON.parse(readFileSync(process.env.MODEL_PATH ?? new URL('./model.json', import.meta.url), 'utf8'));
let ready = false;
setTimeout(() => (ready = true), Number(process.env.LOAD_DELAY_MS ?? 0));

function validate(input) {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return 'body must be a JSON object';
  for (const f of model.features) {
    const v = input[f.name];
    if (v === undefined) return `missing field: ${f.name}`;
    if (typeof v !== 'number' || !Number.isFinite(v)) return `${f.name} must be a number`;
    if (v < f.min || v > f.max) return `${f.name} must be between ${f.min} and ${f.max}`;
  }
  return null;
}

function score(input) {
  if (leakKb > 0) leaked.push(Buffer.alloc(leakKb * 1024, 1));
  let z = model.bias;
  for (const f of model.features) z += f.weight * ((input[f.name] - f.mean) / f.std);
  let p = 1 / (1 + Math.exp(-z));
  // A bigger model's cost, without changing the answer.
  for (let i = 0; i < extraWork; i++) {
    let zi = model.bias;
    for (const f of model.features) zi += f.weight * ((input[f.name] * (1 + i * 1e-12) - f.mean) / f.std);
    p = (p + 1 / (1 + Math.exp(-zi))) / 2;
  }
  return p;
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const round = (p) => Math.round(p * 1e6) / 1e6;
const NUMERIC = new Set([
  'FP16',
  'FP32',
  'FP64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
]);

/** KServe v2: one input tensor per feature, shape [batch] (or [batch, 1]), numeric; rows scored in turn. */
function inferV2(body) {
  if (body === null || typeof body !== 'object' || !Array.isArray(body.inputs))
    return { error: 'body must be an object with an `inputs` list' };
  const rows = [];
  for (const f of model.features) {
    const t = body.inputs.find((x) => x && x.name === f.name);
    if (!t) return { error: `missing input tensor: ${f.name}` };
    if (!NUMERIC.has(t.datatype)) return { error: `${f.name}: datatype ${t.datatype} is not numeric` };
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d > 0) || !Array.isArray(t.data))
      return { error: `${f.name}: needs a shape and a data list` };
    if (
      t.shape.reduce((a, d) => a * d, 1) !== t.data.length ||
      t.shape.length > 2 ||
      (t.shape.length === 2 && t.shape[1] !== 1)
    )
      return {
        error: `${f.name}: shape ${JSON.stringify(t.shape)} does not match ${t.data.length} values of one feature`,
      };
    if (rows.length > 0 && rows.length !== t.data.length)
      return { error: `${f.name}: ${t.data.length} rows, other inputs have ${rows.length}` };
    t.data.forEach((v, i) => {
      (rows[i] ??= {})[f.name] = v;
    });
  }
  for (const row of rows) {
    const problem = validate(row);
    if (problem) return { error: problem };
  }
  return {
    model_name: model.name,
    model_version: model.version,
    outputs: [{ name: 'probability', shape: [rows.length], datatype: 'FP32', data: rows.map((r) => round(score(r))) }],
  };
}

/**
 * TF Serving's REST predict, in each format it takes: named rows {"instances": [{feature: value, ...}, ...]},
 * bare rows {"instances": [[value, ...], ...]} (the features in the model's order), or columns
 * {"inputs": {feature: [value, ...], ...}} (bare columns {"inputs": [[...], ...]} are rows again).
 */
function rowsOf(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return 'body must be an object with `instances` or `inputs`';
  const list = body.instances ?? (Array.isArray(body.inputs) ? body.inputs : undefined);
  if (Array.isArray(list)) {
    if (list.length === 0) return 'body must have a non-empty `instances` list';
    return list.map((r) =>
      Array.isArray(r)
        ? r.length === model.features.length
          ? Object.fromEntries(model.features.map((f, i) => [f.name, r[i]]))
          : `a bare row has ${r.length} values, the model ${model.features.length}`
        : r,
    );
  }
  if (body.inputs && typeof body.inputs === 'object') {
    const columns = model.features.map((f) => body.inputs[f.name]);
    const missing = model.features.find((_f, i) => !Array.isArray(columns[i]));
    if (missing) return `missing input column: ${missing.name}`;
    const n = columns[0].length;
    if (n === 0 || columns.some((c) => c.length !== n)) return 'input columns must be non-empty and of one length';
    return Array.from({ length: n }, (_, i) =>
      Object.fromEntries(model.features.map((f, j) => [f.name, columns[j][i]])),
    );
  }
  return 'body must be an object with a non-empty `instances` list or `inputs`';
}

function predictV1(body) {
  const rows = rowsOf(body);
  if (typeof rows === 'string') return { error: rows };
  for (const row of rows) {
    const problem = typeof row === 'string' ? row : validate(row);
    if (problem) return { error: problem };
  }
  return { predictions: rows.map((r) => round(score(r))) };
}

function readJson(req, res, answer) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let input;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, { error: 'body is not valid JSON' });
    }
    const out = answer(input);
    send(res, out.error ? 400 : 200, out);
  });
}

const V2 = `/v2/models/${model.name}`;
const V1 = `/v1/models/${model.name}`;
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    return send(res, ready ? 200 : 503, {
      status: ready ? 'ok' : 'loading',
      model: model.name,
      version: model.version,
    });
  }
  if (req.method === 'GET' && (req.url === '/v2/health/ready' || req.url === `${V2}/ready`))
    return send(res, ready ? 200 : 503, { ready });
  if (req.method === 'GET' && req.url === V2)
    return send(res, 200, {
      name: model.name,
      versions: [model.version],
      platform: 'node',
      inputs: model.features.map((f) => ({ name: f.name, datatype: 'FP32', shape: [-1] })),
      outputs: [{ name: 'probability', datatype: 'FP32', shape: [-1] }],
    });
  if (req.method === 'GET' && req.url === V1)
    return send(res, ready ? 200 : 503, {
      model_version_status: [
        {
          version: model.version,
          state: ready ? 'AVAILABLE' : 'LOADING',
          status: { error_code: 'OK', error_message: '' },
        },
      ],
    });
  if (req.method === 'POST' && req.url === `${V2}/infer`) return readJson(req, res, inferV2);
  if (req.method === 'POST' && req.url === `${V1}:predict`) return readJson(req, res, predictV1);
  if (req.url !== '/predict') return send(res, 404, { error: 'not found' });
  if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
  readJson(req, res, (input) => {
    const problem = validate(input);
    if (problem) return { error: problem };
    const probability = score(input);
    return { probability: round(probability), label: probability >= 0.5 ? 1 : 0, model_version: model.version };
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => console.log(`model server ${model.name} ${model.version} on ${host}:${port}`));

// gRPC: each message is framed by a flag byte and a 4-byte length; the status travels in trailers.
/** The fields of a protobuf message: [field number, value], a value a number or (wire type 2) bytes. */
function fields(buf) {
  const out = [];
  let pos = 0;
  const varint = () => {
    let v = 0;
    let scale = 1;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated message');
      const b = buf[pos++];
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 128;
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const [field, wire] = [Math.floor(tag / 8), tag % 8];
    if (wire === 0) out.push([field, varint()]);
    else if (wire === 2) {
      const n = varint();
      if (pos + n > buf.length) throw new Error('truncated message');
      out.push([field, buf.subarray(pos, pos + n)]);
      pos += n;
    } else if (wire === 5 || wire === 1) {
      out.push([field, wire === 5 ? buf.readFloatLE(pos) : buf.readDoubleLE(pos)]);
      pos += wire === 5 ? 4 : 8;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}
/** Packed varints (int64 values, two's complement), as numbers. */
function unpack(b) {
  const values = [];
  let pos = 0;
  while (pos < b.length) {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const x = b[pos++];
      v |= BigInt(x & 0x7f) << shift;
      shift += 7n;
      if (x < 0x80) break;
    }
    values.push(Number(BigInt.asIntN(64, v)));
  }
  return values;
}
const floats = (b) => Array.from({ length: b.length / 4 }, (_, i) => b.readFloatLE(i * 4));
const str = (b) => Buffer.from(b).toString('utf8');
const varintBytes = (v) => {
  const out = [];
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
};
const field = (n, bytes) => Buffer.concat([varintBytes(n * 8 + 2), varintBytes(bytes.length), bytes]);

/** A ModelInferRequest as inferV2's JSON: the tensors' name, datatype, shape and values. */
function tensorsOf(message) {
  const inputs = [];
  let name = '';
  for (const [f, v] of fields(message)) {
    if (f === 1) name = str(v);
    if (f !== 5) continue;
    const t = { name: '', datatype: '', shape: [], data: [] };
    for (const [g, w] of fields(v)) {
      if (g === 1) t.name = str(w);
      else if (g === 2) t.datatype = str(w);
      else if (g === 3) t.shape.push(...(typeof w === 'number' ? [w] : unpack(w)));
      else if (g === 5)
        for (const [h, c] of fields(w)) {
          if (h === 2 || h === 3) t.data.push(...(typeof c === 'number' ? [c] : unpack(c)));
          else if (h === 6) t.data.push(...(typeof c === 'number' ? [c] : floats(c)));
        }
    }
    inputs.push(t);
  }
  return { name, inputs };
}

function inferGrpc(message) {
  const { name, inputs } = tensorsOf(message);
  if (name !== model.name) return { status: 5, message: `no model "${name}"` };
  const out = inferV2({ inputs });
  if (out.error) return { status: 3, message: out.error };
  const probs = out.outputs[0].data;
  const contents = Buffer.alloc(probs.length * 4);
  for (const [i, p] of probs.entries()) contents.writeFloatLE(p, i * 4);
  const tensor = Buffer.concat([
    field(1, Buffer.from('probability')),
    field(2, Buffer.from('FP32')),
    field(3, Buffer.concat(probs.length ? [varintBytes(probs.length)] : [])),
    field(5, field(6, contents)),
  ]);
  return { status: 0, answer: Buffer.concat([field(1, Buffer.from(model.name)), field(5, tensor)]) };
}

const READY = (on) => (on ? Buffer.from([0x08, 0x01]) : Buffer.alloc(0));
const GRPC = '/inference.GRPCInferenceService/';
function answerGrpc(stream, headers) {
  const chunks = [];
  stream.on('data', (c) => chunks.push(c));
  stream.on('end', () => {
    const body = Buffer.concat(chunks);
    const message = body.subarray(5, 5 + (body.length >= 5 ? body.readUInt32BE(1) : 0));
    let out;
    try {
      const method = headers[':path'].slice(GRPC.length);
      if (!headers[':path'].startsWith(GRPC)) out = { status: 12, message: 'unknown service' };
      else if (method === 'ServerReady') out = { status: 0, answer: READY(ready) };
      else if (method === 'ModelReady') {
        const asked = fields(message).find(([f]) => f === 1);
        out = { status: 0, answer: READY(ready && asked && str(asked[1]) === model.name) };
      } else if (method === 'ModelInfer') out = inferGrpc(message);
      else out = { status: 12, message: `no method ${method}` };
    } catch (err) {
      out = { status: 3, message: `not a ModelInferRequest: ${err.message}` };
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () =>
      stream.sendTrailers({
        'grpc-status': String(out.status),
        ...(out.message ? { 'grpc-message': encodeURIComponent(out.message) } : {}),
      }),
    );
    if (out.status === 0) {
      const frame = Buffer.alloc(5);
      frame.writeUInt32BE(out.answer.length, 1);
      stream.end(Buffer.concat([frame, out.answer]));
    } else stream.end();
  });
}

const grpcPort = process.env.GRPC_PORT;
const grpcServer = grpcPort ? createHttp2Server() : null;
if (grpcServer) {
  grpcServer.on('stream', answerGrpc);
  grpcServer.listen(Number(grpcPort), host, () => console.log(`gRPC (Open Inference Protocol) on ${host}:${grpcPort}`));
}
for (const sig of ['SIGTERM', 'SIGINT'])
  process.on(sig, () => {
    grpcServer?.close();
    server.close(() => process.exit(0));
  });
