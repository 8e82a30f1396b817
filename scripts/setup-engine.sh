#!/usr/bin/env bash
# Make a container engine answer `docker info`, installing and starting one only when none does.
# A developer machine with its own Docker is left alone. See ../shared/notes/container-engine.md.
set -euo pipefail

if docker info >/dev/null 2>&1; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup-engine: no Docker engine answers and dockerd is not installed; install Docker (needs root)" >&2
    exit 1
  fi
  echo "setup-engine: installing docker.io from Debian's archive"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq docker.io >/dev/null
fi

# A dockerd killed with its session leaves pid files that stop the next one from starting.
if ! pgrep -x dockerd >/dev/null 2>&1; then
  rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid
fi

# No bridge: load traffic must stay on loopback, containers use --network host.
log=${TMPDIR:-/tmp}/mlload-dockerd.log
echo "setup-engine: starting dockerd (log: $log)"
nohup dockerd --bridge=none --iptables=false --ip6tables=false >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "setup-engine: dockerd exited; last log lines:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  if docker info >/dev/null 2>&1; then
    echo "setup-engine: engine ready"
    exit 0
  fi
  sleep 0.5
done
echo "setup-engine: dockerd did not answer within 30 s; last log lines:" >&2
tail -n 20 "$log" >&2
exit 1
