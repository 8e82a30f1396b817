import type { Verdict } from '../gate/index.ts';
import {
  decodeHistogram,
  histogramOf,
  type Histogram,
  type MeasuredSoFar,
  type Results,
  type SeriesPoint,
} from '../metrics/index.ts';
import { exponentialBuckets } from './native.ts';
import type { ExportSample } from './series.ts';

/** The labels every series of a run carries: few and bounded (a scenario's request names, never a reason's text). */
export interface RunLabels {
  scenario: string;
  run_id: string;
  commit: string;
  /** "0/4" on a shard, "merged" on the merge of shards, "" on a whole run. */
  shard: string;
}

const HELP = {
  requests: 'Requests measured (warm-up excluded), cumulative',
  failed: 'Measured requests that failed, cumulative',
  duration: "Latency from each request's scheduled time (coordinated-omission corrected), seconds",
  achieved: 'Requests completed in the last second (warm-up included)',
  inFlight: 'Requests in flight at the end of the second',
  users: 'Virtual users (closed model)',
  cpu: "The target container's CPU, percent of one core",
  memory: "The target container's memory, bytes",
  failures: 'Measured requests that failed, by reason class, cumulative',
  offered: 'Requests per second offered over the measured time',
  verdict: "The gate's verdict: 1 on the series of its status",
  capacity: 'Highest load at which the capacity SLO held',
  tokens: 'Output tokens of streamed answers, cumulative',
  ttft: 'Time to first token of streamed answers, seconds',
  tpot: 'Time per output token after the first, seconds',
  itl: 'Time between streamed chunks, seconds',
} as const;

type Labels = Record<string, string>;

function labelsOf(run: RunLabels, extra: Labels = {}): Labels {
  const out: Labels = { ...extra, scenario: run.scenario, run_id: run.run_id };
  if (run.commit) out.commit = run.commit;
  if (run.shard) out.shard = run.shard;
  return out;
}

/** A second of the run: each name's cumulative counts and latency, and the second's own gauges. */
export function secondSamples(run: RunLabels, point: SeriesPoint, measured: MeasuredSoFar[]): ExportSample[] {
  const timeMs = Math.round(point.time);
  const out: ExportSample[] = [];
  for (const m of measured) {
    out.push(...requestSamples(run, m.name, m, timeMs));
    if (m.tokens)
      out.push(
        ...tokenSamples(
          run,
          m.name,
          { tokens: m.tokens.tokens, ttft: m.tokens.ttft, tpot: m.tokens.tpot, itl: m.tokens.itl },
          timeMs,
        ),
      );
  }
  const gauge = (name: string, help: string, value: number, unit?: ExportSample['unit']) =>
    out.push({ name, kind: 'gauge', help, unit, labels: labelsOf(run), timeMs, value });
  gauge('mlload_achieved_rps', HELP.achieved, point.rps);
  gauge('mlload_in_flight', HELP.inFlight, point.in_flight, 'requests');
  if (point.users > 0) gauge('mlload_users', HELP.users, point.users);
  if (point.cpu_percent !== undefined) gauge('mlload_container_cpu_percent', HELP.cpu, point.cpu_percent, 'percent');
  if (point.memory_mb !== undefined)
    gauge('mlload_container_memory_bytes', HELP.memory, point.memory_mb * 1024 * 1024, 'bytes');
  return out;
}

function requestSamples(
  run: RunLabels,
  name: string,
  m: { count: number; failures: number; histogram: Histogram },
  timeMs: number,
): ExportSample[] {
  const labels = labelsOf(run, { request: name });
  return [
    {
      name: 'mlload_requests_total',
      kind: 'counter',
      help: HELP.requests,
      unit: 'requests',
      labels,
      timeMs,
      value: m.count,
    },
    {
      name: 'mlload_failed_requests_total',
      kind: 'counter',
      help: HELP.failed,
      unit: 'requests',
      labels,
      timeMs,
      value: m.failures,
    },
    {
      name: 'mlload_request_duration_seconds',
      kind: 'histogram',
      help: HELP.duration,
      unit: 'seconds',
      labels,
      timeMs,
      histogram: exponentialBuckets(m.histogram),
    },
  ];
}

