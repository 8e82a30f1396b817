import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bucketIndex } from '../../src/export/index.ts';
import { CLASSIC_SCHEMA } from '../../src/export/remote-write.ts';
import type { Results } from '../../src/metrics/types.ts';
import { runAction } from '../helpers/action.ts';
import { ROOT, runCli } from '../helpers/cli.ts';
import { FakeGitHub } from '../helpers/github.ts';
import { attrs, startOtlpReceiver } from '../helpers/otlp.ts';
import { prometheusPath, startPrometheus, type Prometheus } from '../helpers/prometheus.ts';
import { startVictoriaMetrics, victoriaMetricsPath } from '../helpers/victoriametrics.ts';
import { PREDICT_AND_INVALID_REQUESTS, tempDir, writeScenario } from '../helpers/scenario.ts';
import { chatStream, freePort, json, startServer, uniformLatency, type TestServer } from '../helpers/servers.ts';

const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;

/** A latency in seconds within one native bucket (2.2% wide) of a figure in ms. */
function withinABucket(seconds: number, ms: number): boolean {
  return Math.abs(bucketIndex(seconds) - bucketIndex(ms / 1000)) <= 1;
}

/**
 * What a store holds of a run: its counter, overall and per request name, equal to results.json's, and
 * `histogram_quantile(0.99, <histogram>)` within a bucket of its p99.
 */
async function assertCountAndP99(
  store: Pick<Prometheus, 'query'>,
  counter: string,
  runId: string,
  results: Results,
  histogram: string,
): Promise<void> {
  const [count] = await store.query(`sum(${counter}{run_id="${runId}"})`);
  assert.equal(count!.value, results.overall.count, 'the count in the store is the count in results.json');
  for (const [name, stats] of Object.entries(results.requests)) {
    const [n] = await store.query(`${counter}{run_id="${runId}",request="${name}"}`);
    assert.equal(n!.value, stats.count, name);
  }
  const [p99] = await store.query(`histogram_quantile(0.99, ${histogram})`);
  assert.ok(
    withinABucket(p99!.value, results.overall.latency_ms.p99),
    `${p99!.value} s against ${results.overall.latency_ms.p99} ms`,
  );
}

const scenario = (url: string, extra = '') =>
  `name: exported\ntarget: { url: "${url}" }\nload: { rate: 100, duration: 4s, warmup: 1s }\n` +
  `${PREDICT_AND_INVALID_REQUESTS}slo: { p95: 500ms }\n${extra}`;

