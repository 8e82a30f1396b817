import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import schema from '../../schema/scenario.schema.json' with { type: 'json' };
import { measure } from '../../src/pipeline/index.ts';
import { loadScenario, presetNames } from '../../src/scenario/index.ts';
import { registerToyPreset } from '../helpers/preset.ts';
import { writeScenario } from '../helpers/scenario.ts';
import { startServer } from '../helpers/servers.ts';
import { InvalidFileError } from '../../src/shared/document.ts';

describe('presets: one table of protocols', () => {
  it("the schema's protocol enum is the table's built-in presets, and the README names each", () => {
    assert.deepEqual(
      schema.definitions.request.properties.protocol.enum,
      presetNames().filter((n) => n !== 'toy-json'),
    );
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const name of schema.definitions.request.properties.protocol.enum)
      assert.ok(readme.includes(name), `the README does not name ${name}`);
  });

  it('a preset registered from a test (one module) drives a real server: its path, health check, body, answer check and mutations', async () => {
    const scenarioText = (url: string) => `name: toy
target: { url: "${url}" }
load: { rate: 40, duration: 2s }
requests:
  - name: run
    protocol: toy-json
    model: m1
    weight: 3
    body: { fields: { x: { int: [0, 9] }, y: { choice: [a, b] } } }
  - name: broken
    weight: 1
    invalid_of: run
`;
    const text = scenarioText('http://127.0.0.1:9');
    assert.throws(
      () => loadScenario(writeScenario(text)),
      (e: unknown) => e instanceof InvalidFileError && /protocol/.test(e.message),
    );
    registerToyPreset();
    const server = await startServer((req, body, res) => {
      if (req.url === '/toy/ready') return res.end('ok');
      let rows: Array<Record<string, unknown>> | undefined;
      try {
        rows = (JSON.parse(body) as { rows?: Array<Record<string, unknown>> }).rows;
      } catch {}
      const ok =
        req.url === '/toy/m1/run' &&
        Array.isArray(rows) &&
        rows.every((r) => Number.isInteger(r.x) && typeof r.y === 'string');
      res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' });
      res.end(ok ? '{"result":[1]}' : '{"error":"bad rows"}');
    });
    try {
      const scenario = loadScenario(writeScenario(scenarioText(server.url)));
      assert.equal(scenario.target.health.path, '/toy/ready');
      const run = scenario.requests.find((r) => r.name === 'run')!;
      assert.equal(run.path, '/toy/m1/run');
      assert.deepEqual(run.expect.json, [['result']]);
      const { results } = await measure(scenario);
      assert.ok(results.requests.run!.count > 40, JSON.stringify(results.requests.run));
      assert.equal(results.requests.run!.failure_count, 0, JSON.stringify(results.overall.failures));
      assert.ok(results.requests.broken!.count > 10);
      assert.equal(results.requests.broken!.failure_count, 0, 'every mutation got its 4xx');
      assert.ok(server.paths.includes('/toy/m1/run'));
    } finally {
      await server.close();
    }
  });
});
