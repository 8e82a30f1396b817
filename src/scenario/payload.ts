import type { Rng } from './rng.ts';
import type { BodySource, Payload } from './types.ts';

export type Mutation =
  | 'drop_field'
  | 'wrong_type'
  | 'out_of_range'
  | 'malformed_json'
  | 'empty_body'
  | 'missing_inputs'
  | 'wrong_shape'
  | 'wrong_datatype'
  | 'malformed_message'
  | 'missing_instances'
  | 'missing_messages'
  | 'missing_prompt'
  | 'bad_role'
  | 'negative_max_tokens'
  | 'temperature_out_of_range';
/** Every mutation: `invalid_of` without `mutations:` draws from those that apply to the payloads it breaks. */
export const MUTATIONS: readonly Mutation[] = [
  'drop_field',
  'wrong_type',
  'out_of_range',
  'malformed_json',
  'empty_body',
  'missing_inputs',
  'wrong_shape',
  'wrong_datatype',
  'malformed_message',
  'missing_instances',
  'missing_messages',
  'missing_prompt',
  'bad_role',
  'negative_max_tokens',
  'temperature_out_of_range',
];

const JSON_TYPE = 'application/json';

/** Field spec as written in the scenario (already schema-checked). */
export interface FieldSpec {
  int?: [number, number];
  float?: [number, number];
  choice?: unknown[];
  const?: unknown;
  array?: FieldSpec;
  length?: number | [number, number];
  object?: Record<string, FieldSpec>;
  string?: { length?: [number, number] };
}

export interface Field {
  /** An `object:` field's own fields, which mutations reach into. */
  children?: FieldSet;
  draw(rng: Rng): unknown;
  /** A value of another JSON type than the field's own. */
  wrongType(rng: Rng): unknown;
  /** A value outside the declared range, for fields that have one. */
  outOfRange: ((rng: Rng) => unknown) | null;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

export function compileField(spec: FieldSpec): Field {
  if (spec.int) {
    const [lo, hi] = spec.int;
    const width = hi - lo + 1;
    return {
      draw: (rng) => rng.int(lo, hi),
      wrongType: () => 'not-a-number',
      outOfRange: (rng) => (rng.next() < 0.5 ? lo - rng.int(1, width) : hi + rng.int(1, width)),
    };
  }
  if (spec.float) {
    const [lo, hi] = spec.float;
    const width = hi - lo || 1;
    return {
      draw: (rng) => rng.float(lo, hi),
      wrongType: () => 'not-a-number',
      outOfRange: (rng) => (rng.next() < 0.5 ? lo - width * (0.01 + rng.next()) : hi + width * (0.01 + rng.next())),
    };
  }
  if (spec.choice) {
    const choices = spec.choice;
    const allNumbers = choices.every((c) => typeof c === 'number');
    return {
      draw: (rng) => rng.pick(choices),
      wrongType: () => (allNumbers ? 'not-a-number' : 12345),
      outOfRange: null,
    };
  }
  if (spec.array) {
    const item = compileField(spec.array);
    const [lo, hi] = Array.isArray(spec.length) ? spec.length : [spec.length ?? 1, spec.length ?? 1];
    return {
      draw: (rng) => Array.from({ length: rng.int(lo, hi) }, () => item.draw(rng)),
      wrongType: () => 'not-an-array',
      outOfRange: item.outOfRange
        ? (rng) => {
            const values = Array.from({ length: Math.max(1, rng.int(lo, hi)) }, () => item.draw(rng));
            values[rng.int(0, values.length - 1)] = item.outOfRange!(rng);
            return values;
          }
        : null,
    };
  }
  if (spec.object) {
    const fields = compileFields(spec.object);
    return { children: fields, draw: (rng) => fields.draw(rng), wrongType: () => 'not-an-object', outOfRange: null };
  }
  if (spec.string) {
    const [lo, hi] = spec.string.length ?? [8, 8];
    return {
      draw: (rng) => Array.from({ length: rng.int(lo, hi) }, () => rng.pick(ALPHABET as unknown as string[])).join(''),
      wrongType: () => 12345,
      outOfRange: null,
    };
  }
  const value = spec.const;
  return { draw: () => value, wrongType: () => (typeof value === 'number' ? 'not-a-number' : 12345), outOfRange: null };
}

interface FieldSet {
  names: string[];
  fields: Field[];
  /** Every field that is not an object, at any depth, with its path: what a mutation breaks. */
  leaves: Leaf[];
  draw(rng: Rng): Record<string, unknown>;
}

interface Leaf {
  path: string[];
  field: Field;
}

function compileFields(specs: Record<string, FieldSpec>): FieldSet {
  const names = Object.keys(specs);
  const fields = names.map((n) => compileField(specs[n]!));
  const leaves = names.flatMap((n, i): Leaf[] => {
    const f = fields[i]!;
    return f.children && f.children.leaves.length > 0
      ? f.children.leaves.map((l) => ({ path: [n, ...l.path], field: l.field }))
      : [{ path: [n], field: f }];
  });
  return {
    names,
    fields,
    leaves,
    draw(rng) {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) out[names[i]!] = fields[i]!.draw(rng);
      return out;
    },
  };
}