describe('export to a real Prometheus (Debian prometheus 2.42: remote-write receiver, native histograms)', () => {
  let prom: Prometheus | null = null;
  let server: TestServer;
  before(async () => {
    if (!prometheusPath() && process.env.CI)
      throw new Error('no prometheus (CI=true: the export tests must run; see scripts/setup-prometheus.sh)');
    if (prometheusPath()) prom = await startPrometheus();
    server = await startServer(uniformLatency(5, 15), false);
  });
  after(async () => {
    await prom?.close();
    await server.close();
  });

  it('a run exported live and at the end: its request count exactly, its p99 within a bucket, each second as it closed', async (t) => {
    if (!prom) return t.skip('no prometheus');
    const out = tempDir();
    const r = await runCli([
      'run',
      writeScenario(scenario(server.url)),
      '--out',
      out,
      '--export-prometheus',
      prom.writeUrl,
      '--run-id',
      'whole',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /exported to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write \(Prometheus remote-write, native histograms\): \d+ samples, none dropped/,
    );
    const results = read(out);
    assert.equal(results.export?.prometheus?.samples_dropped, 0);
    const p99 = 'sum(mlload_request_duration_seconds{run_id="whole"})';
    await assertCountAndP99(prom, 'mlload_requests_total', 'whole', results, p99);
    // Live: a sample a second (the measured ones), then the final one.
    const [seen] = await prom.query('count_over_time(mlload_requests_total{run_id="whole",request="predict"}[10m])');
    assert.ok(seen!.value >= 4, `${seen!.value} samples of the counter`);
    const [inFlight] = await prom.query('count_over_time(mlload_in_flight{run_id="whole"}[10m])');
    assert.ok(inFlight!.value >= 4);
    const [verdict] = await prom.query('mlload_verdict{run_id="whole"}');
    assert.equal(verdict!.metric.status, (results as Results & { verdict: string }).verdict);
    // The dashboard's queries are valid PromQL for this Prometheus, and the main ones find the run.
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'docs/grafana-dashboard.json'), 'utf8')) as {
      panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
    };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((x) => ({ title: p.title, expr: x.expr })));
    assert.ok(exprs.length >= 6);
    for (const { title, expr } of exprs) {
      const promql = expr
        .replaceAll('$scenario', 'exported')
        .replaceAll('$run_id', 'whole')
        .replaceAll('$__rate_interval', '1m')
        .replaceAll('$__range', '10m');
      const answer = await prom.raw(promql);
      assert.equal(answer.status, 'success', `${title}: ${promql}: ${answer.error}`);
    }
  });

  it('shards export with their shard label and the merge once: the shards sum to the merged count, their histograms to its p99', async (t) => {
    if (!prom) return t.skip('no prometheus');
    const file = writeScenario(scenario(server.url));
    const start = String(Math.ceil(Date.now() / 1000) + 3);
    const outs = [tempDir(), tempDir()];
    const shards = await Promise.all(
      outs.map((out, i) =>
        runCli([
          'run',
          file,
          '--out',
          out,
          '--shard',
          `${i}/2`,
          '--start-at',
          start,
          '--export-prometheus',
          prom!.writeUrl,
          '--run-id',
          'sharded',
        ]),
      ),
    );
    for (const s of shards) assert.ok(s.code === 0 || s.code === 1, s.stderr);
    const merged = tempDir();
    const m = await runCli([
      'merge',
      ...outs.map((o) => join(o, 'results.json')),
      '--out',
      merged,
      '--export-prometheus',
      prom.writeUrl,
      '--run-id',
      'sharded',
    ]);
    assert.equal(m.code, 0, m.stderr);
    const whole = read(merged);
    const [shardSum] = await prom.query('sum(mlload_requests_total{run_id="sharded",shard!="merged"})');
    const [mergedCount] = await prom.query('sum(mlload_requests_total{run_id="sharded",shard="merged"})');
    assert.equal(shardSum!.value, whole.overall.count);
    assert.equal(mergedCount!.value, whole.overall.count);
    const labels = await prom.query('count by (shard) (mlload_requests_total{run_id="sharded"})');
    assert.deepEqual(labels.map((l) => l.metric.shard).sort(), ['0/2', '1/2', 'merged']);
    // Native histograms add bucket by bucket: the shards' sum has the merged run's p99.
    const [fromShards] = await prom.query(
      'histogram_quantile(0.99, sum(mlload_request_duration_seconds{run_id="sharded",shard!="merged"}))',
    );
    assert.ok(
      withinABucket(fromShards!.value, whole.overall.latency_ms.p99),
      `${fromShards!.value} s, ${whole.overall.latency_ms.p99} ms`,
    );
  });

  it("classic buckets for a receiver without native histograms, the endpoint named in the scenario's export: section", async (t) => {
    if (!prom) return t.skip('no prometheus');
    const out = tempDir();
    const text = scenario(server.url, `export:\n  prometheus: { url: "${prom.writeUrl}", histograms: classic }\n`);
    const r = await runCli(['run', writeScenario(text), '--out', out, '--run-id', 'classic']);
    assert.equal(r.code, 0, r.stderr);
    const results = read(out);
    assert.equal(results.export?.prometheus?.histograms, 'classic');
    const [count] = await prom.query('sum(mlload_request_duration_seconds_count{run_id="classic"})');
    assert.equal(count!.value, results.overall.count);
    const [p99] = await prom.query(
      'histogram_quantile(0.99, sum by (le) (mlload_request_duration_seconds_bucket{run_id="classic"}))',
    );
    // Within one of the classic buckets (19% wide).
    const coarse = (seconds: number) => bucketIndex(seconds, CLASSIC_SCHEMA);
    assert.ok(
      Math.abs(coarse(p99!.value) - coarse(results.overall.latency_ms.p99 / 1000)) <= 1,
      `${p99!.value} s, ${results.overall.latency_ms.p99} ms`,
    );
  });

  it("a streaming run's tokens, live and at the end: the output tokens of results.json, its TTFT p50 within a bucket", async (t) => {
    if (!prom) return t.skip('no prometheus');
    const llm = await startServer(chatStream(8, [20, 40], [3, 7]), false);
    try {
      const out = tempDir();
      const text =
        `name: llm\ntarget: { url: "${llm.url}" }\nload: { users: 4, duration: 4s }\nrequests:\n  - name: chat\n` +
        '    protocol: openai-chat\n    model: m\n    prompts: { generated: { tokens: { mean: 8 } } }\n    max_tokens: 8\n';
      const r = await runCli([
        'run',
        writeScenario(text),
        '--out',
        out,
        '--export-prometheus',
        prom.writeUrl,
        '--run-id',
        'llm',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const tokens = read(out).requests.chat!.tokens!;
      const [sent] = await prom.query('mlload_output_tokens_total{run_id="llm"}');
      assert.equal(sent!.value, tokens.output_tokens);
      const [seen] = await prom.query('count_over_time(mlload_output_tokens_total{run_id="llm"}[10m])');
      assert.ok(seen!.value >= 3, `${seen!.value} samples: each second's, then the final`);
      const [ttft] = await prom.query('histogram_quantile(0.5, mlload_ttft_seconds{run_id="llm"})');
      assert.ok(withinABucket(ttft!.value, tokens.ttft_ms.p50), `${ttft!.value} s, ${tokens.ttft_ms.p50} ms`);
    } finally {
      await llm.close();
    }
  });

  it('the action exports too, labelled with the workflow run', async (t) => {
    if (!prom) return t.skip('no prometheus');
    const github = await new FakeGitHub().start();
    try {
      const ws = tempDir('mlload-ws-');
      writeFileSync(join(ws, 'perf.yml'), scenario(server.url));
      const r = await runAction(
        { scenario: 'perf.yml', 'export-prometheus': prom.writeUrl, comment: 'never' },
        { apiUrl: github.url, workspace: ws },
      );
      assert.equal(r.code, 0, r.stdout);
      const results = JSON.parse(readFileSync(r.outputs.results!, 'utf8')) as Results;
      const [count] = await prom.query('sum(mlload_requests_total{run_id="4242-1"})');
      assert.equal(count!.value, results.overall.count);
      assert.match(r.summary, /Exported to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write/);
    } finally {
      await github.close();
    }
  });
});

