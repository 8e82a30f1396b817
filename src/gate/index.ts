// The gate stage: a run held against its SLOs and a reference (a baseline file, or a build measured beside it).
export { judge, judgePaired, MAX_INTERVAL_WIDTH, shouldFail } from './verdict.ts';
export { buildBaseline, readBaseline, readResults, writeBaseline } from './baseline.ts';
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
  appendEntry,
  baselineFromHistory,
  comparableRuns,
  DEFAULT_HISTORY_RUNS,
  DEFAULT_KEEP,
  formatHistory,
  historyEntry,
  historyTrend,
  machineOf,
  MIN_HISTORY_RUNS,
  parseHistory,
  readHistory,
  thin,
  TREND_RUNS,
  writeHistory,
  type History,
  type HistoryEntry,
  type HistoryTrend,
  type Machine,
  type TrendMetric,
} from './history.ts';
export type { BaselineOrigin } from './verdict.ts';
