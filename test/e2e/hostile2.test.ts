import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import type { Outcome } from '../../src/engine/index.ts';
import { UndiciClient } from '../../src/engine/http.ts';
import type { Results } from '../../src/metrics/types.ts';
import { mergeShards, ShardMergeError } from '../../src/metrics/index.ts';
import { Rng, type RequestPlan } from '../../src/scenario/index.ts';
import { InvalidFileError } from '../../src/shared/document.ts';
import { runCli } from '../helpers/cli.ts';
import { mutateJson } from '../helpers/fuzz.ts';
import { tempDir, writeScenario } from '../helpers/scenario.ts';
import { json, startServer } from '../helpers/servers.ts';
import { readResults } from '../../src/store/index.ts';

const chat = (url: string) => `name: hostile-stream
target: { url: "${url}" }
load: { rate: 6, duration: 3s, timeout: 20s }
requests:
  - name: chat
    protocol: openai-chat
    model: m
    prompts: { generated: { tokens: { mean: 16, stddev: 2 } } }
    max_tokens: 20
slo: { error_rate: 100% }
`;

/**
 * Streams `piece` for ever (as fast as the client reads, for at most 15 s): a server that never ends its event or its
 * line.
 */
function endless(piece: string) {
  return startServer((req, _body, res: ServerResponse) => {
    if (req.method === 'GET') return json(res, 200, { object: 'list', data: [] });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const until = Date.now() + 15_000;
    const pump = () => {
      while (!res.destroyed && Date.now() < until) if (!res.write(piece)) return void res.once('drain', pump);
      if (!res.destroyed) res.end();
    };
    res.write('data: ');
    pump();
  }, false);
}

