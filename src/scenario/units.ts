const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "1m30s" → 90000. Returns NaN for anything else; the schema has already checked the shape. */
export function parseDuration(text: string): number {
  // The compiler also runs over files the schema rejected (to list every problem at once).
  if (typeof text !== 'string') return Number.NaN;
  let total = 0;
  let matched = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched += m[0].length;
  }
  return matched === text.length && matched > 0 ? total : Number.NaN;
}

/** "10%" → 0.1 */
export function parsePercent(text: string): number {
  if (typeof text !== 'string') return Number.NaN;
  const m = /^(\d+(?:\.\d+)?)%$/.exec(text);
  return m ? Number(m[1]) / 100 : Number.NaN;
}

const PER: Record<string, number> = { h: 1, min: 60 };
const MB: Record<string, number> = { KB: 1 / 1024, MB: 1, GB: 1024 };

/** "10%/h" → 0.1 (a fraction per hour); "0.5%/min" → 0.3. */
export function parsePercentRate(text: string): number {
  if (typeof text !== 'string') return Number.NaN;
  const m = /^(\d+(?:\.\d+)?)%\/(h|min)$/.exec(text);
  return m ? (Number(m[1]) / 100) * PER[m[2]!]! : Number.NaN;
}

/** "50MB/h" → 50 (MB per hour); "1GB/h" → 1024; "100KB/min" → 5.86. */
export function parseMemoryRate(text: string): number {
  if (typeof text !== 'string') return Number.NaN;
  const m = /^(\d+(?:\.\d+)?)(KB|MB|GB)\/(h|min)$/.exec(text);
  return m ? Number(m[1]) * MB[m[2]!]! * PER[m[3]!]! : Number.NaN;
}

export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** `i/n`, shard i (0-based) of n: from `--shard`, the action's `shard` input or MLLOAD_SHARD. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`a shard is written i/n, shard i (from 0) of n, like 2/4 (got ${JSON.stringify(text)})`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 1000) throw new Error(`a run splits into 1 to 1000 shards (got ${count})`);
  if (index >= count) throw new Error(`shard ${index}/${count}: the index counts from 0 to ${count - 1}`);
  return { index, count };
}

/** The instant every shard's load begins: Unix seconds or milliseconds, or an ISO time; at most a day ahead. */
export function parseStartAt(text: string, nowMs = Date.now()): number {
  const t = text.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(t)) ms = Number(t) >= 1e12 ? Number(t) : Number(t) * 1000;
  else ms = Date.parse(t);
  if (!Number.isFinite(ms))
    throw new Error(
      `a start time is Unix seconds, Unix milliseconds or an ISO time like 2026-11-26T19:30:00Z (got ` +
        `${JSON.stringify(text)})`,
    );
  if (ms - nowMs > 86_400_000) throw new Error(`the start time ${new Date(ms).toISOString()} is more than a day ahead`);
  return ms;
}
