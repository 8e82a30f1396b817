import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './cli.ts';
import { tempDir } from './scenario.ts';

export interface ActionRun {
  code: number | null;
  /** The post step's exit code. */
  postCode: number | null;
  /** Both steps' output, main then post. */
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
  workspace: string;
}

interface ActionManifest {
  inputs: Record<string, { required?: boolean; default?: string }>;
  runs: { using: string; main: string; post?: string; 'post-if'?: string };
}

/** The action as the runner reads it: action.yml at the repository root. */
export function readManifest(text = readFileSync(join(ROOT, 'action.yml'), 'utf8')): ActionManifest {
  return parse(text) as ActionManifest;
}

/** Parses the GITHUB_OUTPUT and GITHUB_STATE file format (`name<<DELIM\nvalue\nDELIM`). */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]!);
    out[m[1]!] = value.join('\n');
  }
  return out;
}

/** The expressions our defaults use, evaluated as the runner would; any other is a test error. */
function evaluate(value: string, github: { token: string }): string {
  return value.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) => {
    if (expr === 'github.token') return github.token;
    throw new Error(`the test runner cannot evaluate \${{ ${expr} }} in an action.yml default`);
  });
}

/**
 * The `with:` of a step turned into the step's environment, as the runner does: every declared input
 * gets its value or its default as INPUT_<NAME> (upper case, spaces to underscores), a required one
 * without a value is an error, an undeclared one is refused.
 */
export function inputEnv(
  manifest: ActionManifest,
  withInputs: Record<string, string>,
  github: { token: string },
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of Object.keys(withInputs))
    if (!(name in manifest.inputs)) throw new Error(`unexpected input '${name}': action.yml does not declare it`);
  for (const [name, spec] of Object.entries(manifest.inputs)) {
    const value = withInputs[name] ?? (spec.default !== undefined ? evaluate(String(spec.default), github) : '');
    if (spec.required && value === '') throw new Error(`input required and not supplied: ${name}`);
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  return env;
}

function step(entry: string, env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    // runs.using node24: the Node 24 the project installs (node_modules/.bin/node), not whatever runs the tests.
    const child = spawn(join(ROOT, 'node_modules/.bin/node'), [join(ROOT, entry)], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

/**
 * Runs the action the way a runner does: reads action.yml, maps `with:` and the defaults to INPUT_*,
 * runs `runs.main`, then `runs.post` with the state the main step saved (STATE_*), always, as the
 * default `post-if: always()` does.
 */
export async function runAction(
  withInputs: Record<string, string>,
  options: {
    apiUrl: string;
    pullNumber?: number;
    workspace?: string;
    env?: NodeJS.ProcessEnv;
    token?: string;
    event?: Record<string, unknown>;
  },
): Promise<ActionRun> {
  const manifest = readManifest();
  if (manifest.runs.using !== 'node24')
    throw new Error(`runs.using is ${manifest.runs.using}; the test runner runs node24 actions`);
  const workspace = options.workspace ?? tempDir('mlload-ws-');
  const runnerDir = tempDir('mlload-runner-');
  const eventPath = join(runnerDir, 'event.json');
  const event =
    options.event ??
    (options.pullNumber ? { pull_request: { number: options.pullNumber } } : { ref: 'refs/heads/main' });
  writeFileSync(eventPath, JSON.stringify(event));
  const outputFile = join(runnerDir, 'output');
  const summaryFile = join(runnerDir, 'summary');
  const stateFile = join(runnerDir, 'state');
  for (const f of [outputFile, summaryFile, stateFile]) writeFileSync(f, '');
  mkdirSync(join(runnerDir, 'temp'), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: 'acme/model',
    GITHUB_EVENT_NAME: options.pullNumber ? 'pull_request' : 'workflow_dispatch',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_API_URL: options.apiUrl,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'perf',
    GITHUB_SHA: 'deadbeef',
    GITHUB_REF_NAME: 'main',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_STATE: stateFile,
    RUNNER_TEMP: join(runnerDir, 'temp'),
    RUNNER_OS: 'Linux',
    ...options.env,
    ...inputEnv(manifest, withInputs, { token: options.token ?? 'ghs_default_job_token' }),
  };
  const main = await step(manifest.runs.main, env, workspace);
  let post = { code: null as number | null, stdout: '' };
  if (manifest.runs.post) {
    const state = Object.fromEntries(
      Object.entries(parseOutputs(readFileSync(stateFile, 'utf8'))).map(([k, v]) => [`STATE_${k}`, v]),
    );
    post = await step(manifest.runs.post, { ...env, ...state }, workspace);
  }
  return {
    code: main.code,
    postCode: post.code,
    stdout: main.stdout + post.stdout,
    outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    workspace,
  };
}
