import { Recorder } from '../../src/metrics/recorder.ts';
import type { Results } from '../../src/metrics/types.ts';

/** A run of `count` requests over `seconds`, two request names, as the recorder makes it. */
export function recordedRun(count: number, seconds: number, names = ['predict', 'bad-input']): Results {
  const recorder = new Recorder(
    names.map((name) => ({ name, method: 'POST', path: '/p' })),
    0,
    seconds * 1000,
  );
  const every = (seconds * 1000) / count;
  let t = 0;
  for (let s = 1; s <= seconds; s++) {
    for (; t < s * 1000; t += every)
      recorder.record(t % 4 < 3 ? 0 : 1, {
        scheduled: t,
        sent: t,
        done: t + 5 + (t % 97),
        status: 200,
        bytes: 100,
        failure: null,
      });
    recorder.second(s * 1000, { inFlight: 3, users: 0, phase: 'measure' });
  }
  const { overall, requests } = recorder.finish(seconds);
  return {
    schema_version: 1,
    tool: { name: 'mlload', version: '1.0.0' },
    scenario: { name: 'big', file: 'big.yml', hash: 'h' },
    started_at: '2026-11-26T00:00:00.000Z',
    finished_at: '2026-11-26T00:16:40.000Z',
    duration_s: seconds,
    warmup_s: 0,
    interrupted: false,
    stop_reason: null,
    load: { model: 'open' },
    overall,
    requests,
    series: recorder.series,
    windows: recorder.windows,
    target: { kind: 'url', url: 'http://127.0.0.1:1' },
    environment: { os: 'Linux', arch: 'x64', cpu_model: 'cpu', cores: 2, node: 'v24' },
  };
}
