import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import type { Results } from '../../src/metrics/types.ts';
import { ROOT, runCli } from '../helpers/cli.ts';
import { tempDir, writeScenario } from '../helpers/scenario.ts';
import { json, startExample, startServer } from '../helpers/servers.ts';

/** Issue 16: streamed LLM answers measured as vLLM's serving benchmark measures them, and gated. */

interface Truth {
  ttft: number[];
  tpot: number[];
  gaps: number[];
  tokens: number;
  firstArrival: number;
  lastWrite: number;
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

/**
 * An OpenAI chat stream with a known pace: the first token after a uniform 100–200 ms, then one every
 * `gapMs`, `tokens` in all; every second answer stalls `stallMs` once when asked. The server's own
 * clock is the truth.
 */
function streamer(truth: Truth, options: { tokens: number; gapMs: number; stallMs?: number; usage?: boolean }) {
  let answers = 0;
  return (req: IncomingMessage, _body: string, res: ServerResponse) => {
    // The readiness check (GET /v1/models) is not an answer.
    if (req.method === 'GET') return json(res, 200, { object: 'list', data: [] });
    const arrived = performance.now();
    if (truth.firstArrival === 0) truth.firstArrival = arrived;
    const stall = options.stallMs && ++answers % 2 === 0 ? Math.floor(options.tokens / 2) : -1;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let i = 0;
    let first = 0;
    let last = 0;
    const next = () => {
      const now = performance.now();
      if (i === 0) {
        first = now;
        truth.ttft.push(now - arrived);
      } else truth.gaps.push(now - last);
      last = now;
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: ` t${i}` } }] })}\n\n`);
      i++;
      if (i < options.tokens) return void setTimeout(next, i === stall ? options.stallMs : options.gapMs);
      truth.tpot.push((last - first) / (options.tokens - 1));
      truth.tokens += options.tokens;
      truth.lastWrite = now;
      if (options.usage !== false)
        res.write(`data: ${JSON.stringify({ choices: [], usage: { completion_tokens: options.tokens } })}\n\n`);
      res.end('data: [DONE]\n\n');
    };
    setTimeout(next, 100 + Math.random() * 100);
  };
}

const chatScenario = (url: string, load: string, extra = '') => `name: stream
target:
  url: ${url}
load:
${load}
requests:
  - name: chat
    protocol: openai-chat
    model: m
    prompts: { generated: { tokens: { mean: 64, stddev: 8 } } }
    max_tokens: 20
