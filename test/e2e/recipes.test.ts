import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { Results } from '../../src/metrics/types.ts';
import { engineAnswers } from '../helpers/engine.ts';
import { ROOT, runCli } from '../helpers/cli.ts';
import { PREDICT_REQUESTS, tempDir } from '../helpers/scenario.ts';
import { startServer, uniformLatency, type TestServer } from '../helpers/servers.ts';

const run = promisify(execFile);
const BASE = 'mlload-recipe-node:test';
const IMAGE = 'mlload-recipe:test';

/** The README's Kubernetes Job, as a cluster would read it. */
function readmeJob(): { args: string[]; image: string } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => /kind: Job/.test(b));
  assert.ok(block, 'the README has a Kubernetes Job');
  const job = parseAllDocuments(block)[0]!.toJS() as {
    spec: { template: { spec: { containers: Array<{ args: string[]; image: string; command?: string[] }> } } };
  };
  const container = job.spec.template.spec.containers[0]!;
  assert.equal(container.command, undefined, "the image's entry point is mlload: the Job gives only arguments");
  return container;
}

describe("the README's Kubernetes recipe, with a real container engine", { concurrency: false }, () => {
  let available = false;
  let server: TestServer;
  before(async () => {
    available = engineAnswers();
    if (!available && process.env.CI)
      throw new Error('no container engine answers `docker info` (CI=true: see scripts/setup-engine.sh)');
    server = await startServer(uniformLatency(5, 10), false);
  });
  after(async () => {
    await server.close();
    if (available) execFileSync('docker', ['rmi', '--force', IMAGE, BASE], { stdio: 'ignore' });
  });

  it("builds the CLI's image from the Dockerfile, runs --help in it, and runs two of the Job's shards that merge exactly", async (t) => {
    if (!available) return t.skip('no container engine');
    // Node 24 as a base image, FROM scratch from this machine's node: there is no registry to pull node:24-slim from.
    execFileSync('bash', [join(ROOT, 'scripts/build-scratch-image.sh'), BASE, tempDir()], { stdio: 'ignore' });
    // The legacy builder: the Debian engine here has no BuildKit.
    execFileSync('docker', ['build', '--quiet', '--build-arg', `NODE_IMAGE=${BASE}`, '--tag', IMAGE, ROOT], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      stdio: 'ignore',
    });
    const help = await run('docker', ['run', '--rm', IMAGE]);
    assert.match(help.stdout, /^mlload \d+\.\d+\.\d+: load-test an ML model's HTTP API/);
    assert.match(help.stdout, /Usage: mlload <command> \[options\]/);

    const job = readmeJob();
    const work = tempDir();
    const results = tempDir();
    chmodSync(results, 0o777); // the Pod's fsGroup: the image's user may write the volume
    const scenarioFile = basename(job.args[1]!);
    writeFileSync(
      join(work, scenarioFile),
      `name: staging\ntarget: { url: "${server.url}" }\nload: { rate: 40, duration: 2s }\n${PREDICT_REQUESTS}`,
    );
    chmodSync(work, 0o755);
    const startAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 5000).toISOString();
    const shardArgs = (index: number) =>
      job.args.map((a, i) =>
        job.args[i - 1] === '--start-at' ? startAt : a.replaceAll('$(JOB_COMPLETION_INDEX)', String(index)),
      );
    const shards = await Promise.all(
      [0, 1].map((index) =>
        run('docker', [
          'run',
          '--rm',
          '--network',
          'host',
          '--volume',
          `${work}:/work:ro`,
          '--volume',
          `${results}:/results`,
          IMAGE,
          // The Job runs 4 shards; these two are half of them.
          ...shardArgs(index).map((a) => a.replace('/4', '/2')),
        ]),
      ),
    );
    for (const s of shards) assert.match(s.stdout, /shard/, s.stdout);
    const files = [0, 1].map((i) => join(results, `shard-${i}`, 'results.json'));
    const merged = tempDir();
    // As the README says: the scenario given, since the shards recorded the path inside their containers.
    const m = await runCli(['merge', ...files, '--scenario', join(work, scenarioFile), '--out', merged]);
    assert.equal(m.code, 0, m.stderr);
    const whole = JSON.parse(readFileSync(join(merged, 'results.json'), 'utf8')) as Results;
    const parts = files.map((f) => (JSON.parse(readFileSync(f, 'utf8')) as Results).overall.count);
    assert.equal(whole.overall.count, parts[0]! + parts[1]!);
    assert.equal(whole.overall.count, 80, "the schedule's 40 req/s for 2 s, split between the shards");
    assert.equal(whole.overall.failure_count, 0);
  });
});
