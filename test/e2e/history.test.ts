import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runAction } from '../helpers/action.ts';
import { runCli } from '../helpers/cli.ts';
import { FakeGitHub } from '../helpers/github.ts';
import { exampleScenario, tempDir } from '../helpers/scenario.ts';
import { startServer, uniformLatency, type TestServer } from '../helpers/servers.ts';
import { parseHistory } from '../../src/store/index.ts';

const LOAD = '  rate: 100\n  arrival: constant\n  duration: 2s\n  warmup: 1s';
const HISTORY = 'history/example.json';

/** The example scenario against `url`, judged against the last runs of its history. */
function scenario(url: string, against = 'history'): string {
  return `${exampleScenario(url, LOAD).replace('  p95: 10%\n  p99: 15%\n', '  p95: 50%\n')}compare:\n  against: ${against}\n  history_runs: 5\n`;
}

function workspace(url: string): string {
  const ws = tempDir('mlload-ws-');
  writeFileSync(join(ws, 'perf.yml'), scenario(url));
  return ws;
}

let fast: TestServer;
let slow: TestServer;
before(async () => {
  fast = await startServer(uniformLatency(20, 40), false);
  slow = await startServer(uniformLatency(60, 120), false);
});
after(async () => {
  await fast.close();
  await slow.close();
});

