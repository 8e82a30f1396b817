import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildBaseline, judge } from '../../src/gate/index.ts';
import { measure, measureJudged } from '../../src/pipeline/index.ts';
import { failureModeText, headline } from '../../src/report/index.ts';
import { loadScenario } from '../../src/scenario/index.ts';
import { PREDICT_REQUESTS, tempDir, writeScenario } from '../helpers/scenario.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Results } from '../../src/metrics/index.ts';
import { runCli } from '../helpers/cli.ts';
import { capacityTruth } from '../helpers/queue.ts';
import { limitedServer, startQueueServer, startServer } from '../helpers/servers.ts';

describe('capacity search against the truth', () => {
  it("finds the capacity of an M/D/4 queue (20 ms, p99 ≤ 100 ms) within ±5% of the truth simulated from the server's own service times (never above it by more, on a busy machine below it by at most 25%, the median seed at most 5% above and 10% below), for 5 seeds", async (t) => {
    // Five searches at once, each against its own server process, with the scenario's defaults.
    const seeds = [1, 2, 3, 4, 5];
    const servers = await Promise.all(seeds.map(() => startQueueServer(4, 20)));
    try {
      const runs = await Promise.all(
        seeds.map(async (seed, i) => {
          const out = tempDir('mlload-out-');
          const file = writeScenario(
            `name: truth\nseed: ${seed}\ntarget: { url: "${servers[i]!.url}" }\nload: { rate: 20, duration: 1s }\n${PREDICT_REQUESTS}capacity:\n  slo: { p99: 100ms }\n  start: 100\n  max: 400\n`,
          );
          const r = await runCli(['run', file, '--out', out]);
          assert.equal(r.code, 0, r.stderr);
          return JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
        }),
      );
      const rows: string[] = [];
      for (const [i, results] of runs.entries()) {
        const c = results.capacity!;
        const truth = capacityTruth({ servers: 4, service: await servers[i]!.serviceTimes() }, 0.99, 100);
        rows.push(
          `seed ${seeds[i]}: ${c.value} req/s against ${truth.toFixed(1)} (${(((c.value ?? 0) / truth - 1) * 100).toFixed(1)}%), bracket ${c.bracket}, interval ${c.interval}, ${c.probes.length} probes, ${c.seconds} s`,
        );
        assert.equal(c.ended, 'precision', rows.at(-1));
        assert.ok(c.bracket[0]! <= c.value! && c.value! <= c.bracket[1]!, rows.at(-1));
        // The sure interval holds the bracket: a sure pass is never above a sure fail.
        assert.ok((c.interval![0] ?? 0) < (c.interval![1] ?? Infinity), rows.at(-1));
      }
      for (const row of rows) t.diagnostic(row);
      const off = runs.map((r, i) => r.capacity!.value! / Number(rows[i]!.split(' against ')[1]!.split(' ')[0]) - 1);
      // Never above the truth by more than 5% (that would wave a regression through). Below it, a busy
      // machine may add its own delays: ten processes here share two cores, and a late generator or
      // a stalled server loop only ever slows the service down (seen: -11.5% beside two `yes` loops,
      // -19.2% for one seed of five beside two `node -e 'for(;;){}'` loops, the others within -5.3%;
      // -0.1% to +0.7% on a quiet machine; `npm run bench:limits` holds ±5% with busy loops beside it).
      // The median seed below holds the accuracy; this bound only catches a search gone wrong.
      assert.ok(
        off.every((x) => x <= 0.05 && x >= -0.25),
        rows.join('\n'),
      );
      // The median seed: as strict above; below, a starved machine moves every seed (seen beside two busy loops:
      // -5.3% to -6.7% for four seeds of five, a median of -5.6%).
      const median = [...off].sort((a, b) => a - b)[2]!;
      assert.ok(median <= 0.05 && median >= -0.1, `the median seed within -10%/+5%:\n${rows.join('\n')}`);
    } finally {
      for (const s of servers) s.close();
    }
  });
});

