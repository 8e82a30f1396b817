import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Results } from '../../src/metrics/types.ts';
import { containerEnv, HOST_LABEL, LABEL, PID_LABEL, RUN_LABEL, runArgs } from '../../src/target/container.ts';
import type { TargetSpec } from '../../src/scenario/types.ts';
import { engineAnswers } from '../helpers/engine.ts';
import { ROOT, runCli, type RunResult } from '../helpers/cli.ts';
import { tempDir, writeScenario } from '../helpers/scenario.ts';

const IMAGE = 'mlload-example:test';
const CRASHING = 'mlload-crashing:test';
const LEAKING = 'mlload-leaking:test';

function ours(): string[] {
  return execFileSync('docker', ['ps', '--all', '--quiet', '--filter', `label=${LABEL}=true`], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
}

function scenario(image: string, extra = '', load = '  rate: 50\n  duration: 4s'): string {
  return `name: container
target:
  image: ${image}
  port: 8080
  network: host
  port_env: PORT
  pull: never
  health:
    path: /health
    timeout: 20s
${extra}load:
${load}
requests:
  - name: predict
    path: /predict
    body:
      fields:
        age: { int: [29, 77] }
        resting_bp: { int: [94, 200] }
        cholesterol: { int: [126, 564] }
        max_heart_rate: { int: [71, 202] }
    expect:
      status: 200
slo:
  cold_start: 30s
`;
}

describe('docker run arguments', () => {
  const spec: TargetSpec & { image: string } = {
    url: null,
    image: 'm:1',
    port: 8080,
    network: 'publish',
    portEnv: null,
    env: { A: 'x; rm -rf /' },
    args: ['--cpus', '1'],
    pull: 'missing',
    headers: {},
    health: { path: '/health', timeoutMs: 1000, intervalMs: 100 },
  };
  it('publish maps a free loopback port, and nothing passes through a shell', () => {
    assert.deepEqual(runArgs(spec, 'mlload-x', 'job-1', 41234, '/tmp/e/env'), [
      'run',
      '--detach',
      '--name',
      'mlload-x',
      '--label',
      `${LABEL}=true`,
      '--label',
      `${RUN_LABEL}=job-1`,
      '--label',
      `${PID_LABEL}=${process.pid}`,
      '--label',
      `${HOST_LABEL}=${hostname()}`,
      '--publish',
      '127.0.0.1:41234:8080',
      '--env-file',
      '/tmp/e/env',
      '--cpus',
      '1',
      'm:1',
    ]);
  });
  it('host network passes the chosen port in port_env, through the env file', () => {
    const args = runArgs({ ...spec, network: 'host', portEnv: 'PORT', env: {} }, 'n', 'l', 5555, '/tmp/e/env');
    assert.deepEqual(args.slice(12), ['--network', 'host', '--env-file', '/tmp/e/env', '--cpus', '1', 'm:1']);
    assert.deepEqual(containerEnv({ ...spec, network: 'host', portEnv: 'PORT' }, 5555), {
      A: 'x; rm -rf /',
      PORT: '5555',
    });
  });
});

describe('a real container engine', { concurrency: false }, () => {
  let available = false;
  before(() => {
    available = engineAnswers();
    if (!available && process.env.CI)
      throw new Error(
        'no container engine answers `docker info` (CI=true: the container tests must run; see scripts/setup-engine.sh)',
      );
    if (!available) return;
    // Containers left by an engine or a session killed earlier are not this run's: clear them first.
    const stale = ours();
    if (stale.length > 0) execFileSync('docker', ['rm', '--force', ...stale], { stdio: 'ignore' });
    execFileSync('bash', [join(ROOT, 'scripts/build-scratch-image.sh'), IMAGE, join(ROOT, 'examples/model')], {
      stdio: 'inherit',
    });
    execFileSync(
      'bash',
      [join(ROOT, 'scripts/build-scratch-image.sh'), CRASHING, join(ROOT, 'test/fixtures/crashing')],
      { stdio: 'inherit' },
    );
    execFileSync('bash', [join(ROOT, 'scripts/build-scratch-image.sh'), LEAKING, join(ROOT, 'test/fixtures/leaking')], {
      stdio: 'inherit',
    });
  });

  // The images built here go with the tests that used them (a rebuild under the same tag would leave the old one).
  after(() => {
    if (available) execFileSync('docker', ['rmi', '--force', IMAGE, CRASHING, LEAKING], { stdio: 'ignore' });
  });

  it('starts the example model, measures cold start and resources, runs the scenario, and leaves nothing behind', async (t) => {
    if (!available) return t.skip('no container engine');
    const out = tempDir('mlload-out-');
    const r = await runCli(['run', writeScenario(scenario(IMAGE)), '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
    assert.equal(results.target.kind, 'container');
    assert.equal(results.target.image, IMAGE);
    assert.ok(
      results.target.cold_start_ms! > 0 && results.target.cold_start_ms! < 20_000,
      String(results.target.cold_start_ms),
    );
    assert.ok(results.target.first_prediction_ms! >= results.target.cold_start_ms!);
    assert.ok(results.target.image_digest?.startsWith('sha256:'));
    assert.ok(results.target.memory_mb!.peak > 1, JSON.stringify(results.target));
    assert.ok(results.series.some((p) => p.cpu_percent !== undefined && p.memory_mb !== undefined));
    assert.equal(results.overall.count, 200);
    assert.equal(results.overall.failure_count, 0);
    assert.match(r.stdout, /Cold start: \d+ ms to healthy, \d+ ms to the first prediction/);
    assert.deepEqual(ours(), []);
  });

  it('paired A/B: both builds run side by side on their own ports, the load alternates, and both are removed', async (t) => {
    if (!available) return t.skip('no container engine');
    const out = tempDir('mlload-out-');
    const text = `${scenario(IMAGE, '', '  rate: 50\n  duration: 4s')}compare:\n  blocks: 4\n`;
    const r = await runCli(['run', writeScenario(text), '--out', out, '--baseline-image', IMAGE]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const reference = JSON.parse(readFileSync(join(out, 'reference', 'results.json'), 'utf8')) as Results;
    assert.equal(results.verdict, 'pass');
    assert.equal(results.comparison.reference, IMAGE);
    assert.equal(results.comparison.blocks.length, 4);
    assert.notEqual(results.target.url, reference.target.url, 'each container on its own port');
    assert.equal(results.overall.count, 200);
    assert.equal(reference.overall.count, 200);
    assert.ok(results.target.cold_start_ms > 0 && reference.target.cold_start_ms! > 0);
    assert.deepEqual(ours(), []);
  });

  it('a reference build that dies mid-run stops the paired run with one message naming it, and the results so far are written', async (t) => {
    if (!available) return t.skip('no container engine');
    const out = tempDir('mlload-out-');
    // Warm-up rounds take 4 s and the blocks 16 s; the reference dies 12 s after it started, in the
    // measured blocks however long a busy machine takes to start the two containers (up to 8 s).
    const text = `${scenario(IMAGE, '  env: { CRASH_AFTER_MS: 12000 }\n', '  rate: 50\n  duration: 8s')}compare:\n  blocks: 4\n`;
    const r = await runCli(['run', writeScenario(text), '--out', out, '--baseline-image', CRASHING]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stderr,
      /the reference build: container mlload-[0-9a-f]+ \(mlload-crashing:test\) exited with code 3 during the run/,
    );
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.ok(results.overall.count > 0);
    assert.equal(results.interrupted, true);
    assert.deepEqual(ours(), []);
  });

  it('a container that dies mid-run fails the run with its exit code and log tail, and is removed', async (t) => {
    if (!available) return t.skip('no container engine');
    const out = tempDir('mlload-out-');
    const r = await runCli([
      'run',
      writeScenario(scenario(CRASHING, '  env: { CRASH_AFTER_MS: 1500 }\n', '  rate: 50\n  duration: 20s')),
      '--out',
      out,
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /container mlload-[0-9a-f]+ \(mlload-crashing:test\) exited with code 3 during the run/);
    assert.match(r.stderr, /fatal: model weights corrupted \(simulated\)/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
    assert.equal(results.interrupted, true);
    assert.match(results.stop_reason!, /target failed/);
    assert.equal(results.stop_cause, 'target-failed');
    // Locust's exceptions.csv carries the failure, one row.
    const exceptions = readFileSync(join(out, 'exceptions.csv'), 'utf8').trim().split('\n');
    assert.equal(exceptions.length, 2, exceptions.join('\n'));
    assert.match(exceptions[1]!, /^1,.*exited with code 3.*,,local$/);
    assert.ok(results.overall.count > 0 && results.duration_s < 5);
    assert.deepEqual(ours(), []);
  });

  it('a capacity search whose container crashes above a rate names the crash, its exit code and its log as the failure mode', async (t) => {
    if (!available) return t.skip('no container engine');
    const out = tempDir('mlload-out-');
    const text = `${scenario(CRASHING, '  env: { CRASH_ABOVE_RPS: 100 }\n', '  rate: 10\n  duration: 1s')}capacity:\n  slo: { p99: 500ms }\n  start: 20\n  max: 400\n  probe: { settle: 1s, min: 1s, max: 2s }\n`;
    const r = await runCli(['run', writeScenario(text), '--out', out]);
    assert.equal(r.code, 3, r.stderr);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
    const c = results.capacity!;
    assert.equal(c.ended, 'target-failed');
    assert.equal(c.failure?.kind, 'crash');
    assert.match(c.failure.kind === 'crash' ? c.failure.message : '', /exited with code 3/);
    assert.ok(c.value !== null && c.value >= 20 && c.value < 100, `capacity ${c.value}`);
    assert.match(
      r.stdout,
      /Failure mode: the target crashed: container mlload-[0-9a-f]+ \(mlload-crashing:test\) exited with code 3/,
    );
    assert.deepEqual(ours(), []);
  });

  it('a capacity search whose container is OOM-killed above a rate names the exit code and the OOM flag as the failure mode', async (t) => {
    if (!available) return t.skip('no container engine');
    const out = tempDir('mlload-out-');
    // 8 MB held per request in flight for 50 ms, under a 96 MB limit: about 10 in flight (200 req/s) is too many.
    const extra = '  env: { HOLD_MB: "8", SERVICE_MS: "50" }\n  args: ["--memory", "96m", "--memory-swap", "96m"]\n';
    const text = `${scenario(LEAKING, extra, '  rate: 10\n  duration: 1s')}capacity:\n  slo: { p99: 500ms }\n  start: 25\n  max: 1600\n  probe: { settle: 1s, min: 1s, max: 2s }\n`;
    const r = await runCli(['run', writeScenario(text), '--out', out]);
    assert.equal(r.code, 3, r.stderr + r.stdout);
    const c = (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results).capacity!;
    assert.equal(c.ended, 'target-failed');
    assert.equal(c.failure?.kind, 'crash');
    assert.match(
      c.failure.kind === 'crash' ? c.failure.message : '',
      /exited with code 137 \(OOM-killed: out of memory\)/,
    );
    assert.match(
      r.stdout,
      /Failure mode: the target crashed: container mlload-[0-9a-f]+ \(mlload-leaking:test\) exited with code 137 \(OOM-killed/,
    );
    assert.deepEqual(ours(), []);
  });

  it('soak: a container whose memory grows steadily fails slo.drift.memory; the same model without the leak does not', async (t) => {
    if (!available) return t.skip('no container engine');
    const outs = [tempDir('mlload-out-'), tempDir('mlload-out-')];
    const soak = (leakKb: number) =>
      `${scenario(LEAKING, `  env: { LEAK_KB: "${leakKb}", SERVICE_MS: "5" }\n`, '  rate: 50\n  warmup: 5s\n  duration: 40s')}  drift: { memory: 50MB/h }\n`;
    // 64 KB a request at 50 a second: about 11 GB an hour.
    const [leak, steady] = (await Promise.all(
      outs.map((out, i) => runCli(['run', writeScenario(soak(i === 0 ? 64 : 0)), '--out', out])),
    )) as [RunResult, RunResult];
    const checks = outs.map(
      (out) =>
        JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results & {
          checks: Array<{ metric: string; status: string; value: number }>;
        },
    );
    const memory = checks.map((r) => r.checks.find((c) => c.metric === 'memory_drift')!);
    assert.equal(memory[0]!.status, 'fail', leak.stdout);
    assert.equal(leak.code, 1);
    assert.ok(memory[0]!.value > 1000, String(memory[0]!.value));
    assert.match(
      leak.stdout,
      /memory drift \+\d+\.\d MB\/h \[\+\d+\.\d MB\/h, \+\d+\.\d MB\/h\] \(SLO ≤ \+50\.0 MB\/h\)/,
    );
    assert.notEqual(memory[1]!.status, 'fail', steady.stdout);
    assert.equal(steady.code, 0, steady.stdout + steady.stderr);
    assert.deepEqual(ours(), []);
  });

  it('a container that never becomes healthy fails within the timeout, with its logs, and is removed', async (t) => {
    if (!available) return t.skip('no container engine');
    const started = Date.now();
    const text = scenario(IMAGE, '  env: { LOAD_DELAY_MS: 600000 }\n').replace('timeout: 20s', 'timeout: 3s');
    const r = await runCli(['run', writeScenario(text)]);
    assert.equal(r.code, 3);
    assert.ok(Date.now() - started < 15_000);
    assert.match(
      r.stderr,
      /did not become healthy within 3 s: http:\/\/127\.0\.0\.1:\d+\/health last answered HTTP 503/,
    );
    assert.match(r.stderr, /--- last container log lines ---\nmodel server heart-risk-logreg/);
    assert.deepEqual(ours(), []);
  });

  it('SIGTERM to the CLI mid-run leaves no container behind', async (t) => {
    if (!available) return t.skip('no container engine');
    const out = tempDir('mlload-out-');
    let seen = false;
    const r = await runCli(['run', writeScenario(scenario(IMAGE, '', '  rate: 50\n  duration: 60s')), '--out', out], {
      onStart: (child) => {
        const poll = setInterval(() => {
          if (ours().length > 0 && !seen) {
            seen = true;
            setTimeout(() => child.kill('SIGTERM'), 2000);
            clearInterval(poll);
          }
        }, 200);
        child.on('close', () => clearInterval(poll));
      },
    });
    assert.ok(seen, 'the container was running');
    assert.equal(r.code, 143, r.stderr);
    assert.deepEqual(ours(), []);
    assert.equal((JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results).interrupted, true);
  });

  it("the action's post step removes the job's containers after a cancel", async (t) => {
    if (!available) return t.skip('no container engine');
    const label = `cancelled-${process.pid}`;
    execFileSync('docker', [
      'run',
      '--detach',
      '--label',
      `${LABEL}=true`,
      '--label',
      `${RUN_LABEL}=${label}`,
      '--network',
      'host',
      '--env',
      'PORT=0',
      IMAGE,
    ]);
    execFileSync('docker', [
      'run',
      '--detach',
      '--label',
      `${LABEL}=true`,
      '--label',
      `${RUN_LABEL}=someone-else`,
      '--network',
      'host',
      '--env',
      'PORT=0',
      IMAGE,
    ]);
    const stateFile = join(tempDir(), 'state');
    writeFileSync(stateFile, '');
    const r = await runCli([], {
      script: join(ROOT, 'dist/post/index.js'),
      env: { 'STATE_run-label': label, GITHUB_STATE: stateFile },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /removed 1 leftover container/);
    const left = ours();
    assert.equal(left.length, 1, 'only the other job’s container is left');
    execFileSync('docker', ['rm', '--force', ...left]);
  });
  it('3. the action token in the runner environment never reaches the container, even with allow_unsafe_args', async (t) => {
    if (!available) return t.skip('no container engine');
    const text = scenario(
      IMAGE,
      '  allow_unsafe_args: true\n  args: ["--env", "INPUT_GITHUB-TOKEN", "--env", "ACTIONS_RUNTIME_TOKEN"]\n  env: { API_KEY: supersecret }\n',
      '  rate: 20\n  duration: 3s',
    );
    let env = '';
    let cmdline = '';
    const r = await runCli(['run', writeScenario(text), '--out', tempDir('mlload-out-')], {
      env: { 'INPUT_GITHUB-TOKEN': 'ghs_fake_token', ACTIONS_RUNTIME_TOKEN: 'runtime_fake' },
      onStart: (child) => {
        let seen = '';
        child.stderr!.on('data', (d: Buffer) => {
          seen += d.toString();
          const name = /started container (mlload-[0-9a-f]+)/.exec(seen)?.[1];
          if (name && !env) {
            env = execFileSync('docker', ['inspect', '--format', '{{json .Config.Env}}', name], { encoding: 'utf8' });
            cmdline = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
          }
        });
      },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(env, /API_KEY=supersecret/);
    assert.doesNotMatch(env, /ghs_fake_token|runtime_fake/);
    assert.doesNotMatch(cmdline, /supersecret/, 'no env value on any command line');
  });

  it('6. a container left by a CLI killed with SIGKILL is removed, not measured, by the next run', async (t) => {
    if (!available) return t.skip('no container engine');
    const port = 18000 + (process.pid % 1000);
    const text = scenario(IMAGE, '', '  rate: 20\n  duration: 30s').replace(
      '  port: 8080\n  network: host\n  port_env: PORT',
      `  port: ${port}\n  network: host\n  env: { PORT: ${port} }`,
    );
    const file = writeScenario(text);
    const killed = await runCli(['run', file, '--out', tempDir('mlload-out-')], {
      onStart: (child) => {
        let seen = '';
        child.stderr!.on('data', (d: Buffer) => {
          seen += d.toString();
          if (/healthy after/.test(seen)) child.kill('SIGKILL');
        });
      },
    });
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(ours().length, 1, 'the killed run left its container');
    const r = await runCli(['run', file, '--out', tempDir('mlload-out-'), '--duration', '2s']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /removed 1 container\(s\) left by an earlier run that was killed/);
    assert.deepEqual(ours(), []);
  });

  it('6. on the host network with a fixed port, a server already there is refused, not measured', async (t) => {
    if (!available) return t.skip('no container engine');
    const { createServer } = await import('node:http');
    const squatter = createServer((_req, res) => res.end('{"ok":true}'));
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as { port: number }).port;
    try {
      const text = scenario(IMAGE).replace(
        '  port: 8080\n  network: host\n  port_env: PORT',
        `  port: ${port}\n  network: host\n  env: { PORT: ${port} }`,
      );
      const r = await runCli(['run', writeScenario(text), '--out', tempDir('mlload-out-')]);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 already has a server`));
      assert.deepEqual(ours(), []);
    } finally {
      squatter.close();
    }
  });

  it('12. a failing docker command never prints its command line', async (t) => {
    if (!available) return t.skip('no container engine');
    const { docker } = await import('../../src/target/docker.ts');
    // `docker events` prints nothing and never ends: killed at the timeout with empty stderr.
    await assert.rejects(
      docker(['events', '--filter', 'label=API_KEY=supersecret'], 500),
      (err: Error) =>
        !err.message.includes('supersecret') && /docker events failed: no answer within 0.5 s/.test(err.message),
    );
  });
});
