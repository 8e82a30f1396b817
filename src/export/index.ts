// The export stage: a run's figures to where teams keep their metrics (Prometheus remote-write, OTLP), live and at
// the end.
import type { Verdict } from '../gate/index.ts';
import type { ExportFigures, MeasuredSoFar, Results, SeriesPoint } from '../metrics/index.ts';
import { exportRequest, OTLP_HEADERS } from './otlp.ts';
import { compress, REMOTE_WRITE_HEADERS, writeRequest } from './remote-write.ts';
import { finalSamples, secondSamples, type RunLabels } from './samples.ts';
import { poster, type Poster } from './post.ts';
import { Sender, SENDER_DEFAULTS, type SenderOptions } from './sender.ts';
import type { ExportSample } from './series.ts';

export { reasonClass, type RunLabels } from './samples.ts';
export { bucketIndex, bucketUpper, exponentialBuckets, NATIVE_SCHEMA } from './native.ts';

/** Where a run's figures go: an endpoint and the headers (credentials) it needs, never read from the scenario. */
export interface PrometheusSettings {
  url: string;
  histograms: 'native' | 'classic';
  headers: Record<string, string>;
}

export interface OtlpSettings {
  url: string;
  headers: Record<string, string>;
}

export interface ExportSettings {
  prometheus: PrometheusSettings | null;
  otlp: OtlpSettings | null;
}

/** How long the end of a run waits for the export to catch up before it counts the rest as dropped. */
const FLUSH_MS = 10_000;

type ScenarioExport = {
  prometheus?: { url?: string; histograms?: 'native' | 'classic' };
  otlp?: { url?: string };
};

/**
 * The endpoints of a run: each URL from a flag or input, the scenario, or the environment; credentials from the
 * environment only. Prometheus: MLLOAD_PROMETHEUS_TOKEN (bearer), or MLLOAD_PROMETHEUS_USER and
 * MLLOAD_PROMETHEUS_PASSWORD. OTLP: OpenTelemetry's own OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT and _HEADERS.
 */
export function exportSettings(
  scenario: ScenarioExport | undefined,
  overrides: { prometheusUrl?: string | null; otlpUrl?: string | null },
  env: NodeJS.ProcessEnv = process.env,
): ExportSettings {
  return { prometheus: prometheusSettings(scenario, overrides, env), otlp: otlpSettings(scenario, overrides, env) };
}

function prometheusSettings(
  scenario: ScenarioExport | undefined,
  overrides: { prometheusUrl?: string | null },
  env: NodeJS.ProcessEnv,
): PrometheusSettings | null {
  const url = overrides.prometheusUrl || scenario?.prometheus?.url || env.MLLOAD_PROMETHEUS_URL || null;
  if (!url) return null;
  const headers: Record<string, string> = {};
  if (env.MLLOAD_PROMETHEUS_TOKEN) headers.authorization = `Bearer ${env.MLLOAD_PROMETHEUS_TOKEN}`;
  else if (env.MLLOAD_PROMETHEUS_USER) {
    const pair = `${env.MLLOAD_PROMETHEUS_USER}:${env.MLLOAD_PROMETHEUS_PASSWORD ?? ''}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  return { url, histograms: scenario?.prometheus?.histograms ?? 'native', headers };
}

function otlpSettings(
  scenario: ScenarioExport | undefined,
  overrides: { otlpUrl?: string | null },
  env: NodeJS.ProcessEnv,
): OtlpSettings | null {
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT
    ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/metrics`
    : null;
  const url = overrides.otlpUrl || scenario?.otlp?.url || env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT || base;
  if (!url) return null;
  return { url, headers: otlpHeaders(env.OTEL_EXPORTER_OTLP_METRICS_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS ?? '') };
}

/** OTEL_EXPORTER_OTLP_HEADERS: "key=value,key2=value2", values URL-encoded (OpenTelemetry's specification). */
export function otlpHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    headers[pair.slice(0, at).trim().toLowerCase()] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
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

interface Endpoint {
  kind: 'prometheus' | 'otlp';
  url: string;
  sender: Sender;
  poster: Poster;
}

/**
 * A run's export: each closed second's samples queued as it closes (never waiting on the endpoints), then the final
 * figures, the same as results.json's, once the run is judged.
 */
export class Exporter {
  private readonly endpoints: Endpoint[] = [];
  private readonly settings: ExportSettings;
  private readonly labels: RunLabels;
  private readonly startMs = Date.now();
  private lastMs = 0;

  constructor(settings: ExportSettings, labels: RunLabels, options: SenderOptions = SENDER_DEFAULTS) {
    this.settings = settings;
    this.labels = labels;
    const p = settings.prometheus;
    if (p) {
      const http = poster(p.url, { ...REMOTE_WRITE_HEADERS, ...p.headers });
      const post = (batch: ExportSample[], stop: AbortSignal) =>
        http.post(compress(writeRequest(batch, p.histograms)), stop);
      this.endpoints.push({ kind: 'prometheus', url: p.url, sender: new Sender(post, options), poster: http });
    }
    const o = settings.otlp;
    if (o) {
      const http = poster(o.url, { ...OTLP_HEADERS, ...o.headers });
      const post = (batch: ExportSample[], stop: AbortSignal) => http.post(exportRequest(batch, this.startMs), stop);
      this.endpoints.push({ kind: 'otlp', url: o.url, sender: new Sender(post, options), poster: http });
    }
  }

  /** Each endpoint's kind and printable URL. */
  describe(): string {
    return this.endpoints
      .map((e) => `${endpointText(e.url)} (${e.kind === 'otlp' ? 'OTLP/HTTP' : 'Prometheus remote-write'})`)
      .join(' and ');
  }

  second(point: SeriesPoint, measured: MeasuredSoFar[]): void {
    if (this.endpoints.length === 0) return;
    this.lastMs = Math.max(this.lastMs, Math.round(point.time));
    const samples = secondSamples(this.labels, point, measured);
    for (const e of this.endpoints) e.sender.enqueue(samples);
  }

  /** The final figures sent, the queues flushed (at most 10 s), and what each endpoint got. */
  async finish(results: Results, verdict: Verdict | null): Promise<ExportFigures | undefined> {
    if (this.endpoints.length === 0) return undefined;
    // After every live second's samples: an equal or older timestamp would be refused as out of order.
    const at = Math.max(Date.now(), this.lastMs + 1);
    const samples = finalSamples(this.labels, results, verdict, at);
    for (const e of this.endpoints) e.sender.enqueue(samples);
    const closed = await Promise.all(
      this.endpoints.map(async (e) => {
        const f = await e.sender.close(FLUSH_MS);
        e.poster.close();
        return [e, f] as const;
      }),
    );
    const figures: ExportFigures = {};
    for (const [e, f] of closed) {
      const endpoint = endpointText(e.url);
      if (e.kind === 'prometheus')
        figures.prometheus = { endpoint, histograms: this.settings.prometheus!.histograms, ...f };
      else figures.otlp = { endpoint, ...f };
    }
    return figures;
  }
}
