import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.ts';
import { tempDir } from './scenario.ts';

export interface ActionRun {
  code: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
  workspace: string;
}

/** Parses the GITHUB_OUTPUT file format (`name<<DELIM\nvalue\nDELIM`). */
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

/** Runs the bundled action (`dist/index.js`) as a separate process, the way a runner does. */
export function runAction(inputs: Record<string, string>, options: { apiUrl: string; pullNumber?: number; workspace?: string; env?: NodeJS.ProcessEnv; entry?: string }): Promise<ActionRun> {
  const workspace = options.workspace ?? tempDir('mlload-ws-');
  const runnerDir = tempDir('mlload-runner-');
  const eventPath = join(runnerDir, 'event.json');
  writeFileSync(eventPath, JSON.stringify(options.pullNumber ? { pull_request: { number: options.pullNumber } } : { ref: 'refs/heads/main' }));
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
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, options.entry ?? 'dist/index.js')], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout, outputs: parseOutputs(readFileSync(outputFile, 'utf8')), summary: readFileSync(summaryFile, 'utf8'), workspace }),
    );
  });
}
