import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseShard, parseStartAt } from '../../src/scenario/units.ts';

describe('shards: the shard and the start time as written', () => {
  it('reads i/n, shard i from 0 of n, and says what is wrong otherwise', () => {
    assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
    assert.deepEqual(parseShard(' 0 / 1 '), { index: 0, count: 1 });
    assert.throws(() => parseShard('4/4'), /shard 4\/4: the index counts from 0 to 3/);
    assert.throws(() => parseShard('1/0'), /1 to 1000 shards/);
    assert.throws(() => parseShard('two'), /a shard is written i\/n/);
  });

  it('reads Unix seconds, Unix milliseconds and ISO times; refuses nonsense and a start over a day ahead', () => {
    const now = Date.parse('2026-11-26T19:00:00Z');
    assert.equal(parseStartAt('1795719900', now), 1795719900_000);
    assert.equal(parseStartAt('1795719900123', now), 1795719900123);
    assert.equal(parseStartAt('2026-11-26T19:05:00Z', now), Date.parse('2026-11-26T19:05:00Z'));
    assert.throws(() => parseStartAt('soon', now), /Unix seconds, Unix milliseconds or an ISO time/);
    assert.throws(() => parseStartAt('2026-11-28T19:05:00Z', now), /more than a day ahead/);
  });
});
