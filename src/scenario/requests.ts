import { fieldsGenerator, invalidSource, listGenerator, rawSource, type Generator } from './payload.ts';
import { generativeGenerator, presetOf } from './presets/index.ts';
import type { BodySource, BodySpec, Expectation, ExpectSpec, RequestPlan, RequestSpec } from './types.ts';

/**
 * A generator for a body other requests can break (`invalid_of`): fields, a list of JSON payloads, a protocol's
 * tensors.
 */
export function generatorOf(body: BodySpec): Generator | null {
  if (body.kind === 'fields') return fieldsGenerator(body.fields);
  if (body.kind === 'list') return listGenerator(body.values);
  if (body.kind === 'tensors')
    return presetOf(body.protocol)!.generator!(body.fields, body.batch, body.format, body.model);
  if (body.kind === 'generative') return generativeGenerator(body);
  return null;
}

export function expectationOf(spec: ExpectSpec): Expectation {
  const exact = new Set(spec.statuses.filter((s): s is number => typeof s === 'number'));
  const classes = new Set(spec.statuses.filter((s): s is string => typeof s === 'string').map((s) => Number(s[0])));
  return {
    statusText: spec.statuses.map(String).join(' or '),
    accepts: (status) => exact.has(status) || classes.has(Math.floor(status / 100)),
    jsonFields: spec.json,
  };
}

/**
 * Request specs (plain data, checked by the parser) into plans with live payload sources. The same
 * in the main thread and in every load worker: a request and its `invalid_of` share one generator,
 * as they share its cursor through a list of payloads.
 */
export function compileRequests(specs: readonly RequestSpec[]): RequestPlan[] {
  const generators = new Map<string, Generator>();
  for (const s of specs) {
    const g = s.body ? generatorOf(s.body) : null;
    if (g) generators.set(s.name, g);
  }
  return specs.map((s) => {
    let body: BodySource | null = generators.get(s.name) ?? null;
    if (s.body?.kind === 'raw') body = rawSource(s.body.data, s.body.contentType);
    if (s.body?.kind === 'invalid') {
      const of = generators.get(s.body.of);
      if (!of) throw new Error(`invalid_of names ${s.body.of}, which has no json, file or fields body`);
      body = invalidSource(of, s.body.mutations);
    }
    return {
      name: s.name,
      method: s.method,
      path: s.path,
      weight: s.weight,
      headers: s.headers,
      timeoutMs: s.timeoutMs,
      body,
      expect: expectationOf(s.expect),
      stream: s.stream,
      maxTokens: s.maxTokens ?? null,
    };
  });
}