describe('capacity search', () => {
  it('finds the highest rate at which p99 ≤ 100 ms holds on an M/D/4 queue (20 ms service) with short probes, within 10% of its simulated truth, never above saturation', async () => {
    const server = await startServer(limitedServer(4, 20), false);
    try {
      // The queue's truth, simulated: the short probes here (2–3 s) are not the defaults the 5-seed test holds to ±5%.
      // (A sweep of 2 s fixed-rate runs, which this test once compared with, moves as much as the search beside busy
      // processes: 160 req/s against the search's 179 in one CI run.)
      const truth = capacityTruth({ servers: 4, service: [20] }, 0.99, 100);
      const scenario = loadScenario(
        writeScenario(`name: capacity
target: { url: "${server.url}" }
load: { rate: 50, arrival: poisson, duration: 1s }
${PREDICT_REQUESTS}capacity:
  slo: { p99: 100ms }
  start: 100
  max: 400
  precision: 5%
  max_duration: 60s
  probe: { settle: 1s, min: 2s, max: 3s }
`),
      );
      const { results } = await measure(scenario);
      const c = results.capacity!;
      assert.ok(c, 'no capacity in the results');
      assert.equal(c.unit, 'req/s');
      assert.ok(c.value !== null && c.value <= 200, `capacity ${c.value} above saturation (200 req/s)`);
      assert.ok(Math.abs(c.value / truth - 1) <= 0.1, `capacity ${c.value} against the truth's ${truth.toFixed(1)}`);
      assert.ok(
        c.bracket[1] !== null && c.bracket[0] !== null && c.bracket[0] <= c.value && c.value <= c.bracket[1],
        `value ${c.value}, bracket ${c.bracket}`,
      );
      assert.equal(c.failure?.kind === 'latency' || c.failure?.kind === 'saturation', true, JSON.stringify(c.failure));
      assert.ok(c.probes.length >= 3 && c.probes.every((p) => p.load <= 400));
    } finally {
      await server.close();
    }
  });
});

describe('capacity: failure modes and the baseline', () => {
  it('a server that answers 503 above a rate fails with "errors: 503" near that rate', async () => {
    let second = 0;
    let inSecond = 0;
    const server = await startServer((_req, _body, res) => {
      const now = Math.floor(Date.now() / 1000);
      if (now !== second) [second, inSecond] = [now, 0];
      if (++inSecond > 150) {
        res.writeHead(503, { 'content-type': 'application/json' });
        return res.end('{"error":"overloaded"}');
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"y":1}');
    }, false);
    try {
      const scenario = loadScenario(
        writeScenario(
          `name: errors\ntarget: { url: "${server.url}" }\nload: { rate: 20, duration: 1s }\n${PREDICT_REQUESTS}capacity:\n  slo: { p99: 500ms, error_rate: 1% }\n  start: 40\n  max: 1000\n  precision: 10%\n  probe: { settle: 1s, min: 2s, max: 4s }\n`,
        ),
      );
      const { results } = await measure(scenario);
      const c = results.capacity!;
      assert.equal(c.failure?.kind, 'errors', JSON.stringify(c.failure));
      assert.ok(c.failure.kind === 'errors' && c.failure.statuses['503']! > 0);
      assert.ok(c.value !== null && c.value >= 100 && c.value <= 165, `capacity ${c.value} (503 above 150 a second)`);
      assert.match(failureModeText(c.failure), /^errors: .*503 × \d+/);
    } finally {
      await server.close();
    }
  });

  it('a model doing twice the work per request fails regression.capacity against the baseline', async () => {
    const fast = await startServer(limitedServer(4, 20), false);
    const slow = await startServer(limitedServer(4, 40), false);
    try {
      const text = (url: string) =>
        `name: regress\ntarget: { url: "${url}" }\nload: { rate: 20, duration: 1s }\n${PREDICT_REQUESTS}regression: { capacity: 10% }\ncapacity:\n  slo: { p99: 100ms }\n  start: 100\n  max: 400\n  precision: 20%\n  probe: { settle: 1s, min: 2s, max: 3s }\n`;
      const dir = tempDir();
      const base = await measure(loadScenario(writeScenario(text(fast.url), dir)));
      const baseline = buildBaseline([base.results]);
      assert.ok(baseline.capacity?.value, 'the baseline keeps the capacity');
      const scenario = loadScenario(writeScenario(text(slow.url), dir));
      const { results } = await measure(scenario);
      const verdict = judge(results, scenario, baseline);
      const check = verdict.checks.find((c) => c.metric === 'capacity')!;
      assert.ok(check, 'a capacity check');
      assert.equal(
        check.status,
        'fail',
        `capacity ${results.capacity?.value} against ${baseline.capacity?.value}: ${JSON.stringify(check)}`,
      );
      assert.equal(verdict.status, 'fail');
      assert.match(headline(verdict), /capacity -\d+\.\d% \[.*\] vs baseline \(limit ≥ -10%\)/);
    } finally {
      await fast.close();
      await slow.close();
    }
  });
});

