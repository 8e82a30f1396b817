// The metrics stage: outcomes into HDR histograms, per-second series and windows; one shape for a run's figures.
export { Recorder, headlineOf, type MeasuredSoFar, type RecorderState, type SecondState } from './recorder.ts';
export {
  decodeHistogram,
  encodeHistogram,
  histogramOf,
  keepHistogram,
  latencyHistogram,
  mergeHistograms,
  percentileCurve,
  percentileMs,
  recordMs,
  summarize,
  type Histogram,
  type LatencySummary,
} from './histogram.ts';
export { describeEnvironment, machineFingerprint } from './environment.ts';
export { driftOf, theilSen } from './trend.ts';
export { ON_TIME_BUCKET_MS, slowestRecovery, type OnTimeWatch } from './ontime.ts';
export { mergeTokens } from './tokens.ts';
export { mergeShards, ShardMergeError, type ShardInput } from './merge.ts';
export type * from './types.ts';
