import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readBaseline } from '../src/gate/baseline.ts';
import { judge } from '../src/gate/verdict.ts';
import type { Results } from '../src/metrics/types.ts';
import { escapeText, markdownReport } from '../src/report/markdown.ts';
import { loadScenario } from '../src/scenario/parse.ts';
import { runCli } from './helpers/cli.ts';
import { exampleScenario, tempDir, writeScenario } from './helpers/scenario.ts';
import { startServer, uniformLatency, type TestServer } from './helpers/servers.ts';

const LOAD = '  rate: 200\n  arrival: constant\n  duration: 4s\n  warmup: 1s';

async function runTo(url: string, scenarioFile: string): Promise<string> {
  const out = tempDir('mlload-out-');
  const r = await runCli(['run', scenarioFile, '--out', out, '--url', url]);
  assert.equal(r.code, 0, r.stderr);
  return join(out, 'results.json');
}

describe('gate: baseline and compare', () => {
  let fast: TestServer;
  let slow: TestServer;
  let scenarioFile: string;
  let baselineFile: string;
  before(async () => {
    fast = await startServer(uniformLatency(20, 40), false);
    slow = await startServer(uniformLatency(26, 52), false); // 30% slower
    // p95 only: the p99 of 800 requests is too few samples to hold a 15% tolerance on a loaded machine.
    scenarioFile = writeScenario(exampleScenario(fast.url, LOAD).replace('  p99: 15%\n', ''));
    baselineFile = join(tempDir(), 'baseline.json');
    const runs = [await runTo(fast.url, scenarioFile), await runTo(fast.url, scenarioFile)];
    const r = await runCli(['baseline', ...runs, '--out', baselineFile]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await fast.close();
    await slow.close();
  });

  it('merges runs exactly into a small, valid baseline', () => {
    const b = readBaseline(baselineFile)!;
    assert.equal(b.runs, 2);
    assert.equal(b.overall.count, 1600);
    assert.equal(b.per_run!.length, 2);
    assert.ok(readFileSync(baselineFile).length < 64 * 1024, 'tens of KB at most');
    assert.ok(b.environment.cpu_model.length > 0);
  });

  it('compare passes on an identical model and fails a 30% slower one on p95', async () => {
    const same = await runCli(['compare', await runTo(fast.url, scenarioFile), '--baseline', baselineFile]);
    assert.equal(same.code, 0, same.stdout);
    assert.match(same.stdout, /^PASS/);
    const md = join(tempDir(), 'report.md');
    const slower = await runCli(['compare', await runTo(slow.url, scenarioFile), '--baseline', baselineFile, '--markdown', md]);
    assert.equal(slower.code, 1, slower.stdout);
    assert.match(slower.stdout, /^FAIL: .*p95 \+\d+\.\d% \[\+\d+\.\d%, \+\d+\.\d%\] vs baseline \(limit ≤ \+10%\)/);
    assert.match(slower.stdout, /overall\s+p95\s+.*fail/);
    assert.match(readFileSync(md, 'utf8'), /\| p95 \| .* \| ≤ \+10% \| ❌ fail \|/);
  });

  it('a change the baseline\'s own run-to-run spread explains is inconclusive; it fails only when asked to', async () => {
    // The same baseline, but its two runs a factor 2.3 apart: a runner that noisy cannot show a 30% change.
    const noisy = JSON.parse(readFileSync(baselineFile, 'utf8'));
    const p95 = noisy.overall.latency_ms.p95;
    noisy.per_run[0].p95 = p95 * 0.6;
    noisy.per_run[1].p95 = p95 * 1.4;
    const noisyFile = join(tempDir(), 'noisy.json');
    writeFileSync(noisyFile, JSON.stringify(noisy));
    const slowerRun = await runTo(slow.url, scenarioFile);
    const r = await runCli(['compare', slowerRun, '--baseline', noisyFile]);
    assert.equal(r.code, 0, r.stdout);
    // Two runs: t with 1 df, so the upper end can pass 100× and is shown as such rather than as 1e+22%.
    assert.match(r.stdout, /^INCONCLUSIVE: inconclusive: p95 \+\d+\.\d% \[-\d+\.\d%, (\+\d+\.\d%|> \+9900%)\] vs baseline/);
    assert.doesNotMatch(r.stdout, /e\+\d+%/);
    assert.match(r.stdout, /inconclusive: overall p95: .* includes no change: the baseline's own runs differ too much for a longer run to decide/);
    const strict = await runCli(['compare', slowerRun, '--baseline', noisyFile, '--fail-on-inconclusive']);
    assert.equal(strict.code, 1, strict.stdout);
  });

  it('run --baseline judges the run and writes the verdict and intervals into results.json', async () => {
    const out = tempDir('mlload-out-');
    const r = await runCli(['run', scenarioFile, '--out', out, '--url', slow.url, '--baseline', baselineFile]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const written = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.equal(written.verdict, 'fail');
    assert.equal(written.comparison.against, 'baseline');
    const p95 = written.checks.find((c: { kind: string; metric: string; scope: string }) => c.kind === 'regression' && c.metric === 'p95' && c.scope === 'overall');
    assert.equal(p95.status, 'fail');
    assert.ok(p95.interval.low > 0 && p95.interval.low <= p95.change && p95.change <= p95.interval.high, JSON.stringify(p95));
    assert.ok(written.windows.length >= 4, 'the run is cut into windows');
  });

  it('a corrupt or foreign baseline is a clear error naming the file', async () => {
    const bad = join(tempDir(), 'bad.json');
    writeFileSync(bad, '{\n  "schema_version": 1,\n  "runs": "three"\n}\n');
    const r = await runCli(['compare', await runTo(fast.url, scenarioFile), '--baseline', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.json:3:11 runs: must be integer/);
    const future = join(tempDir(), 'future.json');
    writeFileSync(future, JSON.stringify({ ...JSON.parse(readFileSync(baselineFile, 'utf8')), schema_version: 9 }));
    const f = await runCli(['compare', await runTo(fast.url, scenarioFile), '--baseline', future]);
    assert.equal(f.code, 2);
    assert.match(f.stderr, /future\.json:1:\d+ schema_version: is 9; this mlload reads version 1 baselines/);
  });
});

describe('gate: verdict rules', () => {
  const scenario = loadScenario(writeScenario(exampleScenario('http://127.0.0.1:9', LOAD)));
  const results = (p95: number, rps: number, errorRate: number): Results =>
    ({
      scenario: { name: 'example', file: '', hash: scenario.hash },
      overall: { count: 1000, failure_count: 0, rps, error_rate: errorRate, latency_ms: { p50: 10, p90: 20, p95, p99: p95 * 1.1, p999: p95 * 1.2, min: 1, max: 300, mean: 12 }, failures: [] },
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
    overall: { count: 1000, failure_count: 0, rps: 200, error_rate: 0, latency_ms: { p50: 10, p90: 20, p95: 100, p99: 110, p999: 120, min: 1, max: 300, mean: 12 }, histogram: '' },
    requests: {},
  };

  it('is direction-aware: faster and higher throughput are improvements, never failures', () => {
    const v = judge(results(50, 260, 0), scenario, baseline);
    assert.equal(v.status, 'pass');
    assert.equal(v.checks.find((c) => c.kind === 'regression' && c.metric === 'p95')!.status, 'improved');
    assert.equal(v.checks.find((c) => c.kind === 'regression' && c.metric === 'rps')!.status, 'improved');
  });

  it('fails on throughput drops, SLO breaches and error-rate rises; no baseline is not a failure', () => {
    assert.equal(judge(results(100, 170, 0), scenario, baseline).checks.find((c) => c.metric === 'rps')!.status, 'fail');
    const slo = judge(results(350, 200, 0), scenario, null);
    assert.equal(slo.status, 'fail');
    assert.match(slo.headline, /p95 350\.0 ms \(SLO ≤ 300\.0 ms\)/);
    assert.equal(judge(results(100, 200, 0.05), scenario, null).checks.find((c) => c.metric === 'error_rate')!.status, 'fail');
    const none = judge(results(100, 200, 0), scenario, null);
    assert.equal(none.status, 'no-baseline');
    assert.match(none.notices[0]!, /No baseline yet/);
    const foreign = judge(results(100, 200, 0), scenario, { ...baseline, scenario: { name: 'example', hash: 'other' } });
    assert.equal(foreign.status, 'no-baseline');
    assert.match(foreign.notices[0]!, /different scenario/);
  });

  it('nothing from a response can inject markup into the report', () => {
    const r = results(100, 200, 0.01);
    r.overall.failures = [{ request: 'invalid', method: 'POST', reason: 'HTTP 500 (expected 400)', count: 3, samples: ['<img src=x onerror=alert(1)> | @admin [link](http://evil) `code` **bold**\n# heading'] }];
    const md = markdownReport(r, judge(r, scenario, baseline));
    const row = md.split('\n').find((l) => l.includes('HTTP 500'))!;
    assert.ok(!row.includes('<img'), row);
    assert.ok(!row.includes('@admin'), row);
    assert.ok(!/\]\(http/.test(row), row);
    assert.equal(row.split(' | ').length, 4, row);
    assert.equal(escapeText('a|b'), 'a&#124;b');
  });
});
