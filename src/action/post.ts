import { removeLabelled } from '../target/docker.ts';
import { workflowCommand } from './commands.ts';

// Runs after the job, also when it was cancelled: no container of this job may outlive it. Kept to
// the docker CLI and the runner's state file, so its bundle carries no HTTP client.
try {
  const label = process.env['STATE_run-label'];
  if (label) {
    const removed = await removeLabelled(label);
    if (removed > 0) process.stdout.write(`mlload: removed ${removed} leftover container(s)\n`);
  }
} catch (err) {
  process.stdout.write(workflowCommand('warning', `mlload: cleanup: ${(err as Error).message}`));
}
