import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import schema from '../../schema/scenario.schema.json' with { type: 'json' };
import { InvalidFileError, SourceDocument, validate, type Path, type Problem } from '../shared/document.ts';
import { MUTATIONS, type FieldSpec, type Mutation } from './payload.ts';
import { generatorOf } from './requests.ts';
import {
  DEFAULT_CONFIDENCE,
  DEFAULT_ERROR_RATE,
  DEFAULT_MAX_NOISE,
  DEFAULT_PRIOR,
  type Arrival,
  type BodySpec,
  type CapacityPlan,
  type CapacitySlo,
  type ComparePlan,
  type ExpectSpec,
  type ExportSpec,
  type GoodputSpec,
  type Limits,
  type LoadPlan,
  type RequestSpec,
  type Scenario,
  type TargetSpec,
  type Tolerances,
} from './types.ts';
import {
  isGenerative,
  presetNames,
  presetOf,
  presetsVersion,
  type ChatMessage,
  type PromptSource,
  type StreamProtocol,
} from './presets/index.ts';
import { spikesOf } from './spikes.ts';
import { parseDuration, parseMemoryRate, parsePercent, parsePercentRate } from './units.ts';

/** What the command line or the action may override. */
export interface ScenarioOverrides {
  url?: string;
  image?: string;
  durationMs?: number;
  /** Switches to paired mode against this image. */
  baselineImage?: string;
  /** false: ignore the compare section (a load worker only drives one build). */
  compare?: false;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Longest run (warm-up and measured time): also keeps every timer below Node's 2^31 ms limit. */
const MAX_RUN_MS = 7 * 24 * 3_600_000;
/** Longest request or health timeout: the latency histograms' range. */
const MAX_TIMEOUT_MS = 3_600_000;
const DEFAULT_MAX_IN_FLIGHT = 1024;

/* The scenario as written: the schema has checked its shape before these types are trusted. */
interface RawStatus {
  status?: number | string | Array<number | string>;
  json?: string | string[];
}
interface RawBody {
  json?: unknown;
  file?: string;
  fields?: Record<string, FieldSpec>;
  invalid_of?: string;
  mutations?: Mutation[];
  raw?: string;
  content_type?: string;
}
interface RawRequest {
  name: string;
  weight?: number;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  timeout?: string;
  body?: RawBody;
  expect?: RawStatus;
  protocol?: string;
  model?: string;
  batch?: number;
  format?: string;
  prompts?: { file?: string; generated?: { tokens: { mean: number; stddev?: number } } };
  max_tokens?: number;
  stream?: boolean;
  temperature?: number;
  /** Short for `body: { invalid_of: … }`. */
  invalid_of?: string;
}
interface RawStage {
  duration: string;
  rate?: number;
  users?: number;
}
interface RawLoad {
  rate?: number;
  arrival?: Arrival;
  max_in_flight?: number;
  users?: number;
  spawn_rate?: number;
  think_time?: string;
  duration?: string;
  warmup?: string;
  timeout?: string;
  stages?: RawStage[];
  workers?: number | 'auto';
}
interface RawScenario {
  name: string;
  seed?: number;
  target: {
    url?: string;
    image?: string;
    port?: number;
    network?: 'host' | 'publish';
    port_env?: string;
    env?: Record<string, string | number | boolean>;
    args?: string[];
    allow_unsafe_args?: boolean;
    pull?: 'always' | 'missing' | 'never';
    headers?: Record<string, string>;
    health?: { path?: string; timeout?: string; interval?: string };
    channels?: number;
  };
  load: RawLoad;
  requests: RawRequest[];
  slo?: Record<string, unknown>;
  regression?: Record<string, unknown>;
  goodput?: { ttft?: string; tpot?: string; e2e?: string };
  export?: ExportSpec;
  capacity?: {
    slo?: Record<string, string>;
    start?: number;
    max: number;
    precision?: string;
    max_duration?: string;
    confidence?: number;
    required?: boolean;
    probe?: { settle?: string; min?: string; max?: string };
  };
  compare?: {
    against?: 'baseline' | 'history' | 'image';
    history_runs?: number;
    baseline_image?: string;
    baseline_url?: string;
    blocks?: number;
    confidence?: number;
    prior?: { runs?: number; latency?: string; tail?: string; throughput?: string };
    max_noise?: string;
  };
}

let extended: { version: number; schema: typeof schema } | null = null;

/** The scenario schema; once a preset is registered beyond the built-in ones, with `protocol` taking its name too. */
function scenarioSchema(): typeof schema {
  if (presetsVersion() === 0) return schema;
  if (extended?.version !== presetsVersion()) {
    // Without its $id: the schema compiler keeps one schema an id.
    const { $id: _id, ...copy } = structuredClone(schema);
    copy.definitions.request.properties.protocol.enum = presetNames();
    extended = { version: presetsVersion(), schema: copy as typeof schema };
  }
  return extended.schema;
}

/** Reads, validates and compiles a scenario file. Throws InvalidFileError listing every problem. */
export function loadScenario(file: string, overrides: ScenarioOverrides = {}): Scenario {
  const doc = SourceDocument.read(file);
  const problems = validate(doc, scenarioSchema());
  if (problems.length > 0) {
    // Every problem at once, not the shape's first and the meaning's on the next try: compile what the
    // schema let through, and keep what it finds beyond the schema's complaints.
    try {
      compileScenario(doc, overrides);
    } catch (err) {
      if (err instanceof InvalidFileError)
        problems.push(...err.problems.filter((p) => !problems.some((q) => q.key === p.key && q.line === p.line)));
    }
    throw new InvalidFileError(problems.sort((a, b) => a.line - b.line || a.col - b.col));
  }
  return compileScenario(doc, overrides);
}

export function compileScenario(doc: SourceDocument, overrides: ScenarioOverrides = {}): Scenario {
  const raw = doc.value as RawScenario;
  const problems: Problem[] = [];
  const at = (path: Path, message: string, key?: string) => problems.push(doc.problem(path, message, key));

  const timeoutMs = raw.load.timeout ? parseDuration(raw.load.timeout) : DEFAULT_TIMEOUT_MS;
  if (timeoutMs > MAX_TIMEOUT_MS) at(['load', 'timeout'], 'is longer than 1h');
  raw.requests.forEach((r, i) => {
    if (r.timeout && parseDuration(r.timeout) > MAX_TIMEOUT_MS) at(['requests', i, 'timeout'], 'is longer than 1h');
  });
  const load = compileLoad(raw.load, overrides, at);
  const target = compileTarget(raw, overrides, at);
  const specs = requestSpecs(raw.requests, dirname(resolve(doc.file)), timeoutMs, at, problems);

  const names = new Set(raw.requests.map((r) => r.name));
  const slo = splitPerRequest(raw.slo, names, ['slo'], at, limitsOf);
  const regression = splitPerRequest(raw.regression, names, ['regression'], at, tolerancesOf);
  const compare = compileCompare(raw, target, overrides, at);
  const capacity = raw.capacity ? compileCapacity(raw.capacity, load, slo.overall, at) : null;
  for (const [name, t] of Object.entries(regression.requests)) {
    if (t.capacity !== undefined)
      at(
        ['regression', 'requests', name, 'capacity'],
        'applies overall only: capacity is searched for the whole scenario',
      );
  }
  if (regression.overall.capacity !== undefined && !capacity)
    at(['regression', 'capacity'], 'needs a `capacity:` section to search the capacity it compares');

  checkLimitsOfTime(slo.overall, load, target, compare, at);
  // After the capacity plan: its default limits are the ones the scenario wrote.
  if (slo.overall.error_rate === undefined) slo.overall.error_rate = DEFAULT_ERROR_RATE;
  const goodput = compileGoodput(raw, slo, regression, specs, at);

  if (problems.length > 0) throw new InvalidFileError(problems);
  return {
    name: raw.name,
    file: doc.file,
    hash: scenarioHash(raw),
    seed: raw.seed ?? 1,
    target,
    load,
    requests: specs,
    slo,
    regression,
    compare,
    capacity,
    goodput,
    export: raw.export ?? null,
  };
}

/** Keys of limits and tolerances that only streamed answers have. */
const STREAM_ONLY = /^(ttft|tpot|itl)_|^output_tokens_per_s$|^goodput$/;

/** What makes a streamed answer good; and token limits only where there are streams to measure. */
function compileGoodput(
  raw: RawScenario,
  slo: { overall: Limits; requests: Record<string, Limits> },
  regression: { overall: Tolerances; requests: Record<string, Tolerances> },
  specs: RequestSpec[],
  at: At,
): GoodputSpec | null {
  const streams = specs.some((s) => s.stream !== null);
  for (const [section, sets] of [
    ['slo', slo],
    ['regression', regression],
  ] as const) {
    const scopes: Array<[Path, Record<string, unknown>, boolean]> = [
      [[section], sets.overall as Record<string, unknown>, streams],
      ...Object.entries(sets.requests).map(([name, l]): [Path, Record<string, unknown>, boolean] => [
        [section, 'requests', name],
        l as Record<string, unknown>,
        specs.find((s) => s.name === name)?.stream != null,
      ]),
    ];
    for (const [path, limits, streamed] of scopes) {
      const key = Object.keys(limits).find((k) => STREAM_ONLY.test(k));
      if (key && !streamed)
        at(
          path,
          `${key.replace(/_p95$/, '')}: is measured on streamed answers only: needs a request with \`protocol: ` +
            `openai-chat\` or \`openai-completions\` (stream: true)${path.length > 1 ? ' of that name' : ''}`,
        );
    }
  }
  const wantsGoodput =
    slo.overall.goodput !== undefined ||
    regression.overall.goodput !== undefined ||
    [...Object.values(slo.requests), ...Object.values(regression.requests)].some((l) => l.goodput !== undefined);
  if (!raw.goodput) {
    if (wantsGoodput)
      at([], 'needs a `goodput:` section (ttft, tpot, e2e) saying what makes a request good, to count goodput');
    return null;
  }
  const g: GoodputSpec = {};
  if (raw.goodput.ttft) g.ttft = parseDuration(raw.goodput.ttft);
  if (raw.goodput.tpot) g.tpot = parseDuration(raw.goodput.tpot);
  if (raw.goodput.e2e) g.e2e = parseDuration(raw.goodput.e2e);
  if (Object.keys(g).length === 0) at(['goodput'], 'needs at least one of ttft, tpot, e2e');
  if (!streams)
    at(
      ['goodput'],
      'is counted on streamed answers only: needs a request with `protocol: openai-chat` or `openai-completions`',
    );
  return g;
}

/** Recovery and drift are read off one run's course in time: the stages and the target must let them be seen. */
function checkLimitsOfTime(slo: Limits, load: LoadPlan, target: TargetSpec, compare: ComparePlan, at: At): void {
  const paired = compare.against === 'image';
  if (slo.recovery !== undefined) {
    if (slo.p95 === undefined)
      at(['slo', 'recovery'], 'needs `slo.p95`: a spike has recovered when the per-second p95 is back within it');
    if (spikesOf(load).length === 0)
      at(['slo', 'recovery'], 'needs a spike in `load.stages`: a stage whose load rises to 1.5× or more within 10 s');
    if (paired) at(['slo', 'recovery'], 'cannot be judged in a paired run: its blocks cut the stages apart');
  }
  if (slo.drift) {
    if (paired) at(['slo', 'drift'], 'cannot be judged in a paired run: its blocks cut the run apart');
    if (slo.drift.memory !== undefined && !target.image)
      at(['slo', 'drift', 'memory'], "needs a container target (`target.image`): a URL's memory is not seen");
  }
}

const CAPACITY_PERCENTILES = ['p50', 'p90', 'p95', 'p99', 'p999'] as const;

function compileCapacity(raw: NonNullable<RawScenario['capacity']>, load: LoadPlan, slo: Limits, at: At): CapacityPlan {
  const path = ['capacity'];
  let limits: CapacitySlo = {};
  if (raw.slo) {
    for (const k of CAPACITY_PERCENTILES) if (raw.slo[k] !== undefined) limits[k] = parseDuration(raw.slo[k]);
    if (raw.slo.error_rate !== undefined) limits.error_rate = parsePercent(raw.slo.error_rate);
  } else {
    for (const k of CAPACITY_PERCENTILES) if (slo[k] !== undefined) limits[k] = slo[k];
    if (slo.error_rate !== undefined) limits.error_rate = slo.error_rate;
  }
  if (!CAPACITY_PERCENTILES.some((k) => limits[k] !== undefined) && limits.error_rate === undefined) {
    at(
      raw.slo ? [...path, 'slo'] : path,
      "needs a percentile or error_rate limit to search against (capacity.slo, or the scenario's slo)",
    );
    limits = {};
  }
  const own = load.model === 'open' ? (load.stages[0]?.fromRate ?? 1) : (load.stages[0]?.users ?? 1);
  const start = raw.start ?? Math.max(1, Math.min(own, raw.max));
  if (raw.start !== undefined && raw.start >= raw.max) at([...path, 'max'], `is not above start (${raw.start})`);
  if (load.model === 'closed' && (!Number.isInteger(start) || !Number.isInteger(raw.max)))
    at(path, 'counts users in the closed model: start and max must be whole numbers');
  const precision = raw.precision !== undefined ? parsePercent(raw.precision) : 0.05;
  if (Number.isFinite(precision) && !(precision > 0 && precision < 1))
    at([...path, 'precision'], 'must be above 0% and below 100%');
  const ms = (text: string | undefined, fallback: number, key: Path) => {
    const v = text !== undefined ? parseDuration(text) : fallback;
    if (!(v > 0)) at(key, 'must be longer than 0');
    return v;
  };
  const maxDurationMs = ms(raw.max_duration, 600_000, [...path, 'max_duration']);
  if (maxDurationMs > MAX_RUN_MS) at([...path, 'max_duration'], 'is longer than 7 days');
  const settleMs = ms(raw.probe?.settle, 2_000, [...path, 'probe', 'settle']);
  const minProbeMs = ms(raw.probe?.min, 10_000, [...path, 'probe', 'min']);
  const maxProbeMs = ms(raw.probe?.max, 30_000, [...path, 'probe', 'max']);
  if (maxProbeMs < minProbeMs) at([...path, 'probe', 'max'], `is shorter than probe.min (${raw.probe?.min ?? '10s'})`);
  if (settleMs + maxProbeMs > maxDurationMs)
    at([...path, 'max_duration'], 'leaves no time for one probe (probe.settle + probe.max)');
  return {
    slo: limits,
    start,
    max: raw.max,
    precision,
    maxDurationMs,
    confidence: raw.confidence ?? 0.99,
    settleMs,
    minProbeMs,
    maxProbeMs,
    required: raw.required ?? true,
  };
}

function compileCompare(raw: RawScenario, target: TargetSpec, overrides: ScenarioOverrides, at: At): ComparePlan {
  const c = overrides.compare === false ? {} : (raw.compare ?? {});
  const image = overrides.baselineImage ?? c.baseline_image ?? null;
  const url = overrides.baselineImage ? null : (c.baseline_url ?? null);
  const against = overrides.baselineImage ? 'image' : (c.against ?? 'baseline');
  if (against === 'image') {
    if (!image && !url)
      at(
        ['compare'],
        'with `against: image` needs `baseline_image` (or `baseline_url`): the reference build to run beside the ' +
          'target',
      );
    if (image && url) at(['compare'], 'has both `baseline_image` and `baseline_url`; give one');
    if (image && !target.image)
      at(
        ['compare', 'baseline_image'],
        'needs the target to be a container too (`target.image`), so both builds run the same way',
      );
    if (image && target.network === 'host' && !target.portEnv) {
      at(
        ['target'],
        'runs two containers on the host network in paired mode: give `port_env` so each listens on its own port',
      );
    }
  }
  const p = c.prior ?? {};
  const prior = {
    runs: p.runs ?? DEFAULT_PRIOR.runs,
    latency: p.latency ? parsePercent(p.latency) : DEFAULT_PRIOR.latency,
    tail: p.tail ? parsePercent(p.tail) : DEFAULT_PRIOR.tail,
    throughput: p.throughput ? parsePercent(p.throughput) : DEFAULT_PRIOR.throughput,
  };
  const maxNoise = c.max_noise ? parsePercent(c.max_noise) : DEFAULT_MAX_NOISE;
  return {
    against,
    historyRuns: c.history_runs ?? 10,
    reference: { image, url },
    blocks: c.blocks ?? 8,
    confidence: c.confidence ?? DEFAULT_CONFIDENCE[against],
    prior,
    maxNoise,
  };
}

type At = (path: Path, message: string, key?: string) => void;

function compileLoad(load: RawLoad, overrides: ScenarioOverrides, at: At): LoadPlan {
  const open = load.rate !== undefined || load.arrival !== undefined || load.max_in_flight !== undefined;
  const closed = load.users !== undefined || load.spawn_rate !== undefined || load.think_time !== undefined;
  const stageKinds = new Set(
    (load.stages ?? []).map((s) => (s.rate !== undefined ? 'rate' : s.users !== undefined ? 'users' : 'none')),
  );
  const warmupMs = load.warmup ? parseDuration(load.warmup) : 0;
  const workers = load.workers === 'auto' ? availableParallelism() : (load.workers ?? 1);

  if (open && closed)
    at(
      ['load'],
      'mixes the open model (rate, arrival, max_in_flight) with the closed model (users, spawn_rate, think_time)',
    );
  if (stageKinds.size > 1)
    at(
      ['load', 'stages'],
      'every stage needs `rate` (open model) or every stage needs `users` (closed model), not a mix',
    );
  (load.stages ?? []).forEach((s, i) => {
    if (s.rate === undefined && s.users === undefined) at(['load', 'stages', i], 'needs `rate` or `users`');
  });
  const usesRate = open || stageKinds.has('rate');
  const usesUsers = closed || stageKinds.has('users');
  if (usesRate && usesUsers && !(open && closed))
    at(['load', 'stages'], 'stages must use the same model as the load (rate with rate, users with users)');
  if (!usesRate && !usesUsers) at(['load'], 'needs `rate` (open model) or `users` (closed model), or `stages`');
  if (!load.duration && !load.stages) at(['load'], 'needs `duration` or `stages`');
  if (load.duration && load.stages)
    at(['load', 'duration'], 'cannot be combined with `stages` (their durations add up to the run)');

  const stagesMs = (load.stages ?? []).map((s) => parseDuration(s.duration));
  let durationMs = load.duration ? parseDuration(load.duration) : stagesMs.reduce((a, b) => a + b, 0);
  if (overrides.durationMs !== undefined) durationMs = overrides.durationMs;
  // A run that measures nothing cannot pass a gate; one past a week overflows timers and sends nothing.
  if (durationMs === 0)
    at(['load', load.duration ? 'duration' : 'stages'], 'adds up to 0s: a run must measure something');
  if (warmupMs + durationMs > MAX_RUN_MS)
    at(
      ['load', load.duration ? 'duration' : 'stages'],
      'with the warm-up runs longer than 7 days: split it into shorter runs',
    );

  if (usesUsers && !usesRate) {
    const stages = load.stages
      ? load.stages.map((s, i) => ({ durationMs: stagesMs[i]!, users: s.users ?? 0 }))
      : [{ durationMs, users: load.users ?? 1 }];
    const peak = Math.max(...stages.map((s) => s.users));
    return {
      model: 'closed',
      stages: truncateStages(stages, durationMs),
      spawnRate: load.spawn_rate ?? Math.max(1, peak),
      thinkTimeMs: parseThinkTime(load.think_time ?? '0s'),
      warmupMs,
      durationMs,
      workers,
    };
  }
  let previous = load.rate ?? load.stages?.[0]?.rate ?? 0;
  const stages = load.stages
    ? load.stages.map((s, i) => {
        const stage = { durationMs: stagesMs[i]!, fromRate: previous, toRate: s.rate ?? 0 };
        previous = stage.toRate;
        return stage;
      })
    : [{ durationMs, fromRate: load.rate ?? 0, toRate: load.rate ?? 0 }];
  return {
    model: 'open',
    arrival: load.arrival ?? 'constant',
    stages: truncateStages(stages, durationMs),
    warmupMs,
    durationMs,
    maxInFlight: load.max_in_flight ?? DEFAULT_MAX_IN_FLIGHT,
    workers,
  };
}

/** `--duration` shortens (or extends the last stage of) a staged run. */
function truncateStages<S extends { durationMs: number }>(stages: S[], durationMs: number): S[] {
  const out: S[] = [];
  let left = durationMs;
  for (const s of stages) {
    if (left <= 0) break;
    out.push({ ...s, durationMs: Math.min(s.durationMs, left) });
    left -= s.durationMs;
  }
  if (left > 0 && out.length > 0)
    out[out.length - 1] = { ...out[out.length - 1]!, durationMs: out[out.length - 1]!.durationMs + left };
  return out;
}

/**
 * `docker run` arguments that reach beyond the container: the runner's environment (its tokens),
 * the host's files, devices or privileges. The first one found, described; null when none.
 */
export function unsafeDockerArgs(args: string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.startsWith('--')
      ? (args[i]!.split(/=(.*)/s) as [string, string?])
      : [args[i]!.slice(0, 2), args[i]!.length > 2 ? args[i]!.slice(2) : undefined];
    const value = inline ?? args[i + 1] ?? '';
    switch (flag) {
      case '-e':
      case '--env':
        if (!value.includes('='))
          return (
            `\`${flag} ${value}\` copies ${value || 'a variable'} from the runner's environment into the ` +
            `container (it may hold a token): give a value (NAME=value) in \`target.env\``
          );
        break;
      case '--env-file':
        return '`--env-file` reads a file of the runner into the container: put the variables in `target.env`';
      case '--privileged':
        return "`--privileged` gives the container the host's devices and privileges";
      case '-v':
      case '--volume':
        if (/^[/.~]|^[A-Za-z]:/.test(value) || value.includes('docker.sock'))
          return `\`${flag} ${value}\` mounts a host path into the container`;
        break;
      case '--mount':
        if (/(^|,)type=bind(,|$)/.test(value)) return '`--mount type=bind` mounts a host path into the container';
        break;
      case '--device':
      case '--cap-add':
      case '--security-opt':
        return `\`${flag}\` widens what the container may do on the host`;
      case '--pid':
      case '--ipc':
      case '--userns':
      case '--uts':
        if (value === 'host') return `\`${flag}=host\` shares the host's namespace`;
        break;
    }
  }
  return null;
}

