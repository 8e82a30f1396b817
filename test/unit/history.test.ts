import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baselineFromHistory, historyTrend } from '../../src/gate/history.ts';
import type { Results } from '../../src/metrics/types.ts';
import { historyCsv, historyJsonLines } from '../../src/report/history.ts';
import { InvalidFileError } from '../../src/shared/document.ts';
import { historyEntry, MACHINE } from '../helpers/history.ts';
import { appendEntry, DEFAULT_KEEP, formatHistory, parseHistory, thin, type History } from '../../src/store/index.ts';

const entry = historyEntry;

const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString();

describe('history', () => {
  it('keeps the last runs whole and one a week before them: under its bound after 1,000 appends', () => {
    const one = entry(day(0), 40);
    let history: History | null = null;
    // 1,000 runs, three a day (a year of pushes to main).
    for (let i = 0; i < 1000; i++)
      history = appendEntry(history, 'example', {
        ...one,
        commit: `c${i}`,
        time: new Date(Date.UTC(2026, 0, 1) + i * 8 * 3_600_000).toISOString(),
      });
    const kept = history!.entries;
    const weeks = Math.ceil((1000 - DEFAULT_KEEP) / 21) + 1;
    assert.ok(kept.length <= DEFAULT_KEEP + weeks, `${kept.length} entries`);
    assert.ok(kept.length > DEFAULT_KEEP);
    assert.deepEqual(
      kept.slice(-DEFAULT_KEEP).map((e) => e.commit),
      Array.from({ length: DEFAULT_KEEP }, (_, k) => `c${800 + k}`),
    );
    // Times only go forward, and the whole file is small: about 1.4 KB a run here.
    assert.ok(kept.every((e, i) => i === 0 || Date.parse(e.time) > Date.parse(kept[i - 1]!.time)));
    const bytes = Buffer.byteLength(formatHistory(history!));
    assert.ok(bytes < 600_000, `${bytes} bytes`);
    assert.deepEqual(parseHistory('h.json', formatHistory(history!)).entries.length, kept.length);
    // Thinning again with a smaller bound: the last 10 whole, one a week before them (a year: about 52).
    const thinner = thin(kept, 10);
    assert.deepEqual(thinner.slice(-10), kept.slice(-10));
    assert.ok(thinner.length > 10 && thinner.length <= 10 + 53, String(thinner.length));
  });

  it('a corrupt or foreign file is refused with the entry named', () => {
    const good = formatHistory(appendEntry(null, 'example', entry(day(0), 40)));
    // A histogram is checked when its run is used (showing or extending the history does not decode them), naming the
    // entry.
    let three: History | null = null;
    for (let i = 0; i < 3; i++) three = appendEntry(three, 'example', entry(day(i), 40));
    const history = parseHistory(
      'mlload-history:history/example.json',
      formatHistory(three!).replace(/"overall":"[^"]+"/, '"overall":"not-a-histogram"'),
    );
    const here = { scenario: { hash: 'abc' }, environment: { ...MACHINE, node: 'v24' } };
    assert.throws(
      () => baselineFromHistory(history, here, 10),
      (err: Error) =>
        err instanceof InvalidFileError &&
        /mlload-history:history\/example\.json:\d+:\d+ entries\[0\]\.histograms\.overall: is not a valid HDR histogram of this entry \(entry 1, commit c2026/.test(
          err.message,
        ),
    );
    assert.throws(
      () => parseHistory('h.json', '{"name": "a baseline"}'),
      (err: Error) => /h\.json:\d+:\d+ .*schema_version|required/.test(err.message),
    );
    assert.throws(
      () => parseHistory('h.json', good.replace('"schema_version": 1', '"schema_version": 2')),
      /reads version 1 histories/,
    );
    assert.throws(
      () => parseHistory('h.json', good.replace(/"time":"[^"]+"/, '"time":"yesterday"')),
      /entries\[0\]\.time: is not a time/,
    );
  });

  it('the last runs on the same kind of machine make a baseline: merged exactly, their spread kept', () => {
    let history: History | null = null;
    for (let i = 0; i < 12; i++) history = appendEntry(history, 'example', entry(day(i), 40 + i));
    history = appendEntry(history, 'example', entry(day(13), 400, { ...MACHINE, cores: 64, fingerprint: 'other' }));
    const here = { scenario: { hash: 'abc' }, environment: { ...MACHINE, node: 'v24' } };
    const b = baselineFromHistory(history!, here, 10)!;
    assert.equal(b.runs, 10);
    assert.equal(b.overall.count, 2000);
    assert.deepEqual(
      b.per_run!.map((r) => r.p95),
      [42, 43, 44, 45, 46, 47, 48, 49, 50, 51],
    );
    assert.ok(b.overall.latency_ms.p95 > 40 && b.overall.latency_ms.p95 < 55, String(b.overall.latency_ms.p95));
    assert.equal(baselineFromHistory(history!, { ...here, scenario: { hash: 'changed' } }), null);
    assert.equal(baselineFromHistory(appendEntry(null, 'example', entry(day(0), 40)), here), null);
  });

  it('the trend: this run among the last runs, above and below', () => {
    let history: History | null = null;
    for (let i = 0; i < 50; i++) history = appendEntry(history, 'example', entry(day(i), 40 + (i % 10)));
    const results = {
      scenario: { hash: 'abc' },
      environment: { ...MACHINE, node: 'v24' },
      overall: { latency_ms: { p95: 48.5, p99: 1 }, rps: 100 },
    } as unknown as Results;
    const t = historyTrend(history!, results)!;
    assert.equal(t.runs.length, 50);
    assert.deepEqual(
      t.ranks.find((r) => r.metric === 'p95'),
      { metric: 'p95', above: 45, below: 5, total: 50 },
    );
    assert.deepEqual(
      t.ranks.find((r) => r.metric === 'rps'),
      { metric: 'rps', above: 0, below: 0, total: 50 },
    );
  });

  it('exports one row per run and scope, as CSV and JSON Lines', () => {
    const history = appendEntry(appendEntry(null, 'example', entry(day(0), 40)), 'example', entry(day(1), 41));
    const csv = historyCsv(history).trim().split('\n');
    assert.equal(csv.length, 1 + 4);
    assert.match(csv[0]!, /^time,commit,ref,scope,count,failures,rps,error_rate,p50,p90,p95,p99,p999,mean,capacity,/);
    const lines = historyJsonLines(history)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => [l.scope, l.p95]),
      [
        ['overall', 40],
        ['predict', 40],
        ['overall', 41],
        ['predict', 41],
      ],
    );
  });
});
