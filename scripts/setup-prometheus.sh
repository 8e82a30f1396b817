#!/usr/bin/env bash
# Installs the Prometheus the export's tests write to and query: Debian's package (2.42: remote-write
# receiver, native histograms). Each test starts its own on a free port in a temp folder; the
# package's own service is not used. A machine that has prometheus on PATH (or PROMETHEUS_PATH) is left alone.
set -euo pipefail
if [ -n "${PROMETHEUS_PATH:-}" ] && [ -x "$PROMETHEUS_PATH" ]; then exit 0; fi
if command -v prometheus >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup-prometheus: installing Debian's prometheus"
  log=${TMPDIR:-/tmp}/mlload-apt-prometheus.log
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >"$log" 2>&1 || {
    apt-get update >"$log.update" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >"$log" 2>&1
  }
  # The package may start its service where there is an init to do it: these tests start their own.
  pkill -x prometheus 2>/dev/null || true
  command -v prometheus
  exit 0
fi
echo "setup-prometheus: no prometheus, and cannot install one here (set PROMETHEUS_PATH)" >&2
exit 1
