// A toy HTTP/JSON API registered as a preset from a test: what adding a new protocol takes (one module like this).
import { registerPreset, presetNames, type Preset } from '../../src/scenario/index.ts';
import { compileField, EMPTY, jsonPayload, malformed, type Mutation } from '../../src/scenario/payload.ts';

/** `{"rows": [{field: value, ...}]}` to POST /toy/<model>/run, ready at /toy/ready, answers `{"result": [...]}`. */
export const TOY: Preset = {
  name: 'toy-json',
  path: (model) => `/toy/${encodeURIComponent(model)}/run`,
  health: () => '/toy/ready',
  answer: 'result',
  body: 'fields',
  builds: { plural: 'rows', one: 'column' },
  generator(specs, batch) {
    const fields = Object.entries(specs).map(([name, spec]) => ({ name, field: compileField(spec) }));
    const rows = (rng: Parameters<(typeof fields)[0]['field']['draw']>[0]) =>
      Array.from({ length: batch }, () => Object.fromEntries(fields.map((f) => [f.name, f.field.draw(rng)])));
    const mutations: Mutation[] = ['drop_field', 'wrong_type', 'malformed_json', 'empty_body'];
    return {
      mutations,
      next: (rng) => jsonPayload({ rows: rows(rng) }),
      mutate(rng, how) {
        const r = rows(rng);
        const f = fields[rng.int(0, fields.length - 1)]!;
        if (how === 'drop_field') delete r[0]![f.name];
        else if (how === 'wrong_type') r[0]![f.name] = f.field.wrongType(rng);
        else if (how === 'malformed_json') return malformed(JSON.stringify({ rows: r }));
        else return EMPTY;
        return jsonPayload({ rows: r });
      },
    };
  },
};

/** Registers the toy preset once per process. */
export function registerToyPreset(): void {
  if (!presetNames().includes(TOY.name)) registerPreset(TOY);
}
