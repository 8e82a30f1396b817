// The example model server: logistic regression behind POST /predict, with GET /health.
// Plain Node.js, no dependencies, so it runs in a FROM scratch image beside the node binary.
//   PORT        port to listen on (default 8080)
//   HOST        address to bind (default 127.0.0.1; 0.0.0.0 inside a published container)
//   MODEL_PATH  model file (default model.json beside this file)
//   EXTRA_WORK  extra forward passes per prediction, to make the model CPU-bound (default 0)
//   LOAD_DELAY_MS  time spent "loading the model" before /health answers 200 (default 0)
//   LEAK_KB     memory kept for ever per prediction, to play a leak in a soak (default 0)
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

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

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    return send(res, ready ? 200 : 503, { status: ready ? 'ok' : 'loading', model: model.name, version: model.version });
  }
  if (req.url !== '/predict') return send(res, 404, { error: 'not found' });
  if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let input;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, { error: 'body is not valid JSON' });
    }
    const problem = validate(input);
    if (problem) return send(res, 400, { error: problem });
    const probability = score(input);
    send(res, 200, { probability: Math.round(probability * 1e6) / 1e6, label: probability >= 0.5 ? 1 : 0, model_version: model.version });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => console.log(`model server ${model.name} ${model.version} on ${host}:${port}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