${extra}`;

async function runScenario(
  text: string,
): Promise<{ code: number | null; stderr: string; stdout: string; results: Results }> {
  const out = tempDir('mlload-out-');
  const r = await runCli(['run', writeScenario(text), '--out', out]);
  return { ...r, results: JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results };
}

describe('streamed answers: TTFT, TPOT, ITL, tokens', () => {
  it('measures a stream of known pace to within a few ms of the truth', async () => {
    const truth: Truth = { ttft: [], tpot: [], gaps: [], tokens: 0, firstArrival: 0, lastWrite: 0 };
    const server = await startServer(streamer(truth, { tokens: 20, gapMs: 20 }), false);
    try {
      const r = await runScenario(chatScenario(server.url, '  users: 8\n  duration: 8s'));
      assert.equal(r.code, 0, r.stderr);
      const t = r.results.requests.chat!.tokens!;
      // Every answer the server finished was measured (the last may end after the drain's cut: none here).
      assert.equal(t.answers, truth.ttft.length, `${t.answers} answers, ${truth.ttft.length} served`);
      assert.equal(t.output_tokens, truth.tokens);
      const near = (what: string, measured: number, expected: number, within: number) =>
        assert.ok(
          Math.abs(measured - expected) <= within,
          `${what}: measured ${measured.toFixed(3)} against ${expected.toFixed(3)} (±${within})`,
        );
      // On a quiet machine within 3 ms (TTFT) and 1 ms (ITL): `npm run bench:streaming`. Here margins for a
      // busy one, where the client's and the server's processes wait for a core between the two clocks (a
      // 16 ms wait seen at TTFT p99 beside two busy loops), still far inside what a wrong definition costs:
      // TTFT from the wrong event is off by 20 ms or more, TPOT over the wrong span by 5% or more.
      const ttft = (p: number) => percentile(truth.ttft, p);
      near('TTFT p50', t.ttft_ms.p50, ttft(50), 8 + 0.03 * ttft(50));
      near('TTFT p99', t.ttft_ms.p99, ttft(99), 30);
      near('ITL p50', t.itl_ms.p50, percentile(truth.gaps, 50), 2 + 0.05 * percentile(truth.gaps, 50));
      near('TPOT p50', t.tpot_ms.p50, percentile(truth.tpot, 50), percentile(truth.tpot, 50) * 0.04);
      const seconds = (truth.lastWrite - truth.firstArrival) / 1000;
      near('output tokens/s', t.output_tokens_per_s, truth.tokens / seconds, (0.03 * truth.tokens) / seconds);
      console.log(
        `streaming accuracy: TTFT p50 ${t.ttft_ms.p50} (truth ${percentile(truth.ttft, 50).toFixed(3)}), p99 ${t.ttft_ms.p99} (${percentile(truth.ttft, 99).toFixed(3)}); ITL p50 ${t.itl_ms.p50} (${percentile(truth.gaps, 50).toFixed(3)}); TPOT p50 ${t.tpot_ms.p50} (${percentile(truth.tpot, 50).toFixed(3)}); ${t.output_tokens_per_s} tokens/s (${(truth.tokens / seconds).toFixed(2)})`,
      );
      // The results, the CSV and the baseline carry them.
      assert.ok(r.stdout.includes('Streamed answers'), r.stdout);
    } finally {
      await server.close();
    }
  });

  it('counts tokens from the chunks when the server sends no usage; a 1 s stall shows in ITL max and p99', async () => {
    const truth: Truth = { ttft: [], tpot: [], gaps: [], tokens: 0, firstArrival: 0, lastWrite: 0 };
    const server = await startServer(streamer(truth, { tokens: 20, gapMs: 5, stallMs: 1000, usage: false }), false);
    try {
      const r = await runScenario(chatScenario(server.url, '  users: 4\n  duration: 6s'));
      const t = r.results.requests.chat!.tokens!;
      assert.equal(t.output_tokens, truth.tokens);
      assert.ok(t.itl_ms.max >= 1000 && t.itl_ms.max < 1100, `ITL max ${t.itl_ms.max}`);
      assert.ok(t.itl_ms.p99 >= 1000, `ITL p99 ${t.itl_ms.p99}: every other answer stalls once in 19 gaps`);
      assert.ok(t.itl_ms.p50 < 50, `ITL p50 ${t.itl_ms.p50}`);
    } finally {
      await server.close();
    }
  });

  it('in the open model, TTFT counts the wait for a free connection (coordinated omission)', async () => {
    const truth: Truth = { ttft: [], tpot: [], gaps: [], tokens: 0, firstArrival: 0, lastWrite: 0 };
    const server = await startServer(streamer(truth, { tokens: 5, gapMs: 20 }), false);
    try {
      // 10 arrivals a second, one at a time, each answer about 230 ms: the queue grows by half a second a second.
      const r = await runScenario(chatScenario(server.url, '  rate: 10\n  max_in_flight: 1\n  duration: 4s'));
      const t = r.results.requests.chat!.tokens!;
      assert.ok(percentile(truth.ttft, 50) < 210);
      assert.ok(t.ttft_ms.p50 > 500, `TTFT p50 ${t.ttft_ms.p50} from the scheduled time`);
    } finally {
      await server.close();
    }
  });

  it('a bad stream is a failure with a named reason, never a crash or a hang', async () => {
    const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ delta: { content } }] })}\n\n`;
    const server = await startServer((req, _body, res) => {
      const head = () => res.writeHead(200, { 'content-type': 'text/event-stream' });
      switch (req.url) {
        case '/cut':
          head();
          res.write(chunk('a') + chunk('b'));
          return void setTimeout(() => res.socket?.destroy(), 20);
        case '/garbage-line':
          head();
          return void res.end(`${chunk('a')}this is not a field\n\ndata: [DONE]\n\n`);
        case '/not-json':
          head();
          return void res.end(`${chunk('a')}data: {"choices": [\n\ndata: [DONE]\n\n`);
        case '/whole-json':
          return json(res, 200, { choices: [{ message: { role: 'assistant', content: 'all at once' } }] });
        case '/no-done':
          head();
          return void res.end(chunk('a') + chunk('b'));
        case '/never-ends':
          head();
          res.write(chunk('a'));
          return;
        case '/error':
          head();
          return void res.end(`${chunk('a')}data: ${JSON.stringify({ error: { message: 'out of KV cache' } })}\n\n`);
        default:
          head();
          return void res.end(`${chunk('a') + chunk('b')}data: [DONE]\n\n`);
      }
    });
    try {
      const cases: Record<string, RegExp> = {
        cut: /^stream cut off: connection (closed|reset) mid-stream$/,
        'garbage-line': /^malformed SSE line$/,
        'not-json': /^malformed SSE event: data is not JSON$/,
        'whole-json': /^not a stream: answered application\/json$/,
        'no-done': /^stream ended without \[DONE\]$/,
        'never-ends': /^timeout after 1s: stream without \[DONE\]$/,
        error: /^stream error: out of KV cache$/,
      };
      const requests = Object.keys(cases)
        .map(
          (name) =>
            `  - name: ${name}\n    path: /${name}\n    protocol: openai-chat\n    model: m\n    prompts: { generated: { tokens: { mean: 4 } } }\n    max_tokens: 2\n    timeout: 1s\n`,
        )
        .join('');
      const text = `name: bad-streams\ntarget:\n  url: ${server.url}\nload:\n  users: 7\n  duration: 3s\nrequests:\n${requests}  - name: good\n    path: /good\n    protocol: openai-chat\n    model: m\n    prompts: { generated: { tokens: { mean: 4 } } }\n    max_tokens: 2\n`;
      const started = performance.now();
      const r = await runScenario(text);
      assert.ok(performance.now() - started < 30_000);
      for (const [name, reason] of Object.entries(cases)) {
        const s = r.results.requests[name]!;
        assert.ok(s.count > 0, name);
        assert.equal(s.failure_count, s.count, `${name}: ${JSON.stringify(s.failures)}`);
        assert.ok(
          s.failures.every((f) => reason.test(f.reason)),
          `${name}: ${s.failures.map((f) => f.reason).join('; ')}`,
        );
      }
      assert.equal(r.results.requests.good!.failure_count, 0, JSON.stringify(r.results.requests.good!.failures));
      assert.ok(r.results.requests.good!.tokens!.answers > 0);
    } finally {
      await server.close();
    }
  });

  it('a prompts file with a broken line names the file and the line', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'prompts.jsonl'),
      '"fine"\n{"messages": [{"role": "wizard", "content": "x"}]}\n{"prompt": \n',
    );
    const file = writeScenario(
      chatScenario('http://127.0.0.1:9', '  users: 1\n  duration: 1s').replace(
        'prompts: { generated: { tokens: { mean: 64, stddev: 8 } } }',
        'prompts: { file: prompts.jsonl }',
      ),
      dir,
    );
    const r = await runCli(['run', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /prompts\.jsonl:2:1 .*is not a prompt/);
    assert.match(r.stderr, /prompts\.jsonl:3:\d+ .*not a JSON line/);
  });
});

