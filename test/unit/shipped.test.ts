import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadScenario } from '../../src/scenario/index.ts';
import { readBaseline } from '../../src/store/baseline.ts';
import { ROOT } from '../helpers/cli.ts';

describe('the shipped example baselines', () => {
  for (const [file, scenarioFile] of [
    ['baselines/example.json', 'examples/scenario.yml'],
    ['examples/baseline-llm.json', 'examples/scenario-llm.yml'],
  ] as const)
    it(`${file} is of ${scenarioFile} as it is now, with every figure the current format has`, () => {
      const baseline = readBaseline(join(ROOT, file))!;
      const scenario = loadScenario(join(ROOT, scenarioFile));
      assert.equal(
        baseline.scenario.hash,
        scenario.hash,
        'refresh it: run the scenario three times, then mlload baseline',
      );
      assert.ok(baseline.runs >= 3, 'three runs or more give the gate their spread');
      assert.equal(baseline.per_run?.length, baseline.runs);
      for (const run of baseline.per_run ?? []) assert.ok(run.windows, 'each run carries its per-window figures');
    });
});