describe('capacity in a paired run', () => {
  it("searches both builds taking turns, probe by probe, and fails regression.capacity when this build has half the reference's", async () => {
    const reference = await startServer(limitedServer(4, 20), false);
    const candidate = await startServer(limitedServer(4, 40), false);
    try {
      const scenario = loadScenario(
        writeScenario(
          `name: paired\ntarget: { url: "${candidate.url}" }\nload: { rate: 20, duration: 2s }\n${PREDICT_REQUESTS}compare:\n  against: image\n  baseline_url: "${reference.url}"\n  blocks: 4\nregression: { capacity: 10% }\ncapacity:\n  slo: { p99: 100ms }\n  start: 50\n  max: 400\n  precision: 25%\n  probe: { settle: 1s, min: 1s, max: 2s }\n`,
        ),
      );
      const lines: string[] = [];
      const run = await measureJudged(scenario, null, { log: (l) => lines.push(l) });
      const [a, b] = [run.reference!.capacity!, run.results.capacity!];
      assert.ok(a.value !== null && b.value !== null, JSON.stringify([a.value, b.value]));
      // Saturation at 200 and 100 req/s.
      assert.ok(b.value <= 100 && a.value > 1.4 * b.value, `this build ${b.value}, the reference ${a.value}`);
      // Turns: the reference's first probe, then this build's, and so on while both search.
      const order = lines
        .filter((l) => l.startsWith('capacity probe'))
        .map((l) => (l.includes('(reference build)') ? 'A' : 'B'));
      // (a failed probe is repeated within its turn).
      assert.equal(order[0], 'A');
      assert.ok(order.indexOf('B') > 0 && order.indexOf('B') <= 2, order.join(''));
      assert.ok(order.lastIndexOf('A') > order.indexOf('B'), order.join(''));
      const check = run.verdict.checks.find((c) => c.metric === 'capacity')!;
      assert.equal(check.status, 'fail', JSON.stringify(check));
      assert.match(headline(run.verdict), /capacity -\d+\.\d% \[.*\] vs the reference build \(limit ≥ -10%\)/);
    } finally {
      await reference.close();
      await candidate.close();
    }
  });
});

describe('capacity in the closed model', () => {
  it('finds the most users at which p99 ≤ 100 ms holds: about 20 on an M/D/4 queue of 20 ms (latency ≈ users / 4 × 20 ms)', async () => {
    const server = await startServer(limitedServer(4, 20), false);
    try {
      const scenario = loadScenario(
        writeScenario(
          `name: users\ntarget: { url: "${server.url}" }\nload: { users: 2, duration: 1s }\n${PREDICT_REQUESTS}capacity:\n  slo: { p99: 100ms }\n  start: 4\n  max: 200\n  precision: 10%\n  probe: { settle: 1s, min: 2s, max: 3s }\n`,
        ),
      );
      const { results } = await measure(scenario);
      const c = results.capacity!;
      assert.equal(c.unit, 'users');
      assert.ok(c.probes.every((p) => Number.isInteger(p.load)));
      // 20 users keep 4 in service and 16 waiting: 100 ms; timers run late on a busy machine, never early.
      assert.ok(c.value !== null && c.value >= 14 && c.value <= 22, `capacity ${c.value} users`);
    } finally {
      await server.close();
    }
  });
});
