export { Recorder } from './recorder.ts';
export * from './histogram.ts';
export type * from './types.ts';