/** Streamed answers' tokens so far and their timings, as cumulative histograms. */
function tokenSamples(
  run: RunLabels,
  name: string,
  t: { tokens: number; ttft: Histogram; tpot: Histogram; itl: Histogram },
  timeMs: number,
): ExportSample[] {
  const labels = labelsOf(run, { request: name });
  const histogram = (metric: string, help: string, h: Histogram): ExportSample => ({
    name: metric,
    kind: 'histogram',
    help,
    unit: 'seconds',
    labels,
    timeMs,
    histogram: exponentialBuckets(h),
  });
  return [
    {
      name: 'mlload_output_tokens_total',
      kind: 'counter',
      help: HELP.tokens,
      unit: 'tokens',
      labels,
      timeMs,
      value: t.tokens,
    },
    histogram('mlload_ttft_seconds', HELP.ttft, t.ttft),
    histogram('mlload_tpot_seconds', HELP.tpot, t.tpot),
    histogram('mlload_itl_seconds', HELP.itl, t.itl),
  ];
}

/** A failure's reason folded into a few classes, so a server that words each error differently adds no series. */
export function reasonClass(reason: string): string {
  const status = /^HTTP (\d)\d\d\b/.exec(reason);
  if (status) return `http_${status[1]}xx`;
  // gRPC's codes are few and fixed: each its own class.
  const code = /^gRPC ([A-Z_]+)\b/.exec(reason);
  if (code) return `grpc_${code[1]!.toLowerCase()}`;
  if (/timeout/i.test(reason)) return 'timeout';
  if (/stream|SSE|\[DONE\]/.test(reason)) return 'stream';
  if (/connect|refused|reset|closed|socket|ECONN|EPIPE|DNS|ENOTFOUND/i.test(reason)) return 'connection';
  return 'other';
}

/**
 * The run's final figures, as results.json holds them: each name's counts and latency (the same histograms, so a
 * query over the series agrees with the report), failures by reason class, token figures, the verdict and capacity.
 */
export function finalSamples(
  run: RunLabels,
  results: Results,
  verdict: Verdict | null,
  timeMs: number,
): ExportSample[] {
  const out: ExportSample[] = [];
  for (const [name, r] of Object.entries(results.requests)) {
    out.push(
      ...requestSamples(run, name, { count: r.count, failures: r.failure_count, histogram: histogramOf(r) }, timeMs),
    );
    const classes = new Map<string, number>();
    for (const f of r.failures) classes.set(reasonClass(f.reason), (classes.get(reasonClass(f.reason)) ?? 0) + f.count);
    for (const [reason_class, count] of classes)
      out.push({
        name: 'mlload_failures_total',
        kind: 'counter',
        help: HELP.failures,
        unit: 'requests',
        labels: labelsOf(run, { request: name, reason_class }),
        timeMs,
        value: count,
      });
    const labels = labelsOf(run, { request: name });
    out.push({ name: 'mlload_offered_rps', kind: 'gauge', help: HELP.offered, labels, timeMs, value: r.offered_rps });
    const t = r.tokens;
    if (t) {
      const h = {
        ttft: decodeHistogram(t.ttft_histogram),
        tpot: decodeHistogram(t.tpot_histogram),
        itl: decodeHistogram(t.itl_histogram),
      };
      out.push(...tokenSamples(run, name, { tokens: t.output_tokens, ...h }, timeMs));
    }
  }
  if (verdict)
    out.push({
      name: 'mlload_verdict',
      kind: 'gauge',
      help: HELP.verdict,
      labels: labelsOf(run, { status: verdict.status }),
      timeMs,
      value: 1,
    });
  const c = results.capacity;
  if (c?.value !== null && c?.value !== undefined)
    out.push({
      name: 'mlload_capacity',
      kind: 'gauge',
      help: HELP.capacity,
      labels: labelsOf(run, { unit: c.unit }),
      timeMs,
      value: c.value,
    });
  return out;
}
