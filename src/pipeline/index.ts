// The pipeline: the stages composed, scenario → target → engine → metrics → gate → report; the shells call this.
export { measure, measureJudged, measurePaired, referenceLabel, type JudgedRun, type Measurement, type MeasureOptions } from './measure.ts';
export { gateScenario, readAgainst, recordBaseline, type Against, type BaselineSource, type GatedRun, type RecordedBaseline } from './gate.ts';
export { type WorkerJob } from './worker.ts';
