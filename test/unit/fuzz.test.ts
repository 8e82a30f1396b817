// Property tests (hostile input, second round): the SSE reader and the history reader fed random and
// mutated input never let an exception escape, stay bounded, and name what they refuse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenStream } from '../../src/engine/sse.ts';
import { baselineFromHistory } from '../../src/gate/index.ts';
import { Rng } from '../../src/scenario/rng.ts';
import { InvalidFileError } from '../../src/shared/document.ts';
import { mutateJson } from '../helpers/fuzz.ts';
import { historyEntry, MACHINE } from '../helpers/history.ts';
import { appendEntry, formatHistory, parseHistory } from '../../src/store/index.ts';

const FRAGMENTS = [
  'data: ',
  'data:',
  '\n',
  '\r\n',
  '\n\n',
  ':keep-alive\n',
  'event: x\n',
  '{',
  '}',
  '[',
  ']',
  '"',
  ',',
  ':',
  '"choices"',
  '"delta"',
  '"content"',
  '"text"',
  '"usage"',
  '"completion_tokens"',
  '1e308',
  '-1',
  '2.5',
  '42',
  'null',
  '"error"',
  '\\u0000',
  '[DONE]',
  'x'.repeat(4096),
  '\u00e9',
  '\ud800',
];

/** A random stream: fragments, or a valid chunk, or raw bytes. */
function randomStream(rng: Rng): Buffer {
  const parts: Buffer[] = [];
  const n = rng.int(1, 60);
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    if (r < 0.6) parts.push(Buffer.from(rng.pick(FRAGMENTS)));
    else if (r < 0.85)
      parts.push(
        Buffer.from(
          `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'w' } }], usage: rng.next() < 0.2 ? { completion_tokens: rng.pick([1, 5, 1e308, -3, 2.5, null]) } : undefined })}\n\n`,
        ),
      );
    else parts.push(Buffer.from(Array.from({ length: rng.int(1, 64) }, () => rng.int(0, 255))));
  }
  return Buffer.concat(parts);
}

describe('property: the SSE reader', () => {
  it('reads 3,000 random and broken streams, cut anywhere, without throwing; a failure is a named reason; a stream of 8 MiB without an event end is cut at the limit', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const rng = new Rng(seed);
      const bytes = randomStream(rng);
      const s = new TokenStream();
      s.reset(rng.next() < 0.5 ? 'openai-chat' : 'openai-completions', rng.next() < 0.5 ? 20 : null);
      let from = 0;
      while (from < bytes.length) {
        const n = rng.int(1, Math.max(1, bytes.length - from));
        s.feed(bytes, from, Math.min(n, bytes.length - from), from);
        from += n;
      }
      const timing = s.end();
      if (timing === null)
        assert.ok(typeof s.failure === 'string' && s.failure.length > 0 && s.detail.length <= 300, `seed ${seed}`);
      else
        assert.ok(
          timing.tokens >= 0 && timing.tokens <= 2 ** 31 - 1 && timing.gaps.every((g) => Number.isFinite(g)),
          `seed ${seed}`,
        );
    }
    const s = new TokenStream();
    s.reset('openai-chat');
    const line = Buffer.from(`data: ${'y'.repeat(8191)}\n`);
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1024 && !s.overflow; i++) s.feed(line, 0, line.length, i);
    assert.ok(s.overflow);
    assert.ok(process.memoryUsage().heapUsed - before < 64 * 1024 * 1024);
  });
});

describe('property: the history reader', () => {
  it('reads 1,500 mutations of a valid history (cut, spliced, bytes flipped, values swapped) and makes a baseline of it, or refuses it naming the file; never another error', () => {
    let history = null;
    for (let i = 0; i < 3; i++)
      history = appendEntry(
        history,
        'fuzz',
        historyEntry(new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString(), 100, undefined, 100, 'constructor'),
      );
    const good = formatHistory(history!);
    assert.equal(parseHistory('fuzz.json', good).entries.length, 3);
    const here = { scenario: { hash: 'abc' }, environment: { ...MACHINE, node: 'v24' } };
    for (let seed = 1; seed <= 1500; seed++) {
      const text = mutateJson(good, new Rng(seed));
      try {
        // Read, then used as a baseline: its histograms decoded and merged.
        baselineFromHistory(parseHistory('fuzz.json', text), here, 10);
      } catch (err) {
        assert.ok(err instanceof InvalidFileError, `seed ${seed}: ${(err as Error).stack}`);
        assert.match(err.message, /fuzz\.json/, `seed ${seed}`);
      }
    }
  });
});
