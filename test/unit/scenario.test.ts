import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadScenario, spikesOf } from '../../src/scenario/index.ts';
import { parseMemoryRate, parsePercentRate } from '../../src/scenario/units.ts';
import { InvalidFileError } from '../../src/shared/document.ts';
import { exampleScenario, tempDir, writeScenario } from '../helpers/scenario.ts';

function problemsOf(text: string): string[] {
  const file = writeScenario(text);
  try {
    loadScenario(file);
  } catch (err) {
    assert.ok(err instanceof InvalidFileError, String(err));
    return err.message.split('\n').map((l) => l.replace(file, 'F'));
  }
  assert.fail('expected the scenario to be rejected');
}

describe('scenario', () => {
  it('compiles the example of the brief unchanged', () => {
    const s = loadScenario(writeScenario(exampleScenario('http://127.0.0.1:8080')));
    assert.equal(s.name, 'example');
    assert.equal(s.target.url, 'http://127.0.0.1:8080');
    assert.deepEqual(s.load, {
      model: 'open',
      arrival: 'poisson',
      stages: [{ durationMs: 20_000, fromRate: 200, toRate: 200 }],
      warmupMs: 2000,
      durationMs: 20_000,
      maxInFlight: 1024,
      workers: 1,
    });
    assert.deepEqual(
      s.requests.map((r) => [r.name, r.weight, r.method, r.path, r.expect.statuses.join(' or ')]),
      [
        ['valid', 4, 'POST', '/predict', '200'],
        ['invalid', 1, 'POST', '/predict', '400'],
      ],
    );
    assert.deepEqual(s.slo.overall, { p95: 300, error_rate: 0.01 });
    assert.deepEqual(s.regression.overall, { p95: 0.1, p99: 0.15, rps: 0.1 });
  });

  it('compiles the closed model with think time and stages', () => {
    const url = 'http://127.0.0.1:8080';
    const closed = loadScenario(
      writeScenario(exampleScenario(url, '  users: 20\n  spawn_rate: 10\n  think_time: 1s-5s\n  duration: 60s')),
    );
    assert.deepEqual(closed.load, {
      model: 'closed',
      stages: [{ durationMs: 60_000, users: 20 }],
      spawnRate: 10,
      thinkTimeMs: [1000, 5000],
      warmupMs: 0,
      durationMs: 60_000,
      workers: 1,
    });
    const none = loadScenario(
      writeScenario(exampleScenario(url, '  users: 20\n  spawn_rate: 10\n  think_time: 0s\n  duration: 60s')),
    );
    assert.deepEqual((none.load as { thinkTimeMs: number[] }).thinkTimeMs, [0, 0]);
    const ramp = loadScenario(
      writeScenario(
        exampleScenario(
          url,
          '  stages:\n    - { duration: 10s, rate: 50 }\n    - { duration: 5s, rate: 500 }\n    - { duration: 30s, rate: 500 }',
        ),
      ),
    );
    assert.deepEqual(ramp.load.stages, [
      { durationMs: 10_000, fromRate: 50, toRate: 50 },
      { durationMs: 5_000, fromRate: 50, toRate: 500 },
      { durationMs: 30_000, fromRate: 500, toRate: 500 },
    ]);
    assert.equal(ramp.load.durationMs, 45_000);
    const soak = loadScenario(
      writeScenario(
        exampleScenario(
          url,
          '  spawn_rate: 5\n  stages:\n    - { duration: 1m, users: 10 }\n    - { duration: 10m, users: 30 }',
        ),
      ),
    );
    assert.equal(soak.load.model, 'closed');
    assert.equal(soak.load.durationMs, 660_000);
  });

  it('rejects a negative weight naming the file, line, column and key', () => {
    const text = exampleScenario('http://127.0.0.1:8080').replace('weight: 4', 'weight: -1');
    const problems = problemsOf(text);
    const line = text.split('\n').findIndex((l) => l.includes('weight: -1')) + 1;
    assert.deepEqual(problems, [`F:${line}:13 requests[0].weight: must be > 0`]);
  });

  it('lists every problem at once', () => {
    const text = exampleScenario('http://127.0.0.1:8080')
      .replace('arrival: poisson', 'arrival: bursty')
      .replace('duration: 20s', 'duration: 20')
      .replace('method: POST', 'methd: POST')
      .replace('invalid_of: valid', 'invalid_of: nope');
    const problems = problemsOf(text);
    // Three the schema finds and one only the compiler can (a reference to no request): all four at once.
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems[0]!, /^F:6:12 load\.arrival: must be one of "constant", "poisson", "uniform-count"$/);
    assert.match(problems[1]!, /^F:7:13 load\.duration: must be a duration with a unit: 300ms, 20s, 2m, 1h, 1m30s$/);
    assert.match(problems[2]!, /^F:\d+:5 requests\[0\]\.methd: is not a known key; did you mean `method`\?$/);
    assert.match(problems[3]!, /^F:\d+:\d+ requests\[1\]\.body\.invalid_of: names no request/);
  });

  it('catches what a schema pattern cannot: reversed ranges, error rates over 100%, and says what a status may be', () => {
    const base = exampleScenario('http://127.0.0.1:8080');
    const problems = problemsOf(
      base
        .replace('x: { float: [0, 10] }', 'x: { int: [77, 29] }')
        .replace('error_rate: 1%', 'error_rate: 150%')
        .replace('status: 400', 'status: bad'),
    );
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(
      problems.join('\n'),
      /requests\[0\]\.body\.fields\.x\.int: is \[77, 29\]: the low end is above the high end/,
    );
    assert.match(
      problems.join('\n'),
      /requests\[1\]\.expect\.status: must be an HTTP status \(200\), a class of them \("4xx"\), or a list of these/,
    );
    assert.match(problems.join('\n'), /slo\.error_rate: must be a percentage from 0% to 100%/);
  });

  it('checks what the schema cannot: references, duplicates, model mixes', () => {
    const base = exampleScenario('http://127.0.0.1:8080');
    assert.match(
      problemsOf(base.replace('invalid_of: valid', 'invalid_of: nope')).join('\n'),
      /requests\[1\]\.body\.invalid_of: names no request with a json, file or fields body \(known: valid\)/,
    );
    assert.match(
      problemsOf(base.replace('name: invalid', 'name: valid')).join('\n'),
      /requests\[1\]\.name: repeats the name of requests\[0\]/,
    );
    assert.match(
      problemsOf(base.replace('rate: 200', 'rate: 200\n  users: 4')).join('\n'),
      /load: mixes the open model/,
    );
    assert.match(problemsOf(base.replace('  duration: 20s\n', '')).join('\n'), /load: needs `duration` or `stages`/);
  });

  it('reports YAML syntax errors with their position', () => {
    const problems = problemsOf('name: x\ntarget: { url: http://127.0.0.1:1\nload: {}\n');
    assert.match(problems[0]!, /^F:\d+:\d+ /);
  });

  it('reports a bad line of a JSON Lines payload file by its line', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'payloads.jsonl'), '{"x": 1}\n{"x": 2\n');
    const text = exampleScenario('http://127.0.0.1:8080').replace(
      'fields:\n        x: { float: [0, 10] }',
      'file: payloads.jsonl',
    );
    const file = writeScenario(text, dir);
    assert.throws(
      () => loadScenario(file),
      (err: Error) => /payloads\.jsonl:2:\d+ not a JSON line/.test(err.message),
    );
  });
});

