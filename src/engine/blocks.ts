import type { LoadPlan } from '../scenario/index.ts';

/** One block of a paired run: a slice of the measured schedule, run on one build. */
export interface Block {
  /** Which slice of the schedule (0-based). */
  index: number;
  /** How many slices the measured duration is cut into. */
  count: number;
  /** Unmeasured load before the slice, at the slice's starting rate. */
  warmupMs: number;
  /** false: a warm-up block, the warm-up alone. */
  measure: boolean;
}

/**
 * The load of one block: the slice [i·D/n, (i+1)·D/n) of the measured stages, rates interpolated at
 * the cuts, so the two builds of a pair see the same part of a ramp.
 */
export function blockLoad(load: LoadPlan, block: Block): LoadPlan {
  const from = (load.durationMs * block.index) / block.count;
  const to = (load.durationMs * (block.index + 1)) / block.count;
  const warmupMs = block.warmupMs;
  // A warm-up block keeps the slice's stages (its rate), but the run ends with the warm-up.
  const durationMs = block.measure ? to - from : 0;
  if (load.model === 'open') {
    const stages = cutStages(load.stages, from, to, (s, a, b) => {
      const at = (t: number) => s.fromRate + ((s.toRate - s.fromRate) * t) / s.durationMs;
      return { durationMs: b - a, fromRate: at(a), toRate: at(b) };
    });
    return { ...load, stages, warmupMs, durationMs };
  }
  const stages = cutStages(load.stages, from, to, (s, a, b) => ({ durationMs: b - a, users: s.users }));
  return { ...load, stages, warmupMs, durationMs };
}

/** The parts of `stages` between `from` and `to` (ms into the measured period); `cut` makes a stage's part a..b. */
function cutStages<S extends { durationMs: number }>(
  stages: S[],
  from: number,
  to: number,
  cut: (s: S, a: number, b: number) => S,
): S[] {
  const out: S[] = [];
  let start = 0;
  for (const s of stages) {
    const end = start + s.durationMs;
    const a = Math.max(from, start);
    const b = Math.min(to, end);
    if (b > a) out.push(cut(s, a - start, b - start));
    start = end;
  }
  return out;
}
