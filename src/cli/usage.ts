import { VERSION } from '../shared/version.ts';

/** One command's help: what it does, its options, an example. */
interface Help {
  usage: string;
  /** For the list of commands; history subcommands have none. */
  summary?: string;
  what: string;
  options: Array<[flag: string, text: string]>;
  example: string;
}

const GATE_OPTIONS: Array<[string, string]> = [
  ['--baseline FILE', 'compare with this baseline (made by `mlload baseline` or the action)'],
  ['--history FILE', "compare with the history's last runs (compare.against: history) and show the trend"],
  ['--markdown FILE', 'also write the markdown report (the PR comment) to FILE'],
  ['--fail-on-inconclusive', 'exit 1 when a check cannot decide, not 0'],
];

/** Where the run's figures are exported as it goes; credentials from the environment only. */
const EXPORT_OPTIONS: Help['options'] = [
  [
    '--export-prometheus URL',
    'Prometheus remote-write endpoint for live and final figures (or MLLOAD_PROMETHEUS_URL; token: ' +
      'MLLOAD_PROMETHEUS_TOKEN)',
  ],
  [
    '--export-otlp URL',
    'OTLP/HTTP metrics endpoint, e.g. http://collector:4318/v1/metrics (headers: OTEL_EXPORTER_OTLP_HEADERS)',
  ],
  ['--run-id ID', "the run_id label tying a run's series (and its shards') together (or MLLOAD_RUN_ID)"],
];

/** The help of every command and history subcommand, by name. */
export const HELP: Record<string, Help> = {
  run: {
    summary: 'run the load, measure, judge (SLOs, baseline, paired build or history)',
    usage: 'mlload run <scenario.yml> [options]',
    what:
      "Runs the scenario's load against the target and judges it: the SLOs always, the regression tolerances " +
      'against a baseline, a paired reference build or a history. Writes results.json, report.html and the ' +
      'Locust-style CSVs to --out (the markdown report with --markdown). Ctrl-C stops the load and still writes ' +
      'what was measured.',
    options: [
      ['--out DIR', 'where the results go (default mlload-results)'],
      ['--url URL', "the target's base URL, in place of target.url / target.image"],
      ['--image IMAGE', 'start this container image as the target'],
      ['--duration D', 'override load.duration (e.g. 30s, 2m)'],
      ...GATE_OPTIONS,
      ['--baseline-image IMAGE', 'a paired A/B run: the reference build beside the target, load alternating'],
      ['--shard I/N', 'run shard I (from 0) of N (or MLLOAD_SHARD); merge the shards with `mlload merge`'],
      ['--start-at TIME', 'the instant every shard begins: Unix seconds or an ISO time (or MLLOAD_START_AT)'],
      ...EXPORT_OPTIONS,
    ],
    example: 'mlload run examples/scenario.yml --url http://127.0.0.1:8080 --baseline examples/baseline.json',
  },
  merge: {
    summary: "join shards' results exactly and judge them as one run",
    usage: 'mlload merge <shard results.json>... --out DIR [options]',
    what:
      "Joins the shards' results exactly (HDR histograms add) and judges them as one run. Refuses shards " +
      'of different scenarios, missing or repeated shards, and shards that did not overlap in time.',
    options: [
      ['--out DIR', 'where the merged results go (required)'],
      ['--scenario FILE', "the scenario (default: the file the first shard's results name)"],
      ...GATE_OPTIONS,
      ['--allow-apart', 'merge shards that ran apart in time, each measured from its own start'],
      ...EXPORT_OPTIONS,
    ],
    example: 'mlload merge shard-0/results.json shard-1/results.json --out merged --baseline baseline.json',
  },
  baseline: {
    summary: 'make a baseline from runs',
    usage: 'mlload baseline <results.json>... --out <baseline.json>',
    what: 'Makes a baseline from one or more runs (three or more give the gate their run-to-run spread).',
    options: [['--out FILE', 'the baseline to write (required)']],
    example: 'mlload baseline run1/results.json run2/results.json run3/results.json --out baseline.json',
  },
  compare: {
    summary: 'judge a finished run against a baseline, without load',
    usage: 'mlload compare <results.json> --baseline <baseline.json> [options]',
    what: "Judges a finished run again, against a baseline and the scenario's SLOs, without sending load.",
    options: [
      ['--baseline FILE', 'the baseline to compare with (required)'],
      ['--scenario FILE', "the scenario whose SLOs and tolerances apply (default: the run's own)"],
      ['--markdown FILE', 'also write the markdown report to FILE'],
      ['--fail-on-inconclusive', 'exit 1 when a check cannot decide, not 0'],
    ],
    example: 'mlload compare mlload-results/results.json --baseline baseline.json --scenario scenario.yml',
  },
  report: {
    summary: 'write the HTML report of a run',
    usage: 'mlload report <results.json> --html <report.html> [--history FILE]',
    what: 'Writes the self-contained HTML report of a run (charts inline, no network).',
    options: [
      ['--html FILE', 'the page to write (required)'],
      ['--history FILE', 'add the trend of the runs in this history file'],
    ],
    example: 'mlload report mlload-results/results.json --html report.html',
  },
  validate: {
    summary: 'check a scenario and print what it would send',
    usage: 'mlload validate <scenario.yml>',
    what: 'Checks a scenario (schema, units, payloads) and prints what it would send, without sending it.',
    options: [],
    example: 'mlload validate examples/scenario.yml',
  },
  history: {
    summary: 'add to, show, export or make a baseline of a history file',
    usage: 'mlload history <add|show|export|baseline> --file <history.json> [options]',
    what:
      'Reads and writes a history file as the action keeps it on its history branch: add a run, show the ' +
      'last runs, export them, or make a baseline of them. `mlload history <subcommand> --help` for each ' +
      "one's options.",
    options: [
      ['add', 'append a run (results.json) to the history'],
      ['show', 'print the last runs, newest last'],
      ['export', 'every run as CSV or JSON lines'],
      ['baseline', 'a baseline from the last runs of the newest scenario on the newest machine'],
    ],
    example: 'mlload history show --file history/checkout.json --last 10',
  },
  'history add': {
    usage: 'mlload history add <results.json> --file <history.json> [--commit SHA] [--ref BRANCH] [--keep N]',
    what: 'Appends a run to the history file (made if absent), keeping the newest N runs.',
    options: [
      ['--file FILE', 'the history file (required)'],
      ['--commit SHA', 'the commit the run measured'],
      ['--ref BRANCH', 'the branch it was on'],
      ['--keep N', 'runs to keep (default 200)'],
    ],
    example: 'mlload history add mlload-results/results.json --file history.json --commit "$(git rev-parse HEAD)"',
  },
  'history show': {
    usage: 'mlload history show --file <history.json> [--last N]',
    what: 'Prints the last runs of the history, one line each.',
    options: [
      ['--file FILE', 'the history file (required)'],
      ['--last N', 'how many runs (default 20)'],
    ],
    example: 'mlload history show --file history.json --last 5',
  },
  'history export': {
    usage: 'mlload history export --file <history.json> --format csv|jsonl [--out FILE]',
    what: 'Writes every run of the history as CSV or JSON lines, for a spreadsheet or a database.',
    options: [
      ['--file FILE', 'the history file (required)'],
      ['--format csv|jsonl', 'the format (required)'],
      ['--out FILE', 'write here rather than to stdout'],
    ],
    example: 'mlload history export --file history.json --format csv --out runs.csv',
  },
  'history baseline': {
    usage: 'mlload history baseline --file <history.json> --out <baseline.json> [--runs N]',
    what: 'Makes a baseline from the last runs (at least 3) of the newest scenario on the newest machine.',
    options: [
      ['--file FILE', 'the history file (required)'],
      ['--out FILE', 'the baseline to write (required)'],
      ['--runs N', 'how many of the last runs (default 10)'],
    ],
    example: 'mlload history baseline --file history.json --out baseline.json',
  },
};