/** Header names are tokens, values have no CR, LF or other control characters (request splitting). */
function checkHeaders(headers: Record<string, string>, path: Path, at: At): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) at(path, 'is not a valid header name', name);
    else if (typeof value === 'string' && /[\x00-\x08\x0a-\x1f\x7f]/.test(value))
      at(path, 'contains a line break or control character', name);
  }
}

function parseThinkTime(text: string): [number, number] {
  const [lo, hi] = text.split('-');
  const min = parseDuration(lo!);
  return [min, hi ? parseDuration(hi) : min];
}

function compileTarget(raw: RawScenario, overrides: ScenarioOverrides, at: At): TargetSpec {
  const t = raw.target;
  const url = overrides.url ?? (overrides.image ? undefined : t.url);
  const image = overrides.url ? undefined : (overrides.image ?? t.image);
  if (!url && !image) at(['target'], 'needs `url` (a running service) or `image` (a container to start)');
  if (t.url && t.image && !overrides.url && !overrides.image) at(['target'], 'has both `url` and `image`; give one');
  if (image && t.port === undefined)
    at(['target'], 'needs `port`: the port the server listens on inside the container');
  if (url) {
    try {
      const u = new URL(url);
      if (u.pathname !== '/' && u.pathname !== '')
        at(['target', 'url'], 'must be a base URL without a path; put paths in requests');
      // Never silently dropped, and never printed: credentials belong in a header from a secret.
      if (u.username || u.password)
        at(
          ['target', 'url'],
          'carries a user name or password: send credentials in `target.headers` (Authorization), from a secret',
        );
      if (u.search || u.hash) at(['target', 'url'], "has a query string or fragment: put them in the requests' paths");
    } catch {
      at(['target', 'url'], 'is not a valid URL');
    }
  }
  Object.entries(t.env ?? {}).forEach(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(k)) at(['target', 'env', k], 'is not a valid environment variable name', k);
    else if (/[\r\n\0]/.test(String(v))) at(['target', 'env', k], 'contains a line break', k);
  });
  if (!t.allow_unsafe_args) {
    const unsafe = unsafeDockerArgs(t.args ?? []);
    if (unsafe) at(['target', 'args'], `${unsafe}; set \`allow_unsafe_args: true\` if that is meant`);
  }
  const health = t.health ?? {};
  // A container may be slow to start its model; a URL is usually up, or being started beside the run.
  const healthTimeoutMs = health.timeout ? parseDuration(health.timeout) : image ? 120_000 : 30_000;
  if (healthTimeoutMs > MAX_TIMEOUT_MS) at(['target', 'health', 'timeout'], 'is longer than 1h');
  checkHeaders(t.headers ?? {}, ['target', 'headers'], at);
  // A request that breaks another goes where that one goes, the same way.
  const byName = new Map(raw.requests.map((r) => [r.name, r]));
  const transportOf = (r: RawRequest, depth = 0): string => {
    if (r.protocol) return presetOf(r.protocol)?.transport ?? 'http';
    const of = r.invalid_of ?? r.body?.invalid_of;
    const broken = of !== undefined ? byName.get(of) : undefined;
    return broken && depth < 8 ? transportOf(broken, depth + 1) : 'http';
  };
  const transports = new Set(raw.requests.map((r) => transportOf(r)));
  const grpcUrl = url?.startsWith('grpc://') ?? false;
  if (transports.size > 1)
    at(['requests'], 'mixes gRPC (protocol: kserve-v2-grpc) and HTTP requests: one target speaks one of them');
  else if (url && transports.has('grpc') && !grpcUrl)
    at(['target', 'url'], 'must be grpc://host:port: the requests speak gRPC (protocol: kserve-v2-grpc)');
  else if (grpcUrl && !transports.has('grpc'))
    at(['target', 'url'], 'is grpc://: its requests need protocol: kserve-v2-grpc');
  if (image && transports.has('grpc'))
    at(['target', 'image'], 'gRPC requests run against a grpc:// url; a container target speaks HTTP for now');
  if (t.channels !== undefined && !grpcUrl) at(['target', 'channels'], 'applies to a grpc:// target only');
  return {
    url: url ? url.replace(/\/$/, '') : null,
    channels: t.channels ?? 1,
    image: image ?? null,
    port: t.port ?? 0,
    network: t.network ?? 'publish',
    portEnv: t.port_env ?? null,
    env: Object.fromEntries(Object.entries(t.env ?? {}).map(([k, v]) => [k, String(v)])),
    args: t.args ?? [],
    pull: t.pull ?? 'missing',
    headers: t.headers ?? {},
    health: {
      path: health.path ?? protocolHealthOf(raw.requests) ?? (image ? '/health' : null),
      timeoutMs: healthTimeoutMs,
      intervalMs: health.interval ? parseDuration(health.interval) : 100,
    },
  };
}

