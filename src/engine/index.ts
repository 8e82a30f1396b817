// The engine stage: drives a load plan at an origin and hands each outcome to a sink.
export { runLoad, type EnginePlan, type LoadRun, type ShardPart } from './run.ts';
export { blockLoad, type Block } from './blocks.ts';
export { shardOf, shareOf, workerPlan } from './share.ts';
export {
  isPrediction,
  StopRequest,
  type EngineResult,
  type Outcome,
  type OutcomeSink,
  type Phase,
  type RequestIdentity,
  type Stop,
  type StopCause,
} from './types.ts';
export type { TokenTiming } from './sse.ts';
