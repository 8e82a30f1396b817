import type { Rng } from '../../src/scenario/index.ts';

/** Values a mutation puts where a JSON value was: wrong types, absurd numbers, a hostile key. */
export const SWAPS = ['null', '"x"', '-1', '1e308', '1000000000', '[]', '{}', '"__proto__"', 'true', '0'];

/** `text` with 1–4 mutations: cut short, a byte changed, a stretch spliced out, or one of its JSON values swapped. */
export function mutateJson(text: string, rng: Rng): string {
  for (let m = rng.int(1, 4); m > 0; m--) {
    const at = rng.int(0, text.length - 1);
    const r = rng.next();
    if (r < 0.2) text = text.slice(0, at);
    else if (r < 0.4) text = text.slice(0, at) + String.fromCharCode(rng.int(0, 127)) + text.slice(at + 1);
    else if (r < 0.6) text = text.slice(0, at) + text.slice(at + rng.int(1, 40));
    else {
      const values = [...text.matchAll(/(?<=":)(-?[\d.]+(?:e[+-]?\d+)?|"[^"]*"|null|true|false)/g)];
      const v = values[rng.int(0, values.length - 1)];
      if (v) text = text.slice(0, v.index) + rng.pick(SWAPS) + text.slice(v.index + v[0].length);
    }
  }
  return text;
}
