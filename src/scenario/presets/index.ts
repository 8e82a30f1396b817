// The standard model APIs a request may speak (`protocol:`), one module each, in one table.
import { kserveV2Grpc } from './kserve-grpc.ts';
import { kserveV2 } from './kserve-v2.ts';
import { openaiChat, openaiCompletions, type StreamProtocol } from './openai.ts';
import type { Preset } from './preset.ts';
import { tfserving } from './tfserving.ts';

export type { Preset } from './preset.ts';
export {
  generativeGenerator,
  type ChatMessage,
  type GenerativeBody,
  type PromptSource,
  type StreamProtocol,
} from './openai.ts';
export type { TfServingFormat } from './tfserving.ts';

const PRESETS = new Map<string, Preset>(
  [kserveV2, kserveV2Grpc, tfserving, openaiChat, openaiCompletions].map((p) => [p.name, p]),
);
let version = 0;

/** The preset of a protocol's name; undefined for a name none has. */
export const presetOf = (name: string): Preset | undefined => PRESETS.get(name);

/** Every protocol's name, in the table's order (the scenario schema's `protocol` takes these). */
export const presetNames = (): string[] => [...PRESETS.keys()];

/** Changes whenever the table does: what is compiled from it (the scenario schema) is compiled again. */
export const presetsVersion = (): number => version;

/** Adds a preset (a new HTTP/JSON API): its module, this call, the schema's enum and the README are all it takes. */
export function registerPreset(preset: Preset): void {
  if (PRESETS.has(preset.name)) throw new Error(`a preset named ${preset.name} exists already`);
  PRESETS.set(preset.name, preset);
  version++;
}

/** Whether the protocol's body is built from prompts and its answers streamed (the OpenAI APIs). */
export const isGenerative = (p: string): p is StreamProtocol => presetOf(p)?.body === 'prompts';
