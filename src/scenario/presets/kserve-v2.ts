import {
  compileField,
  EMPTY,
  jsonPayload as json,
  malformed,
  type FieldSpec,
  type Generator,
  type Mutation,
} from '../payload.ts';
import type { Rng } from '../rng.ts';
import type { Preset } from './preset.ts';

/** KServe v2 / the Open Inference Protocol: `{"inputs": [{name, shape, datatype, data}]}` to /v2/models/<m>/infer. */
export const kserveV2: Preset = {
  name: 'kserve-v2',
  path: (model) => `/v2/models/${encodeURIComponent(model)}/infer`,
  health: () => '/v2/health/ready',
  answer: 'outputs',
  body: 'fields',
  builds: { plural: 'input tensors', one: 'input tensor' },
  generator: (fields, batch) => kserveGenerator(fields, batch),
  fieldProblem: (spec) =>
    spec.array && (typeof spec.length !== 'number' || spec.array.array || spec.array.object)
      ? 'is an array of varying length or of arrays: a KServe v2 tensor needs one fixed `length` of plain values'
      : null,
};

/** A tensor's datatype in the Open Inference Protocol, from the field that fills it. */
export function datatypeOf(spec: FieldSpec): string {
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
export const wrongDatatype = (d: string) => (d === 'BYTES' || d === 'BOOL' ? 'FP32' : 'BOOL');

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
