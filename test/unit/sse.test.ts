import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenStream } from '../../src/engine/sse.ts';
import { generativeGenerator } from '../../src/scenario/presets/index.ts';
import { Rng } from '../../src/scenario/rng.ts';

const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;

/** Feeds `wire` in pieces cut at `cuts`, the i-th piece read at time 10·i. */
function read(wire: string, cuts: number[] = [], protocol: 'openai-chat' | 'openai-completions' = 'openai-chat') {
  const s = new TokenStream();
  s.reset(protocol);
  const bytes = Buffer.from(wire);
  const ends = [...cuts, bytes.length];
  let from = 0;
  ends.forEach((end, i) => {
    s.feed(bytes, from, end - from, 10 * i);
    from = end;
  });
  return { s, timing: s.end() };
}

describe('streamed answers: the SSE reader', () => {
  it('times each event as it arrives, whatever the cuts between reads', () => {
    const wire = `${chunk('Hello') + chunk(' world') + chunk('!')}data: [DONE]\n\n`;
    const starts = [0, chunk('Hello').length, chunk('Hello').length + chunk(' world').length];
    // One read per event: TTFT at 0, then gaps of 10.
    const one = read(wire, starts.slice(1));
    assert.deepEqual(one.timing, { first: 0, last: 20, tokens: 3, gaps: [10, 10] });
    // Every byte its own read: an event is timed when its blank line arrives.
    const bytewise = read(
      wire,
      Array.from({ length: Buffer.byteLength(wire) - 1 }, (_, i) => i + 1),
    );
    assert.equal(bytewise.timing!.tokens, 3);
    assert.equal(bytewise.timing!.gaps.length, 2);
    // A multi-byte character cut in two is read whole.
    const accents = `${chunk('café')}data: [DONE]\n\n`;
    const cut = Buffer.from(accents).indexOf(Buffer.from('é')) + 1;
    assert.equal(read(accents, [cut]).timing!.tokens, 1);
  });

  it('reads CRLF lines, comments, other fields and multi-line data as the SSE standard says', () => {
    const wire = `: keep-alive\r\nevent: message\r\nid: 1\r\n${chunk('a').replace(/\n/g, '\r\n')}data: {"choices":\ndata: [{"delta":{"content":"b"}}]}\n\ndata: [DONE]\n\n`;
    assert.equal(read(wire).timing!.tokens, 2);
  });

  it("takes the server's token count from usage; else counts events that carried text", () => {
    const usage = `data: ${JSON.stringify({ choices: [], usage: { completion_tokens: 7 } })}\n\n`;
    assert.equal(read(`${chunk('') + chunk('ab') + usage}data: [DONE]\n\n`).timing!.tokens, 7);
    // A role-only first chunk (vLLM's) starts the answer but carries no text.
    assert.equal(read(`${chunk('') + chunk('ab')}data: [DONE]\n\n`).timing!.tokens, 1);
    const completion = `data: ${JSON.stringify({ choices: [{ text: 'x' }] })}\n\n`;
    assert.equal(read(`${completion + completion}data: [DONE]\n\n`, [], 'openai-completions').timing!.tokens, 2);
  });

  it('names what is wrong with a bad stream', () => {
    const fails = (wire: string) => read(wire).s.failure;
    assert.equal(fails(chunk('a')), 'stream ended without [DONE]');
    assert.equal(fails('data: [DONE]\n\n'), 'stream without tokens');
    assert.equal(fails(`${chunk('a')}nonsense\n\n`), 'malformed SSE line');
    assert.equal(fails('data: {"choices": [\n\n'), 'malformed SSE event: data is not JSON');
    assert.equal(fails('data: 42\n\n'), 'malformed SSE event: data is not a JSON object');
    assert.equal(fails(`${chunk('a')}data: {"error": {"message": "overloaded"}}\n\n`), 'stream error: overloaded');
    assert.equal(fails(`${chunk('a')}data: [DONE]\n\n${chunk('b')}`), 'data after [DONE]');
  });
});

