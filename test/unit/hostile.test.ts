import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { math, mathHtml } from 'micromark-extension-math';
import { Http1Client } from '../../src/engine/http1.ts';
import type { Outcome } from '../../src/engine/types.ts';
import { judge } from '../../src/gate/verdict.ts';
import { encodeHistogram, latencyHistogram, recordMs, summarize } from '../../src/metrics/histogram.ts';
import type { Results } from '../../src/metrics/types.ts';
import { codeSpan, markdownReport } from '../../src/report/markdown.ts';
import { loadScenario, unsafeDockerArgs } from '../../src/scenario/parse.ts';
import type { RequestPlan } from '../../src/scenario/types.ts';
import { dockerEnv } from '../../src/target/docker.ts';
import { containerEnv, runArgs } from '../../src/target/container.ts';
import { exampleScenario, tempDir, writeScenario } from '../helpers/scenario.ts';
import { readBaseline } from '../../src/store/index.ts';

/** Issue 12, the parts that need no process of their own. */

describe('2. large response bodies', () => {
  const plan = (extra: Partial<RequestPlan['expect']> = {}): RequestPlan => ({
    name: 'big',
    method: 'GET',
    path: '/',
    weight: 1,
    headers: {},
    timeoutMs: 60_000,
    body: null,
    expect: { statusText: '2xx', accepts: (s) => s < 300, jsonFields: [], ...extra },
  });

  it('a 512 MiB error body is counted, kept only up to the cap, and costs no memory', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 120);
    const server = createServer((req, res) => {
      const chunked = req.url === '/chunked';
      res.writeHead(500, chunked ? {} : { 'content-length': String(512 * chunk.length) });
      let sent = 0;
      const pump = () => {
        while (sent < 512) {
          sent++;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const t0 = performance.now();
    const clock = () => performance.now() - t0;
    const target = new Http1Client(origin, 1, {}, clock);
    try {
      const rss = process.memoryUsage().rss;
      for (const path of ['/', '/chunked']) {
        const o = await new Promise<Outcome>((resolve) => target.send({ ...plan(), path }, null, clock(), resolve));
        assert.equal(o.status, 500, `${path}: ${o.failure}`);
        assert.equal(o.failure, 'HTTP 500 (expected 2xx)');
        assert.equal(o.bytes, 512 * 1024 * 1024, path);
        assert.equal(o.sample!.length, 1024 * 1024, 'kept up to MAX_KEPT_BODY');
      }
      assert.ok(
        process.memoryUsage().rss - rss < 200 * 1024 * 1024,
        `rss grew ${((process.memoryUsage().rss - rss) / 1048576).toFixed(0)} MiB`,
      );
    } finally {
      await target.destroy();
      server.closeAllConnections();
      server.close();
    }
  });

  it('JSON fields in a body too large to keep are a failure, not a pass', async () => {
    const big = JSON.stringify({ y: 1, pad: 'x'.repeat(2 * 1024 * 1024) });
    const server = createServer((_req, res) => res.end(big));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const t0 = performance.now();
    const clock = () => performance.now() - t0;
    const target = new Http1Client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 1, {}, clock);
    try {
      const o = await new Promise<Outcome>((resolve) =>
        target.send(plan({ jsonFields: [['y']] }), null, clock(), resolve),
      );
      assert.equal(o.failure, 'response body over 1 MiB: JSON fields not checked');
    } finally {
      await target.destroy();
      server.close();
    }
  });
});

describe('3, 12. the container sees only what the scenario gives it', () => {
  it('refuses args that copy the runner environment or reach the host, unless allowed', () => {
    assert.match(
      unsafeDockerArgs(['--env', 'INPUT_GITHUB-TOKEN'])!,
      /copies INPUT_GITHUB-TOKEN from the runner's environment/,
    );
    assert.match(unsafeDockerArgs(['-eACTIONS_RUNTIME_TOKEN'])!, /copies ACTIONS_RUNTIME_TOKEN/);
    assert.match(unsafeDockerArgs(['--env-file', '/proc/self/environ'])!, /--env-file/);
    assert.match(unsafeDockerArgs(['--privileged'])!, /privileges/);
    assert.match(unsafeDockerArgs(['-v', '/:/host'])!, /mounts a host path/);
    assert.match(unsafeDockerArgs(['--mount=type=bind,src=/,dst=/h'])!, /bind/);
    assert.match(unsafeDockerArgs(['--pid=host'])!, /namespace/);
    assert.equal(unsafeDockerArgs(['--cpus', '1', '--env', 'A=1', '-v', 'models:/models', '--shm-size=1g']), null);
    const text = exampleScenario('http://127.0.0.1:9').replace(
      '  url: http://127.0.0.1:9',
      '  image: m:1\n  port: 8080\n  args: ["--env", "INPUT_GITHUB-TOKEN"]',
    );
    assert.throws(
      () => loadScenario(writeScenario(text)),
      /target\.args: `--env INPUT_GITHUB-TOKEN` copies .* set `allow_unsafe_args: true`/,
    );
    assert.doesNotThrow(() =>
      loadScenario(writeScenario(text.replace('  args:', '  allow_unsafe_args: true\n  args:'))),
    );
  });

  it('docker runs with a clean environment, and no env value is on its command line', () => {
    const env = dockerEnv({
      PATH: '/bin',
      HOME: '/root',
      DOCKER_HOST: 'unix:///x',
      'INPUT_GITHUB-TOKEN': 'ghs_secret',
      ACTIONS_RUNTIME_TOKEN: 'rt',
      GITHUB_TOKEN: 'g',
    });
    assert.deepEqual(env, { PATH: '/bin', HOME: '/root', DOCKER_HOST: 'unix:///x' });
    const spec = {
      url: null,
      image: 'm:1',
      port: 8080,
      network: 'publish' as const,
      portEnv: 'PORT',
      env: { API_KEY: 'supersecret' },
      args: [],
      pull: 'missing' as const,
      headers: {},
      health: { path: '/health', timeoutMs: 1000, intervalMs: 100 },
    };
    const args = runArgs(spec, 'n', 'l', 5555, '/tmp/env-file');
    assert.ok(!args.join(' ').includes('supersecret'), args.join(' '));
    assert.deepEqual(containerEnv(spec, 5555), { API_KEY: 'supersecret', PORT: '8080' });
  });
});

describe('5. numbers in a baseline are checked', () => {
  // biome-ignore lint/suspicious/noExplicitAny: the test breaks a baseline's fields at will
  function baselineFile(edit: (b: Record<string, any>) => void = () => {}): string {
    const h = latencyHistogram();
    for (let i = 1; i <= 1000; i++) recordMs(h, i / 10);
    const figures = {
      count: 1000,
      failure_count: 0,
      rps: 100,
      error_rate: 0,
      latency_ms: summarize(h),
      histogram: encodeHistogram(h),
    };
    // biome-ignore lint/suspicious/noExplicitAny: as above
    const b: Record<string, any> = {
      schema_version: 1,
      scenario: { name: 'x', hash: 'h' },
      created_at: '2026-01-01T00:00:00Z',
      runs: 1,
      environment: { os: 'linux', cpu_model: 'c', cores: 2 },
      overall: figures,
      requests: { a: structuredClone(figures) },
    };
    edit(b);
    const file = join(tempDir(), 'baseline.json');
    writeFileSync(file, JSON.stringify(b, null, 2));
    return file;
  }

  it('reads a sound baseline', () => {
    assert.equal(readBaseline(baselineFile())!.overall.count, 1000);
  });

  it('refuses negative, zero and absurd latencies, naming the key', () => {
    assert.throws(
      () => readBaseline(baselineFile((b) => (b.overall.latency_ms.p95 = -5))),
      /overall\.latency_ms\.p95: must be >= 0/,
    );
    assert.throws(
      () => readBaseline(baselineFile((b) => (b.overall.latency_ms.p95 = 0))),
      /overall\.latency_ms\.p95: is 0 ms but the histogram says 95/,
    );
    assert.throws(
      () => readBaseline(baselineFile((b) => (b.requests.a.latency_ms.p99 = 1e308))),
      /requests\.a\.latency_ms\.p99: must be <= 3600000/,
    );
    assert.throws(
      () => readBaseline(baselineFile((b) => (b.overall.count = 5))),
      /overall\.count: is 5 but the histogram holds 1000/,
    );
  });

  it('a histogram that inflates to gigabytes (a zlib bomb) is refused at once', () => {
    const header = Buffer.alloc(40);
    header.writeInt32BE(0x1c849303, 0);
    const payload = Buffer.concat([header, Buffer.alloc(64 * 1024 * 1024)]);
    const deflated = deflateSync(payload, { level: 9 });
    const prefix = Buffer.alloc(8);
    prefix.writeInt32BE(0x1c849304 | 0x10, 0);
    prefix.writeInt32BE(deflated.length, 4);
    const bomb = Buffer.concat([prefix, deflated]).toString('base64');
    assert.ok(bomb.length < 1024 * 1024, `${bomb.length} chars`);
    const started = performance.now();
    assert.throws(
      () => readBaseline(baselineFile((b) => (b.overall.histogram = bomb))),
      /overall\.histogram: is not a valid encoded HDR histogram/,
    );
    assert.ok(performance.now() - started < 5000);
  });

  it('a baseline file past 16 MiB is refused before it is parsed', () => {
    const file = join(tempDir(), 'huge.json');
    const fd = openSync(file, 'w');
    writeFileSync(fd, '{"pad": "');
    writeFileSync(fd, 'x'.repeat(20 * 1024 * 1024));
    writeFileSync(fd, '"}');
    closeSync(fd);
    const started = performance.now();
    assert.throws(() => readBaseline(file), /huge\.json: cannot read: larger than 16 MiB/);
    assert.ok(performance.now() - started < 2000);
  });
});

describe("8. the report keeps a server's text inert", () => {
  const scenario = loadScenario(writeScenario(exampleScenario('http://127.0.0.1:9')));
  const hostile = [
    'see https://evil.example/phish and www.evil.example',
    'fixes #1, acme/model#2, GH-3, @admin',
    '~~struck~~ $$\\color{red}{pwned}$$ **bold** <img src=x onerror=alert(1)>',
    'rtl \u202Edesrever\u202C text ``` ```` </details> | pipes |',
  ].join('\n');
  const results = {
    scenario: { name: 'example', file: '', hash: scenario.hash },
    overall: {
      count: 100,
      failure_count: 3,
      rps: 10,
      error_rate: 0.03,
      latency_ms: { p50: 10, p90: 20, p95: 30, p99: 40, p999: 50, min: 1, max: 60, mean: 12 },
      failures: [
        { request: 'predict|x`y\n@z', method: 'POST', reason: 'HTTP 500 (expected 2xx)', count: 3, samples: [hostile] },
      ],
    },
    requests: {},
    target: { kind: 'url', url: '' },
    environment: { os: 'linux', arch: 'x64', cpu_model: 'cpu', cores: 2, node: 'v24' },
    interrupted: false,
    series: [],
    duration_s: 10,
    warmup_s: 0,
    load: { model: 'open' },
  } as unknown as Results;
  const md = markdownReport(results, judge(results, scenario, null));
  const html = micromark(md, {
    allowDangerousHtml: true,
    extensions: [gfm(), math()],
    htmlExtensions: [gfmHtml(), mathHtml()],
  });
  // What GitHub could turn into links, references, mentions or math: text outside code and pre.
  const outside = html.replace(/<pre>[\s\S]*?<\/pre>/g, '').replace(/<code>[\s\S]*?<\/code>/g, '');

  it('renders the body only inside a code block', () => {
    assert.match(html, /<pre><code class="language-text">see https:\/\/evil\.example\/phish/);
    for (const s of ['evil.example', '#1', 'model#2', 'GH-3', '@admin', '@z', 'struck', 'color', '<img', 'desrever'])
      assert.ok(!outside.includes(s), `${s} outside code:\n${outside}`);
    assert.ok(
      !/<a |<del>|<strong>bold|class="math/.test(html.replace(/<pre>[\s\S]*?<\/pre>/g, '')),
      'no link, strike-through, emphasis or math from the body',
    );
    // Not in a table cell either, where GitHub renders markdown inside raw <code>.
    assert.ok(!/<td>[^\n]*evil/.test(html));
  });

  it('neutralises bidi controls and keeps table rows whole', () => {
    assert.ok(!/[\u202A-\u202E\u2066-\u2069]/.test(md));
    assert.match(md, /<U\+202E>/);
    const table = /<table>[\s\S]*?<\/table>/.exec(html.slice(html.indexOf('Failures')))![0];
    const cells = /<tr>\s*((?:<td>[\s\S]*?<\/td>\s*)+)<\/tr>/.exec(table)![1]!.match(/<td>/g)!.length;
    assert.equal(cells, 3, table);
  });

  it('shows request names as written, without entities', () => {
    assert.equal(codeSpan('predict_invalid'), '`predict_invalid`');
    assert.equal(codeSpan('a`b'), '``a`b``');
    assert.equal(codeSpan('a|b'), '`a\\|b`');
    assert.match(html, /<code>predict\|x`y @z<\/code>/);
  });
});

describe('10. file payloads stay in the workspace, are regular files, and are never echoed', () => {
  const withFile = (file: string, dir = tempDir()) =>
    writeScenario(
      exampleScenario('http://127.0.0.1:9').replace(
        'fields:\n        x: { float: [0, 10] }',
        `file: ${JSON.stringify(file)}`,
      ),
      dir,
    );

  it('a relative path out of the folder and the workspace is refused; its contents are not shown', () => {
    assert.throws(
      () => loadScenario(withFile('../../../../../../../etc/passwd')),
      (err: Error) =>
        /requests\[0\]\.body\.file: \.\.\/.*etc\/passwd leads outside the scenario's folder and the workspace/.test(
          err.message,
        ) && !/root:/.test(err.message),
    );
  });

  it('an absolute path is read as meant, but only a regular file, never echoed', () => {
    assert.throws(
      () => loadScenario(withFile('/etc/passwd')),
      (err: Error) => /not a JSON line/.test(err.message) && !/root:|bin\/bash|daemon/.test(err.message),
    );
    assert.throws(() => loadScenario(withFile('/dev/zero')), /\/dev\/zero is not a regular file/);
    const dir = tempDir();
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const started = performance.now();
    assert.throws(() => loadScenario(withFile('fifo', dir)), /fifo is not a regular file/);
    assert.ok(performance.now() - started < 2000, 'a FIFO does not hang');
  });

  it('a payload file over 64 MiB is refused without reading it', () => {
    const dir = tempDir();
    execFileSync('truncate', ['-s', '65M', join(dir, 'big.jsonl')]);
    assert.throws(() => loadScenario(withFile('big.jsonl', dir)), /big\.jsonl is larger than 64 MiB/);
  });
});
