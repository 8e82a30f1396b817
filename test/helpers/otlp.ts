import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** OpenTelemetry's own generated protobuf code for OTLP (otlp-transformer 0.57, pinned): the decoder of record. */
const root = createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js') as {
  opentelemetry: {
    proto: {
      collector: {
        metrics: {
          v1: {
            ExportMetricsServiceRequest: {
              decode(b: Uint8Array): unknown;
              toObject(m: unknown, o: { longs: NumberConstructor; defaults: boolean }): OtlpRequest;
            };
          };
        };
      };
    };
  };
};
const Request = root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;

export interface KeyValue {
  key: string;
  value: { stringValue?: string };
}
export interface NumberPoint {
  attributes: KeyValue[];
  startTimeUnixNano: number;
  timeUnixNano: number;
  asDouble?: number;
}
export interface ExponentialPoint {
  attributes: KeyValue[];
  count: number;
  sum: number;
  scale: number;
  zeroCount: number;
  positive?: { offset: number; bucketCounts: number[] };
}
export interface OtlpMetric {
  name: string;
  unit: string;
  sum?: { dataPoints: NumberPoint[]; aggregationTemporality: number; isMonotonic: boolean };
  gauge?: { dataPoints: NumberPoint[] };
  exponentialHistogram?: { dataPoints: ExponentialPoint[]; aggregationTemporality: number };
}
export interface OtlpRequest {
  resourceMetrics: Array<{
    resource: { attributes: KeyValue[] };
    scopeMetrics: Array<{ scope: { name: string }; metrics: OtlpMetric[] }>;
  }>;
}

/** The attributes of a point as a plain record. */
export const attrs = (kvs: KeyValue[]) => Object.fromEntries(kvs.map((kv) => [kv.key, kv.value.stringValue ?? '']));

/** An OTLP/HTTP metrics receiver on 127.0.0.1: every request decoded, with the time it arrived. */
export async function startOtlpReceiver(): Promise<{
  url: string;
  received: Array<{ at: number; request: OtlpRequest; contentType: string }>;
  close(): Promise<void>;
}> {
  const received: Array<{ at: number; request: OtlpRequest; contentType: string }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = Request.toObject(Request.decode(Buffer.concat(chunks)), { longs: Number, defaults: true });
      received.push({ at: Date.now(), request, contentType: req.headers['content-type'] ?? '' });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/metrics`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
