import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Results } from '../../src/metrics/types.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir, writeScenario } from '../helpers/scenario.ts';
import { json, startExample, startServer } from '../helpers/servers.ts';

const FIELDS = `    body:
      fields:
        age: { int: [29, 77] }
        resting_bp: { int: [94, 200] }
        cholesterol: { int: [126, 564] }
        max_heart_rate: { float: [71, 202] }
`;
const MUTATIONS = {
  'kserve-v2': [
    'missing_inputs',
    'wrong_shape',
    'wrong_datatype',
    'wrong_type',
    'out_of_range',
    'malformed_json',
    'empty_body',
  ],
  tfserving: ['missing_instances', 'drop_field', 'wrong_type', 'out_of_range', 'malformed_json', 'empty_body'],
} as const;

/** A scenario of valid requests of `protocol`, and one request per mutation of it. */
function scenario(url: string, protocol: keyof typeof MUTATIONS, format?: string): string {
  const broken = MUTATIONS[protocol]
    .map((m) => `  - name: ${m}\n    body: { invalid_of: infer, mutations: [${m}] }\n`)
    .join('');
  return `name: ${protocol}\ntarget: { url: "${url}" }\nload: { rate: 120, duration: 3s }\nrequests:\n  - name: infer\n    weight: 3\n    protocol: ${protocol}\n    model: heart-risk-logreg\n    batch: 3\n${format ? `    format: ${format}\n` : ''}${FIELDS}${broken}`;
}

describe('KServe v2 and TF Serving presets against the example model speaking them', () => {
  let model: ChildProcess;
  let url = '';
  before(async () => {
    ({ url, child: model } = await startExample('model/server.mjs', {}, '/v2/health/ready'));
  });
  after(() => {
    model.kill();
  });

  for (const [protocol, format] of [
    ['kserve-v2'],
    ['tfserving'],
    ['tfserving', 'bare-rows'],
    ['tfserving', 'columns'],
  ] as const) {
    it(`${protocol}${format ? ` (${format})` : ''}: valid requests get 200 with the protocol's answer, and every mutation gets its 4xx`, async () => {
      const out = tempDir('mlload-out-');
      const r = await runCli(['run', writeScenario(scenario(url, protocol, format)), '--out', out]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
      assert.equal(results.overall.failure_count, 0, JSON.stringify(results.overall.failures));
      assert.ok(results.requests.infer!.count > 50, String(results.requests.infer!.count));
      assert.deepEqual(results.requests.infer!.status_codes, { '200': results.requests.infer!.count });
      for (const m of MUTATIONS[protocol]) {
        const f = results.requests[m]!;
        assert.ok(f.count > 0, `${m} was sent`);
        assert.deepEqual(Object.keys(f.status_codes), ['400'], `${m}: ${JSON.stringify(f.status_codes)}`);
        assert.equal(
          f.path,
          protocol === 'kserve-v2' ? '/v2/models/heart-risk-logreg/infer' : '/v1/models/heart-risk-logreg:predict',
        );
      }
    });
  }
});

describe('a server that speaks a protocol wrongly', () => {
  it("accepting a mutation is a failure in the report; the health check asks the protocol's readiness path", async () => {
    const server = await startServer((_req, _body, res) => json(res, 200, { outputs: [] }));
    try {
      const out = tempDir('mlload-out-');
      const r = await runCli(['run', writeScenario(scenario(server.url, 'kserve-v2')), '--out', out]);
      // Every accepted mutation is a failed request: far over the default error rate of 1%, so the gate fails.
      assert.equal(r.code, 1, r.stderr);
      const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results & {
        checks: Array<{ metric: string; status: string }>;
      };
      assert.equal(results.checks.find((c) => c.metric === 'error_rate')?.status, 'fail');
      assert.equal(results.requests.infer!.failure_count, 0);
      for (const m of MUTATIONS['kserve-v2'])
        assert.equal(results.requests[m]!.failure_count, results.requests[m]!.count, m);
      assert.match(results.overall.failures.map((f) => f.reason).join('\n'), /HTTP 200 \(expected 4xx\)/);
      assert.match(r.stdout, /wrong_shape: HTTP 200 \(expected 4xx\)/);
      assert.ok(server.paths.includes('/v2/health/ready'), server.paths.slice(0, 3).join(' '));
      // A valid answer without the protocol's field is a failure too.
      const bare = await startServer((_req, _body, res) => json(res, 200, { result: 1 }));
      try {
        const out2 = tempDir('mlload-out-');
        await runCli(['run', writeScenario(scenario(bare.url, 'tfserving')), '--out', out2]);
        const r2 = JSON.parse(readFileSync(join(out2, 'results.json'), 'utf8')) as Results;
        assert.equal(r2.requests.infer!.failure_count, r2.requests.infer!.count);
        assert.match(r2.requests.infer!.failures[0]!.reason, /predictions/);
      } finally {
        await bare.close();
      }
    } finally {
      await server.close();
    }
  });
});