type Breakable = Map<string, { spec: BodySpec; mutations: readonly Mutation[] }>;

function requestSpecs(
  raws: RawRequest[],
  baseDir: string,
  timeoutMs: number,
  at: At,
  problems: Problem[],
): RequestSpec[] {
  raws = raws.map((r, i) => {
    if (r.invalid_of === undefined) return r;
    if (r.body) at(['requests', i, 'invalid_of'], 'is short for `body: { invalid_of: … }`: give one or the other');
    return { ...r, body: r.body ?? { invalid_of: r.invalid_of } };
  });
  const seen = new Map<string, number>();
  for (const [i, r] of raws.entries()) {
    if (seen.has(r.name)) at(['requests', i, 'name'], `repeats the name of requests[${seen.get(r.name)}]`);
    else seen.set(r.name, i);
  }
  // Breakable bodies first: `invalid_of` may name a request defined after it.
  const breakable: Breakable = new Map();
  for (const [i, r] of raws.entries()) {
    const spec = breakableBody(r, i, baseDir, at, problems);
    if (spec) breakable.set(r.name, { spec, mutations: generatorOf(spec)!.mutations });
  }
  const byName = new Map(raws.map((r) => [r.name, r]));
  return raws.map((r, i) => requestSpec(r, i, { raws, byName, breakable, timeoutMs, at }));
}

