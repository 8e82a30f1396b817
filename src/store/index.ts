// The store stage: the files a run leaves and a later run reads (results.json, baselines, the history), each
// read, checked and written in one module. Nothing here judges; nothing elsewhere touches these files' bytes.
export {
  BASELINE_SCHEMA_REF,
  formatBaseline,
  readBaseline,
  writeBaseline,
  type Baseline,
  type BaselineFigures,
  type BaselineRun,
} from './baseline.ts';
export { readResults, writeResults } from './results.ts';
export {
  appendEntry,
  checkHistograms,
  DEFAULT_KEEP,
  formatHistory,
  historyEntry,
  machineOf,
  parseHistory,
  readHistory,
  thin,
  writeHistory,
  type History,
  type HistoryEntry,
  type Machine,
} from './history.ts';
