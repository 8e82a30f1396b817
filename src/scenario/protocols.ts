import {
  compileField,
  EMPTY,
  jsonPayload as json,
  malformed,
  type FieldSpec,
  type Generator,
  type Mutation,
} from './payload.ts';
import type { Rng } from './rng.ts';

/** OpenAI-compatible generative APIs (vLLM, TGI, llama.cpp, Ollama, Triton): chat or plain completions. */
export type StreamProtocol = 'openai-chat' | 'openai-completions';
/** Standard model APIs whose bodies, paths, health checks and expectations follow from the protocol. */
export type Protocol = 'kserve-v2' | 'tfserving' | StreamProtocol;
export const PROTOCOLS: readonly Protocol[] = ['kserve-v2', 'tfserving', 'openai-chat', 'openai-completions'];

export const isGenerative = (p: Protocol): p is StreamProtocol => p === 'openai-chat' || p === 'openai-completions';

/** The protocol's inference path for a model (the OpenAI APIs name the model in the body). */
export function protocolPath(protocol: Protocol, model: string): string {
  const m = encodeURIComponent(model);
  if (protocol === 'openai-chat') return '/v1/chat/completions';
  if (protocol === 'openai-completions') return '/v1/completions';
  return protocol === 'kserve-v2' ? `/v2/models/${m}/infer` : `/v1/models/${m}:predict`;
}

/**
 * The protocol's readiness path: the server's (KServe v2), the model's status (TF Serving), the model list (OpenAI).
 */
export function protocolHealth(protocol: Protocol, model: string): string {
  if (isGenerative(protocol)) return '/v1/models';
  return protocol === 'kserve-v2' ? '/v2/health/ready' : `/v1/models/${encodeURIComponent(model)}`;
}

/** What a valid (unstreamed) answer must hold: KServe v2 `outputs`, TF Serving `predictions`, OpenAI `choices`. */
export function protocolAnswer(protocol: Protocol): string {
  if (isGenerative(protocol)) return 'choices';
  return protocol === 'kserve-v2' ? 'outputs' : 'predictions';
}

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
const WORDS =
  'the of and to in is it you that he was for on are as with his they at be this have from or one had by word but not what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more write go see number no way could people my than first water been call who oil its now find long down day did get come made may part'.split(
    ' ',
  );

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

/** A tensor's datatype in the Open Inference Protocol, from the field that fills it. */
function datatypeOf(spec: FieldSpec): string {
  if (spec.array) return datatypeOf(spec.array);
  if (spec.int) return 'INT64';
  if (spec.float) return 'FP32';
  const values = spec.choice ?? (spec.const !== undefined ? [spec.const] : []);
  if (values.length > 0 && values.every((v) => typeof v === 'boolean')) return 'BOOL';
  if (values.length > 0 && values.every((v) => Number.isInteger(v))) return 'INT64';
  if (values.length > 0 && values.every((v) => typeof v === 'number')) return 'FP32';
  return 'BYTES';
}

/** A datatype the data does not have: numbers declared as booleans, anything else as FP32. */
const wrongDatatype = (d: string) => (d === 'BYTES' || d === 'BOOL' ? 'FP32' : 'BOOL');

interface Tensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
}

/**
 * KServe v2 / Open Inference Protocol: each field an input tensor named after it, `batch` rows
 * (shape [batch] for a scalar field, [batch, n] for an array of fixed length n), data flattened row-major.
 * Mutations break the request as a client's bug would: an input missing, a shape that does not
 * match the data, a datatype the data is not, a value of another type or out of range.
 */