/** A request's body that `invalid_of` can break (generated, fields, JSON, a file of payloads); null for none. */
function breakableBody(r: RawRequest, i: number, baseDir: string, at: At, problems: Problem[]): BodySpec | null {
  let generated: BodySpec | null = null;
  if (r.protocol && isGenerative(r.protocol)) generated = generativeSpec(r, i, baseDir, at, problems) ?? null;
  else {
    for (const k of ['prompts', 'max_tokens', 'stream', 'temperature'] as const) {
      if (r[k] !== undefined)
        at(['requests', i, k], 'only applies with `protocol: openai-chat` or `openai-completions`');
    }
  }
  const b = r.body;
  if (!b) return generated;
  if (r.protocol && isGenerative(r.protocol) && b.invalid_of === undefined) {
    at(['requests', i, 'body'], `with protocol: ${r.protocol} the body is built from \`prompts\`: leave \`body\` out`);
    return generated;
  }
  const sources = (['json', 'file', 'fields', 'invalid_of', 'raw'] as const).filter((k) => b[k] !== undefined);
  if (sources.length !== 1) {
    const has = sources.join(', ') || 'none';
    at(['requests', i, 'body'], `needs exactly one of json, file, fields, invalid_of, raw (has ${has})`);
    return generated;
  }
  if (b.mutations && !b.invalid_of) at(['requests', i, 'body', 'mutations'], 'only applies with `invalid_of`');
  const fieldsKey = ['requests', i, 'body', 'fields'];
  if (r.protocol && !isGenerative(r.protocol)) {
    if (!b.fields) {
      const built = presetOf(r.protocol)!.builds?.plural ?? 'body is';
      at(['requests', i, 'body'], `with protocol: ${r.protocol} needs \`fields:\`, from which the ${built} are built`);
      return generated;
    }
    checkRanges(b.fields, fieldsKey, at);
    checkTensorFields(r.protocol, b.fields, fieldsKey, at);
    const format = r.format ? { format: r.format } : {};
    const model = r.model ? { model: r.model } : {};
    return { kind: 'tensors', protocol: r.protocol, fields: b.fields, batch: r.batch ?? 1, ...format, ...model };
  }
  if (b.fields) {
    checkRanges(b.fields, fieldsKey, at);
    return { kind: 'fields', fields: b.fields };
  }
  if (b.json !== undefined) return { kind: 'list', values: [b.json] };
  if (!b.file) return generated;
  const before = problems.length;
  const lines = readJsonLines(baseDir, b.file, ['requests', i, 'body', 'file'], at, problems);
  if (lines.length === 0 && problems.length === before)
    at(['requests', i, 'body', 'file'], 'names a file with no payloads');
  return lines.length > 0 ? { kind: 'list', values: lines.map((l) => l.value) } : generated;
}

