import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkFields, scanChunk, type ChunkFields, type StreamEvent } from '../../src/engine/stream-event.ts';
import { Rng } from '../../src/scenario/rng.ts';

const scan = (text: string, chat = true) => {
  const bytes = Buffer.from(`xx${text}yy`);
  // The data sits inside a larger read; nothing outside [start, end) may be looked at.
  return scanChunk(bytes, 2, bytes.length - 2, chat);
};

/**
 * What the SSE reader's JSON.parse path makes of `text`: null when it is no chunk it reads (not JSON, not an object, an
 * error).
 */
function parsed(text: string, chat: boolean): ChunkFields | null {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    return null;
  }
  if (event === null || typeof event !== 'object') return null;
  const error = (event as StreamEvent).error;
  if (error !== undefined && error !== null) return null;
  return chunkFields(event as StreamEvent, chat);
}

/** A random JSON text shaped like a streamed chunk, often with the keys the scanner reads, sometimes written oddly. */
function randomChunk(rng: Rng): string {
  const ws = () => (rng.next() < 0.2 ? [' ', '\n', '\t', '\r', '  '][rng.int(0, 4)]! : '');
  const key = (name: string) =>
    rng.next() < 0.05 ? `"${name.replace(/^./, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)}"` : JSON.stringify(name);
  const pick = <T>(xs: T[]): T => xs[rng.int(0, xs.length - 1)]!;
  const scalar = (): string =>
    pick([
      () => JSON.stringify(pick(['', 'a', ' the', 'café', 'a"b', 'tab\there', '\u2028', 'é\\'])),
      () => pick(['0', '-0', '7', '20', '3.5', '2e1', '1E+2', '-1', '1e400', '12.0', '0.5e-3']),
      () => pick(['true', 'false', 'null']),
    ])();
  const value = (depth: number): string => {
    const r = rng.next();
    if (depth > 3 || r < 0.5) return scalar();
    if (r < 0.75)
      return `[${ws()}${Array.from({ length: rng.int(0, 3) }, () => value(depth + 1)).join(`${ws()},${ws()}`)}${ws()}]`;
    return object(
      depth + 1,
      Array.from(
        { length: rng.int(0, 3) },
        () => [pick(['id', 'x', 'content', 'text', 'delta', 'usage']), value(depth + 1)] as [string, string],
      ),
    );
  };
  const object = (_depth: number, members: Array<[string, string]>): string =>
    `{${ws()}${members.map(([k, v]) => `${key(k)}${ws()}:${ws()}${v}`).join(`${ws()},${ws()}`)}${ws()}}`;
  const text = () => pick([JSON.stringify(pick(['', ' the', 'x', '\n'])), 'null', '7', '[]', '{}']);
  const choice = (): string =>
    pick([
      () =>
        object(2, [
          ['index', '0'],
          [
            'delta',
            object(3, [
              ['content', text()],
              ...(rng.next() < 0.3 ? [['role', '"assistant"'] as [string, string]] : []),
            ]),
          ],
          ['finish_reason', 'null'],
        ]),
      () =>
        object(2, [
          ['index', '0'],
          ['text', text()],
          ['logprobs', 'null'],
        ]),
      () =>
        object(2, [
          ['delta', object(3, [['content', text()]])],
          ['delta', pick(['{}', '"s"', object(3, [['content', text()]])])],
        ]),
      () => pick(['null', '7', '"s"', '[]']),
      () => value(2),
    ])();
  const members: Array<[string, string]> = [
    ['id', JSON.stringify(`chatcmpl-${rng.int(0, 1e6)}`)],
    ['object', '"chat.completion.chunk"'],
    ['created', String(rng.int(0, 2e9))],
  ];
  if (rng.next() < 0.8)
    members.push([
      'choices',
      pick([`[${ws()}${Array.from({ length: rng.int(0, 2) }, choice).join(',')}${ws()}]`, '[]', 'null', '{}', '"x"']),
    ]);
  if (rng.next() < 0.3)
    members.push([
      'usage',
      pick([
        object(2, [
          ['prompt_tokens', '5'],
          ['completion_tokens', pick(['20', '0', '-1', '2.5', '2e1', 'null', '"20"', '1e400'])],
        ]),
        'null',
        '[]',
        '{}',
        object(2, [
          ['completion_tokens', '3'],
          ['completion_tokens', pick(['4', 'null'])],
        ]),
      ]),
    ]);
  if (rng.next() < 0.1) members.push(['error', pick(['null', '{"message":"overloaded"}', '"bad"', 'false'])]);
  if (rng.next() < 0.1) members.push(['choices', '[{"delta":{"content":"again"}}]']);
  if (rng.next() < 0.1) members.push([pick(['x', 'nested']), value(1)]);
  for (let i = members.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [members[i], members[j]] = [members[j]!, members[i]!];
  }
  return `${ws()}${object(1, members)}${ws()}`;
}

