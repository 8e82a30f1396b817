import { compileField, EMPTY, jsonPayload as json, malformed, type FieldSpec, type Generator, type Mutation } from './payload.ts';
import type { Rng } from './rng.ts';

/** Standard model APIs whose bodies, paths, health checks and expectations follow from the protocol. */
export type Protocol = 'kserve-v2' | 'tfserving';
export const PROTOCOLS: readonly Protocol[] = ['kserve-v2', 'tfserving'];


/** The protocol's inference path for a model. */
export function protocolPath(protocol: Protocol, model: string): string {
  const m = encodeURIComponent(model);
  return protocol === 'kserve-v2' ? `/v2/models/${m}/infer` : `/v1/models/${m}:predict`;
}

/** The protocol's readiness path: the server's (KServe v2) or the model's status (TF Serving). */
export function protocolHealth(protocol: Protocol, model: string): string {
  return protocol === 'kserve-v2' ? '/v2/health/ready' : `/v1/models/${encodeURIComponent(model)}`;
}

/** What a valid answer must hold: KServe v2 `outputs`, TF Serving `predictions`. */
export function protocolAnswer(protocol: Protocol): string {
  return protocol === 'kserve-v2' ? 'outputs' : 'predictions';
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
  const fields = Object.entries(specs).map(([name, spec]) => ({ name, spec, row: compileField(spec), leaf: compileField(spec.array ?? spec), datatype: datatypeOf(spec) }));
  const ranged = fields.filter((f) => f.leaf.outOfRange);
  const draw = (rng: Rng): Tensor[] =>
    fields.map((f) => {
      const rows = Array.from({ length: batch }, () => f.row.draw(rng));
      return f.spec.array
        ? { name: f.name, shape: [batch, f.spec.length as number], datatype: f.datatype, data: (rows as unknown[][]).flat() }
        : { name: f.name, shape: [batch], datatype: f.datatype, data: rows };
    });
  const mutations: Mutation[] = ['missing_inputs', 'wrong_shape', 'wrong_datatype', 'wrong_type', 'malformed_json', 'empty_body'];
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

/**
 * TF Serving's REST predict, row format: `{"instances": [...]}`, `batch` objects of the fields.
 * Mutations: no instances, a field left out of one instance, a value of another type or out of range.
 */
export function tfservingGenerator(specs: Record<string, FieldSpec>, batch: number): Generator {
  const fields = Object.entries(specs).map(([name, spec]) => ({ name, field: compileField(spec) }));
  const ranged = fields.filter((f) => f.field.outOfRange);
  const draw = (rng: Rng) => Array.from({ length: batch }, () => Object.fromEntries(fields.map((f) => [f.name, f.field.draw(rng)])) as Record<string, unknown>);
  const mutations: Mutation[] = ['missing_instances', 'drop_field', 'wrong_type', 'malformed_json', 'empty_body'];
  if (ranged.length > 0) mutations.splice(3, 0, 'out_of_range');
  return {
    mutations,
    next: (rng) => json({ instances: draw(rng) }),
    mutate(rng, how) {
      const instances = draw(rng);
      const row = instances[rng.int(0, instances.length - 1)]!;
      const f = fields[rng.int(0, fields.length - 1)]!;
      switch (how) {
        case 'missing_instances':
          return json({ signature_name: 'serving_default' });
        case 'drop_field':
          delete row[f.name];
          return json({ instances });
        case 'wrong_type':
          row[f.name] = f.field.wrongType(rng);
          return json({ instances });
        case 'out_of_range': {
          const r = ranged[rng.int(0, ranged.length - 1)]!;
          row[r.name] = r.field.outOfRange!(rng);
          return json({ instances });
        }
        case 'malformed_json':
          return malformed(JSON.stringify({ instances }));
        default:
          return EMPTY;
      }
    },
  };
}
