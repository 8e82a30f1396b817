import { EMPTY, jsonPayload as json, malformed, type Generator, type Mutation } from '../payload.ts';
import type { Rng } from '../rng.ts';
import type { Preset } from './preset.ts';

/** OpenAI-compatible generative APIs (vLLM, TGI, llama.cpp, Ollama, Triton): chat or plain completions. */
export type StreamProtocol = 'openai-chat' | 'openai-completions';

const openai = (name: StreamProtocol, path: string): Preset => ({
  name,
  path: () => path,
  health: () => '/v1/models',
  answer: 'choices',
  body: 'prompts',
});
export const openaiChat = openai('openai-chat', '/v1/chat/completions');
export const openaiCompletions = openai('openai-completions', '/v1/completions');

/** A chat message as the OpenAI API takes it. */
export interface ChatMessage {
  role: string;
  content: string;
}

/** Prompts: a list from a file (a prompt, or a chat's messages, each), or generated to a length in tokens. */
export type PromptSource =
  | { kind: 'list'; prompts: Array<string | ChatMessage[]> }
  | { kind: 'generated'; mean: number; stddev: number };

/** An OpenAI-compatible request as declared: everything but the prompt fixed. */
export interface GenerativeBody {
  protocol: StreamProtocol;
  model: string;
  prompts: PromptSource;
  maxTokens: number;
  stream: boolean;
  temperature: number | null;
}

// Common short English words: about one token each for the usual BPE tokenizers.
const WORDS = [
  'the of and to in is it you that he was for on are as with his they at be this have from or one had',
  'by word but not what all were we when your can said there use an each which she do how their if will',
  'up other about out many then them these so some her would make like him into time has look two more',
  'write go see number no way could people my than first water been call who oil its now find long down',
  'day did get come made may part',
]
  .join(' ')
  .split(' ');

/** A prompt of about `tokens` tokens, one word a token. */
function generatedPrompt(rng: Rng, mean: number, stddev: number): string {
  const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const n = Math.max(1, Math.round(mean + stddev * z));
  const words = new Array<string>(n);
  for (let i = 0; i < n; i++) words[i] = WORDS[rng.int(0, WORDS.length - 1)]!;
  return words.join(' ');
}

/**
 * OpenAI chat or completions: the model, a prompt drawn from the list (in turn) or generated,
 * `max_tokens`, and when streaming `stream_options.include_usage`, so the server counts the output
 * tokens. Mutations break the request as a client's bug would: no messages or prompt, a role the
 * API does not have, a negative `max_tokens`, a temperature outside 0–2, a value of the wrong type.
 */
export function generativeGenerator(spec: GenerativeBody): Generator {
  const chat = spec.protocol === 'openai-chat';
  const list = spec.prompts.kind === 'list' ? spec.prompts.prompts : null;
  let cursor = 0;
  const prompt = (rng: Rng): string | ChatMessage[] => {
    if (list) return list[cursor++ % list.length]!;
    const p = spec.prompts as { mean: number; stddev: number };
    return generatedPrompt(rng, p.mean, p.stddev);
  };
  const body = (rng: Rng): Record<string, unknown> => {
    const p = prompt(rng);
    const b: Record<string, unknown> = { model: spec.model };
    // A copy: a mutation must not change the list's own messages.
    if (chat) b.messages = typeof p === 'string' ? [{ role: 'user', content: p }] : p.map((m) => ({ ...m }));
    else b.prompt = typeof p === 'string' ? p : p.map((m) => m.content).join('\n');
    b.max_tokens = spec.maxTokens;
    if (spec.temperature !== null) b.temperature = spec.temperature;
    if (spec.stream) {
      b.stream = true;
      b.stream_options = { include_usage: true };
    }
    return b;
  };
  const mutations: Mutation[] = [
    chat ? 'missing_messages' : 'missing_prompt',
    ...(chat ? (['bad_role'] as const) : []),
    'negative_max_tokens',
    'temperature_out_of_range',
    'wrong_type',
    'malformed_json',
    'empty_body',
  ];
  return {
    mutations,
    next: (rng) => json(body(rng)),
    mutate(rng, how) {
      const b = body(rng);
      switch (how) {
        case 'missing_messages':
          delete b.messages;
          return json(b);
        case 'missing_prompt':
          delete b.prompt;
          return json(b);
        case 'bad_role':
          (b.messages as ChatMessage[])[0] = { ...(b.messages as ChatMessage[])[0]!, role: 'wizard' };
          return json(b);
        case 'negative_max_tokens':
          b.max_tokens = -rng.int(1, 100);
          return json(b);
        case 'temperature_out_of_range':
          b.temperature = 2 + rng.int(1, 8);
          return json(b);
        case 'wrong_type':
          if (chat) b.messages = 'not a list of messages';
          else b.prompt = rng.int(0, 1000);
          return json(b);
        case 'malformed_json':
          return malformed(JSON.stringify(b));
        default:
          return EMPTY;
      }
    },
  };
}
