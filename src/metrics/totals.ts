import {
  decodeHistogram,
  encodeHistogram,
  keepHistogram,
  latencyHistogram,
  mergeHistograms,
  recordMs,
  summarize,
  type Histogram,
} from './histogram.ts';
import type { Outcome, RequestIdentity } from '../engine/index.ts';
import type { GoodputSpec } from '../scenario/index.ts';
import { TokenTotals, type TokenState } from './tokens.ts';
import type { FailureGroup, RequestStats } from './types.ts';

const SAMPLES_PER_REASON = 3;
const SAMPLE_CHARS = 300;
/**
 * Distinct failure reasons kept per request name; later new ones are counted together (a server that words every error
 * anew cannot grow results.json without bound).
 */
export const MAX_REASONS = 100;
export const OTHER_REASONS = `other reasons (more than ${MAX_REASONS} distinct)`;

/** One request name's totals, as sent across a thread: histograms encoded, so they add up exactly. */
export interface NameTotalsState {
  count: number;
  failures: number;
  bytes: number;
  latency: string;
  service: string;
  statuses: Array<[number, number]>;
  reasons: FailureGroup[];
  tokens?: TokenState;
}

type Parts = Omit<NameTotalsState, 'latency' | 'service' | 'tokens'> & {
  latency: Histogram;
  service: Histogram;
  tokens?: TokenTotals | null;
};

/**
 * The whole measured run of one request name: counts, HDR histograms, statuses, failures by reason with a few samples.
 */
export class NameTotals {
  count = 0;
  failures = 0;
  bytes = 0;
  readonly latency = latencyHistogram();
  readonly service = latencyHistogram();
  private readonly statuses = new Map<number, number>();
  private readonly reasons = new Map<string, FailureGroup>();
  readonly identity: RequestIdentity;
  /** Streamed answers' tokens: made at the first one. */
  tokens: TokenTotals | null = null;
  private readonly goodput: GoodputSpec | null;

  constructor(identity: RequestIdentity, goodput: GoodputSpec | null = null) {
    this.identity = identity;
    this.goodput = goodput;
  }

  record(o: Outcome, latencyMs: number): void {
    if (o.tokens && o.failure === null)
      (this.tokens ??= new TokenTotals()).record(
        o as Outcome & { tokens: NonNullable<Outcome['tokens']> },
        this.goodput,
      );
    this.count++;
    this.bytes += o.bytes;
    recordMs(this.latency, latencyMs);
    recordMs(this.service, o.done - o.sent);
    if (o.status > 0) this.statuses.set(o.status, (this.statuses.get(o.status) ?? 0) + 1);
    if (o.failure === null) return;
    this.failures++;
    const group = this.groupOf(o.failure);
    group.count++;
    if (o.sample !== undefined && group.samples.length < SAMPLES_PER_REASON) {
      group.samples.push(o.sample.length > SAMPLE_CHARS ? `${o.sample.slice(0, SAMPLE_CHARS)}…` : o.sample);
    }
  }

  /** Counts add, histograms add exactly, samples stay few. */
  private add(n: Parts): void {
    this.count += n.count;
    this.failures += n.failures;
    this.bytes += n.bytes;
    this.latency.add(n.latency);
    this.service.add(n.service);
    if (n.tokens) (this.tokens ??= new TokenTotals()).add(n.tokens);
    for (const [code, c] of n.statuses) this.statuses.set(code, (this.statuses.get(code) ?? 0) + c);
    for (const r of n.reasons) {
      const group = this.groupOf(r.reason);
      group.count += r.count;
      group.samples.push(...r.samples.slice(0, SAMPLES_PER_REASON - group.samples.length));
    }
  }

  /** The group of a reason: its own while fewer than MAX_REASONS are kept, else the folded one. */
  private groupOf(reason: string): FailureGroup {
    let group = this.reasons.get(reason);
    if (group) return group;
    const key = this.reasons.size < MAX_REASONS ? reason : OTHER_REASONS;
    group = this.reasons.get(key);
    if (!group) {
      group = { request: this.identity.name, method: this.identity.method, reason: key, count: 0, samples: [] };
      this.reasons.set(key, group);
    }
    return group;
  }

