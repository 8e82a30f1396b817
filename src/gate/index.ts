// The gate stage: a run held against its SLOs and a reference (a baseline file, or a build measured beside it).
export { judge, judgePaired, shouldFail } from './verdict.ts';
export { buildBaseline, readBaseline, readResults, writeBaseline } from './baseline.ts';
export type * from './types.ts';
export { decideProbe, type ProbeCounts } from './probe.ts';
