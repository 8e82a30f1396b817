import type { Limits } from './types.ts';

/** How far a drift at its limit must move its figure within the run for a trend to tell it from noise. */
export const DRIFT_VISIBLE = { p95: 0.05, memoryMb: 5 } as const;

/**
 * The measured time a soak needs for its `slo.drift` limits to be judged: long enough that a drift
 * at the limit moves p95 by 5% (or memory by 5 MB). Shorter runs' trend intervals are too wide to
 * pass, and are reported inconclusive unless they clearly fail. Null without drift limits.
 */
export function minimumSoakMs(limits: Limits): number | null {
  const needs: number[] = [];
  if (limits.drift?.p95 !== undefined && limits.drift.p95 > 0)
    needs.push((DRIFT_VISIBLE.p95 / limits.drift.p95) * 3_600_000);
  if (limits.drift?.memory !== undefined && limits.drift.memory > 0)
    needs.push((DRIFT_VISIBLE.memoryMb / limits.drift.memory) * 3_600_000);
  return needs.length > 0 ? Math.max(...needs) : null;
}
