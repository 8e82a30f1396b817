import { normalQuantile } from '../shared/quantiles.ts';
import type { DriftFigures, SeriesPoint, Trend } from './types.ts';

/** Points a trend is fitted to at most: seconds are grouped into blocks beyond this. */
const MAX_POINTS = 120;
/** Seconds per point at least: neighbouring seconds of a queue are not independent, blocks of them nearly are. */
const MIN_BLOCK_S = 5;
/** Fewer points than this fit no trend. */
const MIN_POINTS = 6;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Theil–Sen: the median of the slopes of all pairs of points, robust to a third of them being
 * outliers (a stalled second of a shared runner), with Sen's distribution-free interval from
 * Kendall's tau (Hollander & Wolfe, Nonparametric Statistical Methods, 3rd ed., §9.4).
 */
export function theilSen(xs: number[], ys: number[], confidence: number): { slope: number; low: number; high: number } {
  const n = xs.length;
  const slopes: number[] = [];
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) if (xs[j] !== xs[i]) slopes.push((ys[j]! - ys[i]!) / (xs[j]! - xs[i]!));
  slopes.sort((a, b) => a - b);
  const count = slopes.length;
  if (count === 0) return { slope: 0, low: 0, high: 0 };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const c = z * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const lower = Math.max(0, Math.floor((count - c) / 2) - 1);
  const upper = Math.min(count - 1, Math.ceil((count + c) / 2));
  return { slope: median(slopes), low: slopes[lower]!, high: slopes[upper]! };
}

/**
 * The trend of one figure of the measured seconds, fitted to blocks of seconds (each its median).
 * Sen's interval assumes independent points; a level that shifts once (a heap growing by a chunk, a
 * neighbour on a shared runner taking a core) lines the points up either side of the step, and the
 * interval would call it a trend. So it is widened by the largest rise from one block to the next,
 * spread over the measured time: a single step is no trend, however neatly the points line up.
 */
function trendOf(points: Array<{ t: number; y: number }>, confidence: number): Trend | null {
  if (points.length === 0) return null;
  const blockS = Math.max(MIN_BLOCK_S, Math.ceil(points.length / MAX_POINTS));
  const t0 = points[0]!.t;
  const blocks = new Map<number, Array<{ t: number; y: number }>>();
  for (const p of points) {
    const k = Math.floor((p.t - t0) / blockS);
    if (!blocks.has(k)) blocks.set(k, []);
    blocks.get(k)!.push(p);
  }
  // A block with less than half its seconds (the run's last) would weigh as much as a whole one.
  const full = [...blocks.values()].filter((b) => b.length * 2 >= blockS);
  if (full.length < MIN_POINTS) return null;
  const xs = full.map((b) => median(b.map((p) => p.t)) / 3600);
  const ys = full.map((b) => median(b.map((p) => p.y)));
  const fit = theilSen(xs, ys, confidence);
  let step = 0;
  for (let i = 1; i < ys.length; i++) step = Math.max(step, ys[i]! - ys[i - 1]!);
  const hours = xs[xs.length - 1]! - xs[0]!;
  if (hours > 0) {
    fit.low -= step / hours;
    fit.high += step / hours;
  }
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return {
    per_hour: r(fit.slope),
    low: r(fit.low),
    high: r(fit.high),
    level: r(median(points.map((p) => p.y))),
    points: full.length,
    block_s: blockS,
  };
}

/** The trends of the measured seconds of a series: p95 (seconds with completions) and container memory. */
export function driftOf(series: SeriesPoint[], confidence: number): DriftFigures | null {
  const measured = series.filter((p) => p.phase === 'measure');
  const p95 = trendOf(
    measured.filter((p) => p.rps > 0).map((p) => ({ t: p.t, y: p.p95 })),
    confidence,
  );
  const memory = trendOf(
    measured.filter((p) => p.memory_mb !== undefined).map((p) => ({ t: p.t, y: p.memory_mb! })),
    confidence,
  );
  if (!p95 && !memory) return null;
  return { confidence, p95, memory_mb: memory };
}
