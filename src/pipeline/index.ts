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
