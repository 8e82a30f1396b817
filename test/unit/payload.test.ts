import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fieldsGenerator, invalidSource, listGenerator, MUTATIONS } from '../../src/scenario/payload.ts';
import { Rng } from '../../src/scenario/rng.ts';
import { kserveGenerator } from '../../src/scenario/presets/kserve-v2.ts';
import { tfservingGenerator } from '../../src/scenario/presets/tfserving.ts';

const model = JSON.parse(readFileSync(new URL('../../examples/model/model.json', import.meta.url), 'utf8')) as {
  features: Array<{ name: string; min: number; max: number }>;
};

/** The example server's own validation rule. */
function valid(data: string): boolean {
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(data) as Record<string, unknown>;
  } catch {
    return false;
  }
  if (input === null || typeof input !== 'object') return false;
  return model.features.every(
    (f) =>
      typeof input[f.name] === 'number' && (input[f.name] as number) >= f.min && (input[f.name] as number) <= f.max,
  );
}

const fields = Object.fromEntries(model.features.map((f) => [f.name, { int: [f.min, f.max] as [number, number] }]));

describe('payloads', () => {
  it('fields draw a fresh valid payload per request, reproducibly from the seed', () => {
    const gen = fieldsGenerator(fields);
    const a = new Rng(1);
    const drawn = Array.from({ length: 1000 }, () => gen.next(a).data);
    assert.ok(drawn.every(valid));
    assert.ok(new Set(drawn).size > 990);
    const b = new Rng(1);
    assert.deepEqual(
      Array.from({ length: 1000 }, () => gen.next(b).data),
      drawn,
    );
  });

  it('every mutation of invalid_of breaks the payload, and all of them are used', () => {
    const source = invalidSource(fieldsGenerator(fields), MUTATIONS);
    const rng = new Rng(2);
    const out = Array.from({ length: 2000 }, () => source.next(rng).data);
    assert.ok(
      out.every((d) => !valid(d)),
      out.find(valid),
    );
    assert.ok(out.includes(''), 'empty body');
    assert.ok(
      out.some(
        (d) =>
          d.length > 0 &&
          (() => {
            try {
              JSON.parse(d);
              return false;
            } catch {
              return true;
            }
          })(),
      ),
      'malformed JSON',
    );
    assert.ok(
      out.some((d) => d.includes('not-a-number')),
      'wrong type',
    );
    const parsed = (d: string): object | null => {
      try {
        return JSON.parse(d) as object;
      } catch {
        return null;
      }
    };
    assert.ok(
      out.some((d) => Object.keys(parsed(d) ?? {}).length === 3),
      'dropped field',
    );
  });

  it('mutations can be restricted, and list payloads are shared and cycled', () => {
    const rng = new Rng(3);
    const onlyRange = invalidSource(fieldsGenerator(fields), ['out_of_range']);
    for (let i = 0; i < 200; i++) {
      const p = JSON.parse(onlyRange.next(rng).data) as Record<string, number>;
      assert.equal(Object.keys(p).length, 4);
      assert.ok(!valid(JSON.stringify(p)));
    }
    const list = listGenerator([{ a: 1 }, { a: 2 }]);
    assert.deepEqual(
      [list.next(rng).data, list.next(rng).data, list.next(rng).data],
      ['{"a":1}', '{"a":2}', '{"a":1}'],
    );
  });

  it('invalid_of reaches nested fields: every leaf of a nested object can be dropped, mistyped or put out of range', () => {
    const nested = {
      features: {
        object: Object.fromEntries(
          Array.from({ length: 30 }, (_, i) => [`f${i}`, { float: [0, 1] as [number, number] }]),
        ),
      },
      id: { const: 'x' },
    };
    const gen = fieldsGenerator(nested);
    const rng = new Rng(4);
    const keys = (d: string) => JSON.parse(d) as { features?: Record<string, unknown>; id?: unknown };
    const dropped = new Set<string>();
    const mistyped = new Set<string>();
    const ranged = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const drop = keys(gen.mutate(rng, 'drop_field').data);
      if (!('id' in drop)) dropped.add('id');
      else {
        // Never the whole object: one feature inside it.
        assert.ok(drop.features && Object.keys(drop.features).length === 29, JSON.stringify(drop));
        for (let k = 0; k < 30; k++) if (!(`f${k}` in drop.features)) dropped.add(`f${k}`);
      }
      const typed = keys(gen.mutate(rng, 'wrong_type').data);
      for (const [k, v] of Object.entries(typed.features ?? {})) if (typeof v !== 'number') mistyped.add(k);
      const range = keys(gen.mutate(rng, 'out_of_range').data);
      for (const [k, v] of Object.entries(range.features ?? {}))
        if ((v as number) < 0 || (v as number) > 1) ranged.add(k);
    }
    assert.equal(dropped.size, 31, [...dropped].join(','));
    assert.equal(mistyped.size, 30);
    assert.equal(ranged.size, 30);
    // json: and file: payloads too.
    const list = listGenerator([{ features: { a: 1, b: 'x' }, id: 7 }]);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = JSON.parse(list.mutate(rng, 'drop_field').data) as { features: Record<string, unknown> };
      assert.ok(p.features, 'the nested object stays');
      seen.add(JSON.stringify(p));
    }
    assert.equal(seen.size, 3);
  });
});