  /** Another thread's totals of the same name. */
  absorb(state: NameTotalsState): void {
    this.add({
      ...state,
      latency: decodeHistogram(state.latency),
      service: decodeHistogram(state.service),
      tokens: null,
    });
    if (state.tokens) (this.tokens ??= new TokenTotals()).absorb(state.tokens);
  }

  /** Another recorder's totals in this thread: nothing encoded. */
  merge(other: NameTotals): void {
    this.add({
      count: other.count,
      failures: other.failures,
      bytes: other.bytes,
      latency: other.latency,
      service: other.service,
      statuses: [...other.statuses],
      reasons: [...other.reasons.values()],
      tokens: other.tokens,
    });
  }

  state(): NameTotalsState {
    return {
      count: this.count,
      failures: this.failures,
      bytes: this.bytes,
      latency: encodeHistogram(this.latency),
      service: encodeHistogram(this.service),
      statuses: [...this.statuses],
      reasons: [...this.reasons.values()],
      ...(this.tokens ? { tokens: this.tokens.state() } : {}),
    };
  }

  /** The name's figures over `seconds` achieved (drain included) and `offeredSeconds` measured. */
  figures(seconds: number, offeredSeconds: number): RequestStats {
    const stats: RequestStats = {
      method: this.identity.method,
      path: this.identity.path,
      ...figures(this.count, this.failures, this.bytes, this.latency, this.service, seconds, offeredSeconds),
      status_codes: Object.fromEntries([...this.statuses].sort(([a], [b]) => a - b).map(([k, v]) => [String(k), v])),
      failures: [...this.reasons.values()].sort((a, b) => b.count - a.count),
    };
    if (this.tokens) stats.tokens = this.tokens.figures(seconds, this.goodput !== null);
    keepHistogram(stats, this.latency);
    return stats;
  }
}

/** Every name's totals as one: the run's overall figures. */
export function overallFigures(
  names: NameTotals[],
  byName: RequestStats[],
  seconds: number,
  offeredSeconds: number,
  goodput = false,
): Omit<RequestStats, 'method' | 'path'> {
  const latency = mergeHistograms(names.map((s) => s.latency));
  const service = mergeHistograms(names.map((s) => s.service));
  const statuses = new Map<string, number>();
  for (const r of byName)
    for (const [k, v] of Object.entries(r.status_codes)) statuses.set(k, (statuses.get(k) ?? 0) + v);
  const overall = {
    ...figures(
      names.reduce((a, s) => a + s.count, 0),
      names.reduce((a, s) => a + s.failures, 0),
      names.reduce((a, s) => a + s.bytes, 0),
      latency,
      service,
      seconds,
      offeredSeconds,
    ),
    status_codes: Object.fromEntries([...statuses].sort()),
    failures: byName.flatMap((r) => r.failures).sort((a, b) => b.count - a.count),
  };
  const streamed = names.filter((s) => s.tokens !== null);
  if (streamed.length > 0) {
    const tokens = new TokenTotals();
    for (const s of streamed) tokens.add(s.tokens!);
    (overall as RequestStats).tokens = tokens.figures(seconds, goodput);
  }
  keepHistogram(overall, latency);
  return overall;
}

/** The figures of `count` requests over `seconds` achieved and `offeredSeconds` measured, histograms encoded. */
export function figures(
  count: number,
  failures: number,
  bytes: number,
  latency: Histogram,
  service: Histogram,
  seconds: number,
  offeredSeconds: number,
) {
  return {
    count,
    failure_count: failures,
    rps: round2(count / seconds),
    offered_rps: round2(count / offeredSeconds),
    error_rate: count === 0 ? 0 : round6(failures / count),
    latency_ms: summarize(latency),
    service_ms: summarize(service),
    avg_content_bytes: count === 0 ? 0 : Math.round(bytes / count),
    histogram: encodeHistogram(latency),
    service_histogram: encodeHistogram(service),
  };
}

export const round2 = (x: number): number => Math.round(x * 100) / 100;
export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
export const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
