import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** A server process of the tests' own (Prometheus, VictoriaMetrics): started, waited on until ready, stopped. */
export async function startService(
  name: string,
  bin: string,
  args: string[],
  readyUrl: string,
): Promise<() => Promise<void>> {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (c: Buffer) => {
    log = (log + c.toString()).slice(-4000);
  });
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${log}`);
    const ready = await fetch(readyUrl).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (i > 150) {
      child.kill();
      throw new Error(`${name} not ready after 30 s: ${log}`);
    }
    await sleep(200);
  }
  return async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  };
}
