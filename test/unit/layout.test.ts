import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/**
 * The pipeline's order: a module may import from its own folder, from `shared/`, and from an
 * earlier stage through that stage's index.ts; never from a later stage. The shells sit on top.
 */
const ORDER = [
  'shared',
  'scenario',
  'target',
  'engine',
  'metrics',
  'store',
  'gate',
  'report',
  'export',
  'github',
  'pipeline',
  'action',
  'cli',
];
/**
 * The shells are thin: each imports the pipeline (its one API), shared/, and what implements the pipeline's host
 * interfaces for it: the action, github/ (artifact, comment, history branch); the CLI, nothing more (files and stdout).
 */
const SHELLS: Record<string, string[]> = { action: ['pipeline', 'shared', 'github'], cli: ['pipeline', 'shared'] };
/** Deliberate exceptions, each with its reason. */
const ALLOWED: Record<string, string> = {
  // The post step runs `docker rm` alone: through target/index.ts its bundle would carry an HTTP client.
  'action/post.ts -> target/docker.ts': 'post step bundle',
};

export interface Edge {
  from: string;
  to: string;
}

/** Every .ts file under src/, with its text. */
function sources(): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) out.push({ path, text: readFileSync(path, 'utf8') });
    }
  };
  walk(SRC);
  return out;
}

/** The line of markdown.ts's regular expression of invisible characters, which has no good place to break. */
function markdownRegexLine(): number {
  const lines = readFileSync(join(SRC, 'report/markdown.ts'), 'utf8').split('\n');
  return lines.findIndex((l) => l.includes('/[\\u0000-\\u0009')) + 1;
}

/** Every import between files under src/, as paths relative to src/. */
function imports(): Edge[] {
  const edges: Edge[] = [];
  for (const { path, text } of sources()) {
    for (const f of ts.preProcessFile(text, true, true).importedFiles) {
      if (!f.fileName.startsWith('.')) continue;
      const target = relative(SRC, resolve(dirname(path), f.fileName));
      if (!target.startsWith('..')) edges.push({ from: relative(SRC, path), to: target });
    }
  }
  return edges;
}

const stageOf = (path: string) => (path.includes('/') ? path.split('/')[0]! : '.');

/** The imports that break the rule, each in words. */
export function violations(edges: Edge[]): string[] {
  const out: string[] = [];
  for (const { from, to } of edges) {
    const [a, b] = [stageOf(from), stageOf(to)];
    // src/index.ts is the bundle's root, not a stage: it names the shells' entries and the worker.
    if (a === b || a === '.' || b === 'shared' || ALLOWED[`${from} -> ${to}`]) continue;
    if (SHELLS[a] && !SHELLS[a].includes(b)) {
      out.push(`${from} -> ${to}: the ${a} shell imports only ${SHELLS[a].join(', ')}`);
      continue;
    }
    const [i, j] = [ORDER.indexOf(a), ORDER.indexOf(b)];
    if (i < 0 || j < 0) out.push(`${from} -> ${to}: ${i < 0 ? a : b} is not a stage of the pipeline`);
    else if (j > i) out.push(`${from} -> ${to}: ${a} comes before ${b} in the pipeline, so it may not import from it`);
    else if (!to.endsWith('/index.ts'))
      out.push(`${from} -> ${to}: import ${b}/index.ts, the stage's interface, not its inside`);
  }
  return out;
}

/** Node modules each file under src/ imports, as paths relative to src/. */
function nodeImports(): Array<{ file: string; module: string }> {
  return sources().flatMap(({ path, text }) =>
    ts
      .preProcessFile(text, true, true)
      .importedFiles.filter((f) => f.fileName.startsWith('node:'))
      .map((f) => ({ file: relative(SRC, path), module: f.fileName })),
  );
}