/** A request that breaks another's payloads: the mutations that apply to them. */
function invalidBody(r: RawRequest, i: number, raws: RawRequest[], breakable: Breakable, at: At): BodySpec | null {
  const b = r.body!;
  const of = breakable.get(b.invalid_of!);
  if (!of) {
    const known = raws.filter((q) => breakable.has(q.name)).map((q) => q.name);
    const list = known.length ? ` (known: ${known.join(', ')})` : '';
    at(['requests', i, 'body', 'invalid_of'], `names no request with a json, file or fields body${list}`);
    return null;
  }
  const allowed = b.mutations ?? MUTATIONS;
  if (of.mutations.some((m) => allowed.includes(m))) return { kind: 'invalid', of: b.invalid_of!, mutations: allowed };
  at(
    ['requests', i, 'body', 'mutations'],
    `none of these apply to ${b.invalid_of}'s payloads (possible: ${of.mutations.join(', ')})`,
  );
  return null;
}

/** One request compiled: its body, path, method, what it must answer, whether it streams. */
function requestSpec(
  r: RawRequest,
  i: number,
  c: { raws: RawRequest[]; byName: Map<string, RawRequest>; breakable: Breakable; timeoutMs: number; at: At },
): RequestSpec {
  const { at } = c;
  const b = r.body;
  let body: BodySpec | null = c.breakable.get(r.name)?.spec ?? null;
  if (b?.raw !== undefined) body = { kind: 'raw', data: b.raw, contentType: b.content_type ?? 'text/plain' };
  if (b?.invalid_of !== undefined) body = invalidBody(r, i, c.raws, c.breakable, at) ?? body;
  // A protocol gives the path; a request that breaks another one goes where it goes.
  const pathOf = (q: RawRequest) => q.path ?? (q.protocol && q.model ? presetOf(q.protocol)!.path(q.model) : undefined);
  const broken = b?.invalid_of !== undefined ? c.byName.get(b.invalid_of) : undefined;
  if (r.protocol && !r.model && !r.path)
    at(['requests', i], `with protocol: ${r.protocol} needs \`model\` (its name in the path) or a \`path\``);
  if (!r.protocol && (r.model !== undefined || r.batch !== undefined))
    at(['requests', i, r.model !== undefined ? 'model' : 'batch'], 'only applies with `protocol`');
  const formats = r.protocol ? presetOf(r.protocol)?.formats : undefined;
  if (r.format !== undefined && !formats?.includes(r.format)) {
    const where = presetNames().filter((n) => presetOf(n)!.formats?.includes(r.format!));
    at(['requests', i, 'format'], `applies to protocol: ${where.join(' or ') || 'none'} only`);
  }
  const path = pathOf(r) ?? (broken ? pathOf(broken) : undefined);
  if (path === undefined)
    at(['requests', i], 'needs a `path` (or a `protocol` and `model`, or `invalid_of` a request that has one)');
  // Sent as written on the request line: a space, CR or LF would split the request.
  if (path && /[\x00-\x20\x7f]/.test(path))
    at(['requests', i, 'path'], 'contains a space or control character: percent-encode it (%20)');
  checkHeaders(r.headers ?? {}, ['requests', i, 'headers'], at);
  const method = r.method ?? (body ? 'POST' : 'GET');
  if (body && (method === 'GET' || method === 'HEAD')) at(['requests', i, 'method'], `${method} cannot carry a body`);
  const streams =
    r.protocol && isGenerative(r.protocol) && b?.invalid_of === undefined && r.stream !== false ? r.protocol : null;
  // A stream is checked as it is read, not as one JSON document.
  const answer = r.protocol && b?.invalid_of === undefined && !streams ? presetOf(r.protocol)!.answer : null;
  return {
    name: r.name,
    method,
    path: path ?? '/',
    weight: r.weight ?? 1,
    headers: r.headers ?? {},
    timeoutMs: r.timeout ? parseDuration(r.timeout) : c.timeoutMs,
    body,
    expect: expectSpec(r.expect, b?.invalid_of !== undefined, answer),
    stream: streams,
    maxTokens: streams ? (r.max_tokens ?? null) : null,
  };
}

