import SnappyJS from 'snappyjs';
import { bucketUpper, spansOf } from './native.ts';
import { ProtoWriter } from '../shared/protobuf.ts';
import type { ExportSample } from './series.ts';

/**
 * Prometheus remote-write 1.0 (prometheus/prompb): a WriteRequest of TimeSeries, snappy-compressed. Latency goes as a
 * native histogram (one series; Prometheus 2.40+ with `--enable-feature=native-histograms`), or as classic `le`
 * buckets for a receiver without them.
 */
export function writeRequest(samples: ExportSample[], histograms: 'native' | 'classic'): Buffer {
  const w = new ProtoWriter();
  for (const s of samples) {
    if (s.histogram && histograms === 'classic') for (const c of classic(s)) timeSeries(w, c);
    else timeSeries(w, s);
  }
  for (const s of uniqueNames(samples)) metadata(w, s);
  return w.finish();
}

/** The request's body: snappy's block format, as remote-write requires. */
export function compress(body: Buffer): Buffer {
  return Buffer.from(SnappyJS.compress(body));
}

export const REMOTE_WRITE_HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
} as const;

function timeSeries(w: ProtoWriter, s: ExportSample): void {
  w.message(1, (ts) => {
    const labels = Object.entries({ ...s.labels, __name__: s.name }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [name, value] of labels)
      ts.message(1, (l) => {
        l.string(1, name);
        l.string(2, value);
      });
    if (s.histogram) {
      const h = s.histogram;
      ts.message(4, (m) => {
        m.uint(1, h.count);
        m.double(3, h.sum);
        m.sint(4, h.schema);
        m.double(5, 0);
        m.uint(6, 0);
        for (const span of spansOf(h.indices))
          m.message(11, (b) => {
            b.sint(1, span.offset);
            b.uint(2, span.length);
          });
        m.packed(
          12,
          h.counts.map((c, i) => c - (i === 0 ? 0 : h.counts[i - 1]!)),
          true,
        );
        m.uint(15, s.timeMs);
      });
    } else
      ts.message(2, (m) => {
        m.double(1, s.value ?? 0);
        m.uint(2, s.timeMs);
      });
  });
}

/**
 * Classic buckets: one fixed set for every series and every second (sums across series and rates need the same `le`
 * everywhere), 19% wide (schema 2) from 0.25 ms to 64 s: 73 series a request name, against one native histogram.
 */
export const CLASSIC_SCHEMA = 2;
const CLASSIC_FIRST = -48; // 2^(-48/4) s = 0.244 ms
const CLASSIC_LAST = 24; // 2^(24/4) s = 64 s

/** A native histogram as classic series: cumulative `_bucket{le}` at the fixed bounds, `_count` and `_sum`. */
function classic(s: ExportSample): ExportSample[] {
  const h = s.histogram!;
  // A fine bucket i (schema 5) lies within the coarse bucket ceil(i / 8) (schema 2).
  const shift = 2 ** (h.schema - CLASSIC_SCHEMA);
  const coarse = new Map<number, number>();
  for (const [k, i] of h.indices.entries()) {
    const j = Math.max(CLASSIC_FIRST, Math.ceil(i / shift));
    coarse.set(j, (coarse.get(j) ?? 0) + h.counts[k]!);
  }
  const base = { ...s, kind: 'counter' as const, histogram: undefined };
  const out: ExportSample[] = [];
  let cumulative = 0;
  for (let j = CLASSIC_FIRST; j <= CLASSIC_LAST; j++) {
    cumulative += coarse.get(j) ?? 0;
    const le = Number(bucketUpper(j, CLASSIC_SCHEMA).toPrecision(6)).toString();
    out.push({ ...base, name: `${s.name}_bucket`, labels: { ...s.labels, le }, value: cumulative });
  }
  out.push({ ...base, name: `${s.name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: h.count });
  out.push({ ...base, name: `${s.name}_count`, value: h.count });
  out.push({ ...base, name: `${s.name}_sum`, value: h.sum });
  return out;
}

function uniqueNames(samples: ExportSample[]): ExportSample[] {
  const seen = new Map<string, ExportSample>();
  for (const s of samples) if (!seen.has(s.name)) seen.set(s.name, s);
  return [...seen.values()];
}

/** MetricMetadata: type (COUNTER 1, GAUGE 2, HISTOGRAM 3), name, help, unit. */
function metadata(w: ProtoWriter, s: ExportSample): void {
  const type = s.kind === 'counter' ? 1 : s.kind === 'gauge' ? 2 : 3;
  w.message(3, (m) => {
    m.uint(1, type);
    m.string(2, s.name);
    m.string(4, s.help);
    if (s.unit) m.string(5, s.unit);
  });
}
