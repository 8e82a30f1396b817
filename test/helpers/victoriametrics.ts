import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.ts';
import { tempDir } from './scenario.ts';
import { vectorOf } from './prometheus.ts';
import { freePort } from './servers.ts';
import { startService } from './service.ts';

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
  const url = `http://127.0.0.1:${port}`;
  const stop = await startService(
    'victoria-metrics',
    bin,
    [
      `-storageDataPath=${tempDir('mlload-vm-')}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      '-retentionPeriod=100y',
      '-search.latencyOffset=0s',
      '-search.disableCache',
    ],
    `${url}/health`,
  );
  return {
    otlpUrl: `${url}/opentelemetry/v1/metrics`,
    async query(promql) {
      await fetch(`${url}/internal/force_flush`).then((r) => r.arrayBuffer());
      // At a time just ahead: an instant query's time is rounded down to the second, which would miss the last batch.
      const time = String(Math.ceil(Date.now() / 1000) + 1);
      const r = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql, time })}`);
      return vectorOf(promql, (await r.json()) as { status: string; error?: string; data?: { result: unknown } });
    },
    close: stop,
  };
}
