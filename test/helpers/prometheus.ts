import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './servers.ts';
import { tempDir } from './scenario.ts';
import { startService } from './service.ts';

/** The prometheus binary: PROMETHEUS_PATH, or Debian's (scripts/setup-prometheus.sh); null when there is none. */
export function prometheusPath(): string | null {
  for (const p of [process.env.PROMETHEUS_PATH, '/usr/bin/prometheus', '/usr/local/bin/prometheus'])
    if (p && existsSync(p)) return p;
  return null;
}

/** An instant query's answer (Prometheus's HTTP API, spoken by VictoriaMetrics too) as labels and numbers. */
export function vectorOf(
  promql: string,
  answer: { status: string; error?: string; data?: { result: unknown } },
): Array<{ metric: Record<string, string>; value: number }> {
  if (answer.status !== 'success') throw new Error(`${promql}: ${answer.error}`);
  const result = answer.data!.result as Array<{ metric: Record<string, string>; value: [number, string] }>;
  return result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

export interface Prometheus {
  url: string;
  writeUrl: string;
  /** An instant query's vector, each series' labels and value. */
  query(promql: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  /** The API's answer as it is (status, errorType, error), for expressions checked only for validity. */
  raw(promql: string): Promise<{ status: string; error?: string }>;
  close(): Promise<void>;
}

/**
 * A real Prometheus of its own: a free port, a fresh temp folder (a TSDB refuses samples older than what it already
 * holds, so tests never share one), the remote-write receiver and native histograms on.
 */
export async function startPrometheus(): Promise<Prometheus> {
  const bin = prometheusPath();
  if (!bin) throw new Error('no prometheus (see scripts/setup-prometheus.sh)');
  const dir = tempDir('mlload-prom-');
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const stop = await startService(
    'prometheus',
    bin,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--enable-feature=native-histograms',
    ],
    `${url}/-/ready`,
  );
  const raw = async (promql: string) => {
    const r = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    return (await r.json()) as { status: string; error?: string; data?: { result: unknown } };
  };
  return {
    url,
    writeUrl: `${url}/api/v1/write`,
    raw,
    query: async (promql) => vectorOf(promql, await raw(promql)),
    close: stop,
  };
}