/** Something that yields fresh valid payloads and knows how to break them. */
export interface Generator extends BodySource {
  /** Which mutations make sense for this generator. */
  mutations: Mutation[];
  mutate(rng: Rng, how: Mutation): Payload;
}

export function jsonPayload(value: unknown): Payload {
  return { data: JSON.stringify(value), contentType: JSON_TYPE };
}

export function malformed(valid: string): Payload {
  // Cut the document short: never parses, whatever the payload.
  const cut = Math.max(1, Math.floor(valid.length / 2));
  return { data: valid.length > 1 ? valid.slice(0, cut) : '{', contentType: JSON_TYPE };
}

export const EMPTY: Payload = { data: '', contentType: JSON_TYPE };

/** The object that holds the value at `path`, and the value's key in it. */
function parentOf(root: Record<string, unknown>, path: readonly string[]): [Record<string, unknown>, string] {
  let node = root;
  for (let i = 0; i < path.length - 1; i++) node = node[path[i]!] as Record<string, unknown>;
  return [node, path[path.length - 1]!];
}

/** `fields:` a fresh random object for every request. */
export function fieldsGenerator(specs: Record<string, FieldSpec>): Generator {
  const set = compileFields(specs);
  // Mutations break one leaf, drawn uniformly, at any depth: a nested feature's own validation is reached.
  const ranged = set.leaves.filter((l) => l.field.outOfRange);
  const mutations: Mutation[] = ['drop_field', 'wrong_type', 'malformed_json', 'empty_body'];
  if (ranged.length > 0) mutations.splice(2, 0, 'out_of_range');
  return {
    mutations,
    next: (rng) => jsonPayload(set.draw(rng)),
    mutate(rng, how) {
      const value = set.draw(rng);
      switch (how) {
        case 'drop_field': {
          const [parent, key] = parentOf(value, set.leaves[rng.int(0, set.leaves.length - 1)]!.path);
          delete parent[key];
          return jsonPayload(value);
        }
        case 'wrong_type': {
          const leaf = set.leaves[rng.int(0, set.leaves.length - 1)]!;
          const [parent, key] = parentOf(value, leaf.path);
          parent[key] = leaf.field.wrongType(rng);
          return jsonPayload(value);
        }
        case 'out_of_range': {
          const leaf = ranged[rng.int(0, ranged.length - 1)]!;
          const [parent, key] = parentOf(value, leaf.path);
          parent[key] = leaf.field.outOfRange!(rng);
          return jsonPayload(value);
        }
        case 'malformed_json':
          return malformed(JSON.stringify(value));
        default:
          // empty_body; the protocol mutations are not in this generator's list.
          return EMPTY;
      }
    },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Paths of every value of a JSON object that is not itself a non-empty object, at any depth. */
function jsonLeaves(value: Record<string, unknown>, prefix: string[] = []): string[][] {
  return Object.entries(value).flatMap(([k, v]) =>
    isObject(v) && Object.keys(v).length > 0 ? jsonLeaves(v, [...prefix, k]) : [[...prefix, k]],
  );
}

function wrongTypeOf(v: unknown): unknown {
  if (typeof v === 'number') return 'not-a-number';
  if (Array.isArray(v)) return 'not-an-array';
  if (isObject(v)) return 'not-an-object';
  return 12345;
}

/** `json:` or `file:` payloads, serialised once and handed out in turn. */
export function listGenerator(values: readonly unknown[]): Generator {
  const serialised = values.map((v) => JSON.stringify(v));
  const objects = values.every((v) => isObject(v) && Object.keys(v).length > 0);
  const leaves = objects ? values.map((v) => jsonLeaves(v as Record<string, unknown>)) : [];
  let cursor = 0;
  const pickIndex = (): number => {
    const i = cursor;
    cursor = cursor + 1 === serialised.length ? 0 : cursor + 1;
    return i;
  };
  const mutations: Mutation[] = objects
    ? ['drop_field', 'wrong_type', 'malformed_json', 'empty_body']
    : ['malformed_json', 'empty_body'];
  return {
    mutations,
    next: () => ({ data: serialised[pickIndex()]!, contentType: JSON_TYPE }),
    mutate(rng, how) {
      const i = pickIndex();
      if (how === 'malformed_json') return malformed(serialised[i]!);
      if (how === 'empty_body' || !objects) return EMPTY;
      const value = JSON.parse(serialised[i]!) as Record<string, unknown>;
      const paths = leaves[i]!;
      const [parent, key] = parentOf(value, paths[rng.int(0, paths.length - 1)]!);
      if (how === 'drop_field') delete parent[key];
      else parent[key] = wrongTypeOf(parent[key]);
      return jsonPayload(value);
    },
  };
}

/** `raw:` a fixed body sent as written. */
export function rawSource(data: string, contentType: string): BodySource {
  const payload = { data, contentType };
  return { next: () => payload };
}

/** `invalid_of:` one applicable mutation of another request's generator, drawn per request. */
export function invalidSource(of: Generator, allowed: readonly Mutation[]): BodySource {
  const usable = of.mutations.filter((m) => allowed.includes(m));
  return { next: (rng) => of.mutate(rng, usable[rng.int(0, usable.length - 1)]!) };
}
