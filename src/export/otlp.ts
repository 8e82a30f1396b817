import { VERSION } from '../shared/version.ts';
import { ProtoWriter } from '../shared/protobuf.ts';
import type { ExportSample } from './series.ts';

/**
 * OTLP/HTTP metrics (opentelemetry-proto, metrics/v1), protobuf: counters as cumulative monotonic sums, gauges, and
 * latency as exponential histograms, the same buckets as Prometheus's native ones (OTLP counts bucket i over
 * (base^i, base^(i+1)], Prometheus over (base^(i-1), base^i]: one index apart).
 */
export function exportRequest(samples: ExportSample[], startMs: number): Buffer {
  const w = new ProtoWriter();
  w.message(1, (rm) => {
    rm.message(1, (resource) => attributes(resource, 1, { 'service.name': 'mlload' }));
    rm.message(2, (sm) => {
      sm.message(1, (scope) => {
        scope.string(1, 'mlload');
        scope.string(2, VERSION);
      });
      for (const group of byName(samples)) sm.message(2, (m) => metric(m, group, startMs));
    });
  });
  return w.finish();
}

export const OTLP_HEADERS = { 'content-type': 'application/x-protobuf' } as const;

const CUMULATIVE = 2;
const nanos = (ms: number) => BigInt(Math.round(ms)) * 1_000_000n;

function byName(samples: ExportSample[]): ExportSample[][] {
  const groups = new Map<string, ExportSample[]>();
  for (const s of samples) {
    const g = groups.get(s.name);
    if (g) g.push(s);
    else groups.set(s.name, [s]);
  }
  return [...groups.values()];
}

function attributes(w: ProtoWriter, field: number, labels: Record<string, string>): void {
  for (const [key, value] of Object.entries(labels))
    w.message(field, (kv) => {
      kv.string(1, key);
      kv.message(2, (any) => any.string(1, value));
    });
}

/** OTLP's units are UCUM: seconds "s", counts in braces. */
const UNITS: Record<NonNullable<ExportSample['unit']>, string> = {
  seconds: 's',
  requests: '{request}',
  bytes: 'By',
  percent: '%',
  tokens: '{token}',
};

function metric(w: ProtoWriter, group: ExportSample[], startMs: number): void {
  const first = group[0]!;
  // OTLP names a counter without Prometheus's _total; a Prometheus receiver adds it back.
  w.string(1, first.kind === 'counter' ? first.name.replace(/_total$/, '') : first.name);
  w.string(2, first.help);
  if (first.unit) w.string(3, UNITS[first.unit]);
  if (first.kind === 'histogram')
    w.message(10, (h) => {
      for (const s of group) h.message(1, (p) => histogramPoint(p, s, startMs));
      h.uint(2, CUMULATIVE);
    });
  else if (first.kind === 'counter')
    w.message(7, (sum) => {
      for (const s of group) sum.message(1, (p) => numberPoint(p, s, startMs));
      sum.uint(2, CUMULATIVE);
      sum.uint(3, 1);
    });
  else
    w.message(5, (gauge) => {
      for (const s of group) gauge.message(1, (p) => numberPoint(p, s, startMs));
    });
}

function numberPoint(p: ProtoWriter, s: ExportSample, startMs: number): void {
  p.fixed64(2, nanos(startMs));
  p.fixed64(3, nanos(s.timeMs));
  p.double(4, s.value ?? 0);
  attributes(p, 7, s.labels);
}

function histogramPoint(p: ProtoWriter, s: ExportSample, startMs: number): void {
  const h = s.histogram!;
  attributes(p, 1, s.labels);
  p.fixed64(2, nanos(startMs));
  p.fixed64(3, nanos(s.timeMs));
  p.fixed64(4, BigInt(h.count));
  p.double(5, h.sum);
  p.sint(6, h.schema);
  p.fixed64(7, 0n);
  if (h.indices.length > 0) {
    const offset = h.indices[0]! - 1;
    const dense = new Array<number>(h.indices.at(-1)! - h.indices[0]! + 1).fill(0);
    for (const [k, i] of h.indices.entries()) dense[i - 1 - offset] = h.counts[k]!;
    p.message(8, (b) => {
      b.sint(1, offset);
      b.packed(2, dense, false);
    });
  }
}