export function kserveGenerator(specs: Record<string, FieldSpec>, batch: number): Generator {
  // `row` draws a field's value for one row (an array field: its whole array); `leaf` one element.
  const fields = Object.entries(specs).map(([name, spec]) => ({
    name,
    spec,
    row: compileField(spec),
    leaf: compileField(spec.array ?? spec),
    datatype: datatypeOf(spec),
  }));
  const ranged = fields.filter((f) => f.leaf.outOfRange);
  const draw = (rng: Rng): Tensor[] =>
    fields.map((f) => {
      const rows = Array.from({ length: batch }, () => f.row.draw(rng));
      return f.spec.array
        ? {
            name: f.name,
            shape: [batch, f.spec.length as number],
            datatype: f.datatype,
            data: (rows as unknown[][]).flat(),
          }
        : { name: f.name, shape: [batch], datatype: f.datatype, data: rows };
    });
  const mutations: Mutation[] = [
    'missing_inputs',
    'wrong_shape',
    'wrong_datatype',
    'wrong_type',
    'malformed_json',
    'empty_body',
  ];
  if (ranged.length > 0) mutations.splice(4, 0, 'out_of_range');
  return {
    mutations,
    next: (rng) => json({ inputs: draw(rng) }),
    mutate(rng, how) {
      const inputs = draw(rng);
      const t = inputs[rng.int(0, inputs.length - 1)]!;
      switch (how) {
        case 'missing_inputs':
          // One input tensor left out; with a single input, the list itself.
          return json(inputs.length > 1 ? { inputs: inputs.filter((x) => x !== t) } : { parameters: {} });
        case 'wrong_shape':
          t.shape = [t.shape[0]! + 1, ...t.shape.slice(1)];
          return json({ inputs });
        case 'wrong_datatype':
          t.datatype = wrongDatatype(t.datatype);
          return json({ inputs });
        case 'wrong_type':
          t.data[rng.int(0, t.data.length - 1)] = fields.find((f) => f.name === t.name)!.leaf.wrongType(rng);
          return json({ inputs });
        case 'out_of_range': {
          const f = ranged[rng.int(0, ranged.length - 1)]!;
          const tensor = inputs.find((x) => x.name === f.name)!;
          tensor.data[rng.int(0, tensor.data.length - 1)] = f.leaf.outOfRange!(rng);
          return json({ inputs });
        }
        case 'malformed_json':
          return malformed(JSON.stringify({ inputs }));
        default:
          return EMPTY;
      }
    },
  };
}

/** How a TF Serving request lays out its batch: named rows, bare rows (values in the fields' order), or columns. */
export type TfServingFormat = 'rows' | 'bare-rows' | 'columns';

/**
 * TF Serving's REST predict, in the format the model's signature takes: `{"instances": [{..}, ..]}`
 * (named rows), `{"instances": [[..], ..]}` (bare rows: the fields' values in their order), or
 * `{"inputs": {"field": [..], ..}}` (columns), `batch` rows each.
 * Mutations: no instances, a field left out of one row (or one column), a value of another type or out of range.
 */
export function tfservingGenerator(
  specs: Record<string, FieldSpec>,
  batch: number,
  format: TfServingFormat = 'rows',
): Generator {
  const fields = Object.entries(specs).map(([name, spec]) => ({ name, field: compileField(spec) }));
  const ranged = fields.filter((f) => f.field.outOfRange);
  const draw = (rng: Rng) =>
    Array.from(
      { length: batch },
      () => Object.fromEntries(fields.map((f) => [f.name, f.field.draw(rng)])) as Record<string, unknown>,
    );
  // Rows as drawn, laid out in the request's format; a field a mutation dropped is left out of its row (or its column).
  const body = (rows: Array<Record<string, unknown>>) => {
    if (format === 'rows') return { instances: rows };
    if (format === 'bare-rows')
      return { instances: rows.map((r) => fields.filter((f) => Object.hasOwn(r, f.name)).map((f) => r[f.name])) };
    return {
      inputs: Object.fromEntries(
        fields
          .filter((f) => rows.every((r) => Object.hasOwn(r, f.name)))
          .map((f) => [f.name, rows.map((r) => r[f.name])]),
      ),
    };
  };
  const mutations: Mutation[] = ['missing_instances', 'drop_field', 'wrong_type', 'malformed_json', 'empty_body'];
  if (ranged.length > 0) mutations.splice(3, 0, 'out_of_range');
  return {
    mutations,
    next: (rng) => json(body(draw(rng))),
    mutate(rng, how) {
      const rows = draw(rng);
      const row = rows[rng.int(0, rows.length - 1)]!;
      const f = fields[rng.int(0, fields.length - 1)]!;
      switch (how) {
        case 'missing_instances':
          return json({ signature_name: 'serving_default' });
        case 'drop_field':
          delete row[f.name];
          return json(body(rows));
        case 'wrong_type':
          row[f.name] = f.field.wrongType(rng);
          return json(body(rows));
        case 'out_of_range': {
          const r = ranged[rng.int(0, ranged.length - 1)]!;
          row[r.name] = r.field.outOfRange!(rng);
          return json(body(rows));
        }
        case 'malformed_json':
          return malformed(JSON.stringify(body(rows)));
        default:
          return EMPTY;
      }
    },
  };
}
