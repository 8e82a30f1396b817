import type { LoadPlan } from '../scenario/index.ts';
import type { EnginePlan } from './run.ts';

/**
 * Load worker `index` of `count`'s plan. In a shard the workers take turns through the shard's
 * arrivals of the one schedule (the same seed everywhere); else each runs its share of the rate
 * with a schedule, and payloads, of its own.
 */
export function workerPlan(plan: EnginePlan, index: number, count: number): EnginePlan {
  if (count <= 1) return plan;
  if (plan.shard)
    return {
      ...plan,
      load: shardOf(plan.load, index, count),
      shard: { index: plan.shard.index + plan.shard.count * index, count: plan.shard.count * count },
    };
  return { ...plan, load: shareOf(plan.load, index, count), seed: plan.seed + index * 7919 };
}

/** Worker i's part of the load when n workers split it: rates divide, users spread evenly. */
export function shareOf(load: LoadPlan, i: number, n: number): LoadPlan {
  if (n <= 1) return load;
  if (load.model === 'open')
    return {
      ...load,
      stages: load.stages.map((s) => ({ ...s, fromRate: s.fromRate / n, toRate: s.toRate / n })),
      maxInFlight: inFlightShare(load.maxInFlight, n),
    };
  const part = (users: number) => Math.floor(users / n) + (i < users % n ? 1 : 0);
  return { ...load, stages: load.stages.map((s) => ({ ...s, users: part(s.users) })), spawnRate: load.spawnRate / n };
}

/**
 * Generator i's load when n share one schedule (shards, and load workers within a shard): in the open
 * model the whole schedule, of which the engine takes every n-th arrival, with its share of
 * max_in_flight; in the closed model its share of the users, as `shareOf`.
 */
export function shardOf(load: LoadPlan, i: number, n: number): LoadPlan {
  if (load.model === 'closed') return shareOf(load, i, n);
  return { ...load, maxInFlight: inFlightShare(load.maxInFlight, n) };
}

const inFlightShare = (maxInFlight: number, n: number): number => Math.max(1, Math.ceil(maxInFlight / n));