/** `text` on lines of at most `width` columns, broken at spaces. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}

/** One command's help text. */
export function helpText(name: string): string {
  const h = HELP[name]!;
  const width = Math.max(0, ...h.options.map(([flag]) => flag.length));
  const options = h.options.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`).join('\n');
  const heading = name === 'history' ? 'Subcommands' : 'Options';
  return [
    `Usage: ${h.usage}`,
    '',
    wrap(h.what, 100),
    ...(options ? ['', `${heading}:`, options] : []),
    '',
    'Example:',
    `  ${h.example}`,
  ].join('\n');
}

export /** The help asked for (`--help`, `-h`; `mlload history` alone lists its subcommands), or null. */
function helpOf(command: string, rest: string[]): string | null {
  const asked = rest.includes('--help') || rest.includes('-h');
  if (command !== 'history') return asked ? command : null;
  const sub = `history ${rest[0]}`;
  if (asked) return Object.hasOwn(HELP, sub) ? sub : 'history';
  return rest.length === 0 ? 'history' : null;
}

/** The CLI's help: every command in a line, and the exit codes. */
export const USAGE = `mlload ${VERSION}: load-test an ML model's HTTP API and gate on its latency, throughput and errors

Usage: mlload <command> [options]

Commands:
${Object.entries(HELP)
  .filter(([, h]) => h.summary)
  .map(([c, h]) => `  ${c.padEnd(9)} ${h.summary}`)
  .join('\n')}

\`mlload <command> --help\` shows a command's options and an example.

Exit codes: 0 passed (or inconclusive, or nothing to compare and the SLOs held); 1 failed the gate (or inconclusive
with --fail-on-inconclusive); 2 invalid input or arguments; 3 target unreachable or failed; 4 internal error (a bug:
please report it); 130 interrupted by SIGINT (Ctrl-C), 143 by SIGTERM (the results gathered so far are written).`;
