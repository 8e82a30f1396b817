import * as core from '@actions/core';

export type Mode = 'gate' | 'update-baseline' | 'report';
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
}

function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const value = core.getInput(name).trim() || fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`input ${name} must be one of ${allowed.join(', ')} (got "${value}")`);
  return value as T;
}

export function readInputs(): Inputs {
  const runs = Number(core.getInput('baseline-runs') || '3');
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new Error(`input baseline-runs must be a whole number from 1 to 20 (got "${core.getInput('baseline-runs')}")`);
  const token = core.getInput('github-token');
  if (token) core.setSecret(token);
  return {
    scenario: core.getInput('scenario', { required: true }),
    baseline: core.getInput('baseline') || null,
    mode: oneOf('mode', ['gate', 'update-baseline', 'report'], 'gate'),
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
  };
}
