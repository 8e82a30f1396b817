import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Results } from '../../src/metrics/types.ts';
import { runCli } from '../helpers/cli.ts';
import { PREDICT_REQUESTS, tempDir, writeScenario } from '../helpers/scenario.ts';
import { json, startServer } from '../helpers/servers.ts';

interface Checked {
  metric: string;
  status: string;
  value: number | null;
  interval?: { low: number; high: number } | null;
}

const readResults = (out: string) =>
  JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results & { checks: Checked[] };

/**
 * A model behind an autoscaler: one worker (20 ms a prediction, 50 a second), FIFO. Five seconds
 * after it sees the load rise it scales to eight; it notes when its queue first empties after that.
 */
async function autoscalingServer() {
  const serviceMs = 20;
  let workers = 1;
  let busy = 0;
  const queue: Array<() => void> = [];
  const arrivals: number[] = [];
  let scaledAt: number | null = null;
  let drainedAt: number | null = null;
  let rising = false;
  const next = () => {
    while (busy < workers && queue.length > 0) {
      busy++;
      const done = queue.shift()!;
      setTimeout(() => {
        busy--;
        done();
        if (scaledAt !== null && drainedAt === null && queue.length === 0)
          drainedAt = performance.timeOrigin + performance.now();
        next();
      }, serviceMs);
    }
  };
  const server = await startServer((_req, _body, res) => {
    const now = performance.timeOrigin + performance.now();
    arrivals.push(now);
    // The load has risen when 15 requests (75/s) arrive within 200 ms.
    if (!rising && arrivals.length >= 15 && now - arrivals[arrivals.length - 15]! <= 200) {
      rising = true;
      setTimeout(() => {
        workers = 8;
        scaledAt = performance.timeOrigin + performance.now();
        next();
      }, 5000);
    }
    queue.push(() => json(res, 200, { probability: 0.5 }));
    next();
  }, false);
  return { server, arrivals, drained: () => drainedAt, scaled: () => scaledAt };
}

