import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from './cli.ts';
import { tempDir } from './scenario.ts';
import { freePort } from './servers.ts';

/** The victoria-metrics binary: VICTORIA_METRICS_PATH, or Debian's (scripts/setup-victoriametrics.sh); null if none. */
export function victoriaMetricsPath(): string | null {
  for (const p of [process.env.VICTORIA_METRICS_PATH, join(ROOT, '.cache/victoria-metrics/victoria-metrics')])
    if (p && existsSync(p)) return p;
  return null;
}

export interface VictoriaMetrics {
  /** Its OTLP/HTTP metrics receiver. */
  otlpUrl: string;
  /** An instant PromQL query's vector, after making every sample received so far searchable. */
  query(promql: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  close(): Promise<void>;
}

/**
 * A real OTLP receiver of its own: VictoriaMetrics on a free port, in a temp folder. Points are searchable at once
 * (latency offset 0, no result cache), so a query right after a run sees its last batch.
 */
export async function startVictoriaMetrics(): Promise<VictoriaMetrics> {
  const bin = victoriaMetricsPath();
  if (!bin) throw new Error('no victoria-metrics (see scripts/setup-victoriametrics.sh)');
  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    [
      `-storageDataPath=${tempDir('mlload-vm-')}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      '-retentionPeriod=100y',
      '-search.latencyOffset=0s',
      '-search.disableCache',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (c: Buffer) => {
    log = (log + c.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`victoria-metrics exited: ${log}`);
    const ready = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (i > 150) throw new Error(`victoria-metrics not ready after 30 s: ${log}`);
    await sleep(200);
  }
  return {
    otlpUrl: `${url}/opentelemetry/v1/metrics`,
    async query(promql) {
      await fetch(`${url}/internal/force_flush`).then((r) => r.arrayBuffer());
      // At a time just ahead: an instant query's time is rounded down to the second, which would miss the last batch.
      const time = String(Math.ceil(Date.now() / 1000) + 1);
      const r = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql, time })}`);
      const answer = (await r.json()) as { status: string; error?: string; data?: { result: unknown } };
      if (answer.status !== 'success') throw new Error(`${promql}: ${answer.error}`);
      const result = answer.data!.result as Array<{ metric: Record<string, string>; value: [number, string] }>;
      return result.map((x) => ({ metric: x.metric, value: Number(x.value[1]) }));
    },
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    },
  };
}
