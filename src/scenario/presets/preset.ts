import type { FieldSpec, Generator } from '../payload.ts';

/**
 * A standard model API: what follows from a request's `protocol` (its path, health check, body, what a valid answer
 * holds, and how its requests can be broken). One module a preset, registered in `presets/index.ts`.
 */
export interface Preset {
  readonly name: string;
  /** The inference path of a model. */
  path(model: string): string;
  /** The readiness path the target's health check polls. */
  health(model: string): string;
  /** The key a valid (unstreamed) answer holds. */
  answer: string;
  /** 'fields': the body is built from `body.fields` by `generator`; 'prompts': from `prompts` (the OpenAI APIs). */
  body: 'fields' | 'prompts';
  /** 'fields': what the body is built of, in words ("input tensors"), and what one field is ("input tensor"). */
  builds?: { plural: string; one: string };
  /** 'fields': the body of `batch` rows of the fields, in a `format`, for `model`, with the mutations that break it. */
  generator?(fields: Record<string, FieldSpec>, batch: number, format?: string, model?: string): Generator;
  /** 'fields': why a field cannot be carried by this API, or null. */
  fieldProblem?(spec: FieldSpec): string | null;
  /** How requests travel: HTTP (the default), or gRPC to a grpc:// target. */
  transport?: 'http' | 'grpc';
  /** The values `format:` takes (the first is the default); none: `format` does not apply. */
  formats?: readonly string[];
}