/** Output tokens a request may ask for, at most. */
const MAX_OUTPUT_TOKENS = 1_000_000;

/** An OpenAI-compatible request: its model, prompts (a JSON Lines file, or generated), max_tokens, stream. */
function generativeSpec(
  r: RawRequest,
  i: number,
  baseDir: string,
  at: At,
  problems: Problem[],
): (BodySpec & { kind: 'generative' }) | null {
  const protocol = r.protocol as StreamProtocol;
  if (!r.model) at(['requests', i], `with protocol: ${protocol} needs \`model\`: the model's name the server serves`);
  if (!r.prompts)
    at(
      ['requests', i],
      `with protocol: ${protocol} needs \`prompts\`: { file: prompts.jsonl } or { generated: { tokens: { mean: ` +
        `512, stddev: 128 } } }`,
    );
  if (r.max_tokens === undefined)
    at(['requests', i], `with protocol: ${protocol} needs \`max_tokens\`: the output tokens to ask for`);
  else if (r.max_tokens > MAX_OUTPUT_TOKENS) at(['requests', i, 'max_tokens'], `must be <= ${MAX_OUTPUT_TOKENS}`);
  if (r.batch !== undefined) at(['requests', i, 'batch'], `does not apply to ${protocol}: one prompt a request`);
  if (!r.model || !r.prompts || r.max_tokens === undefined) return null;
  let prompts: PromptSource | null = null;
  if (r.prompts.file !== undefined && r.prompts.generated !== undefined)
    at(['requests', i, 'prompts'], 'needs one of `file` or `generated`, not both');
  else if (r.prompts.generated)
    prompts = {
      kind: 'generated',
      mean: r.prompts.generated.tokens.mean,
      stddev: r.prompts.generated.tokens.stddev ?? 0,
    };
  else if (r.prompts.file !== undefined) {
    const file = r.prompts.file;
    const before = problems.length;
    const lines = readJsonLines(baseDir, file, ['requests', i, 'prompts', 'file'], at, problems);
    const list: Array<string | ChatMessage[]> = [];
    let bad = 0;
    for (const { value, line } of lines) {
      const p = promptOf(value, protocol);
      if (p !== null) list.push(p);
      else if (++bad <= MAX_LINE_PROBLEMS)
        problems.push({
          file,
          line,
          col: 1,
          key: '',
          message: `is not a prompt: a string, {"prompt": "…"} or {"messages": [{"role": "user", "content": "…"}]}`,
        });
    }
    if (bad > MAX_LINE_PROBLEMS)
      problems.push({
        file,
        line: 0,
        col: 0,
        key: '',
        message: `and ${bad - MAX_LINE_PROBLEMS} more lines that are not prompts`,
      });
    if (list.length === 0 && problems.length === before)
      at(['requests', i, 'prompts', 'file'], 'names a file with no prompts');
    if (list.length > 0) prompts = { kind: 'list', prompts: list };
  } else at(['requests', i, 'prompts'], 'needs `file` or `generated`');
  if (!prompts) return null;
  return {
    kind: 'generative',
    protocol,
    model: r.model,
    prompts,
    maxTokens: r.max_tokens,
    stream: r.stream !== false,
    temperature: r.temperature ?? null,
  };
}

