import * as core from '@actions/core';
import { parseShard, parseStartAt } from '../pipeline/index.ts';

export type Mode = 'gate' | 'update-baseline' | 'report' | 'record' | 'shard' | 'merge';
export type CommentPolicy = 'always' | 'on-failure' | 'never';
export type FailOn = 'any' | 'slo' | 'regression' | 'never';

export interface Inputs {
  scenario: string;
  baseline: string | null;
  mode: Mode;
  token: string;
  url: string | null;
  image: string | null;
  comment: CommentPolicy;
  failOn: FailOn;
  /** Whether a regression the noise leaves undecided fails the step. */
  failOnInconclusive: boolean;
  /** Paired A/B mode against this image (the base branch's build). */
  baselineImage: string | null;
  baselineRuns: number;
  baselineCommit: 'pr' | 'push' | 'none';
  resultsDir: string | null;
  historyBranch: string;
  historyKeep: number;
  baselineFrom: 'runs' | 'history';
  /** `mode: shard`: which shard of how many. */
  shard: { index: number; count: number } | null;
  /** `mode: shard`: when every shard's load begins (Unix ms); null: computed from the workflow run's start. */
  startAtMs: number | null;
  /** A Prometheus remote-write endpoint for the run's figures. */
  exportPrometheus: string | null;
  /** An OTLP/HTTP metrics endpoint for the run's figures. */
  exportOtlp: string | null;
}

function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const value = core.getInput(name).trim() || fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw new Error(`input ${name} must be one of ${allowed.join(', ')} (got "${value}")`);
  return value as T;
}

export function readInputs(): Inputs {
  const runs = Number(core.getInput('baseline-runs') || '3');
  if (!Number.isInteger(runs) || runs < 1 || runs > 20)
    throw new Error(
      `input baseline-runs must be a whole number from 1 to 20 (got "${core.getInput('baseline-runs')}")`,
    );
  const keep = Number(core.getInput('history-keep') || '200');
  if (!Number.isInteger(keep) || keep < 1 || keep > 10_000)
    throw new Error(
      `input history-keep must be a whole number from 1 to 10000 (got "${core.getInput('history-keep')}")`,
    );
  const token = core.getInput('github-token');
  if (token) core.setSecret(token);
  return {
    scenario: core.getInput('scenario', { required: true }),
    baseline: core.getInput('baseline') || null,
    mode: oneOf('mode', ['gate', 'update-baseline', 'report', 'record', 'shard', 'merge'], 'gate'),
    token,
    url: core.getInput('url') || null,
    image: core.getInput('image') || null,
    comment: oneOf('comment', ['always', 'on-failure', 'never'], 'always'),
    failOn: oneOf('fail-on', ['any', 'slo', 'regression', 'never'], 'any'),
    failOnInconclusive: oneOf('fail-on-inconclusive', ['true', 'false'], 'false') === 'true',
    baselineImage: core.getInput('baseline-image') || null,
    baselineRuns: runs,
    baselineCommit: oneOf('baseline-commit', ['pr', 'push', 'none'], 'pr'),
    resultsDir: core.getInput('results-dir') || null,
    historyBranch: historyBranch(core.getInput('history-branch').trim() || 'mlload-history'),
    historyKeep: keep,
    baselineFrom: oneOf('baseline-from', ['runs', 'history'], 'runs'),
    exportPrometheus: core.getInput('export-prometheus').trim() || null,
    exportOtlp: core.getInput('export-otlp').trim() || null,
    ...shardInputs(),
  };
}

function shardInputs(): Pick<Inputs, 'shard' | 'startAtMs'> {
  const shard = core.getInput('shard').trim();
  const startAt = core.getInput('start-at').trim();
  const mode = core.getInput('mode').trim();
  if (mode === 'shard' && !shard)
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression, not a template
    throw new Error('mode: shard needs the shard input: `shard: ${{ matrix.shard }}/4`, shard i (from 0) of n');
  if (mode !== 'shard' && (shard || startAt)) throw new Error('the shard and start-at inputs apply to mode: shard');
  const read = <T>(name: string, text: string, parse: (t: string) => T): T | null => {
    if (!text) return null;
    try {
      return parse(text);
    } catch (err) {
      throw new Error(`input ${name}: ${(err as Error).message}`);
    }
  };
  return { shard: read('shard', shard, parseShard), startAtMs: read('start-at', startAt, (t) => parseStartAt(t)) };
}

/** A branch name git accepts, and nothing that reads as a path out of the repository. */
function historyBranch(name: string): string {
  if (
    !/^[A-Za-z0-9._/-]+$/.test(name) ||
    name.includes('..') ||
    name.startsWith('/') ||
    name.endsWith('/') ||
    name.endsWith('.lock')
  ) {
    throw new Error(`input history-branch is not a usable branch name (got "${name}")`);
  }
  return name;
}
