import * as core from '@actions/core';
import { removeLabelled } from '../target/container.ts';

// Runs after the job, also when it was cancelled: no container of this job may outlive it.
try {
  const label = core.getState('run-label');
  if (label) {
    const removed = await removeLabelled(label);
    if (removed > 0) core.info(`mlload: removed ${removed} leftover container(s)`);
  }
} catch (err) {
  core.warning(`mlload: cleanup: ${(err as Error).message}`);
}
