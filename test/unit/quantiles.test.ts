import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import jStat from 'jstat';
import { normalQuantile, studentTQuantile } from '../../src/shared/quantiles.ts';

const close = (actual: number, expected: number, rel: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: ${actual} vs ${expected}`);

describe('quantiles: the t and normal quantiles the intervals use', () => {
  it('match printed tables', () => {
    // Student's t tables (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2) and the normal z values.
    close(studentTQuantile(0.975, 1), 12.706, 1e-4, 't(0.975, 1)');
    close(studentTQuantile(0.95, 3), 2.353, 2e-4, 't(0.95, 3)');
    close(studentTQuantile(0.975, 10), 2.228, 2e-4, 't(0.975, 10)');
    close(studentTQuantile(0.995, 30), 2.75, 2e-4, 't(0.995, 30)');
    close(studentTQuantile(0.99, 100), 2.364, 2e-4, 't(0.99, 100)');
    close(normalQuantile(0.975), 1.959964, 1e-6, 'z(0.975)');
    close(normalQuantile(0.95), 1.644854, 1e-6, 'z(0.95)');
    close(normalQuantile(0.995), 2.575829, 1e-6, 'z(0.995)');
  });

  it('agree with jStat over probabilities and degrees of freedom, fractional and huge ones too', () => {
    for (const p of [0.5, 0.6, 0.8, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 0.05, 0.01])
      for (const df of [0.5, 1, 1.5, 2, 3, 4.7, 7, 12, 29.3, 60, 250, 1000, 9999, 10_001, 1e5, 1e6]) {
        const expected = jStat.studentt.inv(p, df);
        if (expected === 0) assert.ok(Math.abs(studentTQuantile(p, df)) < 1e-9);
        else close(studentTQuantile(p, df), expected, 1e-6, `t(${p}, ${df})`);
      }
    for (const p of [0.001, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999]) {
      const expected = jStat.normal.inv(p, 0, 1);
      if (Math.abs(expected) < 1e-12) assert.ok(Math.abs(normalQuantile(p)) < 1e-9);
      else close(normalQuantile(p), expected, 1e-6, `z(${p})`);
    }
  });

  it('give no number where there is none', () => {
    assert.ok(Number.isNaN(studentTQuantile(0.95, 0)));
    assert.ok(Number.isNaN(studentTQuantile(0.95, Number.NaN)));
    assert.ok(Number.isNaN(studentTQuantile(1.2, 5)));
  });
});
