import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import schema from '../../schema/history.schema.json' with { type: 'json' };
import {
  decodeHistogram,
  headlineOf,
  machineFingerprint,
  type Environment,
  type HeadlineFigures,
  type Results,
} from '../metrics/index.ts';
import { formatPath, InvalidFileError, SourceDocument, validate } from '../shared/document.ts';
import { own } from '../shared/own.ts';

/** Runs kept whole before older ones are thinned to one a week. */
export const DEFAULT_KEEP = 200;
const MAX_HISTORY_BYTES = 32 * 1024 * 1024;
const SCHEMA_REF = 'https://github.com/org/mlload-action/schema/history.schema.json';

export interface Machine {
  os: string;
  arch: string;
  cpu_model: string;
  cores: number;
  fingerprint: string;
}

/** One run in the history: where and when, its headline figures, its histograms. */
export interface HistoryEntry {
  commit: string;
  ref: string | null;
  time: string;
  run_url?: string;
  machine: Machine;
  scenario_hash: string;
  tool_version: string;
  duration_s: number;
  overall: HeadlineFigures;
  requests: Record<string, HeadlineFigures>;
  capacity?: { unit: 'req/s' | 'users'; value: number | null; bracket: [number | null, number | null] };
  histograms: { overall: string; requests: Record<string, string> };
}

export interface History {
  $schema?: string;
  schema_version: 1;
  scenario: { name: string };
  keep: number;
  entries: HistoryEntry[];
}

export function machineOf(e: Environment): Machine {
  // The OS's name only: a kernel update of the runner image is the same machine.
  const os = e.os.split(' ')[0] ?? e.os;
  return {
    os,
    arch: e.arch,
    cpu_model: e.cpu_model,
    cores: e.cores,
    fingerprint: e.fingerprint ?? machineFingerprint(e),
  };
}

/** A run as a history entry. */
export function historyEntry(
  results: Results,
  where: { commit: string; ref: string | null; runUrl?: string | null },
): HistoryEntry {
  const entry: HistoryEntry = {
    commit: where.commit,
    ref: where.ref,
    time: results.started_at,
    machine: machineOf(results.environment),
    scenario_hash: results.scenario.hash,
    tool_version: results.tool.version,
    duration_s: results.duration_s,
    overall: headlineOf(results.overall),
    requests: Object.fromEntries(Object.entries(results.requests).map(([n, f]) => [n, headlineOf(f)])),
    histograms: {
      overall: results.overall.histogram,
      requests: Object.fromEntries(Object.entries(results.requests).map(([n, f]) => [n, f.histogram])),
    },
  };
  if (where.runUrl) entry.run_url = where.runUrl;
  if (results.capacity)
    entry.capacity = { unit: results.capacity.unit, value: results.capacity.value, bracket: results.capacity.bracket };
  return entry;
}

/** The ISO week of a time, "2026-W48": older entries keep one per week. */
function isoWeek(time: string): string {
  const d = new Date(time);
  const day = (d.getUTCDay() + 6) % 7;
  const thursday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3));
  const jan4 = new Date(Date.UTC(thursday.getUTCFullYear(), 0, 4));
  const week =
    1 + Math.round(((thursday.getTime() - jan4.getTime()) / 86_400_000 - 3 + ((jan4.getUTCDay() + 6) % 7)) / 7);
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** The last `keep` entries whole, and of those before, the newest of each ISO week: the file stays small for years. */
export function thin(entries: HistoryEntry[], keep: number): HistoryEntry[] {
  const sorted = [...entries].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  const recent = sorted.slice(Math.max(0, sorted.length - keep));
  const older = sorted.slice(0, Math.max(0, sorted.length - keep));
  const weekly = new Map<string, HistoryEntry>();
  for (const e of older) weekly.set(isoWeek(e.time), e);
  return [...weekly.values(), ...recent];
}

