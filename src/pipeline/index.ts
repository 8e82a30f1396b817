// The pipeline: the stages composed, scenario → target → engine → metrics → gate → report; the shells call this.
export {
  measure,
  measureJudged,
  measurePaired,
  referenceLabel,
  shardProblem,
  type JudgedRun,
  type Measurement,
  type MeasureOptions,
  type ShardRun,
} from './measure.ts';
export { mergeAndGate } from './merge.ts';
export {
  gateScenario,
  readAgainst,
  recordBaseline,
  type Against,
  type BaselineSource,
  type GatedRun,
  type RecordedBaseline,
} from './gate.ts';
export type { WorkerJob } from './worker.ts';
export {
  figureOutputs,
  gateJob,
  mergeJob,
  refreshBaselineJob,
  shardArtifactName,
  shardArtifactPrefix,
  shardJob,
  type BaselineCommitter,
  type GateOptions,
  type Job,
} from './jobs.ts';
export type { HistoryStore, JobOutcome, Log, Publisher } from './host.ts';
export {
  baselineOfRuns,
  compareFiles,
  fileHistory,
  historyAdd,
  historyBaseline,
  historyExport,
  historyShow,
  htmlOfRun,
  UserError,
  validateScenario,
} from './local.ts';
// What the shells need of the earlier stages, so they import the pipeline alone.
export { loadScenario, minimumSoakMs, parseDuration, parseShard, parseStartAt } from '../scenario/index.ts';
export { TargetError } from '../target/index.ts';
export { ShardMergeError } from '../metrics/index.ts';
export { readResults } from '../store/index.ts';
export {
  claimOutputDir,
  OutputInUseError,
  problemAnnotations,
  soakAdviceText,
  type Annotation,
} from '../report/index.ts';