const ROLES = new Set(['system', 'user', 'assistant', 'developer', 'tool']);

/** One line of a prompts file: a prompt, or a chat's messages (for completions, their contents joined). */
function promptOf(value: unknown, protocol: StreamProtocol): string | ChatMessage[] | null {
  if (typeof value === 'string' && value.length > 0) return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as { prompt?: unknown; messages?: unknown };
  if (typeof v.prompt === 'string' && v.prompt.length > 0) return v.prompt;
  if (!Array.isArray(v.messages) || v.messages.length === 0) return null;
  const messages = v.messages as Array<{ role?: unknown; content?: unknown }>;
  if (!messages.every((m) => m && typeof m.role === 'string' && ROLES.has(m.role) && typeof m.content === 'string'))
    return null;
  const list = messages.map((m) => ({ role: m.role as string, content: m.content as string }));
  return protocol === 'openai-chat' ? list : list.map((m) => m.content).join('\n');
}

/** The readiness path of the protocol the requests speak, when they speak one. */
function protocolHealthOf(requests: RawRequest[]): string | null {
  const r = requests.find((q) => q.protocol && q.model);
  return r ? presetOf(r.protocol!)!.health(r.model!) : null;
}

/** A field its API can carry: never an object (each field is one tensor or feature), and what the preset says. */
function checkTensorFields(protocol: string, specs: Record<string, FieldSpec>, path: Path, at: At): void {
  const preset = presetOf(protocol)!;
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.object) {
      const one = preset.builds?.one ?? 'field';
      at(
        [...path, name],
        `is an object: with protocol: ${protocol} each field is one ${one}, a value or an array of values`,
      );
    }
    const problem = preset.fieldProblem?.(spec);
    if (problem) at([...path, name], problem);
  }
}

/** `int: [77, 29]`, `length: [5, 2]`: a range whose low end is above its high end draws nothing sensible. */
function checkRanges(specs: Record<string, FieldSpec>, path: Path, at: At): void {
  for (const [name, spec] of Object.entries(specs)) {
    const here = [...path, name];
    for (const k of ['int', 'float'] as const) {
      const range = spec[k];
      if (range && range[0] > range[1])
        at(
          [...here, k],
          `is [${range[0]}, ${range[1]}]: the low end is above the high end (write [${range[1]}, ${range[0]}])`,
        );
    }
    if (Array.isArray(spec.length) && spec.length[0] > spec.length[1])
      at([...here, 'length'], 'has its low end above its high end');
    if (spec.string?.length && spec.string.length[0] > spec.string.length[1])
      at([...here, 'string', 'length'], 'has its low end above its high end');
    if (spec.object) checkRanges(spec.object, [...here, 'object'], at);
    if (spec.array) checkRanges({ array: spec.array }, here, at);
  }
}

/** Largest payload file read. */
export const MAX_PAYLOAD_FILE = 64 * 1024 * 1024;
/** Broken lines of a payload file reported one by one; the rest are counted. */
const MAX_LINE_PROBLEMS = 20;

/**
 * A `file:` payload's JSON lines. A relative path must stay inside the scenario's folder or the
 * workspace (an absolute path is taken as meant); only a regular file is read, and at most
 * MAX_PAYLOAD_FILE of it. Errors never quote the file's contents.
 */
