import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/**
 * A new folder under the system's temp folder, removed when this test process ends well; a failing process (or
 * MLLOAD_KEEP_TEST_DIRS=1) keeps its folders to look into.
 */
export function tempDir(prefix = 'mlload-test-'): string {
  if (made.length === 0)
    process.on('exit', (code) => {
      if (code !== 0 || process.env.MLLOAD_KEEP_TEST_DIRS === '1') return;
      for (const dir of made) rmSync(dir, { recursive: true, force: true });
    });
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Writes a scenario file and returns its path. */
export function writeScenario(text: string, dir = tempDir()): string {
  const file = join(dir, 'scenario.yml');
  writeFileSync(file, text);
  return file;
}

/** The scenario of issue 2, against `url`, with an optional load section. */
export function exampleScenario(url: string, load?: string): string {
  return `name: example
target:
  url: ${url}
load:
${
  load ??
  `  rate: 200
  arrival: poisson
  duration: 20s
  warmup: 2s`
}
requests:
  - name: valid
    weight: 4
    method: POST
    path: /predict
    body:
      fields:
        x: { float: [0, 10] }
    expect:
      status: 200
  - name: invalid
    weight: 1
    method: POST
    path: /predict
    body:
      invalid_of: valid
    expect:
      status: 400
slo:
  p95: 300ms
  error_rate: 1%
regression:
  p95: 10%
  p99: 15%
  rps: 10%
`;
}

/** One POST /predict request with a random `x`, expecting 200: the load of the limit tests. */
export const PREDICT_REQUESTS = `requests:
  - name: predict
    method: POST
    path: /predict
    body: { fields: { x: { float: [0, 10] } } }
    expect: { status: 200 }
`;

/** The request of PREDICT_REQUESTS three times in four; the fourth its payload broken one way, expecting a 4xx. */
export const PREDICT_AND_INVALID_REQUESTS = `requests:
  - name: predict
    weight: 3
    method: POST
    path: /predict
    body: { fields: { x: { float: [0, 10] } } }
    expect: { status: 200 }
  - name: bad-input
    weight: 1
    method: POST
    path: /predict
    body: { invalid_of: predict }
    expect: { status: 4xx }
`;
