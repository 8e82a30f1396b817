import type { LoadPlan } from '../scenario/index.ts';

/** Worker i's part of the load when n workers split it: rates divide, users spread evenly. */
export function shareOf(load: LoadPlan, i: number, n: number): LoadPlan {
  if (n <= 1) return load;
  if (load.model === 'open') {
    return {
      ...load,
      stages: load.stages.map((s) => ({ ...s, fromRate: s.fromRate / n, toRate: s.toRate / n })),
      maxInFlight: Math.max(1, Math.ceil(load.maxInFlight / n)),
    };
  }
  const part = (users: number) => Math.floor(users / n) + (i < users % n ? 1 : 0);
  return { ...load, stages: load.stages.map((s) => ({ ...s, users: part(s.users) })), spawnRate: load.spawnRate / n };
}
