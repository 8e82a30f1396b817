#!/usr/bin/env bash
# The test command (README): on a fresh machine of this kind it installs what the tests need,
# starts the container engine, type-checks, checks that dist/ is fresh, and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== npm ci (with Node 24 from the node package, the action's runtime)"
npm ci --no-audit --no-fund --loglevel=error
export PATH="$PWD/node_modules/.bin:$PATH"
echo "node $(node --version)"

echo "== container engine"
bash scripts/setup-engine.sh

echo "== browser (the HTML report's tests)"
bash scripts/setup-browser.sh

echo "== Prometheus (the export's tests write to a real one and query it)"
bash scripts/setup-prometheus.sh

echo "== VictoriaMetrics (the OTLP export's test writes to a real receiver and queries it)"
bash scripts/setup-victoriametrics.sh

echo "== a Node 20 binary (the test that the CLI refuses it readably)"
bash scripts/setup-old-node.sh

echo "== type check, format and lint"
tsc -p .
biome ci --error-on-warnings .

echo "== dist/ is the bundle of the source"
npm run -s bundle
if git rev-parse --git-dir >/dev/null 2>&1 && [ -n "$(git status --porcelain -- dist)" ]; then
  git status --short -- dist | head -20
  echo "dist/ is stale: run 'npm run bundle' and commit dist/" >&2
  exit 1
fi

echo "== tests: unit (pure, seconds), then end to end (real servers, the CLI, the action, containers)"
node --expose-gc --test --test-concurrency=1 'test/unit/**/*.test.ts' 'test/e2e/**/*.test.ts'