/** One byte dropped, added, changed or the text cut short: mostly no longer JSON, sometimes still. */
function mutate(rng: Rng, text: string): string {
  const at = rng.int(0, text.length);
  const junk = ['"', '\\', ',', ':', '{', '}', '[', ']', 'e', '-', '.', '0', ' ', '\u0001', 'u', 'n'][rng.int(0, 15)]!;
  switch (rng.int(0, 3)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + junk + text.slice(at);
    case 2:
      return text.slice(0, at) + junk + text.slice(at + 1);
    default:
      return text.slice(0, at);
  }
}

describe('streamed chunks read from their bytes', () => {
  it("reads the chunks vLLM, OpenAI and TGI send without JSON.parse, exactly as JSON.parse's path would", () => {
    const cases: Array<[string, boolean, ChunkFields]> = [
      [
        '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" the"},"logprobs":null,"finish_reason":null}]}',
        true,
        { choice: true, text: true, usageSeen: false, usageNumber: false, usage: -1 },
      ],
      [
        '{"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}',
        true,
        { choice: true, text: false, usageSeen: false, usageNumber: false, usage: -1 },
      ],
      [
        '{"id":"c","choices":[],"usage":{"prompt_tokens":16,"total_tokens":216,"completion_tokens":200}}',
        true,
        { choice: false, text: false, usageSeen: true, usageNumber: true, usage: 200 },
      ],
      [
        '{"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":" world","logprobs":null,"finish_reason":null}],"usage":null}',
        false,
        { choice: true, text: true, usageSeen: false, usageNumber: false, usage: -1 },
      ],
      [
        '{"choices":[{"delta":{"content":"caf\\u00e9 \\"q\\""}}],"error":null}',
        true,
        { choice: true, text: true, usageSeen: false, usageNumber: false, usage: -1 },
      ],
      [
        ' {\n "choices" : [ { "delta" : { "content" : "é" } } ] } ',
        true,
        { choice: true, text: true, usageSeen: false, usageNumber: false, usage: -1 },
      ],
    ];
    for (const [text, chat, fields] of cases) {
      assert.deepEqual(scan(text, chat), fields, text);
      assert.deepEqual(parsed(text, chat), fields, text);
    }
  });

  it('leaves to JSON.parse what is not JSON, not an object, an error, escaped keys or deep nesting', () => {
    for (const text of [
      '',
      '[DONE]',
      '{"choices":[',
      '{"choices":[{"delta":{"content":"a}}]}',
      '{"a":1,}',
      '{"a":01}',
      '{"a":1.}',
      '{"a":"\u0001"}',
      '{"a":"\\x"}',
      '{"a":"\\u12"}',
      '[1]',
      '"s"',
      'null',
      '{"error":{"message":"overloaded"}}',
      '{"\\u0063hoices":[{}]}',
      '{"a":1} x',
      `{"a":${'['.repeat(100)}${']'.repeat(100)}}`,
      '{"a":tru}',
      '\ufeff{}',
    ]) {
      assert.equal(scan(text), null, text);
    }
  });

  it('agrees with JSON.parse on 40,000 random chunks and their one-byte mutations: when it answers, the same answer', () => {
    const rng = new Rng(16);
    let answered = 0;
    let plain = 0;
    for (let n = 0; n < 20_000; n++) {
      const original = randomChunk(rng);
      for (const text of [original, mutate(rng, original)]) {
        const chat = rng.next() < 0.7;
        const expected = parsed(text, chat);
        const got = scan(text, chat);
        // A chunk as made (not mutated) with no key written with escapes and no error: the scanner must answer it.
        if (text === original && !text.includes('\\u') && !/"error"\s*:\s*[^n\s]/.test(text)) {
          plain++;
          assert.notEqual(got, null, text);
        }
        if (got === null) continue;
        answered++;
        assert.deepEqual(got, expected, text);
      }
    }
    assert.ok(plain > 10_000 && answered >= plain, `${answered} answered, ${plain} plain`);
  });
});
