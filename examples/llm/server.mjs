// An OpenAI-compatible streaming server for trying mlload offline: POST /v1/chat/completions and
// /v1/completions answer with words at a set pace (stream: true as Server-Sent Events, with a usage
// chunk when stream_options.include_usage asks for one; else one JSON answer), GET /v1/models and
// /health. It validates its input as the OpenAI API does and answers 400 to a bad request.
// Plain Node.js, no dependencies.
//   PORT            port to listen on (default 8000)
//   HOST            address to bind (default 127.0.0.1)
//   MODEL           the served model's name (default tiny-llm)
//   TTFT_MS         time to the first token: a number, or a range "100-200" drawn uniformly (default 50)
//   TOKEN_MS        time between tokens (default 10)
//   STALL_EVERY     every n-th answer stalls once, mid-stream, for STALL_MS (default 0: never)
//   STALL_MS        the stall's length (default 1000)
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8000);
const host = process.env.HOST ?? '127.0.0.1';
const modelName = process.env.MODEL ?? 'tiny-llm';
const [ttftLo, ttftHi] = String(process.env.TTFT_MS ?? '50')
  .split('-')
  .map(Number);
const tokenMs = Number(process.env.TOKEN_MS ?? 10);
const stallEvery = Number(process.env.STALL_EVERY ?? 0);
const stallMs = Number(process.env.STALL_MS ?? 1000);
const WORDS = 'the model answers with words at a steady pace so that a load test sees tokens arrive one by one'.split(
  ' ',
);
const ROLES = new Set(['system', 'user', 'assistant', 'developer', 'tool']);
let answers = 0;

/** Why a request is not one the OpenAI API takes; null when it is. */
function invalid(body, chat) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body must be a JSON object';
  if (typeof body.model !== 'string') return 'model is required';
  if (body.model !== modelName) return `model ${body.model} does not exist`;
  if (chat) {
    if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages must be a non-empty list';
    for (const m of body.messages) {
      if (!m || typeof m !== 'object' || !ROLES.has(m.role)) return `invalid role: ${m?.role}`;
      if (typeof m.content !== 'string') return 'content must be a string';
    }
  } else if (typeof body.prompt !== 'string' || body.prompt.length === 0) return 'prompt must be a non-empty string';
  if (body.max_tokens !== undefined && (!Number.isInteger(body.max_tokens) || body.max_tokens < 1))
    return 'max_tokens must be a positive integer';
  if (
    body.temperature !== undefined &&
    (typeof body.temperature !== 'number' || body.temperature < 0 || body.temperature > 2)
  )
    return 'temperature must be between 0 and 2';
  return null;
}

function json(res, status, value) {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function answer(_req, res, body, chat) {
  const n = body.max_tokens ?? 16;
  const id = `cmpl-${++answers}`;
  const created = Math.floor(Date.now() / 1000);
  const object = chat ? 'chat.completion.chunk' : 'text_completion';
  const stall = stallEvery > 0 && answers % stallEvery === 0 ? Math.floor(n / 2) : -1;
  const ttft = ttftHi > ttftLo ? ttftLo + Math.random() * (ttftHi - ttftLo) : ttftLo;
  const promptTokens = chat
    ? body.messages.reduce((a, m) => a + m.content.split(/\s+/).length, 0)
    : body.prompt.split(/\s+/).length;
  const usage = { prompt_tokens: promptTokens, completion_tokens: n, total_tokens: promptTokens + n };
  if (!body.stream) {
    const text = Array.from({ length: n }, (_, i) => WORDS[i % WORDS.length]).join(' ');
    const choice = chat
      ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'length' }
      : { index: 0, text, finish_reason: 'length' };
    setTimeout(
      () =>
        json(res, 200, {
          id,
          object: chat ? 'chat.completion' : 'text_completion',
          created,
          model: modelName,
          choices: [choice],
          usage,
        }),
      ttft + tokenMs * (n - 1),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (value) => res.write(`data: ${JSON.stringify(value)}\n\n`);
  let i = 0;
  let timer = null;
  // The response's close, not the socket's: a kept-alive socket carries many answers.
  res.once('close', () => clearTimeout(timer));
  const next = () => {
    const word = (i === 0 ? '' : ' ') + WORDS[i % WORDS.length];
    const delta = chat
      ? { index: 0, delta: i === 0 ? { role: 'assistant', content: word } : { content: word }, finish_reason: null }
      : { index: 0, text: word, finish_reason: null };
    if (i === n - 1) delta.finish_reason = 'length';
    event({ id, object, created, model: modelName, choices: [delta] });
    i++;
    if (i < n) timer = setTimeout(next, i === stall ? stallMs : tokenMs);
    else {
      if (body.stream_options?.include_usage) event({ id, object, created, model: modelName, choices: [], usage });
      res.end('data: [DONE]\n\n');
    }
  };
  timer = setTimeout(next, ttft);
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && (req.url === '/health' || req.url === '/v1/models')) {
    return json(
      res,
      200,
      req.url === '/health'
        ? { status: 'ok' }
        : { object: 'list', data: [{ id: modelName, object: 'model', owned_by: 'mlload-example' }] },
    );
  }
  const chat = req.url === '/v1/chat/completions';
  if (req.method !== 'POST' || (!chat && req.url !== '/v1/completions'))
    return json(res, 404, { error: { message: 'not found', type: 'invalid_request_error' } });
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return json(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } });
    }
    const why = invalid(body, chat);
    if (why) return json(res, 400, { error: { message: why, type: 'invalid_request_error' } });
    answer(req, res, body, chat);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, host, () => console.log(`example LLM server (${modelName}) on http://${host}:${port}`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
