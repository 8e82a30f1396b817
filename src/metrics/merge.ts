import { decodeHistogram, keepHistogram, latencyHistogram, type Histogram } from './histogram.ts';
import { Recorder } from './recorder.ts';
import { mergeTokens } from './tokens.ts';
import { figures, round2 } from './totals.ts';
import type { FailureGroup, RequestStats, Results, SeriesPoint, ShardSecond, Window } from './types.ts';
import { own, setOwn } from '../shared/own.ts';

/** Shards that do not make one whole run: which file, and why. */
export class ShardMergeError extends Error {}

/** A shard's results and the file they came from (for messages). */
export interface ShardInput {
  file: string;
  results: Results;
}

const SAMPLES_PER_REASON = 3;

/**
 * The shards of one run (`--shard i/n`) as one results: counts add, HDR histograms add exactly, the
 * per-second series lines up by wall-clock second, and the windows are cut again from the merged
 * seconds as a single run cuts its own. Refuses what is not one run: another scenario or seed, a
 * different shard count, a shard missing or given twice, naming the files. The order of the inputs
 * does not matter.
 */
/** Shards a run may split into (as --shard takes), and how far apart in time the shards of one run may be. */
export const MAX_SHARDS = 1000;
export const MAX_APART_MS = 60_000;

export function mergeShards(inputs: ShardInput[], options: { allowApart?: boolean } = {}): Results {
  try {
    return merge(inputs, options);
  } catch (err) {
    if (err instanceof ShardMergeError) throw err;
    // A figure the schema lets through but that cannot be read (a histogram that does not decode):
    // the shard at fault is the one that cannot be merged on its own.
    for (const input of inputs) {
      try {
        merge(
          [{ ...input, results: { ...input.results, shard: { ...input.results.shard!, index: 0, count: 1 } } }],
          options,
        );
      } catch (alone) {
        if (!(alone instanceof ShardMergeError))
          throw new ShardMergeError(`${input.file}: its figures cannot be read (${(alone as Error).message})`);
      }
    }
    throw new ShardMergeError(`the shards' figures cannot be merged: ${(err as Error).message}`);
  }
}

function merge(inputs: ShardInput[], options: { allowApart?: boolean }): Results {
  checkShards(inputs);
  const shards = [...inputs].sort((a, b) => a.results.shard!.index - b.results.shard!.index).map((x) => x.results);
  const count = shards[0]!.shard!.count;
  const starts = shardStarts(shards, options);
  const base = shards[0]!;
  const names = Object.keys(base.requests);
  // Achieved time: the longest any shard took to complete its measured requests.
  const seconds = Math.max(
    ...shards.map((r) => (r.overall.rps > 0 ? r.overall.count / r.overall.rps : r.duration_s)),
    1e-3,
  );
  const duration = Math.max(...shards.map((r) => r.duration_s));
  const offered = duration > 0 ? duration : 1;
  const requests: Record<string, RequestStats> = {};
  for (const n of names) {
    const parts = shards.map((r) => own(r.requests, n)).filter((x) => x !== undefined);
    setOwn(requests, n, { method: parts[0]!.method, path: parts[0]!.path, ...mergeStats(parts, seconds, offered) });
  }
  const overall = mergeStats(
    shards.map((r) => r.overall),
    seconds,
    offered,
  );
  const t0 = Math.min(...starts);
  const identities = names.map((name) => ({
    name,
    method: own(base.requests, name)!.method,
    path: own(base.requests, name)!.path,
  }));
  const { series, windows } = mergeSeconds(
    shards,
    starts.map((s) => (s - t0) / 1000),
    new Recorder(identities, base.warmup_s * 1000, Number(base.load.duration_ms ?? base.duration_s * 1000)),
    t0,
  );
  const stopped = shards.filter((r) => r.interrupted);
  return {
    schema_version: 1,
    tool: base.tool,
    scenario: base.scenario,
    started_at: new Date(t0).toISOString(),
    finished_at: new Date(Math.max(...shards.map((r) => Date.parse(r.finished_at)))).toISOString(),
    duration_s: duration,
    warmup_s: base.warmup_s,
    interrupted: stopped.length > 0,
    stop_reason: stopped.length > 0 ? stopped.map((r) => `shard ${r.shard!.index}: ${r.stop_reason}`).join('; ') : null,
    stop_cause: stopped[0]?.stop_cause ?? null,
    load: base.load,
    overall,
    requests,
    series,
    windows,
    target: mergeTarget(shards),
    environment: base.environment,
    shards: { count, start_spread_ms: Math.max(...starts) - t0, late_ms: shards.map((r) => r.shard!.late_ms) },
  };
}

