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

/** TF Serving's REST predict: `{"instances": [...]}` (or `{"inputs": {...}}`) to /v1/models/<m>:predict. */
export const tfserving: Preset = {
  name: 'tfserving',
  path: (model) => `/v1/models/${encodeURIComponent(model)}:predict`,
  health: (model) => `/v1/models/${encodeURIComponent(model)}`,
  answer: 'predictions',
  body: 'fields',
  builds: { plural: 'instances', one: 'feature' },
  generator: (fields, batch, format) => tfservingGenerator(fields, batch, (format ?? 'rows') as TfServingFormat),
  formats: ['rows', 'bare-rows', 'columns'],
};

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
