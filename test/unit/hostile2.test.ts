import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_REASONS, NameTotals, OTHER_REASONS } from '../../src/metrics/totals.ts';
import { csvRow } from '../../src/report/csv.ts';
import { own, setOwn } from '../../src/shared/own.ts';

describe('hostile input, second round: pure parts', () => {
  it('CSV cells a spreadsheet would run as formulas are neutralised; numbers and plain text are written as they are', () => {
    assert.equal(
      csvRow(['=HYPERLINK("x")', '+1', '-2', '@SUM(A1)', '\tx', 'plain', -3, 4.5]),
      `"'=HYPERLINK(""x"")","'+1","'-2","'@SUM(A1)","'\tx",plain,-3,4.5`,
    );
  });

  it("a name's distinct failure reasons are bounded: the first 100 kept, later new ones counted together, and the same when merged", () => {
    const totals = new NameTotals({ name: 'predict', method: 'POST', path: '/' });
    for (let i = 0; i < 2400; i++)
      totals.record({ scheduled: 0, sent: 0, done: 1, status: 500, bytes: 0, failure: `error ${i}`, sample: 'x' }, 1);
    const failures = totals.figures(1, 1).failures;
    assert.equal(failures.length, MAX_REASONS + 1);
    assert.equal(
      failures.reduce((a, f) => a + f.count, 0),
      2400,
    );
    assert.deepEqual(failures[0], {
      request: 'predict',
      method: 'POST',
      reason: OTHER_REASONS,
      count: 2300,
      samples: ['x', 'x', 'x'],
    });
    const merged = new NameTotals({ name: 'predict', method: 'POST', path: '/' });
    merged.absorb(totals.state());
    merged.absorb(totals.state());
    assert.equal(merged.figures(1, 1).failures.length, MAX_REASONS + 1);
    assert.equal(
      merged.figures(1, 1).failures.reduce((a, f) => a + f.count, 0),
      4800,
    );
  });

  it('names from files are read and written as own keys only: constructor, toString and __proto__ are names like any other', () => {
    const record: Record<string, number> = {};
    assert.equal(own(record, 'constructor'), undefined);
    assert.equal(own(record, 'toString'), undefined);
    setOwn(record, '__proto__', 1);
    assert.equal(own(record, '__proto__'), 1);
    assert.equal(Object.getPrototypeOf(record), Object.prototype);
    assert.deepEqual(JSON.parse(JSON.stringify(record)), JSON.parse('{"__proto__":1}'));
  });
});