/** A history with the entry added (a new file when `history` is null), thinned. */
export function appendEntry(
  history: History | null,
  name: string,
  entry: HistoryEntry,
  keep = history?.keep ?? DEFAULT_KEEP,
): History {
  const base: History = history ?? { $schema: SCHEMA_REF, schema_version: 1, scenario: { name }, keep, entries: [] };
  return { ...base, keep, entries: thin([...base.entries, entry], keep) };
}

/**
 * Parses and checks a history (`file` names it in errors): schema, times, and every histogram
 * decodable, so a corrupt entry is named before anything is judged against it or written over it.
 */
export function parseHistory(file: string, text: string): History {
  if (Buffer.byteLength(text) > MAX_HISTORY_BYTES)
    throw new InvalidFileError([
      {
        file,
        line: 0,
        col: 0,
        key: '',
        message: `larger than ${MAX_HISTORY_BYTES / 1048576} MiB: not a history mlload wrote`,
      },
    ]);
  return historyOf(SourceDocument.parse(file, text));
}

/** A local history file; null when there is none yet. */
export function readHistory(file: string): History | null {
  return existsSync(file) ? historyOf(SourceDocument.read(file, MAX_HISTORY_BYTES)) : null;
}

/** Where each history read from a file came from: a problem found later still names its line. */
const sources = new WeakMap<History, SourceDocument>();

/**
 * The histograms of the entries about to be used, decoded and checked against their counts; a bad one names its entry.
 */
export function checkHistograms(history: History, used: HistoryEntry[]): void {
  const doc = sources.get(history);
  for (const e of used) {
    const i = history.entries.indexOf(e);
    for (const [scope, h] of [['overall', e.histograms.overall], ...Object.entries(e.histograms.requests)] as Array<
      [string, string]
    >) {
      try {
        const decoded = decodeHistogram(h);
        const count = scope === 'overall' ? e.overall.count : own(e.requests, scope)?.count;
        if (count !== undefined && decoded.totalCount !== count)
          throw new Error(`it holds ${decoded.totalCount} requests, the entry ${count}`);
      } catch (err) {
        const path =
          scope === 'overall'
            ? ['entries', i, 'histograms', 'overall']
            : ['entries', i, 'histograms', 'requests', scope];
        const message =
          `is not a valid HDR histogram of this entry (entry ${i + 1}, commit ${e.commit}): ` +
          `${(err as Error).message}`;
        throw new InvalidFileError([
          doc ? doc.problem(path, message) : { file: 'history', line: 0, col: 0, key: formatPath(path), message },
        ]);
      }
    }
  }
}

function historyOf(doc: SourceDocument): History {
  const value = doc.value as { schema_version?: unknown } | null;
  if (value && typeof value === 'object' && value.schema_version !== undefined && value.schema_version !== 1) {
    throw new InvalidFileError([
      doc.problem(
        ['schema_version'],
        `is ${JSON.stringify(value.schema_version)}; this mlload reads version 1 histories`,
      ),
    ]);
  }
  const problems = validate(doc, schema);
  if (problems.length > 0) throw new InvalidFileError(problems);
  const history = doc.value as History;
  history.entries.forEach((e, i) => {
    if (Number.isNaN(Date.parse(e.time)))
      throw new InvalidFileError([
        doc.problem(['entries', i, 'time'], `is not a time (entry ${i + 1}, commit ${e.commit})`),
      ]);
  });
  // Histograms are decoded when a run is used, not to show or extend the history (a 16 MiB history holds 37,000).
  sources.set(history, doc);
  return history;
}

export function writeHistory(file: string, history: History): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, formatHistory(history));
}

/** One entry a line: a diff of the branch shows the runs added and thinned, not a reflowed file. */
export function formatHistory(history: History): string {
  const { entries, ...head } = history;
  const lines = entries.map((e) => `    ${JSON.stringify(e)}`);
  const top = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  return `${top},\n  "entries": [\n${lines.join(',\n')}\n  ]\n}\n`;
}
