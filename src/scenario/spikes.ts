import type { LoadPlan } from './types.ts';

/** A rise of the load to at least this many times its level ... */
export const SPIKE_FACTOR = 1.5;
/** ... within at most this long is a spike: faster than most autoscalers react. */
export const SPIKE_RISE_MS = 10_000;

/** A sudden rise of the load, and how long its recovery can be watched. */
export interface Spike {
  /** Index of the stage that rises. */
  stage: number;
  /**
   * Engine clock (warm-up included) of the rise's start, and of the end of its watch: the next spike, or the schedule's
   * end.
   */
  startMs: number;
  endMs: number;
  /** The load before and at the top of the rise: req/s (open model) or users (closed). */
  from: number;
  to: number;
}

/**
 * The spikes of a load: stages whose load rises to SPIKE_FACTOR times its level within SPIKE_RISE_MS
 * (an open-model stage ramps from the rate before it to its own; closed-model users arrive at the spawn rate).
 */
export function spikesOf(load: LoadPlan): Spike[] {
  const rises =
    load.model === 'open'
      ? load.stages.map((s) => ({ from: s.fromRate, to: s.toRate, riseMs: s.durationMs }))
      : load.stages.map((s, i) => {
          const from = i > 0 ? load.stages[i - 1]!.users : s.users;
          return { from, to: s.users, riseMs: ((s.users - from) / load.spawnRate) * 1000 };
        });
  const spikes: Spike[] = [];
  let at = load.warmupMs;
  load.stages.forEach((stage, i) => {
    const r = rises[i]!;
    if (r.to > r.from && r.to >= SPIKE_FACTOR * r.from && r.riseMs <= SPIKE_RISE_MS)
      spikes.push({ stage: i, startMs: at, endMs: 0, from: r.from, to: r.to });
    at += stage.durationMs;
  });
  const end = load.warmupMs + load.durationMs;
  for (const [k, s] of spikes.entries()) s.endMs = spikes[k + 1]?.startMs ?? end;
  return spikes;
}
