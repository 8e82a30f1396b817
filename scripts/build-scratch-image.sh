#!/usr/bin/env bash
# Builds a FROM-scratch image of a Node.js server from files already on this machine
# (no image registry is needed): the node binary, the libraries ldd lists, and APP_DIR as /app.
# Usage: scripts/build-scratch-image.sh TAG APP_DIR [ENTRY_FILE]   (ENTRY_FILE defaults to server.mjs)
# IMAGE_ENV="KEY=VALUE ..." bakes environment variables into the image (two builds of one model).
set -euo pipefail
tag=$1
app=$2
entry=${3:-server.mjs}
node_bin=$(command -v node)
node_bin=$(readlink -f "$node_bin")
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/local/bin" "$root/app" "$root/tmp"
cp "$node_bin" "$root/usr/local/bin/node"
for lib in $(ldd "$node_bin" | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cp -R "$app"/. "$root/app/"
changes=(--change "ENTRYPOINT [\"/usr/local/bin/node\", \"/app/$entry\"]" --change 'ENV HOST=0.0.0.0' --change 'EXPOSE 8080')
for kv in ${IMAGE_ENV:-}; do changes+=(--change "ENV $kv"); done
tar -C "$root" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
echo "built $tag"
