import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Verdict } from '../../src/gate/index.ts';
import { headline } from '../../src/report/words.ts';

describe('words: the verdict in one line', () => {
  it('a run with nothing to compare with says what held and what was not checked, without repeating its status', () => {
    const line = headline({ status: 'no-baseline', comparison: null, checks: [] } as unknown as Verdict);
    assert.doesNotMatch(line, /no baseline/);
    assert.match(line, /every SLO held; regressions not checked/);
  });
});
