import * as core from '@actions/core';
import { join } from 'node:path';
import type { RunContext } from '../github/index.ts';
import { gateJob, mergeJob, problemAnnotations, refreshBaselineJob, shardJob } from '../pipeline/index.ts';
import type { Job, JobOutcome } from '../pipeline/index.ts';
import { InvalidFileError } from '../shared/document.ts';
import * as host from './host.ts';
import { readInputs, type Inputs } from './inputs.ts';

/** The action: read the inputs, run the mode's job, set the outputs; any error fails the step. */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const { job, ctx } = host.runnerJob(inputs);
    const outcome = await modeJob(inputs, job, ctx);
    if (outcome.text) core.info(outcome.text);
    for (const [name, value] of Object.entries(outcome.outputs)) core.setOutput(name, value);
    if (outcome.failure) core.setFailed(`mlload: ${outcome.failure.message}`);
  } catch (err) {
    if (!(err instanceof InvalidFileError)) return core.setFailed(`mlload: ${(err as Error).message}`);
    host.annotate(problemAnnotations(err.problems, 'mlload: invalid file'));
    core.setFailed(`invalid input file:\n${err.message}`);
  }
}

/** The job of the `mode` input. */
function modeJob(inputs: Inputs, job: Job, ctx: RunContext): Promise<JobOutcome> {
  const file = inputs.baseline ?? join('baselines', `${job.scenario.name}.json`);
  const gate = {
    baseline: { file, missing: 'none' as const, named: inputs.baseline !== null },
    failOn: inputs.mode === 'report' ? ('never' as const) : inputs.failOn,
    failOnInconclusive: inputs.failOnInconclusive,
    record: inputs.mode === 'record' ? { keep: inputs.historyKeep } : null,
  };
  switch (inputs.mode) {
    case 'update-baseline': {
      const committer = host.baselineCommitter(inputs, ctx);
      return refreshBaselineJob(job, { runs: inputs.baselineRuns, from: inputs.baselineFrom, file, committer });
    }
    case 'shard':
      return shardJob(job, { ...inputs.shard!, startAtMs: inputs.startAtMs, startAt: host.shardStart(inputs, ctx) });
    case 'merge':
      return mergeJob(job, gate);
    default:
      return gateJob(job, gate);
  }
}
