import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { measure } from '../../src/pipeline/index.ts';
import { writeResultFiles } from '../../src/report/index.ts';
import { loadScenario, presetNames, registerPreset } from '../../src/scenario/index.ts';
import { TOY } from '../helpers/preset.ts';
import { exampleScenario, tempDir, writeScenario } from '../helpers/scenario.ts';
import { startServer, uniformLatency } from '../helpers/servers.ts';

describe('pipeline: what the stages hand each other', () => {
  it('load workers run the plan they are handed: overrides included, the scenario file not read again', async () => {
    const server = await startServer(uniformLatency(2, 6), false);
    try {
      const file = writeScenario(
        exampleScenario(server.url, '  rate: 100\n  arrival: constant\n  duration: 30s\n  warmup: 1s\n  workers: 2'),
      );
      const scenario = loadScenario(file, { durationMs: 2000 });
      // Workers once re-read the file: gone, or edited since, they ran something else or nothing.
      rmSync(file);
      const { results, targetError } = await measure(scenario);
      assert.equal(targetError, null);
      assert.equal(results.interrupted, false, String(results.stop_reason));
      assert.equal(results.load.workers, 2);
      // The 2 s override, not the file's 30 s: 100/s × 2 s, split over both workers.
      assert.equal(results.overall.count, 200);
      assert.equal(results.overall.failure_count, 0);
    } finally {
      await server.close();
    }
  });

  it('a failure of the load generator itself ends the run, keeps what was measured and says so in exceptions.csv', async () => {
    // The toy API: ready and answering `{"result": [...]}` in 2-6 ms.
    const server = await startServer(
      (_req, _body, res) => setTimeout(() => res.end('{"result":[1]}'), 2 + Math.random() * 4),
      false,
    );
    try {
      // A payload source that breaks after 100 payloads: a preset registered here, as a protocol module would be.
      if (!presetNames().includes('toy-breaking'))
        registerPreset({
          ...TOY,
          name: 'toy-breaking',
          generator(fields, batch) {
            const source = TOY.generator!(fields, batch);
            let sent = 0;
            return {
              ...source,
              next(rng) {
                if (++sent > 100) throw new Error('payload source broke');
                return source.next(rng);
              },
            };
          },
        });
      const scenario = loadScenario(
        writeScenario(`name: breaking
target: { url: "${server.url}" }
load: { rate: 100, arrival: constant, duration: 3s }
requests:
  - name: run
    protocol: toy-breaking
    model: m1
    body: { fields: { x: { int: [0, 9] } } }
    expect: { status: 2xx }
`),
      );
      const { results } = await measure(scenario);
      assert.equal(results.interrupted, true);
      assert.equal(results.stop_cause, 'engine-error');
      assert.match(results.stop_reason!, /load generator failed: payload source broke/);
      assert.ok(results.overall.count >= 90 && results.overall.count < 300, `count ${results.overall.count}`);
      const out = tempDir('mlload-out-');
      writeResultFiles(out, results);
      assert.match(
        readFileSync(join(out, 'exceptions.csv'), 'utf8'),
        /^1,the load generator failed: payload source broke,,local$/m,
      );
    } finally {
      await server.close();
    }
  });
});
