#!/usr/bin/env bash
# What the test suite needs besides the engines, from Debian: curl (the proxy's h2c test) and
# chromium (the proxy's pages, looked at in a real browser). Installs only what is missing.
set -euo pipefail
missing=()
command -v curl >/dev/null 2>&1 || missing+=(curl)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "test-tools: ${missing[*]} missing; install them (Debian, as root: apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "test-tools: installing ${missing[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q "${missing[@]}" >/dev/null
