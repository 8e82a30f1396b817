#!/usr/bin/env bash
# The main job: the example model server under the example scenario, results in out/example.
# The server listens on $PORT, or on a free port when PORT is unset; the run is pointed at it with --url.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/node ] || npm ci --no-audit --no-fund --loglevel=error
export PATH="$PWD/node_modules/.bin:$PATH"
port=${PORT:-$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => {
  console.log(s.address().port);
  s.close();
})")}
PORT=$port node examples/model/server.mjs &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
echo "example model on http://127.0.0.1:$port"
node src/cli/index.ts run examples/scenario.yml --url "http://127.0.0.1:$port" --out out/example "$@"
