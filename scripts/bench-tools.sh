#!/usr/bin/env bash
# Make the benches' tools available, all from Debian: wrk (the load generator) and nginx (the
# anchor reverse proxy) for the proxy bench, docker-compose (1.29, the anchor orchestrator) for
# unit-start. Idempotent and quiet when they are all there; installs only what is missing.
#   bash scripts/bench-tools.sh
# Installs `wrk`, `nginx-light` and `docker-compose` with apt-get (as root); runs `apt-get update`
# only when the install fails first (e.g. stale or missing package lists). The benches
# (bench/proxy.ts, bench/unit-start.ts) run this themselves when a tool is missing.
set -euo pipefail

say() { printf 'bench-tools: %s\n' "$*" >&2; }

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
# nginx lives in /usr/sbin, which a non-root PATH may lack.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  say "missing ${missing[*]} and no apt-get here; install ${missing[*]} yourself"
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  say "missing ${missing[*]}; run as root: apt-get install -y ${missing[*]}"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# The packages (nginx's postinst) must not start a system nginx service: the bench runs its own.
# policy-rc.d exit 101 = "action forbidden"; only created if absent, removed afterwards.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
fi
trap 'if [ "$made_policy" = 1 ]; then rm -f "$policy"; fi' EXIT

say "installing ${missing[*]} with apt-get"
log=$(mktemp)
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
  say "install failed; running apt-get update and trying again"
  if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    say "could not install ${missing[*]}"
    exit 1
  fi
fi
rm -f "$log"
command -v wrk >/dev/null 2>&1 && { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } && command -v docker-compose >/dev/null 2>&1 \
  || { say "installed, but wrk, nginx or docker-compose is still not found"; exit 1; }