describe('protocol bodies', () => {
  const fields = {
    age: { int: [29, 77] as [number, number] },
    bp: { float: [90, 200] as [number, number] },
    tier: { choice: ['free', 'pro'] },
    vec: { array: { float: [0, 1] as [number, number] }, length: 3 },
  };
  it('KServe v2: one input tensor per field, shape [batch] or [batch, n], datatype from the field, data row-major', () => {
    const body = JSON.parse(kserveGenerator(fields, 2).next(new Rng(3)).data) as {
      inputs: Array<{ name: string; shape: number[]; datatype: string; data: unknown[] }>;
    };
    assert.deepEqual(
      body.inputs.map((t) => [t.name, t.shape, t.datatype, t.data.length]),
      [
        ['age', [2], 'INT64', 2],
        ['bp', [2], 'FP32', 2],
        ['tier', [2], 'BYTES', 2],
        ['vec', [2, 3], 'FP32', 6],
      ],
    );
    const g = kserveGenerator(fields, 2);
    const broken = (m: 'wrong_shape' | 'wrong_datatype' | 'missing_inputs') =>
      JSON.parse(g.mutate(new Rng(5), m).data) as {
        inputs: Array<{ name: string; shape: number[]; datatype: string; data: unknown[] }>;
      };
    assert.ok(broken('wrong_shape').inputs.some((t) => t.shape.reduce((a, d) => a * d, 1) !== t.data.length));
    assert.ok(broken('wrong_datatype').inputs.some((t, i) => t.datatype !== body.inputs[i]!.datatype));
    assert.equal(broken('missing_inputs').inputs.length, 3);
    assert.deepEqual(g.mutations, [
      'missing_inputs',
      'wrong_shape',
      'wrong_datatype',
      'wrong_type',
      'out_of_range',
      'malformed_json',
      'empty_body',
    ]);
  });
  it('TF Serving: `instances`, one object per row', () => {
    const body = JSON.parse(tfservingGenerator(fields, 3).next(new Rng(3)).data) as {
      instances: Array<Record<string, unknown>>;
    };
    assert.equal(body.instances.length, 3);
    assert.deepEqual(Object.keys(body.instances[0]!), ['age', 'bp', 'tier', 'vec']);
    assert.deepEqual(JSON.parse(tfservingGenerator(fields, 3).mutate(new Rng(1), 'missing_instances').data), {
      signature_name: 'serving_default',
    });
  });
  it("TF Serving: the same rows as bare rows (values in the fields' order) or as columns, and a dropped field drops from its row or its column", () => {
    const named = JSON.parse(tfservingGenerator(fields, 3).next(new Rng(3)).data) as {
      instances: Array<Record<string, unknown>>;
    };
    const bare = JSON.parse(tfservingGenerator(fields, 3, 'bare-rows').next(new Rng(3)).data) as {
      instances: unknown[][];
    };
    assert.deepEqual(
      bare.instances,
      named.instances.map((r) => Object.values(r)),
    );
    const columns = JSON.parse(tfservingGenerator(fields, 3, 'columns').next(new Rng(3)).data) as {
      inputs: Record<string, unknown[]>;
    };
    assert.deepEqual(
      columns.inputs,
      Object.fromEntries(['age', 'bp', 'tier', 'vec'].map((k) => [k, named.instances.map((r) => r[k])])),
    );
    const dropped = JSON.parse(tfservingGenerator(fields, 3, 'bare-rows').mutate(new Rng(1), 'drop_field').data) as {
      instances: unknown[][];
    };
    assert.ok(dropped.instances.some((r) => r.length === 3) && dropped.instances.some((r) => r.length === 4));
    const droppedColumn = JSON.parse(
      tfservingGenerator(fields, 3, 'columns').mutate(new Rng(1), 'drop_field').data,
    ) as { inputs: Record<string, unknown[]> };
    assert.equal(Object.keys(droppedColumn.inputs).length, 3);
  });
});