describe('scenario: capacity', () => {
  const base = exampleScenario('http://127.0.0.1:8080');
  it("defaults to the scenario's slo and load, and names file, line and key of a wrong capacity section", () => {
    const s = loadScenario(writeScenario(`${base}capacity:\n  max: 800\n`));
    assert.deepEqual(
      s.capacity && {
        start: s.capacity.start,
        max: s.capacity.max,
        slo: s.capacity.slo,
        precision: s.capacity.precision,
        confidence: s.capacity.confidence,
      },
      { start: 200, max: 800, slo: { p95: 300, error_rate: 0.01 }, precision: 0.05, confidence: 0.99 },
    );
    const problems = problemsOf(
      `${base}capacity:\n  start: 500\n  max: 400\n  probe: { min: 5s, max: 2s }\n  precision: 5 percent\n`,
    );
    assert.ok(
      problems.some((p) => /^F:\d+:\d+ capacity\.max: is not above start \(500\)/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /^F:\d+:\d+ capacity\.probe\.max: is shorter than probe\.min/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /^F:\d+:\d+ capacity\.precision/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problemsOf(`${base.replace(/regression:[\s\S]*?(?=\n\S|$)/, '')}regression:\n  capacity: 10%\n`).some((p) =>
        /regression\.capacity: needs a `capacity:` section/.test(p),
      ),
    );
    // Paired runs search both builds.
    assert.ok(
      loadScenario(
        writeScenario(
          `${base}capacity:\n  max: 800\ncompare:\n  against: image\n  baseline_url: http://127.0.0.1:8081\n`,
        ),
      ).capacity,
    );
  });
});

describe('scenario: recovery and drift', () => {
  const spiky = `  arrival: constant
  stages:
    - { duration: 10s, rate: 20 }
    - { duration: 2s, rate: 200 }
    - { duration: 20s, rate: 200 }
    - { duration: 30s, rate: 20 }
    - { duration: 0s, rate: 20 }
    - { duration: 5s, rate: 60 }`;
  it('finds the spikes of a load: rises to 1.5× or more within 10 s, open and closed', () => {
    const s = loadScenario(
      writeScenario(
        exampleScenario('http://127.0.0.1:8080', spiky).replace(
          'slo:\n',
          'slo:\n  recovery: 30s\n  drift: { p95: 10%/h }\n',
        ),
      ),
    );
    assert.deepEqual(spikesOf(s.load), [
      { stage: 1, startMs: 10_000, endMs: 62_000, from: 20, to: 200 },
      { stage: 5, startMs: 62_000, endMs: 67_000, from: 20, to: 60 },
    ]);
    assert.equal(s.slo.overall.recovery, 30_000);
    assert.deepEqual(s.slo.overall.drift, { p95: 0.1 });
    assert.deepEqual(
      ['50MB/h', '1GB/h', '512KB/min', '0.5%/min'].map((x) =>
        x.includes('%') ? parsePercentRate(x) : parseMemoryRate(x),
      ),
      [50, 1024, 30, 0.3],
    );
    // A slow ramp is no spike; the closed model's users arrive at the spawn rate.
    const ramp = loadScenario(
      writeScenario(
        exampleScenario(
          'http://127.0.0.1:8080',
          '  stages:\n    - { duration: 10s, rate: 20 }\n    - { duration: 60s, rate: 200 }',
        ),
      ),
    );
    assert.deepEqual(spikesOf(ramp.load), []);
    const users = (spawn: number) =>
      loadScenario(
        writeScenario(
          exampleScenario(
            'http://127.0.0.1:8080',
            `  spawn_rate: ${spawn}\n  stages:\n    - { duration: 10s, users: 2 }\n    - { duration: 20s, users: 20 }`,
          ),
        ),
      );
    assert.deepEqual(
      spikesOf(users(10).load).map((x) => [x.stage, x.from, x.to]),
      [[1, 2, 20]],
    );
    assert.deepEqual(spikesOf(users(1).load), []);
  });
  it('names file, line and key of recovery without p95 or spike, a drift unit that does not parse, and memory drift of a URL', () => {
    const flat = exampleScenario('http://127.0.0.1:8080').replace(
      'slo:\n  p95: 300ms\n',
      'slo:\n  recovery: 30s\n  drift: { p95: 10 percent/h, memory: 50MB/h }\n',
    );
    const problems = problemsOf(flat);
    assert.ok(
      problems.some((p) => /^F:\d+:\d+ slo\.recovery: needs `slo\.p95`/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /^F:\d+:\d+ slo\.recovery: needs a spike in `load\.stages`/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /^F:\d+:\d+ slo\.drift\.p95/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /^F:\d+:\d+ slo\.drift\.memory: needs a container target/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problemsOf(
        exampleScenario('http://127.0.0.1:8080').replace('slo:\n', 'slo:\n  requests:\n    valid: { recovery: 3s }\n'),
      ).some((p) => /slo\.requests\.valid.*recovery/.test(p)),
    );
  });
});
