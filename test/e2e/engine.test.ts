import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Results } from '../../src/metrics/types.ts';
import { ROOT, runCli } from '../helpers/cli.ts';
import { exampleScenario, tempDir, writeScenario } from '../helpers/scenario.ts';
import { freePort, json, modelAnswer, startServer, uniformLatency, type TestServer } from '../helpers/servers.ts';

async function runScenario(
  text: string,
  extra: string[] = [],
): Promise<{ results: Results; code: number | null; stderr: string; stdout: string; out: string }> {
  const out = tempDir('mlload-out-');
  const r = await runCli(['run', writeScenario(text), '--out', out, ...extra]);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
  return { results, code: r.code, stderr: r.stderr, stdout: r.stdout, out };
}

describe('engine against a server with latency uniform in 10–110 ms', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer(uniformLatency(10, 110));
  });
  after(() => server.close());

  it('open model, the example scenario: percentiles, rate, weights, no failures, fresh payloads', async () => {
    const { results, code } = await runScenario(exampleScenario(server.url));
    assert.equal(code, 0);
    const o = results.overall;
    // Uniform(10, 110): p50 = 60, p95 = 105, p99 = 109.
    assert.ok(Math.abs(o.latency_ms.p50 - 60) <= 3, `p50 ${o.latency_ms.p50}`);
    assert.ok(Math.abs(o.latency_ms.p95 - 105) <= 3, `p95 ${o.latency_ms.p95}`);
    assert.ok(Math.abs(o.latency_ms.p99 - 109) <= 3, `p99 ${o.latency_ms.p99}`);
    assert.ok(Math.abs(o.rps - 200) / 200 <= 0.02, `rps ${o.rps}`);
    assert.equal(results.duration_s, 20);
    assert.equal(o.failure_count, 0, JSON.stringify(o.failures));
    assert.equal(o.error_rate, 0);
    // 4:1 weights: valid share 0.8 of n, within 4 standard deviations of a binomial.
    const n = o.count;
    const valid = results.requests.valid!.count;
    const sd = Math.sqrt(n * 0.8 * 0.2);
    assert.ok(Math.abs(valid - 0.8 * n) < 4 * sd, `valid ${valid} of ${n}`);
    assert.equal(results.requests.invalid!.status_codes['400'], results.requests.invalid!.count);
    // Warm-up excluded: about 2 s of requests reached the server but not the results.
    assert.ok(server.bodies.length >= n + 380, `server saw ${server.bodies.length}, results count ${n}`);
    // Fresh random payload per request.
    const valids = server.bodies.filter((b) => /^\{"x":[0-9.]+\}$/.test(b));
    assert.ok(new Set(valids).size > valids.length * 0.99, `${new Set(valids).size} distinct of ${valids.length}`);
    // The series covers warm-up and measurement, a point a second.
    assert.ok(results.series.length >= 21 && results.series.length <= 24, `series ${results.series.length}`);
    assert.ok(results.series.some((p) => p.phase === 'warmup') && results.series.some((p) => p.phase === 'measure'));
  });

  it('closed model: 20 users without think time give about 20 / 60 ms = 333 req/s', async () => {
    const { results, code } = await runScenario(
      exampleScenario(server.url, '  users: 20\n  spawn_rate: 100\n  think_time: 0s\n  duration: 10s\n  warmup: 1s'),
    );
    assert.equal(code, 0);
    assert.ok(Math.abs(results.overall.rps - 333) / 333 < 0.05, `rps ${results.overall.rps}`);
    assert.ok(Math.max(...results.series.map((p) => p.users)) === 20);
    assert.equal(results.overall.failure_count, 0);
  });
});

describe('engine stages', () => {
  it('ramps the open model from stage to stage, and the series shows it', async () => {
    const server = await startServer((_req, body, res) => modelAnswer(body, res), false);
    try {
      const { results, code } = await runScenario(
        exampleScenario(server.url, '  stages:\n    - { duration: 2s, rate: 50 }\n    - { duration: 2s, rate: 250 }'),
      );
      assert.equal(code, 0);
      assert.equal(results.duration_s, 4);
      // 50/s for 2 s, then a linear ramp from 50 to 250/s over 2 s: 100 + 300 requests.
      assert.ok(Math.abs(results.overall.count - 400) <= 2, `count ${results.overall.count}`);
      const measured = results.series.filter((p) => p.phase === 'measure');
      assert.ok(
        measured[0]!.rps < 70 && measured[measured.length - 1]!.rps > 150,
        measured.map((p) => p.rps).join(' '),
      );
    } finally {
      await server.close();
    }
  });

  it('steps the closed model between user counts', async () => {
    const server = await startServer(uniformLatency(5, 15), false);
    try {
      const { results, code } = await runScenario(
        exampleScenario(
          server.url,
          '  spawn_rate: 100\n  stages:\n    - { duration: 2s, users: 2 }\n    - { duration: 2s, users: 10 }',
        ),
      );
      assert.equal(code, 0);
      const users = results.series.filter((p) => p.phase === 'measure').map((p) => p.users);
      assert.equal(users[0], 2, users.join(' '));
      assert.equal(Math.max(...users), 10, users.join(' '));
    } finally {
      await server.close();
    }
  });
});