describe('hostile names and reasons (second round)', () => {
  it('a server that words every error anew: distinct reasons are bounded (100 kept, the rest counted together), and results.json stays small', async () => {
    let n = 0;
    const server = await startServer((req, _body, res) => {
      if (req.method === 'GET') return json(res, 200, { object: 'list', data: [] });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${JSON.stringify({ error: { message: `failure number ${n++} at ${Date.now()}` } })}\n\n`);
    }, false);
    try {
      const out = tempDir('mlload-out-');
      const r = await runCli(['run', writeScenario(chat(server.url).replace('rate: 6', 'rate: 400')), '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      const text = readFileSync(join(out, 'results.json'), 'utf8');
      const results = JSON.parse(text) as Results;
      const failures = results.requests.chat!.failures;
      assert.ok(results.overall.failure_count >= 1000, String(results.overall.failure_count));
      assert.equal(failures.length, 101);
      assert.equal(
        failures.reduce((a, f) => a + f.count, 0),
        results.requests.chat!.failure_count,
      );
      assert.equal(failures[0]!.reason, 'other reasons (more than 100 distinct)');
      assert.ok(text.length < 400_000, `results.json ${text.length} bytes`);
    } finally {
      await server.close();
    }
  });

  it('request names constructor, toString and __proto__ are names like any other: run, history add, history baseline, a run judged against the history', async () => {
    const server = await startServer((_req, _body, res) => json(res, 200, { y: 1 }), false);
    try {
      const dir = tempDir();
      const history = join(dir, 'history.json');
      const requests = ['constructor', 'toString', '__proto__']
        .map(
          (name) =>
            `  - { name: ${name}, method: POST, path: /predict, body: { json: { x: 1 } }, expect: { status: 200 } }`,
        )
        .join('\n');
      const file = writeScenario(
        `name: names\ntarget: { url: "${server.url}" }\nload: { rate: 60, duration: 1s }\nrequests:\n${requests}\ncompare: { against: history }\n`,
        dir,
      );
      for (let i = 0; i < 3; i++) {
        const out = join(dir, `run-${i}`);
        const r = await runCli(['run', file, '--out', out, '--history', history]);
        assert.equal(r.code, 0, r.stderr);
        const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
        assert.deepEqual(Object.keys(results.requests).sort(), ['__proto__', 'constructor', 'toString']);
        const add = await runCli(['history', 'add', join(out, 'results.json'), '--file', history, '--commit', `c${i}`]);
        assert.equal(add.code, 0, add.stderr);
      }
      const b = await runCli(['history', 'baseline', '--file', history, '--out', join(dir, 'baseline.json')]);
      assert.equal(b.code, 0, b.stderr);
      const baseline = JSON.parse(readFileSync(join(dir, 'baseline.json'), 'utf8')) as {
        requests: Record<string, unknown>;
      };
      assert.deepEqual(Object.keys(baseline.requests).sort(), ['__proto__', 'constructor', 'toString']);
      const judged = await runCli(['run', file, '--out', join(dir, 'judged'), '--history', history]);
      assert.equal(judged.code, 0, judged.stderr);
      assert.doesNotMatch(judged.stderr, /internal error/);
      assert.match(judged.stdout, /__proto__\s+p95/);
    } finally {
      await server.close();
    }
  });
});

describe('hostile streams (second round)', () => {
  it('a server that claims 1e308 output tokens (or more than max_tokens): a named failure, and the results.json is read back by report, baseline and history add', async () => {
    let n = 0;
    const server = await startServer((req, _body, res) => {
      if (req.method === 'GET') return json(res, 200, { object: 'list', data: [] });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const claim = ['1e308', '21', '5'][n++ % 3];
      res.end(
        `data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\ndata: {"choices":[],"usage":{"completion_tokens":${claim}}}\n\ndata: [DONE]\n\n`,
      );
    }, false);
    try {
      const dir = tempDir();
      const out = join(dir, 'run');
      const r = await runCli(['run', writeScenario(chat(server.url)), '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
      const reasons = results.overall.failures.map((f) => f.reason).sort();
      assert.deepEqual(reasons, [
        'usage.completion_tokens 21 is above the max_tokens asked for (20)',
        'usage.completion_tokens is not a token count (a whole number from 0 to 2^31 − 1)',
      ]);
      assert.ok(results.requests.chat!.tokens && Number.isFinite(results.requests.chat!.tokens.output_tokens_per_s));
      for (const args of [
        ['report', join(out, 'results.json'), '--html', join(dir, 'r.html')],
        ['baseline', join(out, 'results.json'), '--out', join(dir, 'b.json')],
        ['history', 'add', join(out, 'results.json'), '--file', join(dir, 'h.json')],
      ]) {
        const c = await runCli(args);
        assert.equal(c.code, 0, `${args[0]}: ${c.stderr}`);
      }
    } finally {
      await server.close();
    }
  });

  for (const [kind, piece, reason] of [
    [
      'data lines of 64 KiB for ever with no blank line',
      `${'x'.repeat(65_536)}\ndata: `,
      'malformed SSE: an event longer than 1 MiB',
    ],
    ['one data line that never ends', 'x'.repeat(65_536), 'malformed SSE: a line longer than 1 MiB'],
  ] as const) {
    it(`${kind}: each answer fails at once, named, in a CLI capped at 160 MB of heap`, async () => {
      const server = await endless(piece);
      try {
        const out = tempDir('mlload-out-');
        const r = await runCli(['run', writeScenario(chat(server.url)), '--out', out], {
          env: { NODE_OPTIONS: '--max-old-space-size=160' },
        });
        assert.equal(r.code, 0, r.stderr.slice(-2000));
        const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
        const o = results.overall;
        assert.ok(o.count >= 10 && o.failure_count === o.count, JSON.stringify(o.failures));
        assert.deepEqual(
          o.failures.map((f) => f.reason),
          [reason],
        );
        // As soon as the limit is passed, not at the 20 s timeout.
        assert.ok(o.latency_ms.max < 5000, `max ${o.latency_ms.max} ms`);
      } finally {
        await server.close();
      }
    });

    it(`${kind}: undici (the https client) stops reading at the limit too, with the same reason`, async () => {
      const server = await endless(piece);
      const t0 = performance.now();
      const clock = () => performance.now() - t0;
      const client = new UndiciClient(server.url, 1, 5000, {}, clock);
      try {
        const plan: RequestPlan = {
          name: 'chat',
          method: 'POST',
          path: '/v1/chat/completions',
          weight: 1,
          headers: {},
          timeoutMs: 20_000,
          body: null,
          stream: 'openai-chat',
          expect: { statusText: '2xx', accepts: (s) => s < 300, jsonFields: [] },
        };
        for (let i = 0; i < 3; i++) {
          const o = await new Promise<Outcome>((resolve) => client.send(plan, null, clock(), resolve));
          assert.equal(o.failure, reason);
          assert.ok(o.done - o.scheduled < 5000, `${o.done - o.scheduled} ms`);
        }
      } finally {
        await client.destroy();
        await server.close();
      }
    });
  }
});

describe('hostile shards (second round)', () => {
  it('a forged shard count, an index past the count, and shards run years apart are refused (exit 2, naming the file); --allow-apart merges the last', async () => {
    const server = await startServer((_req, _body, res) => json(res, 200, { y: 1 }), false);
    try {
      const dir = tempDir();
      const file = writeScenario(
        `name: shards\ntarget: { url: "${server.url}" }\nload: { rate: 40, duration: 1s }\nrequests:\n  - { name: predict, method: POST, path: /predict, body: { json: { x: 1 } }, expect: { status: 200 } }\n`,
        dir,
      );
      const shard = (i: number) => join(dir, `shard-${i}`, 'results.json');
      for (const i of [0, 1]) {
        const r = await runCli(['run', file, '--out', join(dir, `shard-${i}`), '--shard', `${i}/2`]);
        assert.equal(r.code, 0, r.stderr);
      }
      const edited = (name: string, edit: (r: Results & { shard: { index: number; count: number } }) => void) => {
        const r = JSON.parse(readFileSync(shard(1), 'utf8'));
        edit(r);
        const path = join(dir, name);
        writeFileSync(path, JSON.stringify(r));
        return path;
      };
      const merge = (...files: string[]) => runCli(['merge', ...files, '--out', tempDir('mlload-out-')]);
      const t0 = performance.now();
      const huge = await merge(
        shard(0),
        edited('huge.json', (r) => (r.shard.count = 1_000_000_000)),
      );
      assert.equal(huge.code, 2, huge.stderr);
      assert.match(huge.stderr, /huge\.json/);
      assert.ok(performance.now() - t0 < 10_000);
      const seven = await merge(
        shard(0),
        shard(1),
        edited('seven.json', (r) => (r.shard.index = 7)),
      );
      assert.equal(seven.code, 2, seven.stderr);
      assert.match(seven.stderr, /seven\.json claims to be shard 7 of 2/);
      const decade = 10 * 365 * 86_400_000;
      const apart = edited('apart.json', (r) => {
        r.started_at = new Date(Date.parse(r.started_at) + decade).toISOString();
        r.finished_at = new Date(Date.parse(r.finished_at) + decade).toISOString();
      });
      const refused = await merge(shard(0), apart);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(
        refused.stderr,
        /shard 1\/2 began \d+ s after another had ended: shards of one run overlap in time \(give --allow-apart/,
      );
      const allowed = await runCli(['merge', shard(0), apart, '--out', tempDir('mlload-out-'), '--allow-apart']);
      assert.equal(allowed.code, 0, allowed.stderr);
      // Property: 300 mutations of a shard's file are merged or refused naming the file, never another error.
      const good = readFileSync(shard(1), 'utf8');
      const mutant = join(dir, 'mutant.json');
      for (let seed = 1; seed <= 300; seed++) {
        const text = mutateJson(good, new Rng(seed));
        writeFileSync(mutant, text);
        try {
          mergeShards([
            { file: shard(0), results: readResults(shard(0)) },
            { file: mutant, results: readResults(mutant) },
          ]);
        } catch (err) {
          assert.ok(
            err instanceof InvalidFileError || err instanceof ShardMergeError,
            `seed ${seed}: ${(err as Error).stack}`,
          );
          assert.match((err as Error).message, /mutant\.json|shard/, `seed ${seed}`);
        }
      }
    } finally {
      await server.close();
    }
  });
});

describe('a large history (second round)', () => {
  it('a 16 MiB history is shown and extended by a CLI capped at 200 MB of heap, its histograms decoded only when a baseline needs them', async () => {
    const server = await startServer((_req, _body, res) => json(res, 200, { y: 1 }), false);
    try {
      const dir = tempDir();
      const file = writeScenario(
        `name: big\ntarget: { url: "${server.url}" }\nload: { rate: 40, duration: 1s }\nrequests:\n  - { name: a, method: POST, path: /p, body: { json: { x: 1 } }, expect: { status: 200 } }\n  - { name: b, method: POST, path: /p, body: { json: { x: 1 } }, expect: { status: 200 } }\n`,
        dir,
      );
      const out = join(dir, 'run');
      assert.equal((await runCli(['run', file, '--out', out])).code, 0);
      const history = join(dir, 'history.json');
      assert.equal(
        (await runCli(['history', 'add', join(out, 'results.json'), '--file', history, '--commit', 'c0'])).code,
        0,
      );
      const h = JSON.parse(readFileSync(history, 'utf8')) as { entries: Array<{ commit: string; time: string }> };
      const one = h.entries[0]!;
      const n = Math.floor((16 * 1024 * 1024) / JSON.stringify(one).length);
      h.entries = Array.from({ length: n }, (_, i) => ({
        ...one,
        commit: `c${i}`,
        time: new Date(Date.parse(one.time) - (n - i) * 3_600_000).toISOString(),
      }));
      writeFileSync(history, JSON.stringify(h));
      const capped = { env: { NODE_OPTIONS: '--max-old-space-size=200' } };
      const t0 = performance.now();
      const show = await runCli(['history', 'show', '--file', history, '--last', '3'], capped);
      assert.equal(show.code, 0, show.stderr.slice(-1000));
      assert.match(show.stdout, new RegExp(`c${n - 1}`));
      assert.ok(performance.now() - t0 < 30_000, `history show took ${(performance.now() - t0).toFixed(0)} ms`);
      const baseline = await runCli(
        ['history', 'baseline', '--file', history, '--out', join(dir, 'baseline.json')],
        capped,
      );
      assert.equal(baseline.code, 0, baseline.stderr.slice(-1000));
    } finally {
      await server.close();
    }
  });
});
