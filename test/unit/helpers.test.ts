import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/cli.ts';

/** A test process that makes a temp folder and ends with `code`: the folder's path. */
function folderOf(code: number, env: NodeJS.ProcessEnv = {}): string {
  const helper = pathToFileURL(join(ROOT, 'test/helpers/scenario.ts')).href;
  const r = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { tempDir, writeScenario } from '${helper}'; const d = tempDir(); writeScenario('x', d); ` +
        `console.log(d); process.exitCode = ${code};`,
    ],
    { encoding: 'utf8', env: { ...process.env, MLLOAD_KEEP_TEST_DIRS: '', ...env } },
  );
  assert.equal(r.status, code, r.stderr);
  return r.stdout.trim();
}

describe('test helpers', () => {
  it('a test process that ends well leaves no temp folder; a failing one keeps its folders to look into', () => {
    assert.equal(existsSync(folderOf(0)), false);
    const kept = folderOf(1);
    assert.ok(existsSync(join(kept, 'scenario.yml')));
    rmSync(kept, { recursive: true });
    const asked = folderOf(0, { MLLOAD_KEEP_TEST_DIRS: '1' });
    assert.ok(existsSync(asked));
    rmSync(asked, { recursive: true });
  });
});
