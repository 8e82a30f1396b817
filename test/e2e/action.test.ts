import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runAction } from '../helpers/action.ts';
import { runCli } from '../helpers/cli.ts';
import { FakeGitHub, runtimeToken } from '../helpers/github.ts';
import { exampleScenario, tempDir } from '../helpers/scenario.ts';
import { chatStream, startServer, uniformLatency, type TestServer } from '../helpers/servers.ts';

const LOAD = '  rate: 100\n  arrival: constant\n  duration: 3s\n  warmup: 1s';

/** A workspace like a checked-out repo: the scenario and, optionally, its committed baseline. */
async function workspace(url: string, baselineFrom?: string): Promise<string> {
  const ws = tempDir('mlload-ws-');
  // Tolerances wide enough that a loaded CI machine's noise does not flip a pass; the slow server is 2× slower.
  writeFileSync(join(ws, 'perf.yml'), exampleScenario(url, LOAD).replace('  p95: 10%\n  p99: 15%\n', '  p95: 50%\n'));
  if (baselineFrom) {
    mkdirSync(join(ws, 'baselines'), { recursive: true });
    copyFileSync(baselineFrom, join(ws, 'baselines', 'example.json'));
  }
  return ws;
}

describe('the bundled action, run as a runner runs it', () => {
  let fast: TestServer;
  let slow: TestServer;
  let baseline: string;
  before(async () => {
    fast = await startServer(uniformLatency(20, 40), false);
    slow = await startServer(uniformLatency(40, 80), false);
    const ws = await workspace(fast.url);
    const out = tempDir('mlload-out-');
    assert.equal((await runCli(['run', join(ws, 'perf.yml'), '--out', out])).code, 0);
    baseline = join(tempDir(), 'example.json');
    assert.equal((await runCli(['baseline', join(out, 'results.json'), '--out', baseline])).code, 0);
  });
  after(async () => {
    await fast.close();
    await slow.close();
  });

  it("12.9 never takes over someone else's comment that quotes the marker", async () => {
    const github = await new FakeGitHub(0).start();
    try {
      const mallory = github.addComment(
        'mallory',
        '<!-- mlload-action:comment:example -->\nLooks fine to me, merge it!',
      );
      const ws = await workspace(fast.url, baseline);
      // Artifact storage as a runner reaches it: the upload goes to the fake's Twirp API and blob endpoint.
      const storage = {
        ACTIONS_RUNTIME_TOKEN: runtimeToken(),
        ACTIONS_RESULTS_URL: `${github.url}/`,
        // The artifact client refuses any other host as GitHub Enterprise Server.
        GITHUB_SERVER_URL: 'https://github.com',
      };
      const first = await runAction(
        { scenario: 'perf.yml', 'github-token': 'ghs_secret' },
        { apiUrl: github.url, pullNumber: 7, workspace: ws, env: storage },
      );
      assert.equal(first.code, 0, first.stdout);
      assert.equal(mallory.body, '<!-- mlload-action:comment:example -->\nLooks fine to me, merge it!', 'untouched');
      assert.equal(github.calls.filter((c) => c.method === 'PATCH').length, 0);
      assert.equal(github.comments.length, 2);
      const ours = github.comments[1]!;
      assert.equal(ours.user.login, 'github-actions[bot]');
      // The next push updates our own comment, still not hers.
      const second = await runAction(
        { scenario: 'perf.yml', 'github-token': 'ghs_secret' },
        { apiUrl: github.url, pullNumber: 7, workspace: ws },
      );
      assert.equal(second.code, 0, second.stdout);
      assert.equal(github.comments.length, 2);
      assert.equal(github.calls.filter((c) => c.method === 'PATCH').length, 1);
      assert.ok(github.calls.some((c) => c.method === 'PATCH' && c.path.endsWith(`/comments/${ours.id}`)));
    } finally {
      await github.close();
    }
  });

  it('creates the PR comment on the first run and updates the same one on the next, across pages', async () => {
    const github = await new FakeGitHub(150).start();
    try {
      const ws = await workspace(fast.url, baseline);
      // Artifact storage as a runner reaches it: the upload goes to the fake's Twirp API and blob endpoint.
      const storage = {
        ACTIONS_RUNTIME_TOKEN: runtimeToken(),
        ACTIONS_RESULTS_URL: `${github.url}/`,
        // The artifact client refuses any other host as GitHub Enterprise Server.
        GITHUB_SERVER_URL: 'https://github.com',
      };
      const first = await runAction(
        { scenario: 'perf.yml', 'github-token': 'ghs_secret' },
        { apiUrl: github.url, pullNumber: 7, workspace: ws, env: storage },
      );
      assert.equal(first.code, 0, first.stdout);
      assert.equal(first.outputs.verdict, 'pass');
      // The server's p95 is 39 ms; beside busy processes the runner's own delays add a few (45.7 ms seen in CI).
      assert.ok(Number(first.outputs.p95) > 20 && Number(first.outputs.p95) < 60, first.outputs.p95);
      assert.ok(Number(first.outputs.rps) > 95);
      assert.equal(first.outputs['error-rate'], '0');
      assert.match(first.outputs['comment-url']!, /^https:\/\/github\.example\/comment\//);
      assert.equal(github.comments.length, 151);
      const ours = github.comments[150]!;
      assert.match(ours.body, /<!-- mlload-action:comment:example -->/);
      assert.match(ours.body, /\| Metric \| Baseline \| This run \| Change \| 95% interval \| Limit \| Status \|/);
      assert.match(
        ours.body,
        /```mermaid\n%%\{init: [^\n]+\}%%\nxychart-beta\n[^`]+```\n\nLines: 🟦 p50 · 🟧 p95 · 🟥 p99\n/,
      );
      // The footer links the uploaded artifact, not a folder on the runner.
      const uploaded = github.uploaded.get('mlload-example');
      assert.ok(uploaded, `uploaded: ${[...github.uploaded.keys()]}`);
      for (const file of ['results.json', 'report.md', 'report.html', 'pull-request.txt'])
        assert.ok(uploaded.zip.includes(file), `${file} in the artifact`);
      assert.ok(
        ours.body.includes(
          `results: the [\`mlload-example\` artifact](https://github.com/acme/model/actions/runs/4242/artifacts/${uploaded.id})`,
        ),
        ours.body.split('\n').at(-2),
      );
      assert.doesNotMatch(ours.body, /\/tmp\//);
      assert.match(first.summary, /mlload `example`: passed/);
      assert.ok(readFileSync(first.outputs.results!, 'utf8').includes('"verdict": "pass"'));
      // What the artifact carries for a workflow_run comment on a fork's PR: the report and the PR number.
      const dir = dirname(first.outputs.results!);
      assert.equal(readFileSync(join(dir, 'pull-request.txt'), 'utf8'), '7\n');
      assert.match(readFileSync(join(dir, 'report.md'), 'utf8'), /<!-- mlload-action:comment:example -->/);
      // The runner masks what ::add-mask:: names; the token appears nowhere else.
      assert.deepEqual(
        first.stdout.split('\n').filter((l) => l.includes('ghs_secret')),
        ['::add-mask::ghs_secret'],
      );
      const storageCalls = github.calls.filter((c) => c.path.startsWith('/twirp/'));
      assert.ok(storageCalls.length > 0);
      assert.ok(
        storageCalls.every((c) => c.auth === `Bearer ${storage.ACTIONS_RUNTIME_TOKEN}`),
        'storage: its own token',
      );
      assert.ok(github.calls.every((c) => c.path.startsWith('/twirp/') || c.auth === 'token ghs_secret'));

      // Storage down: the run still passes and comments, and says the files were not kept.
      github.failUploads = 403;
      const second = await runAction(
        { scenario: 'perf.yml', 'github-token': 'ghs_secret' },
        { apiUrl: github.url, pullNumber: 7, workspace: ws, env: storage },
      );
      assert.equal(second.code, 0, second.stdout);
      assert.match(second.stdout, /uploading the results artifact failed: .*results stay in/);
      assert.match(github.comments[150]!.body, /results: not uploaded \(the job's log says why\)/);
      assert.equal(github.comments.length, 151, 'updated in place, not duplicated');
      assert.equal(github.calls.filter((c) => c.method === 'POST' && c.path.includes('/issues/')).length, 1);
      assert.equal(github.calls.filter((c) => c.method === 'PATCH').length, 1);
      // The marker was on the second page: every page was read.
      assert.ok(github.calls.some((c) => c.method === 'GET' && c.path.includes('page=2')));
      assert.equal(second.outputs['comment-url'], first.outputs['comment-url']);
    } finally {
      await github.close();
    }
  });

  it('fails the step on a breach, with verdict=fail and a failing row', async () => {
    const github = await new FakeGitHub().start();
    try {
      const ws = await workspace(slow.url, baseline);
      const r = await runAction(
        { scenario: 'perf.yml', 'github-token': 't' },
        { apiUrl: github.url, pullNumber: 7, workspace: ws },
      );
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.outputs.verdict, 'fail');
      assert.match(
        r.summary,
        /\| p95 \| [\d.]+ ms \| [\d.]+ ms \| \+\d+\.\d% \| \[\+\d+\.\d%, \+\d+\.\d%\] \| ≤ \+50% \| ❌ fail \|/,
      );
      // The change against the tolerance, both in percent (it once printed a raw millisecond value against
      // "≤ +50%"); a workflow command escapes % as %25.
      assert.match(
        r.stdout,
        /::error title=mlload%3A example,file=perf.yml::p95 \+[\d.]+%25 \[\+[\d.]+%25, \+[\d.]+%25\] vs baseline breaches the regression tolerance ≤ \+50%25/,
      );
      assert.match(r.stdout, /::error::mlload: example failed: /);
      assert.match(github.comments[0]!.body, /❌ mlload `example`: failed/);
      // fail-on: slo lets a pure regression through, with the verdict still fail.
      const lenient = await runAction(
        { scenario: 'perf.yml', 'github-token': 't', 'fail-on': 'slo', comment: 'never' },
        { apiUrl: github.url, pullNumber: 7, workspace: ws },
      );
      assert.equal(lenient.code, 0, lenient.stdout);
      assert.equal(lenient.outputs.verdict, 'fail');
    } finally {
      await github.close();
    }
  });

  it('paired A/B: the reference build runs beside the target; a 2× slower build fails with A, B and block ratios in the comment', async () => {
    const github = await new FakeGitHub().start();
    try {
      const ws = await workspace(slow.url);
      writeFileSync(
        join(ws, 'perf.yml'),
        `${readFileSync(join(ws, 'perf.yml'), 'utf8')}compare:\n  against: image\n  baseline_url: ${fast.url}\n  blocks: 4\n`,
      );
      const r = await runAction(
        { scenario: 'perf.yml', 'github-token': 't' },
        { apiUrl: github.url, pullNumber: 7, workspace: ws },
      );
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.outputs.verdict, 'fail');
      const body = github.comments[0]!.body;
      assert.match(body, /Paired A\/B run: \*\*A\*\* is the reference build `http:\/\/127\.0\.0\.1:\d+`/);
      assert.match(
        body,
        /\| p95 \| [\d.]+ ms \| [\d.]+ ms \| \+\d+\.\d% \| \[\+\d+\.\d%, \+\d+\.\d%\] \| ≤ \+50% \| ❌ fail \|/,
      );
      assert.equal((body.match(/^\| [1-4] \| (A, B|B, A) \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/gm) ?? []).length, 4, body);
      const results = JSON.parse(readFileSync(r.outputs.results!, 'utf8'));
      assert.equal(results.comparison.against, 'image');
    } finally {
      await github.close();
    }
  });

  it('a streaming LLM: the token figures are judged, in the comment and the summary, with tokens.csv beside the results', async () => {
    const github = await new FakeGitHub().start();
    const llm = await startServer(chatStream(6, 40, 5), false);
    try {
      const ws = tempDir('mlload-ws-');
      writeFileSync(
        join(ws, 'perf.yml'),
        `name: llm\ntarget: { url: "${llm.url}" }\nload: { users: 4, duration: 3s }\nrequests:\n  - name: chat\n    protocol: openai-chat\n    model: m\n    prompts: { generated: { tokens: { mean: 8 } } }\n    max_tokens: 6\nslo:\n  ttft: 20ms\n  tpot: 50ms\n`,
      );
      const r = await runAction(
        { scenario: 'perf.yml', 'github-token': 't' },
        { apiUrl: github.url, pullNumber: 7, workspace: ws },
      );
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.outputs.verdict, 'fail');
      const body = github.comments[0]!.body;
      assert.match(body, /\| TTFT p95 \(SLO\) \|[^\n]*\| ≤ 20\.0 ms \| ❌ fail \|/, body);
      assert.match(body, /\| TPOT p95 \(SLO\) \|[^\n]*\| ≤ 50\.0 ms \| ✅ pass \|/, body);
      assert.match(body, /\| `chat` \| \d+ \| \d+ \| [\d.]+ \|/);
      assert.match(r.summary, /TTFT p95/);
      const results = JSON.parse(readFileSync(r.outputs.results!, 'utf8'));
      assert.equal(results.requests.chat.tokens.output_tokens, results.requests.chat.tokens.answers * 6);
      assert.match(
        readFileSync(join(dirname(r.outputs.results!), 'tokens.csv'), 'utf8'),
        /^Type,Name,Answers,Output Tokens/,
      );
    } finally {
      await llm.close();
      await github.close();
    }
  });

  it('a token that cannot write (403) still writes the summary and keeps the verdict', async () => {
    const github = await new FakeGitHub().start();
    github.failWrites = 403;
    try {
      const r = await runAction(
        { scenario: 'perf.yml', 'github-token': 't' },
        { apiUrl: github.url, pullNumber: 7, workspace: await workspace(fast.url, baseline) },
      );
      assert.equal(r.code, 0, r.stdout);
      assert.equal(r.outputs.verdict, 'pass');
      assert.match(
        r.stdout,
        /::warning::mlload: could not comment on the pull request: GitHub API: creating the pull request comment failed: 403/,
      );
      assert.match(r.summary, /mlload `example`: passed/);
      // 403 is final: not retried.
      assert.equal(github.calls.filter((c) => c.method === 'POST' && c.path !== '/graphql').length, 1);
    } finally {
      await github.close();
    }
  });

  it('a flaky API (502) is retried and the comment still lands once', async () => {
    const github = await new FakeGitHub().start();
    github.flakyWrites = 1;
    try {
      const r = await runAction(
        { scenario: 'perf.yml', 'github-token': 't' },
        { apiUrl: github.url, pullNumber: 7, workspace: await workspace(fast.url, baseline) },
      );
      assert.equal(r.code, 0, r.stdout);
      assert.equal(github.calls.filter((c) => c.method === 'POST' && c.path !== '/graphql').length, 2);
      assert.equal(github.comments.length, 1);
      assert.match(r.outputs['comment-url']!, /comment/);
    } finally {
      await github.close();
    }
  });

  it('without a baseline the verdict is no-baseline with a notice, not a failure', async () => {
    const github = await new FakeGitHub().start();
    try {
      const r = await runAction(
        { scenario: 'perf.yml', comment: 'never' },
        { apiUrl: github.url, pullNumber: 7, workspace: await workspace(fast.url) },
      );
      assert.equal(r.code, 0, r.stdout);
      assert.equal(r.outputs.verdict, 'no-baseline');
      assert.match(r.stdout, /::notice title=mlload%3A example::No baseline yet/);
      assert.match(r.stdout, /not on a GitHub runner with artifact storage: results stay in /);
      // Only the history is read (for the trend; there is none yet): nothing is written.
      assert.deepEqual(
        github.calls.map((c) => `${c.method} ${c.path}`),
        ['GET /repos/acme/model/contents/history/example.json?ref=mlload-history'],
      );
    } finally {
      await github.close();
    }
  });

  it('an invalid scenario fails with an annotation on the file and line', async () => {
    const ws = await workspace(fast.url);
    writeFileSync(join(ws, 'perf.yml'), readFileSync(join(ws, 'perf.yml'), 'utf8').replace('weight: 4', 'weight: -1'));
    const r = await runAction({ scenario: 'perf.yml' }, { apiUrl: 'http://127.0.0.1:9', workspace: ws });
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /::error title=mlload%3A invalid file,file=perf.yml,line=\d+,col=13::requests\[0\]\.weight: must be > 0/,
    );
  });

  it('update-baseline merges runs, writes the file and opens a pull request with it', async () => {
    const github = await new FakeGitHub().start();
    try {
      const ws = await workspace(fast.url);
      const r = await runAction(
        { scenario: 'perf.yml', mode: 'update-baseline', 'baseline-runs': '2', 'github-token': 't' },
        { apiUrl: github.url, workspace: ws },
      );
      assert.equal(r.code, 0, r.stdout);
      const written = JSON.parse(readFileSync(join(ws, 'baselines', 'example.json'), 'utf8')) as {
        runs: number;
        overall: { count: number };
      };
      assert.equal(written.runs, 2);
      assert.equal(written.overall.count, 600);
      assert.equal(r.outputs['baseline-url'], 'https://github.example/pull/99');
      const put = github.calls.find((c) => c.method === 'PUT')!;
      assert.match(put.path, /\/contents\/baselines\/example\.json$/);
      assert.match(String(put.body!.branch), /^mlload\/baseline-/);
      assert.deepEqual(JSON.parse(github.files.get('baselines/example.json')!), written);
      assert.equal(github.calls.find((c) => c.path.endsWith('/pulls'))!.body!.base, 'main');
      assert.match(r.summary, /baseline refreshed from 2 runs/);
    } finally {
      await github.close();
    }
  });

  it('update-baseline with baseline-commit: none writes the file, says where, and commits nothing', async () => {
    const github = await new FakeGitHub().start();
    try {
      const ws = await workspace(fast.url);
      const r = await runAction(
        { scenario: 'perf.yml', mode: 'update-baseline', 'baseline-commit': 'none', 'github-token': 't' },
        { apiUrl: github.url, workspace: ws },
      );
      assert.equal(r.code, 0, r.stdout);
      assert.ok(existsSync(join(ws, 'baselines', 'example.json')));
      assert.match(r.stdout, /mlload: baseline written to \S*baselines\/example\.json \(3 runs\)/);
      assert.equal(r.outputs['baseline-url'], '');
      assert.deepEqual(
        github.calls.filter((c) => c.method !== 'GET' && c.path !== '/graphql'),
        [],
        'nothing written to GitHub',
      );
    } finally {
      await github.close();
    }
  });
});