describe('the gate on the example LLM server', () => {
  it('a build 20% slower per token fails regression.tpot; the same build passes or is inconclusive', async () => {
    const servers = await Promise.all(
      [{ TOKEN_MS: '10' }, { TOKEN_MS: '10' }, { TOKEN_MS: '12' }].map((env) =>
        startExample('llm/server.mjs', env, '/v1/models'),
      ),
    );
    const [reference, same, slower] = servers;
    try {
      const scenario = (url: string) =>
        `${readFileSync(join(ROOT, 'examples/scenario-llm.yml'), 'utf8')
          .replace('url: http://127.0.0.1:8000', `url: ${url}`)
          .replace(
            'prompts: { file: llm/prompts.jsonl }',
            'prompts: { generated: { tokens: { mean: 32, stddev: 8 } } }',
          )
          .replace(
            /duration: 20s/,
            'duration: 12s',
          )}compare:\n  against: image\n  baseline_url: ${reference!.url}\n  blocks: 6\n`;
      const fast = await runScenario(scenario(same!.url));
      const fastTpot = (
        fast as unknown as { results: { checks: Array<{ metric: string; kind: string; status: string }> } }
      ).results.checks.find((c) => c.metric === 'tpot_p95' && c.kind === 'regression')!;
      assert.ok(fastTpot.status === 'pass' || fastTpot.status === 'inconclusive', JSON.stringify(fastTpot));
      // Every mutation of the chat body got its 400 from the example server.
      assert.ok(fast.results.requests.chat_invalid!.count > 0);
      assert.equal(
        fast.results.requests.chat_invalid!.failure_count,
        0,
        JSON.stringify(fast.results.requests.chat_invalid!.failures),
      );
      const slow = await runScenario(scenario(slower!.url));
      assert.equal(slow.code, 1, slow.stdout);
      const slowTpot = (
        slow as unknown as {
          results: { checks: Array<{ metric: string; kind: string; status: string; change: number }> };
        }
      ).results.checks.find((c) => c.metric === 'tpot_p95' && c.kind === 'regression')!;
      assert.equal(slowTpot.status, 'fail', JSON.stringify(slowTpot));
      assert.ok(slowTpot.change > 0.12 && slowTpot.change < 0.3, JSON.stringify(slowTpot));
      assert.match(slow.stdout, /TPOT p95/);
    } finally {
      for (const s of servers) s.child.kill();
    }
  });
});
