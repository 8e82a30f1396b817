import { VERSION } from '../shared/version.ts';

const HISTORY_USAGE = `  mlload history add <results.json> --file <history.json> [--commit SHA] [--ref BRANCH] [--keep N]
  mlload history show --file <history.json> [--last N]
  mlload history export --file <history.json> --format csv|jsonl [--out FILE]
  mlload history baseline --file <history.json> --out <baseline.json> [--runs N]`;

/** The CLI's help: every command, what run judges against, shards, exit codes. */
export const USAGE = `mlload ${VERSION}: load-test an ML model's HTTP API

Usage:
  mlload run <scenario.yml> [--out DIR] [--url URL] [--image IMAGE] [--duration D]
             [--baseline FILE | --baseline-image IMAGE] [--history FILE] [--fail-on-inconclusive]
             [--markdown FILE] [--shard I/N [--start-at TIME]]
  mlload merge <shard results.json>... --out DIR [--scenario FILE] [--baseline FILE]
             [--history FILE] [--markdown FILE] [--fail-on-inconclusive] [--allow-apart]
  mlload baseline <results.json>... --out <baseline.json>
  mlload compare <results.json> --baseline <baseline.json> [--scenario FILE] [--markdown FILE]
             [--fail-on-inconclusive]
  mlload report <results.json> --html <report.html> [--history FILE]
${HISTORY_USAGE}
  mlload validate <scenario.yml>

run judges every run against the scenario's SLOs, and its regression tolerances when it has something
to compare with: --baseline (a baseline file), or a paired A/B run (--baseline-image, or
compare.against: image in the scenario), which runs the reference build beside the target and
alternates the load between them, or the last runs of a history (--history, with compare.against:
history). With --history the report shows the trend. The verdict goes into results.json, the charts
into report.html (one self-contained file) beside it.

--shard I/N (or MLLOAD_SHARD) runs shard I (from 0) of N: in the open model every N-th arrival of
the whole seeded schedule, from I; in the closed model its share of the users. --start-at (or
MLLOAD_START_AT: Unix seconds or an ISO time) makes every shard begin at one instant. merge joins the
shards' results exactly (HDR histograms add) and judges them as one run.

Exit codes: 0 passed (or inconclusive, or nothing to compare and the SLOs held), 1 failed the gate (or inconclusive with
--fail-on-inconclusive), 2 invalid input or arguments, 3 target unreachable or failed, 4 internal error (a bug:
please report it), 130 or 143 interrupted (SIGINT, SIGTERM; the results gathered so far are written).`;
