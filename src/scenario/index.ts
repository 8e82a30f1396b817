export { loadScenario, compileScenario, type ScenarioOverrides } from './parse.ts';
export { InvalidFileError, SourceDocument, validate, formatProblem, type Problem } from './document.ts';
export { parseDuration, parsePercent, formatDuration } from './units.ts';
export { Rng } from './rng.ts';
export type * from './types.ts';