describe('history from the CLI: add, show, export, baseline, and a run judged against it', () => {
  it('three runs recorded, then a 3× slower build fails against them with the trend in its report', async () => {
    const dir = tempDir();
    const file = join(dir, 'history.json');
    const ws = workspace(fast.url);
    for (let i = 1; i <= 3; i++) {
      const out = join(dir, `run-${i}`);
      // The first runs have no history yet: the notice says so, and only the SLOs are judged.
      const r = await runCli(['run', join(ws, 'perf.yml'), '--out', out, '--history', file]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      if (i === 1)
        assert.match(
          r.stdout,
          /The history has 0 comparable runs .* fewer than the 3 a reference needs: only the SLOs were checked/,
        );
      const added = await runCli([
        'history',
        'add',
        join(out, 'results.json'),
        '--file',
        file,
        '--commit',
        `c0ffee${i}`,
        '--ref',
        'main',
      ]);
      assert.equal(added.code, 0, added.stderr);
      assert.match(added.stdout, new RegExp(`Added c0ffee${i} .* ${i} runs kept`));
    }
    const shown = await runCli(['history', 'show', '--file', file]);
    assert.match(shown.stdout, /example: 3 runs kept/);
    assert.equal(shown.stdout.match(/c0ffee\d/g)?.length, 3);

    const out = join(dir, 'slow');
    const md = join(dir, 'report.md');
    const r = await runCli([
      'run',
      join(workspace(slow.url), 'perf.yml'),
      '--out',
      out,
      '--history',
      file,
      '--markdown',
      md,
    ]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /p95 \+\d+\.\d% \[.*\] vs the last 3 main runs \(limit ≤ \+50%\)/);
    assert.match(r.stdout, /trend: p95 of this run: above 3 of the last 3 main runs/);
    const report = readFileSync(md, 'utf8');
    assert.match(report, /Compared with the last 3 runs of the default branch on this kind of machine/);
    assert.match(report, /\*\*Trend\*\*: p95 of this run: above 3 of the last 3 main runs/);
    assert.match(
      report,
      /xychart-beta\n {2}title "p95 \(ms\) of the last 3 main runs, oldest first"\n[^`]+```\n\nLines: 🟦 p95 of each main run · 🟧 this run \(flat\)/,
    );

    const csv = await runCli(['history', 'export', '--file', file, '--format', 'csv']);
    assert.equal(csv.stdout.trim().split('\n').length, 1 + 3 * 3);
    const jsonl = join(dir, 'history.jsonl');
    assert.equal((await runCli(['history', 'export', '--file', file, '--format', 'jsonl', '--out', jsonl])).code, 0);
    assert.equal(readFileSync(jsonl, 'utf8').trim().split('\n').length, 9);
    const baseline = join(dir, 'baseline.json');
    const b = await runCli(['history', 'baseline', '--file', file, '--out', baseline]);
    assert.equal(b.code, 0, b.stderr);
    assert.equal((JSON.parse(readFileSync(baseline, 'utf8')) as { runs: number }).runs, 3);
    // The baseline made of the history reads back as any baseline does.
    assert.equal(
      (
        await runCli([
          'compare',
          join(dir, 'run-3', 'results.json'),
          '--baseline',
          baseline,
          '--scenario',
          join(ws, 'perf.yml'),
        ])
      ).code,
      0,
    );
  });

  it('a corrupt history file is refused naming the entry, and left as it was', async () => {
    const dir = tempDir();
    const file = join(dir, 'history.json');
    const ws = workspace(fast.url);
    const out = join(dir, 'run');
    assert.equal(
      (await runCli(['run', join(ws, 'perf.yml'), '--out', out])).code,
      2,
      'against history needs --history',
    );
    assert.equal(
      (await runCli(['run', join(ws, 'perf.yml').replace('perf.yml', 'perf.yml'), '--out', out, '--history', file]))
        .code,
      0,
    );
    assert.equal((await runCli(['history', 'add', join(out, 'results.json'), '--file', file])).code, 0);
    const corrupt = readFileSync(file, 'utf8').replace(/"p95":[\d.]+/, '"p95":"fast"');
    writeFileSync(file, corrupt);
    const r = await runCli(['history', 'add', join(out, 'results.json'), '--file', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /history\.json:\d+:\d+ entries\[0\]\.overall\.p95: must be number/);
    assert.equal(readFileSync(file, 'utf8'), corrupt);
  });
});

describe('history on its branch, from the action', () => {
  it('5 concurrent record runs leave exactly 5 entries: a write that lost the race reads again and retries', async () => {
    const github = await new FakeGitHub().start();
    github.branches = new Set(['main']);
    github.readDelayMs = 150;
    try {
      const runs = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          runAction(
            { scenario: 'perf.yml', mode: 'record', 'github-token': 't', 'history-branch': 'perf-history' },
            { apiUrl: github.url, workspace: workspace(fast.url), env: { GITHUB_SHA: `5ha${i}` } },
          ),
        ),
      );
      for (const r of runs) assert.equal(r.code, 0, r.stdout);
      const history = parseHistory(HISTORY, github.files.get(HISTORY)!);
      assert.deepEqual(history.entries.map((e) => e.commit).sort(), ['5ha0', '5ha1', '5ha2', '5ha3', '5ha4']);
      assert.ok(github.conflicts > 0, 'the racing writers met at least one conflict');
      assert.equal(github.branchesCreated, 1);
      assert.ok(github.branches.has('perf-history'));
      assert.match(runs[0]!.outputs['history-url']!, /^https:\/\/github\.example\/commit\//);
      assert.ok(
        runs.every((r) => !r.stdout.includes('::error')),
        runs.map((r) => r.stdout).join('\n'),
      );
    } finally {
      await github.close();
    }
  });

  it('a 409 on write is retried; a PR is then judged against the history, with the trend in its comment', async () => {
    const github = await new FakeGitHub().start();
    github.branches = new Set(['main']);
    try {
      github.conflictWrites = 2;
      for (let i = 0; i < 3; i++) {
        const r = await runAction(
          { scenario: 'perf.yml', mode: 'record', 'github-token': 't' },
          { apiUrl: github.url, workspace: workspace(fast.url), env: { GITHUB_SHA: `main${i}` } },
        );
        assert.equal(r.code, 0, r.stdout);
      }
      assert.equal(github.conflicts, 2);
      assert.equal(parseHistory(HISTORY, github.files.get(HISTORY)!).entries.length, 3);
      const pr = await runAction(
        { scenario: 'perf.yml', 'github-token': 't' },
        { apiUrl: github.url, workspace: workspace(slow.url), pullNumber: 7 },
      );
      assert.equal(pr.code, 1, pr.stdout);
      assert.equal(pr.outputs.verdict, 'fail');
      const comment = github.comments.at(-1)!.body;
      assert.match(
        comment,
        /Compared with the last 3 runs of the default branch on this kind of machine \(history `mlload-history:history\/example\.json`\)/,
      );
      assert.match(comment, /\*\*Trend\*\*: p95 of this PR: above 3 of the last 3 main runs/);
      // A PR is not recorded.
      assert.equal(parseHistory(HISTORY, github.files.get(HISTORY)!).entries.length, 3);
      // The committed baseline, made of the history's runs without any load.
      const ws = workspace(fast.url);
      const refresh = await runAction(
        {
          scenario: 'perf.yml',
          mode: 'update-baseline',
          'baseline-from': 'history',
          'github-token': 't',
          'baseline-commit': 'push',
        },
        { apiUrl: github.url, workspace: ws },
      );
      assert.equal(refresh.code, 0, refresh.stdout);
      assert.match(refresh.stdout, /baseline from the last 3 runs of mlload-history:history\/example\.json/);
      const written = JSON.parse(readFileSync(join(ws, 'baselines', 'example.json'), 'utf8')) as {
        runs: number;
        overall: { count: number };
      };
      assert.equal(written.runs, 3);
      assert.equal(written.overall.count, 600);
      assert.deepEqual(JSON.parse(github.files.get('baselines/example.json')!), written);
    } finally {
      await github.close();
    }
  });

  it('a corrupt history is reported naming the entry and left untouched; the run is still judged and its results written', async () => {
    const github = await new FakeGitHub().start();
    github.branches = new Set(['main', 'mlload-history']);
    try {
      const corrupt =
        '{\n  "schema_version": 1,\n  "scenario": { "name": "example" },\n  "keep": 200,\n  "entries": [{ "commit": "abc" }]\n}\n';
      github.files.set(HISTORY, corrupt);
      const ws = workspace(fast.url);
      writeFileSync(join(ws, 'perf.yml'), scenario(fast.url, 'baseline'));
      const r = await runAction(
        { scenario: 'perf.yml', mode: 'record', 'github-token': 't', 'results-dir': 'out' },
        { apiUrl: github.url, workspace: ws },
      );
      assert.equal(r.code, 1);
      assert.match(
        r.stdout,
        /::error title=mlload%3A corrupt history \(left untouched\)::entries\[0\]\.time: is required/,
      );
      assert.match(
        r.stdout,
        /::error::mlload: the history mlload-history:history\/example\.json is corrupt \(see the errors above\): the run was not recorded/,
      );
      assert.equal(github.files.get(HISTORY), corrupt);
      assert.equal(github.calls.filter((c) => c.method === 'PUT').length, 0);
      const results = JSON.parse(readFileSync(join(ws, 'out', 'results.json'), 'utf8')) as {
        verdict: string;
        overall: { count: number };
      };
      assert.equal(results.verdict, 'no-baseline');
      assert.equal(results.overall.count, 200);
    } finally {
      await github.close();
    }
  });
});
