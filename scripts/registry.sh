#!/usr/bin/env bash
# A local registry for harpoon's push tests: Debian's docker-registry (distribution 2.8),
# listening on 127.0.0.1 only, plain http (the engine treats 127.0.0.0/8 as insecure-allowed).
#   1. If http://ADDR/v2/ already answers 200, do nothing.
#   2. Otherwise (root, Debian): install docker-registry (and apache2-utils, whose htpasswd
#      the credential tests use) if missing, write a config of our own, start the registry in
#      the background with a log file, and wait until /v2/ answers.
# The Debian package's own config (/etc/docker/registry/config.yml) listens on every
# interface; it is never used.
# Environment: HARPOON_REGISTRY_ADDR (default 127.0.0.1:5000; the host must be loopback),
#              HARPOON_REGISTRY_DIR  (default /var/lib/harpoon-registry: config and storage),
#              HARPOON_REGISTRY_LOG  (default /var/log/harpoon-registry.log),
#              HARPOON_REGISTRY_TIMEOUT seconds to wait (default 30).
set -euo pipefail

addr=${HARPOON_REGISTRY_ADDR:-127.0.0.1:5000}
dir=${HARPOON_REGISTRY_DIR:-/var/lib/harpoon-registry}
log_file=${HARPOON_REGISTRY_LOG:-/var/log/harpoon-registry.log}
timeout_s=${HARPOON_REGISTRY_TIMEOUT:-30}
say() { printf 'registry: %s\n' "$*" >&2; }

case "$addr" in
  127.*:* | localhost:*) ;;
  *) say "HARPOON_REGISTRY_ADDR=$addr: only a loopback address (127.x.x.x:PORT) is allowed"; exit 1 ;;
esac

answers() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$addr/v2/" 2>/dev/null)" = 200 ]; }

if answers; then exit 0; fi

if ! command -v docker-registry >/dev/null 2>&1 || ! command -v htpasswd >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "no registry answers on $addr and docker-registry is not installed; as root on Debian: apt-get install docker-registry apache2-utils"
    exit 1
  fi
  say "installing docker-registry and apache2-utils from Debian"
  export DEBIAN_FRONTEND=noninteractive
  # The package would start its own service (on every interface) where services can start:
  # it is stopped right after, harpoon's registry runs from its own config below.
  apt-get install -y -q docker-registry apache2-utils >/dev/null 2>&1 || {
    apt-get update -q >/dev/null
    apt-get install -y -q docker-registry apache2-utils >/dev/null
  }
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now docker-registry >/dev/null 2>&1 || true
  fi
fi

if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$addr/v2/" 2>/dev/null)" != 000 ]; then
  say "something else already listens on $addr (it does not answer /v2/ with 200); set HARPOON_REGISTRY_ADDR to a free port"
  exit 1
fi

mkdir -p "$dir/storage" "$(dirname "$log_file")"
cat >"$dir/config.yml" <<EOF
# Written by harpoon's scripts/registry.sh; rewritten on every start.
version: 0.1
log:
  level: info
  fields:
    service: harpoon-registry
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: $addr
  headers:
    X-Content-Type-Options: [nosniff]
EOF

# Tests delete the manifests they push; reclaim the blobs nothing refers to any more (this
# needs the registry stopped, so it happens here, before a start).
if [ -d "$dir/storage/docker" ]; then
  docker-registry garbage-collect --delete-untagged "$dir/config.yml" >>"$log_file" 2>&1 || say "garbage-collect failed (see $log_file); starting anyway"
fi

# setsid: the registry outlives this script and the shell that ran it.
setsid docker-registry serve "$dir/config.yml" >>"$log_file" 2>&1 </dev/null &
echo $! >"$dir/registry.pid"

for _ in $(seq 1 $((timeout_s * 4))); do
  if answers; then exit 0; fi
  if ! kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null; then break; fi
  sleep 0.25
done
say "the registry did not answer on http://$addr/v2/ within ${timeout_s}s; last lines of $log_file:"
tail -n 30 "$log_file" >&2
exit 1