/** Every shard of one run, each once, none out of range: otherwise a ShardMergeError naming the file. */
function checkShards(inputs: ShardInput[]): void {
  if (inputs.length === 0) throw new ShardMergeError('merge takes the results.json of every shard');
  for (const { file, results } of inputs) {
    if (!results.shard)
      throw new ShardMergeError(`${file} is not a shard's results: run each shard with \`mlload run --shard i/n\``);
    const { index, count } = results.shard;
    if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS)
      throw new ShardMergeError(`${file} claims ${count} shards: a run splits into 1 to ${MAX_SHARDS}`);
    if (!Number.isInteger(index) || index < 0 || index >= count)
      throw new ShardMergeError(
        `${file} claims to be shard ${index} of ${count}: the index counts from 0 to ${count - 1}`,
      );
  }
  const first = inputs[0]!;
  const count = first.results.shard!.count;
  if (inputs.length > count) throw new ShardMergeError(`${inputs.length} files for a run of ${count} shards`);
  for (const { file, results } of inputs) {
    const s = results.shard!;
    if (results.scenario.hash !== first.results.scenario.hash) {
      throw new ShardMergeError(
        `${file} is a shard of scenario ${results.scenario.name} (${results.scenario.hash}), ${first.file} of ` +
          `${first.results.scenario.name} (${first.results.scenario.hash}): shards must run the same scenario`,
      );
    }
    if (results.load.seed !== first.results.load.seed)
      throw new ShardMergeError(
        `${file} ran seed ${String(results.load.seed)}, ${first.file} seed ${String(first.results.load.seed)}: ` +
          `shards must share one schedule`,
      );
    if (s.count !== count)
      throw new ShardMergeError(
        `${file} is shard ${s.index} of ${s.count}, ${first.file} of ${count}: shards must split the run the same way`,
      );
  }
  const byIndex = new Map<number, string>();
  for (const { file, results } of inputs) {
    const i = results.shard!.index;
    if (byIndex.has(i)) throw new ShardMergeError(`shard ${i}/${count} appears twice: ${byIndex.get(i)} and ${file}`);
    byIndex.set(i, file);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0)
    throw new ShardMergeError(
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} ` +
        `${missing.length > 1 ? 'are' : 'is'} missing (given: ${[...byIndex.keys()].sort((a, b) => a - b).join(', ')})`,
    );
}

/** Each shard's start (Unix ms); shards apart in time refused unless asked for, then each from its own start. */
function shardStarts(shards: Results[], options: { allowApart?: boolean }): number[] {
  const count = shards[0]!.shard!.count;
  const starts = shards.map((r) => Date.parse(r.started_at));
  const ends = shards.map((r) => Date.parse(r.finished_at));
  if (starts.some((t) => !Number.isFinite(t)) || ends.some((t) => !Number.isFinite(t)))
    throw new ShardMergeError('a shard has no valid started_at or finished_at time');
  // Shards of one run overlap in time; one that began after another had ended is another run's.
  const apart = Math.max(...starts) - Math.min(...ends);
  if (apart > MAX_APART_MS && !options.allowApart) {
    const late = shards[starts.indexOf(Math.max(...starts))]!.shard!.index;
    throw new ShardMergeError(
      `shard ${late}/${count} began ${Math.round(apart / 1000)} s after another had ended: shards of one run ` +
        `overlap in time (give --allow-apart to merge runs made apart, each from its own start)`,
    );
  }
  // Apart on purpose: each shard's seconds from its own start.
  if (apart > MAX_APART_MS) starts.fill(Math.min(...starts));
  return starts;
}

function mergeStats(
  parts: Array<Omit<RequestStats, 'method' | 'path'>>,
  seconds: number,
  offeredSeconds: number,
): Omit<RequestStats, 'method' | 'path'> {
  const add = (pick: (p: (typeof parts)[number]) => string): Histogram => {
    const h = latencyHistogram();
    for (const p of parts) if (pick(p)) h.add(decodeHistogram(pick(p)));
    return h;
  };
  const latency = add((p) => p.histogram);
  const service = add((p) => p.service_histogram);
  const count = parts.reduce((a, p) => a + p.count, 0);
  const failures = parts.reduce((a, p) => a + p.failure_count, 0);
  const statuses = new Map<string, number>();
  for (const p of parts)
    for (const [k, v] of Object.entries(p.status_codes)) statuses.set(k, (statuses.get(k) ?? 0) + v);
  const reasons = new Map<string, FailureGroup>();
  for (const p of parts) {
    for (const f of p.failures) {
      const key = `${f.request}\u0000${f.reason}`;
      const g = reasons.get(key);
      if (!g) reasons.set(key, { ...f, samples: f.samples.slice(0, SAMPLES_PER_REASON) });
      else {
        g.count += f.count;
        g.samples.push(...f.samples.slice(0, SAMPLES_PER_REASON - g.samples.length));
      }
    }
  }
  const streamed = parts.filter((p) => p.tokens);
  const bytes = parts.reduce((a, p) => a + p.avg_content_bytes * p.count, 0);
  const stats: Omit<RequestStats, 'method' | 'path'> = {
    ...figures(count, failures, bytes, latency, service, seconds, offeredSeconds),
    status_codes: Object.fromEntries([...statuses].sort(([a], [b]) => Number(a) - Number(b))),
    failures: [...reasons.values()].sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
  };
  if (streamed.length === parts.length && streamed.length > 0)
    stats.tokens = mergeTokens(
      streamed.map((p) => p.tokens!),
      seconds,
    );
  keepHistogram(stats, latency);
  return stats;
}

/** The shards' seconds of one wall-clock second. */
interface MergedSecond {
  t: number;
  phase: SeriesPoint['phase'];
  inFlight: number;
  users: number;
  parts: ShardSecond[];
  cpu: number[];
  memory: number[];
}

/**
 * The shards' seconds by wall-clock second (each shard's `t` moved by how much later it began), each
 * added into `recorder` and closed as a single run closes its seconds (as it adds its load workers'):
 * the series and the windows.
 */
function mergeSeconds(
  shards: Results[],
  offsets: number[],
  recorder: Recorder,
  t0: number,
): { series: SeriesPoint[]; windows: Window[] } {
  const byKey = new Map<number, MergedSecond>();
  shards.forEach((r, i) => {
    for (const s of r.shard!.seconds) {
      const t = s.t + offsets[i]!;
      const key = Math.round(t);
      let m = byKey.get(key);
      if (!m) {
        m = { t, phase: s.phase, inFlight: 0, users: 0, parts: [], cpu: [], memory: [] };
        byKey.set(key, m);
      }
      m.t = Math.min(m.t, t);
      // A second the shards disagree on is measured if any measured in it.
      if (s.phase === 'measure') m.phase = 'measure';
      m.inFlight += s.in_flight;
      m.users += s.users;
      m.parts.push(s);
      if (s.cpu_percent !== undefined) m.cpu.push(s.cpu_percent);
      if (s.memory_mb !== undefined) m.memory.push(s.memory_mb);
    }
  });
  for (const m of [...byKey.entries()].sort(([a], [b]) => a - b).map(([, m]) => m)) {
    for (const part of m.parts) recorder.addSecond(part);
    recorder.second(m.t * 1000, { inFlight: m.inFlight, users: m.users, phase: m.phase });
    const point = recorder.series.at(-1)!;
    point.time = Math.round(t0 + m.t * 1000);
    if (m.cpu.length > 0) point.cpu_percent = round2(m.cpu.reduce((a, x) => a + x, 0) / m.cpu.length);
    if (m.memory.length > 0) point.memory_mb = round2(Math.max(...m.memory));
  }
  // Nothing was recorded but seconds: only the windows of `finish` are wanted.
  recorder.finish(0);
  return { series: recorder.series, windows: recorder.windows };
}

/** One target seen from every shard: the first shard's, with container figures over all of them. */
function mergeTarget(shards: Results[]): Results['target'] {
  const target = { ...shards[0]!.target };
  const watched = shards.map((r) => r.target).filter((t) => t.cpu_percent && t.memory_mb);
  if (watched.length > 0) {
    target.cpu_percent = {
      mean: round2(watched.reduce((a, t) => a + t.cpu_percent!.mean, 0) / watched.length),
      peak: Math.max(...watched.map((t) => t.cpu_percent!.peak)),
    };
    target.memory_mb = {
      mean: round2(watched.reduce((a, t) => a + t.memory_mb!.mean, 0) / watched.length),
      peak: Math.max(...watched.map((t) => t.memory_mb!.peak)),
    };
  }
  return target;
}