describe('OpenAI request bodies', () => {
  it('draws prompts in turn or generated, and breaks them the ways a client bug would', () => {
    const prompts = {
      kind: 'list' as const,
      prompts: [
        'hello',
        [
          { role: 'system', content: 'terse' },
          { role: 'user', content: 'hi' },
        ],
      ],
    };
    const chat = generativeGenerator({
      protocol: 'openai-chat',
      model: 'm',
      prompts,
      maxTokens: 16,
      stream: true,
      temperature: null,
    });
    const rng = new Rng(1);
    const bodies = [chat.next(rng), chat.next(rng), chat.next(rng)].map((p) => JSON.parse(p.data));
    assert.deepEqual(bodies[0], {
      model: 'm',
      messages: [{ role: 'user', content: 'hello' }],
      max_tokens: 16,
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.equal(bodies[1].messages.length, 2);
    assert.equal(bodies[2].messages[0].content, 'hello');
    assert.deepEqual(chat.mutations, [
      'missing_messages',
      'bad_role',
      'negative_max_tokens',
      'temperature_out_of_range',
      'wrong_type',
      'malformed_json',
      'empty_body',
    ]);
    assert.equal(JSON.parse(chat.mutate(rng, 'bad_role').data).messages[0].role, 'wizard');
    // A mutation leaves the list's own messages as they were.
    for (let i = 0; i < 4; i++) chat.mutate(rng, 'bad_role');
    assert.ok(
      [chat.next(rng), chat.next(rng)].every((p) =>
        JSON.parse(p.data).messages.every((m: { role: string }) => m.role !== 'wizard'),
      ),
    );
    assert.ok(JSON.parse(chat.mutate(rng, 'negative_max_tokens').data).max_tokens < 0);
    assert.ok(JSON.parse(chat.mutate(rng, 'temperature_out_of_range').data).temperature > 2);
    assert.equal(JSON.parse(chat.mutate(rng, 'missing_messages').data).messages, undefined);

    const completions = generativeGenerator({
      protocol: 'openai-completions',
      model: 'm',
      prompts: { kind: 'generated', mean: 50, stddev: 0 },
      maxTokens: 8,
      stream: false,
      temperature: 0.7,
    });
    const body = JSON.parse(completions.next(rng).data);
    assert.equal(body.prompt.split(' ').length, 50);
    assert.equal(body.temperature, 0.7);
    assert.equal(body.stream, undefined);
    assert.equal(JSON.parse(completions.mutate(rng, 'missing_prompt').data).prompt, undefined);
  });
});

describe('streamed answers: server-reported counts are checked (hostile input, second round)', () => {
  const usage = (n: string) => `data: {"choices":[],"usage":{"completion_tokens":${n}}}\n\n`;
  const wire = (n: string) => `${chunk('a') + chunk('b') + usage(n)}data: [DONE]\n\n`;
  const withMax = (text: string, maxTokens: number | null, cuts: number[] = []) => {
    const s = new TokenStream();
    s.reset('openai-chat', maxTokens);
    const bytes = Buffer.from(text);
    let from = 0;
    for (const end of [...cuts, bytes.length]) {
      s.feed(bytes, from, end - from, 0);
      from = end;
    }
    return { s, timing: s.end() };
  };

  it('a count that is no count (1e308, 2.5, -1, 2^53) fails the answer with a named reason, read from the bytes or parsed alike', () => {
    for (const n of ['1e308', '2.5', '-1', '9007199254740992', '1E400']) {
      for (const cuts of [[], [1, 2, 3, 40, 41, 80]]) {
        const { s, timing } = withMax(wire(n), null, cuts);
        assert.equal(timing, null, n);
        assert.equal(s.failure, 'usage.completion_tokens is not a token count (a whole number from 0 to 2^31 − 1)', n);
      }
    }
    // A usage of null, or none, is no claim: the events are counted.
    assert.equal(withMax(wire('null'), 20).timing?.tokens, 2);
  });

  it("a count above the max_tokens asked for fails; at or below it, it is the answer's count", () => {
    const over = withMax(wire('21'), 20);
    assert.equal(over.s.failure, 'usage.completion_tokens 21 is above the max_tokens asked for (20)');
    assert.equal(withMax(wire('20'), 20).timing?.tokens, 20);
    assert.equal(withMax(wire('5000'), null).timing?.tokens, 5000);
  });

  it('data lines that never end an event fail at 1 MiB, and one line that never ends too; nothing more is kept', () => {
    const piece = `data: ${'x'.repeat(65_536)}\n`;
    const s = new TokenStream();
    s.reset('openai-chat');
    const bytes = Buffer.from(piece);
    let fed = 0;
    while (s.failure === null && fed < 64) {
      s.feed(bytes, 0, bytes.length, 0);
      fed++;
    }
    assert.equal(s.failure, 'malformed SSE: an event longer than 1 MiB');
    assert.equal(s.overflow, true);
    assert.ok(fed <= 17, `${fed} lines of 64 KiB read`);
    const line = new TokenStream();
    line.reset('openai-chat');
    const x = Buffer.from('x'.repeat(65_536));
    line.feed(Buffer.from('data: '), 0, 6, 0);
    for (fed = 0; line.failure === null && fed < 64; fed++) line.feed(x, 0, x.length, 0);
    assert.equal(line.failure, 'malformed SSE: a line longer than 1 MiB');
    assert.ok(line.overflow && fed <= 17, String(fed));
  });
});