function readJsonLines(
  baseDir: string,
  file: string,
  key: Path,
  at: At,
  problems: Problem[],
): Array<{ value: unknown; line: number }> {
  const path = resolve(baseDir, file);
  let real: string;
  let stat: ReturnType<typeof statSync>;
  try {
    real = realpathSync(path);
    stat = statSync(real);
  } catch (err) {
    at(
      key,
      `cannot read payload file ${file}: ` +
        `${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
    return [];
  }
  if (!isAbsolute(file)) {
    const roots = [baseDir, process.env.GITHUB_WORKSPACE ?? process.cwd()].map((r) => {
      try {
        return realpathSync(r);
      } catch {
        return resolve(r);
      }
    });
    if (!roots.some((root) => real === root || real.startsWith(root + sep))) {
      at(
        key,
        `${file} leads outside the scenario's folder and the workspace: give an absolute path if that file is meant`,
      );
      return [];
    }
  }
  if (!stat.isFile()) {
    at(key, `${file} is not a regular file`);
    return [];
  }
  if (stat.size > MAX_PAYLOAD_FILE) {
    at(key, `${file} is larger than ${MAX_PAYLOAD_FILE / 1048576} MiB`);
    return [];
  }
  const text = readFileSync(real, 'utf8');
  const out: Array<{ value: unknown; line: number }> = [];
  let broken = 0;
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push({ value: JSON.parse(line), line: i + 1 });
    } catch (err) {
      // JSON.parse quotes the text it failed on: keep only where.
      if (++broken <= MAX_LINE_PROBLEMS) {
        const position = /position (\d+)/.exec((err as Error).message)?.[1];
        problems.push({
          file,
          line: i + 1,
          col: position ? Number(position) + 1 : 1,
          key: '',
          message: 'not a JSON line',
        });
      }
    }
  });
  if (broken > MAX_LINE_PROBLEMS)
    problems.push({
      file,
      line: 0,
      col: 0,
      key: '',
      message: `and ${broken - MAX_LINE_PROBLEMS} more lines that are not JSON`,
    });
  return out;
}

/**
 * What a response must be: as declared, else a 4xx for a broken payload, a 2xx (holding the protocol's answer field)
 * for the rest.
 */
function expectSpec(
  raw: RawStatus | undefined,
  invalid: boolean,
  protocolAnswerField: string | null = null,
): ExpectSpec {
  const statuses =
    raw?.status === undefined ? [invalid ? '4xx' : '2xx'] : Array.isArray(raw.status) ? raw.status : [raw.status];
  const json =
    raw?.json === undefined
      ? protocolAnswerField
        ? [protocolAnswerField]
        : []
      : Array.isArray(raw.json)
        ? raw.json
        : [raw.json];
  return { statuses, json: json.map((p) => p.split('.')) };
}

const LIMIT_KEYS = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean', 'cold_start', 'first_prediction'] as const;

/**
 * Streamed answers' timings, limited at a percentile: `ttft: 500ms` is p95, `ttft: { p50: 200ms, p99: 1s }` any of
 * p50/p90/p95/p99.
 */
const TOKEN_TIMINGS = ['ttft', 'tpot', 'itl'] as const;
const TOKEN_PERCENTILES = ['p50', 'p90', 'p95', 'p99'] as const;

function tokenTimings(raw: Record<string, unknown>, convert: (v: string) => number, out: Record<string, number>): void {
  for (const timing of TOKEN_TIMINGS) {
    const v = raw[timing];
    if (typeof v === 'string') out[`${timing}_p95`] = convert(v);
    else if (v && typeof v === 'object') {
      for (const p of TOKEN_PERCENTILES) {
        const x = (v as Record<string, unknown>)[p];
        if (typeof x === 'string') out[`${timing}_${p}`] = convert(x);
      }
    }
  }
}

function limitsOf(raw: Record<string, unknown>): Limits {
  const out: Limits = {};
  for (const k of LIMIT_KEYS) if (typeof raw[k] === 'string') out[k] = parseDuration(raw[k]);
  tokenTimings(raw, parseDuration, out as Record<string, number>);
  if (typeof raw.output_tokens_per_s === 'number') out.output_tokens_per_s = raw.output_tokens_per_s;
  if (typeof raw.goodput === 'number') out.goodput = raw.goodput;
  if (typeof raw.rps === 'number') out.rps = raw.rps;
  if (typeof raw.error_rate === 'string') out.error_rate = parsePercent(raw.error_rate);
  if (typeof raw.recovery === 'string') out.recovery = parseDuration(raw.recovery);
  const drift = raw.drift as Record<string, unknown> | undefined;
  if (drift && typeof drift === 'object') {
    out.drift = {};
    if (typeof drift.p95 === 'string') out.drift.p95 = parsePercentRate(drift.p95);
    if (typeof drift.memory === 'string') out.drift.memory = parseMemoryRate(drift.memory);
  }
  return out;
}

function tolerancesOf(raw: Record<string, unknown>): Tolerances {
  const out: Tolerances = {};
  for (const k of [
    'p50',
    'p90',
    'p95',
    'p99',
    'p999',
    'mean',
    'rps',
    'error_rate',
    'capacity',
    'output_tokens_per_s',
    'goodput',
  ] as const) {
    if (typeof raw[k] === 'string') out[k] = parsePercent(raw[k]);
  }
  tokenTimings(raw, parsePercent, out as Record<string, number>);
  return out;
}

function splitPerRequest<T>(
  raw: Record<string, unknown> | undefined,
  names: Set<string>,
  path: Path,
  at: At,
  convert: (r: Record<string, unknown>) => T,
): { overall: T; requests: Record<string, T> } {
  const perRequest = (raw?.requests ?? {}) as Record<string, Record<string, unknown>>;
  const requests: Record<string, T> = {};
  for (const [name, r] of Object.entries(perRequest)) {
    if (!names.has(name)) at([...path, 'requests'], `names no request: ${name}`, name);
    requests[name] = convert(r);
  }
  return { overall: convert(raw ?? {}), requests };
}

/** Scenario identity for baselines: the load and the requests, not names of limits or the target. */
function scenarioHash(raw: RawScenario): string {
  // The capacity section joins the hash only when present: older baselines keep theirs.
  const canonical = JSON.stringify(
    {
      seed: raw.seed ?? 1,
      load: raw.load,
      requests: raw.requests,
      ...(raw.capacity ? { capacity: raw.capacity } : {}),
    },
    sortedKeys,
  );
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)));
  }
  return value;
}
