#!/usr/bin/env bash
# The container example: starts a container engine if none answers, builds the example model's image
# (FROM scratch, from files on this machine: no registry needed), and runs examples/scenario-container.yml.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/node ] || npm ci --no-audit --no-fund --loglevel=error
export PATH="$PWD/node_modules/.bin:$PATH"
bash scripts/setup-engine.sh
bash scripts/build-scratch-image.sh mlload-example:latest examples/model
node src/cli/index.ts run examples/scenario-container.yml --out out/example-container "$@"
