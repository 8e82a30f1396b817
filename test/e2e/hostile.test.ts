import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { ROOT, runCli } from '../helpers/cli.ts';
import { tempDir, writeScenario } from '../helpers/scenario.ts';
import { json, startServer } from '../helpers/servers.ts';

/** Issue 12: an attacker's or a careless user's input ends in a clear error, in bounded time, with nothing lost. */

const simple = (url: string, load: string, extra = '') => `name: hostile
target:
  url: ${url}
load:
${load}
requests:
  - name: predict
    method: POST
    path: /predict
    body:
      json: { x: 1 }
${extra}`;

describe('hostile input to the CLI', () => {
  it('1. an error inside the load engine ends the process instead of hanging it', async () => {
    // An empty schedule makes ArrivalSchedule throw while the progress timer is already running.
    const script = `
      import { runLoad } from ${JSON.stringify(join(ROOT, 'src/engine/run.ts'))};
      const sink = { record() {}, second() {} };
      const load = { model: 'open', arrival: 'constant', stages: [], warmupMs: 1000, durationMs: 1000, maxInFlight: 1, workers: 1 };
      try {
        await runLoad({ origin: 'http://127.0.0.1:9', requests: [{ name: 'a', method: 'GET', path: '/', weight: 1, headers: {}, timeoutMs: 1000, body: null, expect: { statuses: ['2xx'], json: [] } }], load, seed: 1, sink });
        console.log('no error');
      } catch (err) {
        console.log('threw: ' + err.constructor.name);
      }`;
    const started = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(killer);
    assert.match(out, /threw: TypeError/);
    assert.equal(code, 0, 'the process ends on its own: no timer of the run outlives it');
    assert.ok(performance.now() - started < 15_000);
  });

  it('1. a zero duration or an absurd rate is refused before any load, naming file, line and key', async () => {
    const zero = await runCli(['run', writeScenario(simple('http://127.0.0.1:9', '  rate: 10\n  duration: 0s'))]);
    assert.equal(zero.code, 2, zero.stderr);
    assert.match(zero.stderr, /scenario\.yml:\d+:\d+ load\.duration: adds up to 0s/);
    const huge = await runCli(['run', writeScenario(simple('http://127.0.0.1:9', '  rate: 1e9\n  duration: 5s'))]);
    assert.equal(huge.code, 2, huge.stderr);
    assert.match(huge.stderr, /load\.rate: must be <= 1000000/);
    const long = await runCli(['run', writeScenario(simple('http://127.0.0.1:9', '  rate: 1\n  duration: 600h'))]);
    assert.equal(long.code, 2, long.stderr);
    assert.match(long.stderr, /longer than 7 days/);
  });

  it('7. arrivals queued behind max_in_flight are all counted, none dropped at the end', async () => {
    const server = await startServer((_req, _body, res) => setTimeout(() => json(res, 200, { y: 1 }), 200), false);
    try {
      const out = tempDir('mlload-out-');
      const r = await runCli([
        'run',
        writeScenario(simple(server.url, '  rate: 100\n  max_in_flight: 10\n  duration: 5s')),
        '--out',
        out,
      ]);
      const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
        overall: { count: number; latency_ms: { p99: number; max: number } };
      };
      // 500 scheduled: every one recorded, sent late or counted as not sent; the wait shows in the tail.
      assert.equal(results.overall.count, 500, r.stderr);
      assert.ok(results.overall.latency_ms.max > 2000, `max ${results.overall.latency_ms.max} ms`);
    } finally {
      await server.close();
    }
  });

  it('13. a URL with credentials or a query string is refused without printing the password', async () => {
    const creds = await runCli([
      'run',
      writeScenario(simple('http://admin:hunter2@127.0.0.1:9', '  rate: 1\n  duration: 1s')),
    ]);
    assert.equal(creds.code, 2);
    assert.match(creds.stderr, /target\.url: carries a user name or password/);
    assert.doesNotMatch(creds.stderr + creds.stdout, /hunter2/);
    const flag = await runCli([
      'run',
      writeScenario(simple('http://127.0.0.1:9', '  rate: 1\n  duration: 1s')),
      '--url',
      'http://u:hunter2@127.0.0.1:9',
    ]);
    assert.equal(flag.code, 2);
    assert.doesNotMatch(flag.stderr + flag.stdout, /hunter2/);
    const query = await runCli(['run', writeScenario(simple('http://127.0.0.1:9?key=1', '  rate: 1\n  duration: 1s'))]);
    assert.equal(query.code, 2);
    assert.match(query.stderr, /target\.url: has a query string/);
  });

  it('13. CR or LF in a path or a header value is refused (no request splitting)', async () => {
    const text = simple('http://127.0.0.1:9', '  rate: 1\n  duration: 1s')
      .replace('path: /predict', 'path: "/predict HTTP/1.1\\r\\nX-Injected: 1\\r\\n"')
      .replace('    body:', '    headers:\n      X-Trace: "a\\r\\nX-Evil: 1"\n    body:');
    const r = await runCli(['validate', writeScenario(text)]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /requests\[0\]\.path: contains a space or control character/);
    assert.match(r.stderr, /requests\[0\]\.headers\.X-Trace: contains a line break/);
  });

  it('14. a YAML alias bomb is one clear error line and exit 2, fast', async () => {
    const levels = Array.from(
      { length: 12 },
      (_, i) => `l${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(', ')}]`,
    );
    const bomb = `l0: &l0 [lol]\n${levels.join('\n')}\nname: bomb\n`;
    const started = performance.now();
    const r = await runCli(['validate', writeScenario(bomb)]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /scenario\.yml:\d+:\d+ cannot expand the YAML aliases/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(performance.now() - started < 10_000);
  });

  it('14. 200,000 broken JSON lines print at most 21 problems', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'payloads.jsonl'), 'not json\n'.repeat(200_000));
    const text = simple('http://127.0.0.1:9', '  rate: 1\n  duration: 1s').replace(
      'json: { x: 1 }',
      'file: payloads.jsonl',
    );
    const r = await runCli(['validate', writeScenario(text, dir)]);
    assert.equal(r.code, 2);
    const lines = r.stderr.trim().split('\n');
    assert.ok(lines.length <= 21, `${lines.length} lines`);
    assert.match(r.stderr, /and 199980 more lines that are not JSON/);
  });

  it('14. a run that measures nothing fails instead of passing its SLOs', async () => {
    const server = await startServer((_req, _body, res) => json(res, 200, { y: 1 }), false);
    try {
      const text = simple(server.url, '  stages:\n    - { duration: 2s, rate: 0 }', 'slo:\n  p95: 100ms\n');
      const r = await runCli(['run', writeScenario(text), '--out', tempDir('mlload-out-')]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /no request was measured/);
    } finally {
      await server.close();
    }
  });

  it('14. two runs at once into one --out: the second is refused, the first is untouched', async () => {
    const server = await startServer((_req, _body, res) => json(res, 200, { y: 1 }), false);
    try {
      const out = tempDir('mlload-out-');
      const file = writeScenario(simple(server.url, '  rate: 20\n  duration: 4s'));
      let second: Promise<Awaited<ReturnType<typeof runCli>>> | null = null;
      const first = runCli(['run', file, '--out', out], {
        onStart: (child) => {
          let seen = '';
          const listen = (d: Buffer) => {
            seen += d.toString();
            if (!/open model/.test(seen)) return;
            child.stderr!.off('data', listen);
            second = runCli(['run', file, '--out', out]);
          };
          child.stderr!.on('data', listen);
        },
      });
      const a = await first;
      const b = await second!;
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 2, b.stderr);
      assert.match(b.stderr, /another mlload run \(pid \d+\) is writing to/);
      assert.ok(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).overall.count >= 70);
      // Once the first is done, a later run may replace its results, and says so.
      const c = await runCli(['run', file, '--out', out, '--duration', '1s']);
      assert.equal(c.code, 0, c.stderr);
      assert.match(c.stderr, /results of an earlier run .* will be replaced/);
    } finally {
      await server.close();
    }
  });

  it('11. Ctrl-C while waiting for a URL target to become healthy stops at once; a second one exits at once', async () => {
    const server = await startServer((_req, _body, res) => json(res, 503, { loading: true }), false);
    try {
      const text = simple(server.url, '  rate: 10\n  duration: 5s').replace(
        `  url: ${server.url}`,
        `  url: ${server.url}\n  health:\n    path: /health\n    timeout: 60s`,
      );
      const started = performance.now();
      // Signalled once the CLI has said what it runs (its handlers are in place by then; a busy machine starts it
      // slowly).
      const afterStart = (child: ReturnType<typeof spawn>, then: () => void) => {
        let seen = '';
        const listen = (d: Buffer) => {
          seen += d.toString();
          if (!/open model/.test(seen)) return;
          child.stderr!.off('data', listen);
          then();
        };
        child.stderr!.on('data', listen);
      };
      const r = await runCli(['run', writeScenario(text), '--out', tempDir('mlload-out-')], {
        onStart: (child) => afterStart(child, () => setTimeout(() => child.kill('SIGINT'), 1000)),
      });
      assert.equal(r.code, 130, r.stderr);
      assert.ok(performance.now() - started < 10_000, 'not held until the health timeout');
      assert.match(r.stderr, /interrupted while waiting/);

      const hang = await startServer(() => {}, false);
      try {
        const t0 = performance.now();
        const r2 = await runCli(
          ['run', writeScenario(simple(hang.url, '  rate: 10\n  duration: 30s')), '--out', tempDir('mlload-out-')],
          {
            onStart: (child) =>
              afterStart(child, () => {
                setTimeout(() => child.kill('SIGINT'), 1000);
                setTimeout(() => child.kill('SIGINT'), 1100);
              }),
          },
        );
        assert.equal(r2.code, 130, r2.stderr);
        assert.match(r2.stderr, /second SIGINT: exiting without waiting/);
        assert.ok(performance.now() - t0 < 10_000);
      } finally {
        await hang.close();
      }
    } finally {
      await server.close();
    }
  });
});