/** Functions of src/ longer than `max` lines, as "file:line name (n lines)". */
function longFunctions(max: number): string[] {
  const out: string[] = [];
  for (const { path, text } of sources()) {
    const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node): void => {
      if (ts.isFunctionLike(n) && 'body' in n && n.body) {
        const from = file.getLineAndCharacterOfPosition(n.getStart()).line;
        const lines = file.getLineAndCharacterOfPosition(n.getEnd()).line - from + 1;
        const name = (n as ts.FunctionDeclaration).name?.getText() ?? '(anonymous)';
        if (lines > max) out.push(`${relative(SRC, path)}:${from + 1} ${name} (${lines} lines)`);
      }
      ts.forEachChild(n, visit);
    };
    visit(file);
  }
  return out;
}

/** Functions allowed past 80 lines, each with its reason. */
const LONG: Record<string, string> = {
  // The HTTP/1.1 response reader: one state machine over the bytes, on the hot path.
  'engine/response.ts feed': 'HTTP reader',
};

describe('layout: functions stay short', () => {
  it("the shells' main files are thin: at most 80 lines each", () => {
    for (const main of ['action/main.ts', 'cli/main.ts']) {
      const lines = readFileSync(join(SRC, main), 'utf8').trimEnd().split('\n').length;
      assert.ok(lines <= 80, `${main} has ${lines} lines`);
    }
  });

  it('no function in src/ is longer than 80 lines, but the documented readers', () => {
    const long = longFunctions(80).filter((f) => !LONG[f.replace(/:\d+ /, ' ').replace(/ \(\d+ lines\)$/, '')]);
    assert.deepEqual(long, []);
    assert.ok(longFunctions(40).length > 0, 'the walk found no function over 40 lines: it is broken');
  });
});

describe('layout: the gate is pure, the store owns the files', () => {
  it('no line in src/ is wider than 120 columns, but one regular expression of control characters', () => {
    const wide = sources().flatMap(({ path, text }) =>
      text.split('\n').flatMap((line, i) => ([...line].length > 120 ? [`${relative(SRC, path)}:${i + 1}`] : [])),
    );
    assert.deepEqual(wide, [`report/markdown.ts:${markdownRegexLine()}`]);
  });

  it('no module of gate/ touches the file system: results, baselines and histories are read and written in store/', () => {
    const all = nodeImports();
    assert.ok(
      all.some((i) => i.file.startsWith('store/') && i.module === 'node:fs'),
      'the walk found no store/ fs import',
    );
    assert.deepEqual(
      all.filter((i) => i.file.startsWith('gate/') && /^node:(fs|fs\/promises)$/.test(i.module)),
      [],
    );
  });
});

describe('layout: imports flow one way along the pipeline', () => {
  it('holds for src/', () => {
    const edges = imports();
    assert.ok(edges.length > 50, `found only ${edges.length} imports: the walk is broken`);
    assert.deepEqual(violations(edges), []);
  });

  it("catches an import that runs backwards, or into a stage's inside", () => {
    assert.match(violations([{ from: 'engine/run.ts', to: 'metrics/index.ts' }])[0]!, /engine comes before metrics/);
    assert.match(violations([{ from: 'report/markdown.ts', to: 'gate/verdict.ts' }])[0]!, /import gate\/index\.ts/);
    assert.match(
      violations([{ from: 'shared/document.ts', to: 'scenario/index.ts' }])[0]!,
      /shared comes before scenario/,
    );
    assert.match(violations([{ from: 'cli/run.ts', to: 'gate/index.ts' }])[0]!, /the cli shell imports only pipeline/);
    assert.match(violations([{ from: 'action/main.ts', to: 'report/index.ts' }])[0]!, /the action shell imports only/);
    assert.deepEqual(
      violations([
        { from: 'action/host.ts', to: 'github/index.ts' },
        { from: 'gate/verdict.ts', to: 'metrics/index.ts' },
        { from: 'cli/main.ts', to: 'shared/version.ts' },
      ]),
      [],
    );
  });
});
