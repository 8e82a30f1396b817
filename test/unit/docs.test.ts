import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import schema from '../../schema/scenario.schema.json' with { type: 'json' };
import { SourceDocument, validate } from '../../src/shared/document.ts';
import { loadScenario } from '../../src/scenario/parse.ts';
import { readManifest } from '../helpers/action.ts';
import { ROOT } from '../helpers/cli.ts';

// GitHub's own parser imports its JSON schemas without import attributes (it is written for bundlers).
registerHooks({
  resolve(specifier, context, next) {
    const r = next(specifier, context);
    return r.url.includes('/@actions/workflow-parser/') && r.url.endsWith('.json')
      ? { ...r, importAttributes: { type: 'json' } }
      : r;
  },
});
const { parseWorkflow, NoOperationTraceWriter } = await import('@actions/workflow-parser');
const { parseAction } = await import('@actions/workflow-parser/actions/index');

type Parsed = { context: { errors: { getErrors(): Array<{ message: string }> } } };
const errorsOf = (r: Parsed) => r.context.errors.getErrors().map((e) => e.message);

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const ACTION = readFileSync(join(ROOT, 'action.yml'), 'utf8');
const WORKFLOWS = readdirSync(join(ROOT, '.github/workflows')).filter((f) => /\.ya?ml$/.test(f));

/** Every fenced YAML block of a markdown file, with the line it starts on. */
function yamlBlocks(markdown: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  const re = /^```ya?ml\n([\s\S]*?)^```/gm;
  for (const m of markdown.matchAll(re)) out.push({ line: markdown.slice(0, m.index).split('\n').length, text: m[1]! });
  return out;
}

/** The inputs a workflow step passes to this action (`uses: ./` or `…/mlload-action@…`). */
function ourSteps(workflow: string): Array<Record<string, unknown>> {
  const doc = parse(workflow) as {
    jobs?: Record<string, { steps?: Array<{ uses?: string; with?: Record<string, unknown> }> }>;
  };
  return Object.values(doc.jobs ?? {})
    .flatMap((j) => j.steps ?? [])
    .filter((s) => s.uses === './' || /\/mlload-action@/.test(s.uses ?? ''))
    .map((s) => s.with ?? {});
}

