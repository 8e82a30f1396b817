import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judge } from '../../src/gate/verdict.ts';
import type { Results } from '../../src/metrics/types.ts';
import { escapeText, markdownReport } from '../../src/report/markdown.ts';
import { headline, noticeText } from '../../src/report/words.ts';
import { loadScenario } from '../../src/scenario/parse.ts';
import { exampleScenario, writeScenario } from '../helpers/scenario.ts';

const LOAD = '  rate: 200\n  arrival: constant\n  duration: 4s\n  warmup: 1s';

describe('gate: verdict rules', () => {
  const scenario = loadScenario(writeScenario(exampleScenario('http://127.0.0.1:9', LOAD)));
  const results = (p95: number, rps: number, errorRate: number): Results =>
    ({
      scenario: { name: 'example', file: '', hash: scenario.hash },
      overall: {
        count: 1000,
        failure_count: 0,
        rps,
        error_rate: errorRate,
        latency_ms: { p50: 10, p90: 20, p95, p99: p95 * 1.1, p999: p95 * 1.2, min: 1, max: 300, mean: 12 },
        failures: [],
      },
      requests: {},
      target: { kind: 'url', url: '' },
      environment: { os: 'linux', arch: 'x64', cpu_model: 'cpu', cores: 2, node: 'v24' },
      interrupted: false,
      series: [],
      duration_s: 4,
      load: { model: 'open' },
    }) as unknown as Results;
  const baseline = {
    schema_version: 1 as const,
    scenario: { name: 'example', hash: scenario.hash },
    created_at: '',
    runs: 1,
    environment: { os: 'linux', arch: 'x64', cpu_model: 'cpu', cores: 2, node: 'v24' },
    overall: {
      count: 1000,
      failure_count: 0,
      rps: 200,
      error_rate: 0,
      latency_ms: { p50: 10, p90: 20, p95: 100, p99: 110, p999: 120, min: 1, max: 300, mean: 12 },
      histogram: '',
    },
    requests: {},
  };

  it('is direction-aware: faster and higher throughput are improvements, never failures', () => {
    const v = judge(results(50, 260, 0), scenario, baseline);
    assert.equal(v.status, 'pass');
    assert.equal(v.checks.find((c) => c.kind === 'regression' && c.metric === 'p95')!.status, 'improved');
    assert.equal(v.checks.find((c) => c.kind === 'regression' && c.metric === 'rps')!.status, 'improved');
  });

  it('a history of 10 runs is its own prior: a 30% slower p95 fails against it, not against 3 runs or 9', () => {
    // Runs of main whose p95 spreads by about 3%: known from 10 of them, not from 3 (the prior's 15% rules).
    const spreads = [0.97, 1.02, 0.99, 1.03, 1.0, 0.98, 1.01, 1.04, 0.96, 1.0];
    const runsOf = (n: number) =>
      spreads.slice(-n).map((f) => ({ rps: 200, error_rate: 0, p50: 10, p95: 100 * f, p99: 110 * f }));
    const reference = (n: number) => ({ ...baseline, runs: n, per_run: runsOf(n) });
    const p95 = (b: ReturnType<typeof reference>, from: 'file' | 'history') =>
      judge(results(130, 200, 0), scenario, b, 'ref', { from }).checks.find(
        (c) => c.metric === 'p95' && c.kind === 'regression',
      )!;
    const history = p95(reference(10), 'history');
    assert.equal(history.status, 'fail', JSON.stringify(history));
    const file = p95(reference(3), 'file');
    assert.notEqual(file.status, 'fail', JSON.stringify(file));
    const width = (c: typeof history) => c.interval!.high - c.interval!.low;
    assert.ok(width(history) < width(file) / 2, `${width(history)} against ${width(file)}`);
    // Nine runs: the prior still fills in, as for a baseline file.
    assert.ok(width(p95(reference(9), 'history')) > width(history) * 1.5);
    // Unchanged: a pass, not a false alarm.
    assert.equal(
      judge(results(101, 200, 0), scenario, reference(10), 'ref', { from: 'history' }).checks.find(
        (c) => c.metric === 'p95' && c.kind === 'regression',
      )!.status,
      'pass',
    );
  });

  it('fails on throughput drops, SLO breaches and error-rate rises; no baseline is not a failure', () => {
    // A one-run baseline without windows: the prior run-to-run spread (5% for throughput, worth 4 runs)
    // leaves a 15% drop undecided, and a halving beyond doubt.
    assert.equal(
      judge(results(100, 170, 0), scenario, baseline).checks.find((c) => c.metric === 'rps')!.status,
      'inconclusive',
    );
    assert.equal(
      judge(results(100, 100, 0), scenario, baseline).checks.find((c) => c.metric === 'rps')!.status,
      'fail',
    );
    const slo = judge(results(350, 200, 0), scenario, null);
    assert.equal(slo.status, 'fail');
    assert.match(headline(slo), /p95 350\.0 ms \(SLO ≤ 300\.0 ms\)/);
    assert.equal(
      judge(results(100, 200, 0.05), scenario, null).checks.find((c) => c.metric === 'error_rate')!.status,
      'fail',
    );
    const none = judge(results(100, 200, 0), scenario, null);
    assert.equal(none.status, 'no-baseline');
    assert.match(noticeText(none.notices[0]!), /No baseline given: only the SLOs were checked/);
    const foreign = judge(results(100, 200, 0), scenario, {
      ...baseline,
      scenario: { name: 'example', hash: 'other' },
    });
    assert.equal(foreign.status, 'no-baseline');
    assert.match(noticeText(foreign.notices[0]!), /different scenario/);
  });

  it('nothing from a response can inject markup into the report', () => {
    const r = results(100, 200, 0.01);
    r.overall.failures = [
      {
        request: 'invalid',
        method: 'POST',
        reason: 'HTTP 500 (expected 400)',
        count: 3,
        samples: ['<img src=x onerror=alert(1)> | @admin [link](http://evil) `code` **bold**\n# heading'],
      },
    ];
    const md = markdownReport(r, judge(r, scenario, baseline));
    const row = md.split('\n').find((l) => l.startsWith('|') && l.includes('HTTP 500'))!;
    assert.equal(row, '| `invalid` | `HTTP 500 (expected 400)` | 3 |');
    // The body is in a fenced block only, where nothing renders.
    const sample = md.slice(md.indexOf('<summary>Sample responses</summary>'));
    assert.match(
      sample,
      /```text\n<img src=x onerror=alert\(1\)> \| @admin \[link\]\(http:\/\/evil\) `code` \*\*bold\*\*\n# heading\n```/,
    );
    assert.equal(md.split('\n').filter((l) => l.includes('@admin')).length, 1);
    assert.equal(escapeText('a|b'), 'a&#124;b');
  });
});
