#!/usr/bin/env bash
# The main job: the example model server under the example scenario, results in out/example.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/node ] || npm ci --no-audit --no-fund --loglevel=error
export PATH="$PWD/node_modules/.bin:$PATH"
PORT=8080 node examples/model/server.mjs &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
node src/cli/index.ts run examples/scenario.yml --out out/example "$@"
