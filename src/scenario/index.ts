// The scenario stage: a YAML file read, validated and compiled into a plan the other stages run.
export { loadScenario, compileScenario, type ScenarioOverrides } from './parse.ts';
export { compileRequests } from './requests.ts';
export { parseDuration, parsePercent, parseShard, parseStartAt, formatDuration } from './units.ts';
export { spikesOf, SPIKE_FACTOR, SPIKE_RISE_MS, type Spike } from './spikes.ts';
export { DRIFT_VISIBLE, minimumSoakMs } from './soak.ts';
export { Rng } from './rng.ts';
export type * from './types.ts';
export type { StreamProtocol, ChatMessage, Preset } from './presets/index.ts';
export { presetNames, presetOf, registerPreset } from './presets/index.ts';
