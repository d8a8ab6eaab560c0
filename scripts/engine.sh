#!/usr/bin/env bash
# Make a Docker engine answer, the way harpoon's tests, lessons and CI need it.
#   1. If the endpoint the client would use already answers /_ping, do nothing.
#   2. Otherwise (root, Debian): install docker.io + busybox-static, start dockerd
#      in the background with a log file, and wait until /_ping answers.
# Environment: HARPOON_DOCKERD_LOG (default /var/log/harpoon-dockerd.log),
#              HARPOON_ENGINE_TIMEOUT seconds to wait (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."

log_file=${HARPOON_DOCKERD_LOG:-/var/log/harpoon-dockerd.log}
timeout_s=${HARPOON_ENGINE_TIMEOUT:-60}
say() { printf 'engine: %s\n' "$*" >&2; }

# Ask the same resolver the library uses (DOCKER_HOST, contexts, default socket)
# when the project is installed; fall back to the default socket before `npm ci`.
ping_engine() {
  if [ -x node_modules/.bin/tsx ]; then
    node_modules/.bin/tsx src/cli/main.ts ping --quiet >/dev/null 2>&1
  else
    local sock=/var/run/docker.sock
    case "${DOCKER_HOST:-}" in unix://*) sock=${DOCKER_HOST#unix://} ;; esac
    [ -S "$sock" ] && [ "$(curl -s --max-time 2 --unix-socket "$sock" http://engine/_ping)" = OK ]
  fi
}

if ping_engine; then say "an engine already answers; reusing it"; exit 0; fi

if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST#unix://}" = "$DOCKER_HOST" ]; then
  say "DOCKER_HOST=$DOCKER_HOST does not answer, and a remote engine cannot be started from here"
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1 || [ ! -x /bin/busybox ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "no engine answers and dockerd is not installed; install Docker (as root on Debian: apt-get install docker.io busybox-static)"
    exit 1
  fi
  say "installing docker.io and busybox-static from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q docker.io busybox-static >/dev/null
fi

if [ "$(id -u)" != 0 ]; then say "dockerd must be started as root"; exit 1; fi

say "starting dockerd (log: $log_file)"
mkdir -p "$(dirname "$log_file")"
# setsid: the engine outlives this script and the shell that ran it.
setsid dockerd --data-root /var/lib/docker >>"$log_file" 2>&1 < /dev/null &

for _ in $(seq 1 $((timeout_s * 4))); do
  if [ "$(curl -s --max-time 1 --unix-socket /var/run/docker.sock http://engine/_ping 2>/dev/null)" = OK ]; then
    say "engine answers on unix:///var/run/docker.sock"
    exit 0
  fi
  sleep 0.25
done
say "dockerd did not answer within ${timeout_s}s; last lines of $log_file:"
tail -n 30 "$log_file" >&2
exit 1