describe('spike recovery', () => {
  it('a server that adds workers 5 s after the load rises: recovery_s within ±1 s of when its backlog truly drained, and slo.recovery judged', async (t) => {
    const model = await autoscalingServer();
    try {
      const out = tempDir('mlload-out-');
      const file = writeScenario(`name: spike
target: { url: "${model.server.url}" }
load:
  arrival: constant
  warmup: 1s
  stages:
    - { duration: 4s, rate: 20 }
    - { duration: 500ms, rate: 150 }
    - { duration: 11500ms, rate: 150 }
${PREDICT_REQUESTS}slo:
  p95: 100ms
  recovery: 4s
`);
      const r = await runCli(['run', file, '--out', out, '--markdown', join(out, 'report.md')]);
      const results = readResults(out);
      assert.equal(results.spikes?.length, 1, r.stdout + r.stderr);
      const spike = results.spikes![0]!;
      assert.equal(spike.stage, 1);
      assert.equal(spike.start_s, 5);
      assert.deepEqual([spike.from, spike.to], [20, 150]);
      // The truth, from the server's own clock: the schedule's first arrival is due 25 ms after its start (constant,
      // 20/s).
      const drained = model.drained();
      assert.ok(drained !== null && model.scaled() !== null, 'the server scaled and drained');
      const spikeStart = model.arrivals[0]! - 25 + 5000;
      const truth = (drained - spikeStart) / 1000;
      assert.ok(truth > 5 && truth < 10, `truth ${truth}`);
      t.diagnostic(`recovery_s ${spike.recovery_s}, truth ${truth.toFixed(2)} s`);
      assert.ok(
        spike.recovery_s !== null && Math.abs(spike.recovery_s - truth) <= 1,
        `recovery_s ${spike.recovery_s} against the truth ${truth.toFixed(2)} s`,
      );
      // Recovery took longer than the 4 s allowed: the gate fails, naming it.
      assert.equal(r.code, 1, r.stderr);
      const check = results.checks.find((c) => c.metric === 'recovery')!;
      assert.equal(check.status, 'fail');
      assert.match(r.stdout, /spike recovery \d+\.\d s \(SLO ≤ 4 s\)/);
      assert.match(r.stdout, /20 → 150 req\/s at 5\.0 s: recovered in \d+\.\d s \(p95 ≤ 100 ms/);
      const report = readFileSync(join(out, 'report.md'), 'utf8');
      assert.match(report, /\*\*Spikes\*\*/);
      assert.match(report, /spike recovery/);
    } finally {
      await model.server.close();
    }
  });
});

/** A model whose every prediction takes `grow` ms longer per second it has run: a latency leak. */
async function slowingServer(growMsPerS: number) {
  const t0 = performance.now();
  return startServer((_req, _body, res) => {
    const ms = 5 + (growMsPerS * (performance.now() - t0)) / 1000;
    setTimeout(() => json(res, 200, { probability: 0.5 }), ms);
  }, false);
}

describe('soak drift', () => {
  const soak = (url: string) => `name: soak
target: { url: "${url}" }
load: { rate: 40, arrival: poisson, warmup: 2s, duration: 40s }
${PREDICT_REQUESTS}slo:
  drift: { p95: 10%/h }
`;
  it('a server whose latency grows steadily fails slo.drift.p95; the same server without the leak does not', async () => {
    const [leaking, steady] = await Promise.all([slowingServer(0.5), slowingServer(0)]);
    try {
      const outs = [tempDir('mlload-out-'), tempDir('mlload-out-')];
      const [a, b] = await Promise.all([
        runCli(['run', writeScenario(soak(leaking.url)), '--out', outs[0]!]),
        runCli(['run', writeScenario(soak(steady.url)), '--out', outs[1]!]),
      ]);
      const [leak, flat] = outs.map(readResults);
      // 0.5 ms more each second on a p95 of about 15 ms: several hundred percent an hour.
      const leakCheck = leak!.checks.find((c) => c.metric === 'p95_drift')!;
      assert.equal(leakCheck.status, 'fail', a.stdout);
      assert.equal(a.code, 1);
      assert.ok(leak!.drift!.p95!.low > 0, JSON.stringify(leak!.drift));
      assert.match(
        a.stdout,
        /p95 drift \+\d+\.\d%\/h \[\+\d+\.\d%\/h, \+\d+\.\d%\/h\] breaches|p95 drift \+\d+\.\d%\/h \[/,
      );
      const flatCheck = flat!.checks.find((c) => c.metric === 'p95_drift')!;
      // 40 s cannot show a drift of 10%/h either way: its interval is hundreds of times the limit.
      // Never a pass on an interval that reaches past the limit: inconclusive, saying why.
      assert.notEqual(flatCheck.status, 'fail', b.stdout);
      if (flatCheck.status === 'pass') assert.ok(flatCheck.interval!.high <= 0.1, JSON.stringify(flatCheck.interval));
      else assert.equal(flatCheck.status, 'inconclusive', b.stdout);
      assert.match(
        b.stderr,
        /note: slo\.drift: 40 s of measured load is shorter than the 30 min these drift limits need/,
      );
      assert.equal(b.code, 0, b.stdout + b.stderr);
      assert.ok(flat!.drift!.p95!.low <= 0.1 * flat!.drift!.p95!.level, JSON.stringify(flat!.drift));
    } finally {
      await Promise.all([leaking.close(), steady.close()]);
    }
  });

  it('a run too short to fit a trend fails slo.drift rather than passing it unmeasured', async () => {
    const steady = await slowingServer(0);
    try {
      const out = tempDir('mlload-out-');
      const r = await runCli([
        'run',
        writeScenario(soak(steady.url).replace('duration: 40s', 'duration: 10s')),
        '--out',
        out,
      ]);
      assert.equal(r.code, 1);
      assert.equal(readResults(out).checks.find((c) => c.metric === 'p95_drift')!.status, 'fail');
      assert.match(r.stdout, /p95 drift n\/a \(SLO ≤ \+10\.0%\/h\)/);
    } finally {
      await steady.close();
    }
  });
});

describe('verdicts that know nothing do not pass', () => {
  it('validate says how long a soak its drift limits need', async () => {
    const r = await runCli([
      'validate',
      writeScenario(
        `name: soak\ntarget: { url: "http://127.0.0.1:9" }\nload: { rate: 40, duration: 40s }\n${PREDICT_REQUESTS}slo:\n  drift: { p95: 10%/h }\n`,
      ),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /note: slo\.drift: 40 s of measured load is shorter than the 30 min these drift limits need/,
    );
    const long = await runCli([
      'validate',
      writeScenario(
        `name: soak\ntarget: { url: "http://127.0.0.1:9" }\nload: { rate: 40, duration: 45m }\n${PREDICT_REQUESTS}slo:\n  drift: { p95: 10%/h }\n`,
      ),
    ]);
    assert.doesNotMatch(long.stdout, /note:/);
  });

  it('a run whose every request fails exits 1 without an slo section (the default error rate of 1%), and 0 when the scenario allows it', async () => {
    const server = await startServer((_req, _body, res) => json(res, 500, { error: 'down' }), false);
    try {
      const text = `name: failing\ntarget: { url: "${server.url}" }\nload: { rate: 20, duration: 1s }\n${PREDICT_REQUESTS}`;
      const out = tempDir('mlload-out-');
      const r = await runCli(['run', writeScenario(text), '--out', out]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const check = readResults(out).checks.find((c) => c.metric === 'error_rate')!;
      assert.equal(check.status, 'fail');
      assert.equal((check as Checked & { threshold: number }).threshold, 0.01);
      const allowed = await runCli([
        'run',
        writeScenario(`${text}slo: { error_rate: 100% }\n`),
        '--out',
        tempDir('mlload-out-'),
      ]);
      assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
    } finally {
      await server.close();
    }
  });

  it('a capacity search whose every probe failed fails the run, unless capacity.required is false', async () => {
    const server = await startServer((_req, _body, res) => setTimeout(() => json(res, 200, { y: 1 }), 20), false);
    try {
      const text = (required: string) =>
        `name: none\ntarget: { url: "${server.url}" }\nload: { rate: 10, duration: 1s }\n${PREDICT_REQUESTS}capacity:\n  slo: { p99: 5ms }\n  start: 8\n  max: 16\n${required}  probe: { settle: 200ms, min: 1s, max: 1s }\n`;
      const out = tempDir('mlload-out-');
      const r = await runCli(['run', writeScenario(text('')), '--out', out]);
      const results = readResults(out);
      assert.equal(results.capacity!.value, null, JSON.stringify(results.capacity));
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.equal(results.checks.find((c) => c.metric === 'capacity')!.status, 'fail');
      const reported = await runCli([
        'run',
        writeScenario(text('  required: false\n')),
        '--out',
        tempDir('mlload-out-'),
      ]);
      assert.equal(reported.code, 0, reported.stdout + reported.stderr);
    } finally {
      await server.close();
    }
  });

  it('an internal error exits 4, apart from a failed gate (1), bad input (2) and a failed target (3)', async () => {
    // Writing to stdout throws: no error the CLI knows of.
    const hook = join(tempDir(), 'boom.mjs');
    writeFileSync(hook, 'process.stdout.write = () => { throw new Error("boom"); };\n');
    const r = await runCli(['--version'], { env: { NODE_OPTIONS: `--import=${hook}` } });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /mlload: internal error \(please report it\): Error: boom/);
  });
});