describe('engine with worker threads', () => {
  it('workers: 2 split the load and merge histograms and seconds exactly, from the bundle too', async () => {
    let received = 0;
    const slow = uniformLatency(10, 110);
    const server = await startServer((req, body, res) => {
      received++;
      slow(req, body, res);
    }, false);
    try {
      for (const script of [undefined, join(ROOT, 'dist/cli/index.js')]) {
        const out = tempDir('mlload-out-');
        received = 0;
        const text = exampleScenario(
          server.url,
          '  rate: 200\n  arrival: poisson\n  duration: 4s\n  warmup: 1s\n  workers: 2',
        );
        const r = await runCli(['run', writeScenario(text), '--out', out], { script });
        assert.equal(r.code, 0, r.stderr);
        const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
        assert.equal(results.load.workers, 2);
        // Poisson arrivals: 800 expected in the 4 s measured (sd 28); every one the server saw is counted.
        assert.ok(Math.abs(results.overall.count - 800) < 140, `measured ${results.overall.count}`);
        assert.equal(results.series.at(-1)!.total.count, received);
        assert.equal(results.overall.count, results.requests.valid!.count + results.requests.invalid!.count);
        assert.equal(results.overall.failure_count, 0);
        // Uniform(10, 110): p50 60; a busy machine only adds (the generator runs late), so the margin is one-sided.
        assert.ok(
          results.overall.latency_ms.p50 > 55 && results.overall.latency_ms.p50 < 75,
          `p50 ${results.overall.latency_ms.p50}`,
        );
        const measured = results.series.filter((p) => p.phase === 'measure');
        // Seconds by completion time: each near 200/s, the last one partial.
        assert.ok(
          measured.length >= 3 && measured.slice(0, -1).every((p) => Math.abs(p.rps - 200) < 70),
          measured.map((p) => p.rps).join(' '),
        );
      }
    } finally {
      await server.close();
    }
  });
});

describe('engine and coordinated omission', () => {
  let server: TestServer;
  let stallUntil = 0;
  before(async () => {
    let first = 0;
    server = await startServer((_req, body, res) => {
      const now = Date.now();
      if (!first) first = now;
      // One stall of 1 s, 4 s into the run: every request waits until it ends.
      if (!stallUntil && now - first > 4000) stallUntil = now + 1000;
      const wait = Math.max(0, stallUntil - now) + 5;
      setTimeout(() => modelAnswer(body, res), wait);
    }, false);
  });
  after(() => server.close());

  it('a 1 s stall under 200 req/s raises p99 above 400 ms in the open model', async () => {
    const { results } = await runScenario(
      exampleScenario(server.url, '  rate: 200\n  arrival: constant\n  duration: 10s'),
    );
    assert.ok(stallUntil > 0);
    assert.ok(results.overall.latency_ms.p99 > 400, `p99 ${results.overall.latency_ms.p99}`);
    // Service time (from the actual send) is reported beside it.
    assert.ok(results.overall.service_ms.p50 < 50);
    assert.ok(Math.abs(results.overall.rps - 200) / 200 < 0.02, `rps ${results.overall.rps}`);
  });
});

