#!/usr/bin/env bash
# Fetches the OTLP receiver the export's OTLP test writes to and queries: VictoriaMetrics from Debian's
# current stable release (trixie), unpacked into .cache/victoria-metrics. Debian builds Prometheus
# without its OTLP receiver and ships no OpenTelemetry collector; VictoriaMetrics takes OTLP/HTTP
# metrics, exponential histograms included, and answers PromQL. This machine's release (bookworm)
# has no victoria-metrics, so the .deb comes through a private apt configuration: the system's
# sources are not touched. VICTORIA_METRICS_PATH, when set, is used as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/victoria-metrics
if [ -n "${VICTORIA_METRICS_PATH:-}" ] && [ -x "$VICTORIA_METRICS_PATH" ]; then exit 0; fi
if [ -x "$dest/victoria-metrics" ] && "$dest/victoria-metrics" --version >/dev/null 2>&1; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-victoriametrics: no apt-get here; set VICTORIA_METRICS_PATH to a victoria-metrics binary" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
  >"$work/sources.list"
apt_opts=(
  -o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::lists=$work/lists" -o "Dir::Cache=$work/cache" -o "APT::Get::List-Cleanup=0"
  -o "APT::Sandbox::User=$(id -un)"
)
log=${TMPDIR:-/tmp}/mlload-apt-victoria-metrics.log
echo "setup-victoriametrics: fetching Debian trixie's victoria-metrics into $dest"
if ! { apt-get "${apt_opts[@]}" update && (cd "$work" && apt-get "${apt_opts[@]}" download victoria-metrics); } >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
dpkg-deb -x "$work"/victoria-metrics_*.deb "$work/root"
mkdir -p "$dest"
install -m 0755 "$work/root/usr/bin/victoria-metrics" "$dest/victoria-metrics"
echo "setup-victoriametrics: $dest/victoria-metrics, Debian's $(dpkg-deb -f "$work"/victoria-metrics_*.deb Version)"
