import { runLoad } from './engine/run.ts';
import { isPrediction, type Outcome, type OutcomeSink } from './engine/types.ts';
import { describeEnvironment } from './metrics/environment.ts';
import { Recorder } from './metrics/recorder.ts';
import type { Results, SeriesPoint } from './metrics/types.ts';
import type { Scenario } from './scenario/types.ts';
import { startTarget, TargetError } from './target/index.ts';
import { VERSION } from './version.ts';
import { runWorkers } from './workers.ts';

export interface MeasureOptions {
  signal?: AbortSignal;
  /** Every closed second of the run, for progress lines. */
  onSecond?: (point: SeriesPoint) => void;
  log?: (line: string) => void;
  runLabel?: string;
}

export interface Measurement {
  results: Results;
  /** Set when the target died or failed mid-run: the results hold what was gathered before. */
  targetError: TargetError | null;
}

/** scenario → target → engine → metrics: one run of the scenario, measured. */
export async function measure(scenario: Scenario, options: MeasureOptions = {}): Promise<Measurement> {
  const target = await startTarget(scenario.target, { signal: options.signal, log: options.log, runLabel: options.runLabel });
  try {
    const stop = new AbortController();
    let targetError: TargetError | null = null;
    const onAbort = () => stop.abort(options.signal!.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    target.failure.catch((err: Error) => {
      targetError = err instanceof TargetError ? err : new TargetError(err.message);
      stop.abort(new Error(`target failed: ${err.message.split('\n')[0]}`));
    });

    const recorder = new Recorder(scenario.requests, scenario.load.warmupMs);
    let predicted = false;
    const firstPrediction = (ms: number) => {
      predicted = true;
      target.firstPrediction(ms);
    };
    const sink: OutcomeSink = {
      record(index: number, outcome: Outcome) {
        if (!predicted && isPrediction(outcome)) firstPrediction(outcome.done);
        recorder.record(index, outcome);
      },
      second: (nowMs, state) => recorder.second(nowMs, state),
    };
    recorder.onSecond((point) => {
      const resources = target.sample();
      if (resources) Object.assign(point, resources);
      options.onSecond?.(point);
    });

    const run =
      scenario.load.workers > 1
        ? await runWorkers(scenario, target.origin, scenario.load.workers, recorder, stop.signal, firstPrediction)
        : await runLoad({
            origin: target.origin,
            requests: scenario.requests,
            load: scenario.load,
            seed: scenario.seed,
            headers: scenario.target.headers,
            sink,
            signal: stop.signal,
          });
    options.signal?.removeEventListener('abort', onAbort);
    const { overall, requests } = recorder.finish(run.measuredMs / 1000);
    const results: Results = {
      schema_version: 1,
      tool: { name: 'mlload', version: VERSION },
      scenario: { name: scenario.name, file: scenario.file, hash: scenario.hash },
      started_at: run.startedAt.toISOString(),
      finished_at: run.finishedAt.toISOString(),
      duration_s: run.measuredMs / 1000,
      warmup_s: scenario.load.warmupMs / 1000,
      interrupted: run.interrupted,
      stop_reason: run.stopReason,
      load: describeLoad(scenario),
      overall,
      requests,
      series: recorder.series,
      target: target.figures(),
      environment: describeEnvironment(),
    };
    return { results, targetError };
  } finally {
    await target.stop();
  }
}

function describeLoad(scenario: Scenario): Record<string, unknown> {
  const l = scenario.load;
  if (l.model === 'open') {
    return { model: 'open', arrival: l.arrival, stages: l.stages, warmup_ms: l.warmupMs, duration_ms: l.durationMs, max_in_flight: l.maxInFlight, workers: l.workers, seed: scenario.seed };
  }
  return { model: 'closed', stages: l.stages, spawn_rate: l.spawnRate, think_time_ms: l.thinkTimeMs, warmup_ms: l.warmupMs, duration_ms: l.durationMs, workers: l.workers, seed: scenario.seed };
}