describe('engine failures', () => {
  it('groups failures by reason with samples: status mismatch, timeout, missing JSON field', async () => {
    const server = await startServer((req, body, res) => {
      if (req.url === '/slow') return setTimeout(() => json(res, 200, {}), 1500);
      if (req.url === '/x') return json(res, 200, { z: 1 });
      if (!/^\{"x":[0-9.]+\}$/.test(body)) return json(res, 500, { error: '<b>boom</b>' });
      modelAnswer(body, res);
    });
    try {
      const text = exampleScenario(server.url, '  rate: 50\n  duration: 3s\n  timeout: 300ms').replace(
        'slo:',
        `  - name: slow
    weight: 1
    method: GET
    path: /slow
  - name: fieldless
    weight: 1
    method: GET
    path: /x
    expect:
      status: 200
      json: y
slo:`,
      );
      const { results, code, out } = await runScenario(
        text.replace('  - name: fieldless\n', '  - name: fieldless\n    headers: { x-test: "1" }\n'),
      );
      assert.equal(code, 1, 'the error-rate SLO is judged on every run: breached');
      const reasons = Object.fromEntries(results.overall.failures.map((f) => [`${f.request}: ${f.reason}`, f]));
      const invalid = reasons['invalid: HTTP 500 (expected 400)'];
      assert.ok(invalid, Object.keys(reasons).join(' | '));
      assert.ok(invalid.count > 0 && invalid.count < results.requests.invalid!.count + 1);
      assert.ok(invalid.samples[0]!.includes('boom'));
      assert.ok(reasons['slow: timeout after 300ms'], Object.keys(reasons).join(' | '));
      assert.ok(reasons['fieldless: missing JSON field "y"'], Object.keys(reasons).join(' | '));
      assert.ok(results.overall.error_rate > 0.2 && results.overall.error_rate < 1);
      const csv = readFileSync(join(out, 'failures.csv'), 'utf8');
      assert.match(csv, /^Method,Name,Error,Occurrences\n/);
      assert.match(csv, /GET,slow,timeout after 300ms,\d+/);
    } finally {
      await server.close();
    }
  });

  it('counts connection refused and reset when the server goes away mid-run', async () => {
    // Gone after 150 answers (halfway through the load), counted by the server: a busy machine that is
    // slow to start the CLI must not find it gone before the load began.
    let answered = 0;
    const server = await startServer((_req, body, res) => {
      modelAnswer(body, res);
      if (++answered === 150) void server.close();
    }, false);
    const url = server.url;
    const { results, code } = await runScenario(exampleScenario(url, '  rate: 100\n  duration: 3s'));
    assert.equal(code, 1, 'the error-rate SLO is judged on every run: breached');
    const refused = results.overall.failures.find((f) => f.reason === 'connection refused');
    assert.ok(refused && refused.count > 50, JSON.stringify(results.overall.failures));
  });

  it('an unreachable target exits 3 with one readable message', async () => {
    const server = await startServer((_req, _body, res) => json(res, 200, {}));
    const url = server.url;
    await server.close();
    const started = Date.now();
    const r = await runCli([
      'run',
      writeScenario(
        exampleScenario(url, '  rate: 10\n  duration: 2s').replace(
          `  url: ${url}`,
          `  url: ${url}\n  health: { timeout: 2s }`,
        ),
      ),
    ]);
    assert.equal(r.code, 3);
    // Retried until health.timeout, then the last error named.
    assert.ok(Date.now() - started >= 2000, `gave up after ${Date.now() - started} ms`);
    assert.match(
      r.stderr,
      new RegExp(`mlload: target ${url} is unreachable: connection refused for 2 s \\(health.timeout 2 s\\)`),
    );
  });

  it('a URL target still starting is waited for within health.timeout, with a progress line, then measured', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let late: Promise<TestServer> | null = null;
    // Refused until the CLI has said it is waiting (about 5 s into its wait); the server comes up then.
    const comeUp = (child: ChildProcess) =>
      child.stderr!.on('data', (d: Buffer) => {
        if (!late && d.toString().includes(`waiting for ${url}`))
          late = startServer((_req, body, res) => modelAnswer(body, res), false, port);
      });
    try {
      const out = tempDir('mlload-out-');
      const r = await runCli(
        [
          'run',
          writeScenario(
            exampleScenario(url, '  rate: 20\n  duration: 2s').replace(
              `  url: ${url}`,
              `  url: ${url}\n  health: { timeout: 30s }`,
            ),
          ),
          '--out',
          out,
        ],
        { onStart: comeUp },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`waiting for ${url}: connection refused \\(\\d+ s of 30 s\\)`));
      const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
      assert.ok(
        results.overall.count >= 30 && results.overall.failure_count === 0,
        JSON.stringify(results.overall.failures),
      );
    } finally {
      await (await (late as Promise<TestServer> | null))?.close();
    }
  });

  it('SIGTERM stops the run early and still writes the results gathered so far', async () => {
    const server = await startServer(uniformLatency(1, 5), false);
    const out = tempDir('mlload-out-');
    try {
      const r = await runCli(
        ['run', writeScenario(exampleScenario(server.url, '  rate: 100\n  duration: 60s')), '--out', out],
        {
          // 2.5 s after the load starts, not after the process does: on a busy machine starting Node takes seconds.
          onStart: (child) => {
            let seen = false;
            child.stderr?.on('data', (d: Buffer) => {
              if (!seen && d.toString().includes('open model')) {
                seen = true;
                setTimeout(() => child.kill('SIGTERM'), 2500);
              }
            });
          },
        },
      );
      assert.equal(r.code, 143);
      const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
      assert.equal(results.interrupted, true);
      assert.equal(results.stop_reason, 'interrupted by SIGTERM');
      assert.ok(results.duration_s > 1 && results.duration_s < 10, `duration ${results.duration_s}`);
      assert.ok(results.overall.count > 100);
      assert.ok(Math.abs(results.overall.rps - 100) < 10, `rps ${results.overall.rps}`);
      assert.match(readFileSync(join(out, 'stats.csv'), 'utf8'), /,Aggregated,/);
    } finally {
      await server.close();
    }
  });
});