describe('an export endpoint that fails never fails or slows the run', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer(uniformLatency(5, 15), false);
  });
  after(() => server.close());

  it('down, or answering 500 slowly: the figures are those of a run without export, and the dropped samples are reported', async () => {
    const failing = await startServer(
      (_req, _body, res) => setTimeout(() => json(res, 500, { error: 'overloaded' }), 800),
      false,
    );
    try {
      const file = writeScenario(scenario(server.url));
      const plain = tempDir();
      assert.equal((await runCli(['run', file, '--out', plain])).code, 0);
      const down = `http://127.0.0.1:${await freePort()}/api/v1/write`;
      for (const url of [down, `${failing.url}/api/v1/write`]) {
        const out = tempDir();
        const started = Date.now();
        const r = await runCli([
          'run',
          file,
          '--out',
          out,
          '--export-prometheus',
          url,
          '--markdown',
          join(out, 'report.md'),
        ]);
        assert.equal(r.code, 0, r.stderr);
        const a = read(plain);
        const b = read(out);
        assert.equal(b.overall.count, a.overall.count, 'the open model sends the same requests');
        assert.equal(b.overall.failure_count, 0);
        assert.ok(
          Math.abs(b.overall.latency_ms.p50 - a.overall.latency_ms.p50) < 5,
          `p50 ${a.overall.latency_ms.p50} → ${b.overall.latency_ms.p50}`,
        );
        const p = b.export!.prometheus!;
        assert.ok(p.samples_dropped > 0 && p.samples_sent === 0, JSON.stringify(p));
        assert.ok(p.last_error, 'the reason is kept');
        assert.match(r.stderr, /exported to .*: 0 samples, \d+ dropped after \d+ retries \(last error: /);
        assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /> \[!WARNING\]\n> Exported to .* dropped/);
        // The load's 5 s and the export's flush of at most 10 s, with room for a busy machine.
        assert.ok(Date.now() - started < 30_000, `${Date.now() - started} ms`);
      }
    } finally {
      await failing.close();
    }
  });
});

