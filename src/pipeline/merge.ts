import { historyTrend, judge } from '../gate/index.ts';
import { driftOf, mergeShards, ShardMergeError, type ShardInput } from '../metrics/index.ts';
import { writeRunReport } from '../report/index.ts';
import type { Scenario } from '../scenario/index.ts';
import type { Exporter } from '../export/index.ts';
import { finishExport, type Against, type GatedRun } from './gate.ts';

/**
 * The shards of one run merged into one results, then judged and reported as a single run is: the
 * CLI's `merge` and the action's merge mode. The scenario must be the one the shards ran.
 */
export async function mergeAndGate(
  inputs: ShardInput[],
  scenario: Scenario,
  against: Against | null,
  out: { dir: string },
  options: { allowApart?: boolean; exporter?: Exporter | null; log?: (line: string) => void } = {},
): Promise<GatedRun> {
  const results = mergeShards(inputs, options);
  if (results.scenario.hash !== scenario.hash) {
    throw new ShardMergeError(
      `the shards ran scenario ${results.scenario.name} (${results.scenario.hash}); ${scenario.file} is now ` +
        `${scenario.hash}: merge with the scenario as the shards ran it`,
    );
  }
  const drift = driftOf(results.series, scenario.compare.confidence);
  if (drift) results.drift = drift;
  const verdict = judge(results, scenario, against?.baseline ?? null, against?.file, against?.origin);
  const run = {
    results,
    verdict,
    reference: null,
    targetError: null,
    trend: against?.history ? historyTrend(against.history, results) : null,
  };
  // The merged figures exported once, as shard "merged": sums over the shards' own series stay apart from them.
  await finishExport(options, results, verdict);
  return { ...run, report: writeRunReport(out.dir, run) };
}