describe('action.yml, workflows and README, as GitHub reads them', () => {
  it("action.yml is valid YAML and a valid action by GitHub's own schema (@actions/workflow-parser)", () => {
    assert.deepEqual(errorsOf(parseAction({ name: 'action.yml', content: ACTION }, new NoOperationTraceWriter())), []);
    const manifest = readManifest(ACTION);
    assert.equal(manifest.runs.using, 'node24');
    assert.ok(existsSync(join(ROOT, manifest.runs.main)), manifest.runs.main);
    assert.ok(manifest.runs.post && existsSync(join(ROOT, manifest.runs.post)), manifest.runs.post);
  });

  it('the validator is not a rubber stamp: it rejects the unquoted `: ` that broke action.yml, and an unknown runtime', () => {
    const broken = ACTION.replace(
      /description: "Token for the PR comment, the baseline commit and the history\. Needs `pull-requests: write`[^\n]*/,
      'description: Needs `pull-requests: write` (comments)',
    );
    assert.notEqual(broken, ACTION);
    assert.notDeepEqual(
      errorsOf(parseAction({ name: 'action.yml', content: broken }, new NoOperationTraceWriter())),
      [],
    );
    assert.notDeepEqual(
      errorsOf(
        parseAction(
          { name: 'action.yml', content: ACTION.replace('using: node24', 'using: node99') },
          new NoOperationTraceWriter(),
        ),
      ),
      [],
    );
  });

  it('the README documents every input and output of action.yml, and no other', () => {
    const manifest = parse(ACTION) as {
      inputs: Record<string, { description?: string }>;
      outputs: Record<string, { description?: string }>;
    };
    const section = (title: string) =>
      README.slice(README.indexOf(`### ${title}`), README.indexOf('\n#', README.indexOf(`### ${title}`) + 4));
    const named = (text: string) =>
      new Set(
        [...text.matchAll(/^\| `([a-z-]+)`/gm)]
          .map((m) => m[1]!)
          .concat(
            [...text.matchAll(/^\| `[a-z0-9-]+`(?:, `([a-z0-9-]+)`)+/gm)].flatMap((m) =>
              m[0].match(/`([a-z0-9-]+)`/g)!.map((x) => x.slice(1, -1)),
            ),
          ),
      );
    for (const [name, spec] of Object.entries(manifest.inputs))
      assert.ok(spec.description, `input ${name} has no description`);
    assert.deepEqual([...named(section('Inputs'))].sort(), Object.keys(manifest.inputs).sort());
    assert.deepEqual([...named(section('Outputs'))].sort(), Object.keys(manifest.outputs).sort());
  });

  for (const file of WORKFLOWS) {
    it(`.github/workflows/${file} is a valid workflow whose steps pass only declared inputs`, () => {
      const text = readFileSync(join(ROOT, '.github/workflows', file), 'utf8');
      assert.deepEqual(errorsOf(parseWorkflow({ name: file, content: text }, new NoOperationTraceWriter())), []);
      const declared = Object.keys(readManifest(ACTION).inputs);
      for (const inputs of ourSteps(text))
        for (const k of Object.keys(inputs))
          assert.ok(declared.includes(k), `${file}: input ${k} is not in action.yml`);
    });
  }

  it("every YAML block of the README is valid: workflows by GitHub's schema, scenarios and their parts by ours", () => {
    const blocks = yamlBlocks(README);
    assert.ok(blocks.length >= 4, `found ${blocks.length} blocks`);
    const declared = Object.keys(readManifest(ACTION).inputs);
    const properties = (schema as { properties: Record<string, object>; definitions: object }).properties;
    let workflows = 0;
    let scenarios = 0;
    for (const { line, text } of blocks) {
      const where = `README.md block at line ${line}`;
      const value = parse(text) as Record<string, unknown>;
      if ('jobs' in value) {
        workflows++;
        assert.deepEqual(
          errorsOf(parseWorkflow({ name: where, content: text }, new NoOperationTraceWriter())),
          [],
          where,
        );
        for (const inputs of ourSteps(text))
          for (const k of Object.keys(inputs))
            assert.ok(declared.includes(k), `${where}: input ${k} is not in action.yml`);
      } else if ('apiVersion' in value && 'kind' in value) {
        // A Kubernetes Indexed Job running shards: its mlload arguments must be ones `run` takes.
        const job = value as {
          kind: string;
          spec: { completionMode: string; template: { spec: { containers: Array<{ args: string[] }> } } };
        };
        assert.equal(job.kind, 'Job', where);
        assert.equal(job.spec.completionMode, 'Indexed', where);
        const args = job.spec.template.spec.containers[0]!.args;
        assert.equal(args[0], 'run', where);
        for (const flag of args.filter((a) => a.startsWith('--')))
          assert.ok(['--shard', '--start-at', '--out', '--url', '--baseline'].includes(flag), `${where}: ${flag}`);
        assert.ok(args.includes('$(JOB_COMPLETION_INDEX)/4'), where);
      } else if ('requests' in value) {
        scenarios++;
        assert.deepEqual(validate(SourceDocument.parse(where, text), schema), [], where);
      } else {
        // A part of a scenario (`target:`, `compare:`, …): each key against its place in the scenario schema.
        for (const key of Object.keys(value)) {
          assert.ok(key in properties, `${where}: ${key} is not a scenario key`);
          const part = { ...properties[key], definitions: (schema as { definitions: object }).definitions };
          assert.deepEqual(
            validate(SourceDocument.parse(where, JSON.stringify(value[key])), part),
            [],
            `${where}: ${key}`,
          );
        }
      }
    }
    assert.ok(workflows >= 2 && scenarios >= 1, `${workflows} workflows, ${scenarios} scenarios`);
  });

  it("the README's first scenario is the example model's, which npm start runs against it", () => {
    const section = README.slice(README.indexOf('## The scenario'));
    const first = yamlBlocks(section)[0]!.text;
    assert.deepEqual(parse(first), parse(readFileSync(join(ROOT, 'examples/scenario.yml'), 'utf8')));
  });

  it('the example scenarios load', () => {
    for (const f of readdirSync(join(ROOT, 'examples')).filter((x) => x.endsWith('.yml')))
      loadScenario(join(ROOT, 'examples', f));
  });
});
