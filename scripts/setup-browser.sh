#!/usr/bin/env bash
# Installs the browser the HTML report's tests drive: Debian's chromium (no browser download from
# the npm registry). Leaves a machine that already has one alone (CHROMIUM_PATH, or chromium on PATH).
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then exit 0; fi
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup-browser: installing Debian's chromium"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/tmp/mlload-apt-chromium.log 2>&1 || {
    apt-get update >/tmp/mlload-apt-update.log 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/tmp/mlload-apt-chromium.log 2>&1
  }
  command -v chromium
  exit 0
fi
echo "setup-browser: no chromium, and cannot install one here (set CHROMIUM_PATH)" >&2
exit 1
