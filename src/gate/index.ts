// The gate stage: a run held against its SLOs and a reference (a baseline file, or a build measured beside it).
export { judge, judgePaired, MAX_INTERVAL_WIDTH, shouldFail } from './verdict.ts';
export { buildBaseline } from './baseline.ts';
export type { Baseline, BaselineFigures, BaselineRun, History, HistoryEntry, Machine } from '../store/index.ts';
export type * from './types.ts';
export {
  decideProbe,
  emptyBlock,
  interpolateCapacity,
  MIN_BLOCKS,
  probeMargin,
  QUANTILE,
  type ProbeBlock,
  type ProbeCounts,
} from './probe.ts';
export {
  baselineFromHistory,
  comparableRuns,
  DEFAULT_HISTORY_RUNS,
  historyTrend,
  MIN_HISTORY_RUNS,
  TREND_RUNS,
  type HistoryTrend,
  type TrendMetric,
} from './history.ts';
export type { BaselineOrigin } from './verdict.ts';