describe("OTLP/HTTP export: decoded with OpenTelemetry's own protobuf code, and into a real receiver", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer(uniformLatency(5, 15), false);
  });
  after(() => server.close());

  it('cumulative sums, gauges and exponential histograms: the counts of results.json, its p99 within a bucket, every second', async () => {
    const otlp = await startOtlpReceiver();
    try {
      const out = tempDir();
      const started = Date.now();
      const r = await runCli([
        'run',
        writeScenario(scenario(server.url)),
        '--out',
        out,
        '--export-otlp',
        otlp.url,
        '--run-id',
        'otlp',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /exported to http:\/\/127\.0\.0\.1:\d+\/v1\/metrics \(OTLP\/HTTP\): \d+ samples, none dropped/,
      );
      const results = read(out);
      assert.equal(results.export?.otlp?.samples_dropped, 0);
      // Live: requests arrived while the load ran (5 s), not all at the end.
      assert.ok(otlp.received.length >= 5, `${otlp.received.length} requests`);
      assert.ok(otlp.received[1]!.at - started < 4500, 'the second batch came during the run');
      assert.ok(otlp.received.every((x) => x.contentType === 'application/x-protobuf'));
      const last = otlp.received.at(-1)!.request.resourceMetrics[0]!;
      assert.deepEqual(attrs(last.resource.attributes), { 'service.name': 'mlload' });
      const metrics = new Map(last.scopeMetrics[0]!.metrics.map((m) => [m.name, m]));
      const requests = metrics.get('mlload_requests')!;
      assert.equal(requests.unit, '{request}');
      assert.equal(requests.sum!.aggregationTemporality, 2, 'cumulative');
      assert.equal(requests.sum!.isMonotonic, true);
      for (const p of requests.sum!.dataPoints) {
        const a = attrs(p.attributes);
        assert.equal(a.run_id, 'otlp');
        assert.equal(p.asDouble, results.requests[a.request!]!.count, a.request);
        assert.ok(p.startTimeUnixNano < p.timeUnixNano);
      }
      const latency = metrics.get('mlload_request_duration_seconds')!;
      assert.equal(latency.unit, 's');
      // The whole run's p99 from the points' buckets, merged by index: OTLP bucket i is (base^i, base^(i+1)].
      const merged = new Map<number, number>();
      let total = 0;
      for (const p of latency.exponentialHistogram!.dataPoints) {
        assert.equal(p.scale, 5);
        const counts = p.positive!.bucketCounts;
        assert.equal(counts.reduce((a, c) => a + c, 0) + p.zeroCount, p.count);
        total += p.count;
        for (const [k, c] of counts.entries())
          merged.set(p.positive!.offset + k, (merged.get(p.positive!.offset + k) ?? 0) + c);
      }
      assert.equal(total, results.overall.count);
      let seen = 0;
      let p99Index = 0;
      for (const i of [...merged.keys()].sort((a, b) => a - b)) {
        seen += merged.get(i)!;
        if (seen >= 0.99 * total) {
          p99Index = i + 1; // as Prometheus numbers it
          break;
        }
      }
      assert.ok(Math.abs(p99Index - bucketIndex(results.overall.latency_ms.p99 / 1000)) <= 1, `bucket ${p99Index}`);
      // Each live second has its gauges; the final batch has the verdict.
      const live = otlp.received[1]!.request.resourceMetrics[0]!.scopeMetrics[0]!.metrics;
      assert.ok(live.find((m) => m.name === 'mlload_in_flight')!.gauge!.dataPoints.length > 0);
      assert.equal(attrs(metrics.get('mlload_verdict')!.gauge!.dataPoints[0]!.attributes).status, 'no-baseline');
    } finally {
      await otlp.close();
    }
  });

  it("into a real OTLP receiver (Debian's VictoriaMetrics): its request count exactly, its p99 within a bucket", async (t) => {
    if (!victoriaMetricsPath()) {
      if (process.env.CI) throw new Error('no victoria-metrics (CI=true; see scripts/setup-victoriametrics.sh)');
      return t.skip('no victoria-metrics');
    }
    const vm = await startVictoriaMetrics();
    try {
      const out = tempDir();
      const r = await runCli([
        'run',
        writeScenario(scenario(server.url)),
        '--out',
        out,
        '--export-otlp',
        vm.otlpUrl,
        '--run-id',
        'into-vm',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /\(OTLP\/HTTP\): \d+ samples, none dropped/);
      const results = read(out);
      // The receiver turns each exponential bucket into a range label (vmrange): the same bounds as ours.
      const p99 = 'sum(mlload_request_duration_seconds_bucket{run_id="into-vm"}) by (vmrange)';
      await assertCountAndP99(vm, 'mlload_requests', 'into-vm', results, p99);
      for (const [name, stats] of Object.entries(results.requests)) {
        const [inHistogram] = await vm.query(
          `mlload_request_duration_seconds_count{run_id="into-vm",request="${name}"}`,
        );
        assert.equal(inHistogram!.value, stats.count, `${name}: the histogram's count`);
      }
      // Live: one point a second while the load ran, then the final one.
      const [seen] = await vm.query('count_over_time(mlload_requests{run_id="into-vm",request="predict"}[10m])');
      assert.ok(seen!.value >= 4, `${seen!.value} points of the counter`);
      const [verdict] = await vm.query('mlload_verdict{run_id="into-vm"}');
      assert.equal(verdict!.metric.status, 'no-baseline');
      assert.equal(verdict!.value, 1);
    } finally {
      await vm.close();
    }
  });
});
