import type { History } from '../gate/index.ts';
import { csvRow } from './csv.ts';
import { formatHistory } from '../store/index.ts';

const FIGURES = ['count', 'failures', 'rps', 'error_rate', 'p50', 'p90', 'p95', 'p99', 'p999', 'mean'] as const;
const COLUMNS = [
  'time',
  'commit',
  'ref',
  'scope',
  ...FIGURES,
  'capacity',
  'capacity_unit',
  'duration_s',
  'machine',
  'cpu_model',
  'cores',
  'os',
  'arch',
  'scenario_hash',
  'tool_version',
] as const;

/** One flat row per run and scope (overall, then each request): what pandas reads in one line. */
function rows(history: History): Array<Record<(typeof COLUMNS)[number], string | number | null>> {
  return history.entries.flatMap((e) =>
    [['overall', e.overall] as const, ...Object.entries(e.requests)].map(
      ([scope, f]) =>
        ({
          time: e.time,
          commit: e.commit,
          ref: e.ref,
          scope,
          ...Object.fromEntries(FIGURES.map((k) => [k, f[k]])),
          capacity: scope === 'overall' ? (e.capacity?.value ?? null) : null,
          capacity_unit: scope === 'overall' ? (e.capacity?.unit ?? null) : null,
          duration_s: e.duration_s,
          machine: e.machine.fingerprint,
          cpu_model: e.machine.cpu_model,
          cores: e.machine.cores,
          os: e.machine.os,
          arch: e.machine.arch,
          scenario_hash: e.scenario_hash,
          tool_version: e.tool_version,
        }) as Record<(typeof COLUMNS)[number], string | number | null>,
    ),
  );
}

/** `pd.read_csv("history.csv", parse_dates=["time"])` */
export function historyCsv(history: History): string {
  return `${[csvRow(COLUMNS), ...rows(history).map((r) => csvRow(COLUMNS.map((c) => r[c] ?? '')))].join('\n')}\n`;
}

/** `pd.read_json("history.jsonl", lines=True)` */
export function historyJsonLines(history: History): string {
  return `${rows(history)
    .map((r) => JSON.stringify(r))
    .join('\n')}\n`;
}

/** The last runs, newest last, for a terminal. */
export function historyTable(history: History, last: number): string {
  const shown = history.entries.slice(-last);
  const header = ['time', 'commit', 'p50', 'p95', 'p99', 'req/s', 'errors', 'capacity', 'machine'];
  const table = [
    header,
    ...shown.map((e) => [
      e.time.replace(/\.\d+Z$/, 'Z'),
      e.commit.slice(0, 10),
      e.overall.p50.toFixed(1),
      e.overall.p95.toFixed(1),
      e.overall.p99.toFixed(1),
      e.overall.rps.toFixed(1),
      `${(e.overall.error_rate * 100).toFixed(2)}%`,
      e.capacity ? `${e.capacity.value ?? `< ${e.capacity.bracket[1]}`} ${e.capacity.unit}` : '',
      `${e.machine.cores} × ${e.machine.cpu_model} (${e.machine.fingerprint})`,
    ]),
  ];
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const lines = table.map((r) =>
    r
      .map((c, i) => (i >= 2 && i <= 7 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  const bytes = Buffer.byteLength(formatHistory(history));
  const per = history.entries.length > 0 ? Math.round(bytes / history.entries.length) : 0;
  return [
    `${history.scenario.name}: ${history.entries.length} runs kept (the last ${history.keep} whole, older ones one ` +
      `a week), ${(bytes / 1024).toFixed(1)} KB (${per} B a run); latency in ms`,
    ...lines,
  ].join('\n');
}
