import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Check, Verdict } from '../../src/gate/index.ts';
import { escapeText, markdownReport } from '../../src/report/markdown.ts';
import { headline, unlimitedMovesText } from '../../src/report/words.ts';
import { recordedRun } from '../helpers/results.ts';

describe('words: the verdict in one line', () => {
  it('a run with nothing to compare with says what held and what was not checked, without repeating its status', () => {
    const line = headline({ status: 'no-baseline', comparison: null, checks: [] } as unknown as Verdict);
    assert.doesNotMatch(line, /no baseline/);
    assert.match(line, /every SLO held; regressions not checked/);
  });
});

describe('words: a change with no limit', () => {
  const check = (metric: Check['metric'], change: number, interval: [number, number] | null, status = 'info') =>
    ({
      scope: 'overall',
      kind: 'regression',
      metric,
      value: 1,
      unit: 'ms',
      baseline: 1,
      change,
      threshold: null,
      bound: metric === 'rps' ? 'min' : 'max',
      status,
      interval: interval ? { low: interval[0], high: interval[1] } : null,
    }) as Check;
  const verdict = (checks: Check[]) =>
    ({ status: 'pass', comparison: null, checks, notices: [] }) as unknown as Verdict;

  it('a +76% p50 under a green check gets one line, and the comment carries it', () => {
    const v = verdict([check('p50', 0.76, [0.6, 0.92]), check('p95', 0.02, [-0.1, 0.14], 'pass')]);
    const line = unlimitedMovesText(v);
    assert.equal(
      line,
      'p50 +76.0% [+60.0%, +92.0%]: worse, but with no limit set the gate did not judge it (a tolerance under ' +
        'regression: would)',
    );
    assert.ok(markdownReport(recordedRun(200, 2), v).includes(`> [!NOTE]\n> ${escapeText(line!)}.`));
  });

  it('names each such change, and a drop in throughput is worse', () => {
    const line = unlimitedMovesText(verdict([check('p50', 0.3, null), check('rps', -0.2, [-0.3, -0.1])]));
    assert.match(line!, /^p50 \+30\.0% and throughput -20\.0% \[-30\.0%, -10\.0%\]: worse, .* judge them/);
  });

  it('says nothing of a change within the noise, a small one, an improvement, or one that has a limit', () => {
    for (const c of [
      check('p50', 0.76, [-0.1, 1.5]),
      check('p50', 0.05, [0.01, 0.09]),
      check('p50', -0.4, [-0.5, -0.3]),
      check('rps', 0.4, null),
      check('p99', 0.9, [0.5, 1.2], 'pass'),
    ])
      assert.equal(unlimitedMovesText(verdict([c])), null, JSON.stringify(c));
  });
});
