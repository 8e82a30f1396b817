import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/cli.ts';
import { tempDir } from '../helpers/scenario.ts';

const SCRIPT = join(ROOT, 'scripts/release-tags.sh');

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** A repository with a remote, as the release job checks it out. */
function repository(): { work: string; remote: string } {
  const remote = tempDir();
  git(remote, 'init', '--quiet', '--bare');
  const work = tempDir();
  git(work, 'init', '--quiet');
  git(work, 'config', 'user.email', 't@example.com');
  git(work, 'config', 'user.name', 't');
  git(work, 'remote', 'add', 'origin', remote);
  return { work, remote };
}

/** A commit of package.json at `version`, tagged `tag`: its sha. */
function release(work: string, version: string, tag: string): string {
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'x', version }));
  git(work, 'add', '-A');
  git(work, 'commit', '--quiet', '-m', version);
  git(work, 'tag', tag);
  return git(work, 'rev-parse', 'HEAD');
}

const tagged = (work: string, tag: string) => spawnSync('bash', [SCRIPT, tag], { cwd: work, encoding: 'utf8' });
const remoteTag = (remote: string, tag: string) =>
  spawnSync('git', ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`], {
    cwd: remote,
    encoding: 'utf8',
  }).stdout.trim();

describe('the release workflow moves the major tag', () => {
  it('v1 follows each release of 1.x; a pre-release moves nothing; a tag that is not the version is refused', () => {
    const { work, remote } = repository();
    const first = release(work, '1.2.3', 'v1.2.3');
    let r = tagged(work, 'v1.2.3');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(remoteTag(remote, 'v1'), first);
    const second = release(work, '1.3.0', 'v1.3.0');
    assert.equal(tagged(work, 'v1.3.0').status, 0);
    assert.equal(remoteTag(remote, 'v1'), second, 'moved to the newer release');

    release(work, '2.0.0-rc.1', 'v2.0.0-rc.1');
    r = tagged(work, 'v2.0.0-rc.1');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /pre-release: v2 stays where it is/);
    assert.equal(remoteTag(remote, 'v2'), '');

    release(work, '2.0.1', 'v2.0.2');
    r = tagged(work, 'v2.0.2');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /the tag v2\.0\.2 is not package\.json's version \(2\.0\.1\): bump it first/);
    for (const bad of ['1.2.3', 'v1.2', 'v01.2.3', 'latest']) {
      r = tagged(work, bad);
      assert.equal(r.status, 1, bad);
      assert.match(r.stderr, /is not a semantic version tag/);
    }
    assert.equal(remoteTag(remote, 'v1'), second, 'no refused release moved it');
  });
});
