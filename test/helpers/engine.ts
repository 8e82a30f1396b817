import { execFileSync } from 'node:child_process';

/** Whether a container engine answers `docker info` (scripts/setup-engine.sh starts one). */
export function engineAnswers(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}
