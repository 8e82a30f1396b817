// The export stage: a run's figures to where teams keep their metrics (Prometheus remote-write), live and at the end.
import type { Verdict } from '../gate/index.ts';
import type { ExportFigures, Results, SeriesPoint } from '../metrics/index.ts';
import { compress, REMOTE_WRITE_HEADERS, writeRequest } from './remote-write.ts';
import { finalSamples, secondSamples, type MeasuredSoFar, type RunLabels } from './samples.ts';
import { PostError, Sender, SENDER_DEFAULTS, type SenderOptions } from './sender.ts';
import type { ExportSample } from './series.ts';

export { reasonClass, type MeasuredSoFar, type RunLabels } from './samples.ts';
export { bucketIndex, bucketUpper, exponentialBuckets, NATIVE_SCHEMA } from './native.ts';

/** Where a run's figures go: an endpoint and the headers (credentials) it needs, never read from the scenario. */
export interface PrometheusSettings {
  url: string;
  histograms: 'native' | 'classic';
  headers: Record<string, string>;
}

export interface ExportSettings {
  prometheus: PrometheusSettings | null;
}

/** How long the end of a run waits for the export to catch up before it counts the rest as dropped. */
const FLUSH_MS = 10_000;
/** One post's time at most: a hung endpoint is retried, not waited on. */
const POST_TIMEOUT_MS = 5_000;

/**
 * The endpoints of a run: the URL from a flag or input (or the scenario), credentials from the environment only:
 * MLLOAD_PROMETHEUS_TOKEN (a bearer token) or MLLOAD_PROMETHEUS_USER with MLLOAD_PROMETHEUS_PASSWORD.
 */
export function exportSettings(
  scenario: { prometheus?: { url?: string; histograms?: 'native' | 'classic' } } | undefined,
  overrides: { prometheusUrl?: string | null },
  env: NodeJS.ProcessEnv = process.env,
): ExportSettings {
  const url = overrides.prometheusUrl || scenario?.prometheus?.url || env.MLLOAD_PROMETHEUS_URL || null;
  if (!url) return { prometheus: null };
  const headers: Record<string, string> = {};
  if (env.MLLOAD_PROMETHEUS_TOKEN) headers.authorization = `Bearer ${env.MLLOAD_PROMETHEUS_TOKEN}`;
  else if (env.MLLOAD_PROMETHEUS_USER) {
    const pair = `${env.MLLOAD_PROMETHEUS_USER}:${env.MLLOAD_PROMETHEUS_PASSWORD ?? ''}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  return { prometheus: { url, histograms: scenario?.prometheus?.histograms ?? 'native', headers } };
}

/** A URL as it may be printed: no user, password or query (a token in a query string stays out of logs). */
export function endpointText(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(an invalid URL)';
  }
}

function remoteWritePost(p: PrometheusSettings) {
  return async (batch: ExportSample[], stop: AbortSignal): Promise<void> => {
    const body = compress(writeRequest(batch, p.histograms));
    let res: Response;
    try {
      res = await fetch(p.url, {
        method: 'POST',
        headers: { ...REMOTE_WRITE_HEADERS, ...p.headers },
        body,
        signal: AbortSignal.any([stop, AbortSignal.timeout(POST_TIMEOUT_MS)]),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why =
        e.name === 'TimeoutError' ? `no answer within ${POST_TIMEOUT_MS / 1000} s` : (e.cause?.code ?? e.message);
      throw new PostError(why, true);
    }
    if (res.ok) return void (await res.arrayBuffer());
    const text = (await res.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ').trim();
    // Remote-write: 5xx and 429 may succeed later; any other 4xx never will.
    throw new PostError(`HTTP ${res.status}${text ? `: ${text}` : ''}`, res.status >= 500 || res.status === 429);
  };
}

/**
 * A run's export: each closed second's samples queued as it closes (never waiting on the endpoint), then the final
 * figures, the same as results.json's, once the run is judged.
 */
export class Exporter {
  private readonly prometheus: { settings: PrometheusSettings; sender: Sender } | null;
  private lastMs = 0;
  private readonly labels: RunLabels;

  constructor(settings: ExportSettings, labels: RunLabels, options: SenderOptions = SENDER_DEFAULTS) {
    this.labels = labels;
    const p = settings.prometheus;
    this.prometheus = p ? { settings: p, sender: new Sender(remoteWritePost(p), options) } : null;
  }

  get active(): boolean {
    return this.prometheus !== null;
  }

  second(point: SeriesPoint, measured: MeasuredSoFar[]): void {
    if (!this.prometheus) return;
    this.lastMs = Math.max(this.lastMs, Math.round(point.time));
    this.prometheus.sender.enqueue(secondSamples(this.labels, point, measured));
  }

  /** The final figures sent, the queue flushed (at most 10 s), and what each endpoint got. */
  async finish(results: Results, verdict: Verdict | null): Promise<ExportFigures | undefined> {
    if (!this.prometheus) return undefined;
    const { settings, sender } = this.prometheus;
    // After every live second's samples: an equal or older timestamp would be refused as out of order.
    const at = Math.max(Date.now(), this.lastMs + 1);
    sender.enqueue(finalSamples(this.labels, results, verdict, at));
    const figures = await sender.close(FLUSH_MS);
    return { prometheus: { endpoint: endpointText(settings.url), histograms: settings.histograms, ...figures } };
  }
}
