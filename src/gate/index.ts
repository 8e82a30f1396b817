export { buildBaseline, readBaseline, readResults, writeBaseline } from './baseline.ts';
export { judge, shouldFail, describeMetric, formatValue, formatChange } from './verdict.ts';
export type * from './types.ts';
