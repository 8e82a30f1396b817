import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Results } from '../../src/metrics/types.ts';
import { ROOT, runCli } from '../helpers/cli.ts';
import { startGrpcModel, type GrpcModel } from '../helpers/grpc.ts';
import { tempDir, writeScenario } from '../helpers/scenario.ts';
import { freePort, startExample } from '../helpers/servers.ts';

const MODEL: GrpcModel = {
  name: 'heart',
  inputs: { age: 'INT64', resting_bp: 'INT64', oldpeak: 'FP32', vector: 'FP32' },
  latency: () => 10,
};

const REQUESTS = `requests:
  - name: predict
    weight: 3
    protocol: kserve-v2-grpc
    model: heart
    body:
      fields:
        age: { int: [29, 77] }
        resting_bp: { int: [94, 200] }
        oldpeak: { float: [0, 6.2] }
        vector: { array: { float: [0, 1] }, length: 8 }
  - name: broken
    weight: 1
    invalid_of: predict
    expect: { status: 4xx }
`;

const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;

describe('gRPC inference: KServe v2 ModelInfer against a strict grpc-js server', () => {
  it('valid requests all pass at the latency the server keeps; every broken one is refused and counted as expected', async () => {
    const server = await startGrpcModel(MODEL);
    try {
      const out = tempDir();
      const file = writeScenario(
        `name: grpc\ntarget: { url: "${server.url}", channels: 2 }\nload: { rate: 80, duration: 3s, warmup: 1s }\n${REQUESTS}`,
      );
      const r = await runCli(['run', file, '--out', out]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const results = read(out);
      const predict = results.requests.predict!;
      const broken = results.requests.broken!;
      assert.equal(predict.failure_count, 0, JSON.stringify(predict.failures));
      assert.ok(predict.count > 150, `${predict.count}`);
      // The server's 10 ms, and the client's own time on top: a few ms on a busy machine.
      assert.ok(predict.latency_ms.p50 >= 10 && predict.latency_ms.p50 < 16, `p50 ${predict.latency_ms.p50}`);
      assert.ok(predict.latency_ms.p99 >= 10 && predict.latency_ms.p99 < 40, `p99 ${predict.latency_ms.p99}`);
      assert.equal(broken.failure_count, 0, JSON.stringify(broken.failures));
      assert.ok(broken.count > 40);
      // Refused as INVALID_ARGUMENT (400), or NOT_FOUND (404) for an empty message that names no model.
      const refused = Object.entries(broken.status_codes).filter(([s]) => s === '400' || s === '404');
      assert.equal(
        refused.reduce((a, [, n]) => a + n, 0),
        broken.count,
        JSON.stringify(broken.status_codes),
      );
      assert.ok(server.calls.refused >= broken.count);
    } finally {
      await server.close();
    }
  });

  it('the closed model, with stages: users at the latency the server keeps, no failures', async () => {
    const server = await startGrpcModel(MODEL);
    try {
      const out = tempDir();
      const load = 'load: { spawn_rate: 100, stages: [{ duration: 1s, users: 2 }, { duration: 2s, users: 4 }] }';
      const r = await runCli([
        'run',
        writeScenario(`name: grpc-closed\ntarget: { url: "${server.url}" }\n${load}\n${REQUESTS}`),
        '--out',
        out,
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const results = read(out);
      assert.equal(results.overall.failure_count, 0);
      // At most 2 users for 1 s and 4 for 2 s, each a request per 10 ms and a little: under 1000 requests.
      assert.ok(results.overall.count > 300 && results.overall.count < 1000, `${results.overall.count}`);
      assert.equal(results.load.model, 'closed');
    } finally {
      await server.close();
    }
  });

  it('a server that goes away mid-run: named failures, and the run ends on time', async () => {
    const server = await startGrpcModel(MODEL);
    const out = tempDir();
    const file = writeScenario(
      `name: grpc-gone\ntarget: { url: "${server.url}" }\nload: { rate: 50, duration: 4s }\n${REQUESTS}`,
    );
    const started = Date.now();
    const running = runCli(['run', file, '--out', out]);
    // Killed once the load is under way (about 1.2 s in), not at a fixed time: a starved machine may still be
    // starting the CLI or checking health at 1.5 s.
    const killer = setInterval(() => {
      if (server.calls.infer < 60) return;
      clearInterval(killer);
      server.kill();
    }, 50);
    const r = await running;
    clearInterval(killer);
    const took = Date.now() - started;
    assert.equal(r.code, 1, r.stderr);
    const results = read(out);
    const reasons = results.requests.predict!.failures.map((f) => f.reason);
    assert.ok(
      reasons.some((x) => /^gRPC UNAVAILABLE \(expected 2xx\)$/.test(x)),
      JSON.stringify(reasons),
    );
    assert.ok(results.requests.predict!.count > 50);
    assert.ok(took < 15_000, `${took} ms for a 4 s run`);
  });

  it('the example model speaks gRPC too (node:http2, no dependency): examples/scenario-grpc.yml passes against it', async () => {
    const grpcPort = await freePort();
    const example = await startExample('model/server.mjs', { GRPC_PORT: String(grpcPort) }, '/health');
    try {
      const out = tempDir();
      const r = await runCli([
        'run',
        join(ROOT, 'examples/scenario-grpc.yml'),
        '--url',
        `grpc://127.0.0.1:${grpcPort}`,
        '--duration',
        '3s',
        '--out',
        out,
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const results = read(out);
      assert.equal(results.overall.failure_count, 0, JSON.stringify(results.overall.failures));
      assert.deepEqual(Object.keys(results.requests.predict!.status_codes), ['200']);
      const invalid = results.requests.predict_invalid!.status_codes;
      assert.ok(
        Object.keys(invalid).every((s) => s === '400' || s === '404'),
        JSON.stringify(invalid),
      );
    } finally {
      example.child.kill();
    }
  });

  it('a scenario that mixes the transports, or points gRPC requests at http://, is refused before any load', async () => {
    const file = writeScenario(
      `name: mixed\ntarget: { url: "http://127.0.0.1:1" }\nload: { rate: 1, duration: 1s }\n${REQUESTS}`,
    );
    const r = await runCli(['validate', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /target\.url: must be grpc:\/\/host:port: the requests speak gRPC/);
  });
});
