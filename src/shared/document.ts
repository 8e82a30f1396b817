import { readFileSync, statSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { closest, distance } from 'fastest-levenshtein';
import {
  isCollection,
  isMap,
  isPair,
  isScalar,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
} from 'yaml';

/** One problem in a file a user wrote: printed as `file:line:col key: message`. */
export interface Problem {
  file: string;
  line: number;
  col: number;
  key: string;
  message: string;
}

export class InvalidFileError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'InvalidFileError';
    this.problems = problems;
  }
}

/** `file:line:col key: message`; a problem of the whole file (it cannot be read) has no place: `file: message`. */
export function formatProblem(p: Problem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.col}` : `${p.file}:`;
  return `${where} ${p.key ? `${p.key}: ` : ''}${p.message}`;
}

export type Path = ReadonlyArray<string | number>;

/** `requests[0].body.fields.x` */
export function formatPath(path: Path): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

/** A parsed YAML or JSON file that can say where any value came from. */
export class SourceDocument {
  readonly file: string;
  readonly value: unknown;
  private readonly text: string;
  /** The YAML tree, for positions: made when a problem needs one (a JSON file is read by JSON.parse). */
  private tree: { doc: Document; lines: LineCounter } | null;

  private constructor(file: string, text: string, value: unknown, tree: { doc: Document; lines: LineCounter } | null) {
    this.file = file;
    this.text = text;
    this.value = value;
    this.tree = tree;
  }

  /**
   * Parses JSON as JSON (a large history or results file in a fraction of the time and memory of a
   * YAML parse), anything else as YAML; syntax errors throw InvalidFileError with their positions.
   */
  static parse(file: string, text: string): SourceDocument {
    const first = text.trimStart().charAt(0);
    if (first === '{' || first === '[') {
      try {
        return new SourceDocument(file, text, JSON.parse(text), null);
      } catch {
        // Not JSON after all (YAML flow style, or broken): YAML says where.
      }
    }
    const tree = SourceDocument.yaml(file, text);
    let value: unknown;
    try {
      value = tree.doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      // An alias bomb (aliases of aliases, expanding exponentially) is stopped by the alias count.
      let at = 0;
      visit(tree.doc, {
        Alias(_, node) {
          at = node.range?.[0] ?? 0;
          return visit.BREAK;
        },
      });
      const pos = tree.lines.linePos(at);
      throw new InvalidFileError([
        {
          file,
          line: pos.line,
          col: pos.col,
          key: '',
          message: `cannot expand the YAML aliases: ${(err as Error).message}`,
        },
      ]);
    }
    return new SourceDocument(file, text, value, tree);
  }

  private static yaml(file: string, text: string): { doc: Document; lines: LineCounter } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      throw new InvalidFileError(
        doc.errors.map((e) => {
          const pos = lines.linePos(e.pos[0]);
          return { file, line: pos.line, col: pos.col, key: '', message: e.message.split('\n')[0]! };
        }),
      );
    }
    return { doc, lines };
  }

  /** Reads a regular file of at most `maxBytes` (a larger one is refused before it is parsed). */
  static read(file: string, maxBytes = 16 * 1024 * 1024): SourceDocument {
    let text: string;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw new Error('not a regular file');
      if (stat.size > maxBytes)
        throw new Error(`larger than ${maxBytes / 1048576} MiB (${(stat.size / 1048576).toFixed(0)} MiB)`);
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new InvalidFileError([
        { file, line: 0, col: 0, key: '', message: `cannot read: ${e.code === 'ENOENT' ? 'no such file' : e.message}` },
      ]);
    }
    return SourceDocument.parse(file, text);
  }

  /** A problem located at the value (or, with `keyOf`, at the key) found at `path`. */
  problem(path: Path, message: string, keyOf?: string): Problem {
    this.tree ??= SourceDocument.yaml(this.file, this.text);
    let node: unknown = this.tree.doc.contents;
    let offset = 0;
    for (const part of path) {
      if (!isCollection(node)) break;
      const next: unknown = node.get(part, true);
      if (next === undefined) break;
      node = next;
    }
    if (keyOf !== undefined && isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === keyOf);
      if (pair && isScalar(pair.key) && pair.key.range) offset = pair.key.range[0];
    } else if (node && typeof node === 'object' && 'range' in node && (node as Node).range) {
      offset = (node as Node).range![0];
    }
    const pos = this.tree.lines.linePos(offset);
    const key = formatPath(keyOf !== undefined ? [...path, keyOf] : path);
    return { file: this.file, line: pos.line, col: pos.col, key, message };
  }
}

// Ajv's code optimisation passes cost more at start-up (a third of compiling the scenario schema) than they save on one
// document.
const ajv = new Ajv({ allErrors: true, strict: false, verbose: true, code: { optimize: false } });
const compiled = new Map<object, ValidateFunction>();

/** Validates a document against a JSON Schema; every error carries its file position. */
export function validate(doc: SourceDocument, schema: object): Problem[] {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  if (fn(doc.value)) return [];
  return dedupe(fn.errors ?? []).map((e) => toProblem(doc, e));
}

function toProblem(doc: SourceDocument, e: ErrorObject): Problem {
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const near = known.length > 0 ? closest(extra, known) : '';
      const hint =
        near && distance(extra, near) <= Math.max(2, Math.floor(extra.length / 3))
          ? `; did you mean \`${near}\`?`
          : known.length > 0
            ? ` (known: ${known.join(', ')})`
            : '';
      return doc.problem(path, `is not a known key${hint}`, extra);
    }
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      return { ...doc.problem(path, `is required`), key: formatPath([...path, missing]) };
    }
    case 'enum':
      return doc.problem(
        path,
        `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues
          .map((v) => JSON.stringify(v))
          .join(', ')}`,
      );
    case 'pattern':
      return doc.problem(path, describePattern(e));
    case 'anyOf': // One line naming what is allowed, not one complaint per branch.
      {
        const allowed = (e.parentSchema as { description?: string }).description ?? 'one of the allowed forms';
        return doc.problem(path, `must be ${lowerFirst(allowed.replace(/\.$/, ''))}`);
      }
    case 'type':
      // `duration: 20` is a type error, but the helpful answer is the pattern's description.
      return doc.problem(
        path,
        (e.parentSchema as { pattern?: string } | undefined)?.pattern
          ? describePattern(e)
          : (e.message ?? 'is invalid'),
      );
    default:
      return doc.problem(path, e.message ?? 'is invalid');
  }
}

function describePattern(e: ErrorObject): string {
  const description = (e.parentSchema as { description?: string } | undefined)?.description;
  return description ? `must be ${lowerFirst(description.replace(/\.$/, ''))}` : (e.message ?? 'is invalid');
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

// anyOf failures repeat each branch's complaint; keep the first per location.
function dedupe(errors: ErrorObject[]): ErrorObject[] {
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  // An anyOf whose schema says in words what it allows speaks for all its branches.
  const described = new Set(
    errors
      .filter((e) => e.keyword === 'anyOf' && (e.parentSchema as { description?: string } | undefined)?.description)
      .map((e) => e.instancePath),
  );
  const seen = new Set<string>();
  const out: ErrorObject[] = [];
  for (const e of errors) {
    if (e.keyword === 'anyOf') {
      if ((e.parentSchema as { description?: string } | undefined)?.description && !seen.has(e.instancePath)) {
        seen.add(e.instancePath);
        out.push(e);
      }
      continue;
    }
    if (described.has(e.instancePath)) continue;
    const key = e.instancePath;
    if (anyOfPaths.has(key) || anyOfPaths.has(parentOf(key))) {
      if (seen.has(key)) continue;
    }
    seen.add(key);
    out.push(e);
  }
  return out;
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}
