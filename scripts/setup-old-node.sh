#!/usr/bin/env bash
# Fetches a Node 20 binary (the npm registry's node-linux-<arch> package) into .cache/node20, for the
# test that the CLI refuses an older Node with one readable line. Kept out of package.json: its bin
# would be named `node`, as the Node 24 the project runs on.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/node20
if [ -x "$dest/bin/node" ]; then exit 0; fi
case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) echo "setup-old-node: no Node 20 for $(uname -m)" >&2; exit 1 ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$(npm pack --silent --pack-destination "$tmp" "node-linux-$arch@20")
mkdir -p "$dest"
tar -xzf "$tmp/$tarball" -C "$dest" --strip-components=1
"$dest/bin/node" --version
