import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { HELP } from '../../src/cli/usage.ts';
import { ROOT, runCli } from '../helpers/cli.ts';
import { historyEntry } from '../helpers/history.ts';
import { exampleScenario, tempDir, writeScenario } from '../helpers/scenario.ts';
import { modelAnswer, startServer, uniformLatency } from '../helpers/servers.ts';

describe('the CLI', () => {
  it('the CLI exits 2 and names line and key before any load is sent', async () => {
    const text = exampleScenario('http://127.0.0.1:9').replace('weight: 4', 'weight: -1');
    const file = writeScenario(text);
    const r = await runCli(['run', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /scenario\.yml:\d+:13 requests\[0\]\.weight: must be > 0/);
    assert.doesNotMatch(r.stderr, /unreachable/);
  });

  it('the CLI exits 2 on bad arguments', async () => {
    const file = writeScenario(exampleScenario('http://127.0.0.1:9'));
    assert.equal((await runCli(['run', file, '--duration', 'ten'])).code, 2);
    assert.equal((await runCli(['run', file, '--bogus'])).code, 2);
    assert.equal((await runCli(['frobnicate'])).code, 2);
  });

  it('on Node 20 the CLI bundle says in one line which Node it needs, and exits 2', async () => {
    // .cache/node20 is fetched by scripts/setup-old-node.sh (the test command runs it).
    const r = await runCli(['--help'], {
      script: join(ROOT, 'dist/cli/index.js'),
      node: join(ROOT, '.cache/node20/bin/node'),
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^mlload needs Node 22 or newer \(found 20\.\d+\.\d+\)\n$/);
    assert.equal(r.stdout, '');
  });
});

/** Runs the CLI in this process, its output captured. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`), isTTY: false });
  return { code, out, err };
}

describe('the CLI helps', () => {
  it('every command and history subcommand has its own help: what it does, its options, an example', async () => {
    for (const name of Object.keys(HELP)) {
      const r = await cli(...name.split(' '), '--help');
      assert.equal(r.code, 0, name);
      assert.match(r.out, new RegExp(`^Usage: mlload ${name}`), name);
      assert.match(r.out, /\nExample:\n {2}mlload /, name);
      // Every option the help names is one the command takes.
      for (const [flag] of HELP[name]!.options.filter(([f]) => f.startsWith('--'))) {
        const probe = await cli(...name.split(' '), flag.split(' ')[0]!);
        assert.doesNotMatch(probe.err, /unknown option/, `${name} ${flag}`);
      }
    }
    assert.match((await cli('compare', '--help')).out, /--scenario FILE/);
    assert.match((await cli('run', '-h')).out, /--baseline-image IMAGE/);
  });

  it('`mlload history` alone lists its subcommands; the overview lists every command and the exit codes', async () => {
    const h = await cli('history');
    assert.equal(h.code, 2);
    for (const sub of ['add', 'show', 'export', 'baseline']) assert.match(h.out, new RegExp(`\\n {2}${sub} +\\S`));
    const all = await cli('--help');
    assert.equal(all.code, 0);
    for (const c of ['run', 'merge', 'baseline', 'compare', 'report', 'history', 'validate'])
      assert.match(all.out, new RegExp(`\\n {2}${c} +\\S`));
    assert.match(all.out, /130 interrupted by SIGINT/);
  });

  it('an argument error is one line and where to look; a data error is one line without the usage', async () => {
    const bad = await cli('run', 'x.yml', '--bogus');
    assert.equal(bad.code, 2);
    assert.equal(bad.err, 'mlload: unknown option --bogus\nsee mlload run --help\n');
    const missing = await cli('history', 'show');
    assert.equal(missing.err, 'mlload: history show needs --file <history.json>\nsee mlload history --help\n');
    const dir = tempDir('mlload-cli-');
    const history = join(dir, 'history.json');
    // One run: too few to make a baseline of.
    const entries = [historyEntry('2026-01-01T00:00:00Z', 50)];
    writeFileSync(history, JSON.stringify({ schema_version: 1, scenario: { name: 's' }, keep: 200, entries }));
    const data = await cli('history', 'baseline', '--file', history, '--out', join(dir, 'b.json'));
    assert.equal(data.code, 2);
    assert.equal(data.err.split('\n').filter((l) => l).length, 1, data.err);
    assert.doesNotMatch(data.err, /Usage|--help/);
  });
});

describe('npm start', () => {
  it('runs the example on a free port, so a server already on 8080 is no obstacle', async () => {
    // Hold 8080 if it is free; if it is not, something else already holds it, which is the case tested.
    const blocker = createServer((_req, res) => res.end('not the model'));
    await new Promise<void>((resolve) => blocker.once('error', () => resolve()).listen(8080, '127.0.0.1', resolve));
    const out = tempDir('mlload-demo-');
    try {
      const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn('bash', ['scripts/demo.sh', '--duration', '3s', '--out', out], {
          cwd: ROOT,
          env: { ...process.env, PORT: '', CI: 'true' },
        });
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.on('close', (code) => resolve({ code, stdout }));
      });
      assert.equal(r.code, 0, r.stdout);
      const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      assert.match(results.target.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(results.target.url, 'http://127.0.0.1:8080');
      assert.ok(results.overall.count > 100);
    } finally {
      blocker.close();
    }
  });
});

describe('the CLI judges and reports what a run did', () => {
  it('judges the SLOs on every run: a breach without a baseline exits 1, with the verdict in results.json and the report', async () => {
    const server = await startServer(uniformLatency(60, 80), false);
    try {
      const out = tempDir('mlload-out-');
      const md = join(out, 'report.md');
      const text = exampleScenario(server.url, '  rate: 20\n  duration: 2s').replace('  p95: 300ms\n', '  p95: 30ms\n');
      const r = await runCli(['run', writeScenario(text), '--out', out, '--markdown', md]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /^FAIL: p95 [\d.]+ ms \(SLO ≤ 30\.0 ms\)/m);
      const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
        verdict: string;
        checks: Array<{ kind: string; status: string }>;
      };
      assert.equal(results.verdict, 'fail');
      assert.ok(results.checks.some((c) => c.kind === 'slo' && c.status === 'fail'));
      assert.match(readFileSync(md, 'utf8'), /❌ mlload `example`: failed/);
    } finally {
      await server.close();
    }
  });

  it('the open model reports achieved throughput beside the offered rate when the model falls behind', async () => {
    // One request at a time, 10 ms each: about 100 req/s, whatever is offered.
    let busyUntil = 0;
    let first = 0;
    let last = 0;
    let served = 0;
    const server = await startServer((_req, body, res) => {
      const now = Date.now();
      if (!first) first = now;
      busyUntil = Math.max(busyUntil, now) + 10;
      setTimeout(() => {
        served++;
        last = Date.now();
        modelAnswer(body, res);
      }, busyUntil - now);
    }, false);
    try {
      const out = tempDir('mlload-out-');
      const r = await runCli([
        'run',
        writeScenario(exampleScenario(server.url, '  rate: 200\n  duration: 3s')),
        '--out',
        out,
      ]);
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
        overall: { count: number; rps: number; offered_rps: number };
      };
      const servedRate = served / ((last - first) / 1000);
      assert.ok(
        Math.abs(results.overall.rps / servedRate - 1) < 0.05,
        `achieved ${results.overall.rps} req/s, the server served ${servedRate.toFixed(1)} req/s`,
      );
      assert.ok(Math.abs(results.overall.offered_rps - 200) < 5, String(results.overall.offered_rps));
      assert.ok(results.overall.rps < 150, String(results.overall.rps));
      assert.match(r.stdout, /Throughput: [\d.]+ req\/s achieved of [\d.]+ req\/s offered/);
      const stats = readFileSync(join(out, 'stats.csv'), 'utf8').trim().split('\n');
      assert.equal(stats.at(-1)!.split(',')[9], String(results.overall.rps));
    } finally {
      await server.close();
    }
  });

  it('a closed-model run says nothing of coordinated omission, and its history has one row a second with its users', async () => {
    const server = await startServer(uniformLatency(5, 10), false);
    try {
      const out = tempDir('mlload-out-');
      const r = await runCli([
        'run',
        writeScenario(exampleScenario(server.url, '  users: 3\n  spawn_rate: 10\n  duration: 3s')),
        '--out',
        out,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /coordinated-omission/);
      const rows = readFileSync(join(out, 'stats_history.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','));
      const stamps = rows.map((c) => c[0]);
      assert.equal(new Set(stamps).size, stamps.length, stamps.join(' '));
      assert.equal(rows.at(-1)![1], '3', rows.at(-1)!.join(','));
    } finally {
      await server.close();
    }
  });
});
