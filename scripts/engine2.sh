#!/usr/bin/env bash
# A second Docker engine for harpoon's image-transfer tests, in a network namespace of its own.
#   1. If its socket already answers /_ping, print the socket and do nothing else.
#   2. Otherwise (root, dockerd installed: run scripts/engine.sh first): start
#        unshare -n dockerd --bridge none --iptables=false --ip-masq=false ...
#      in the background with a log file, wait for /_ping, and print the socket.
# Why its own namespace: with --bridge none on the host network, dockerd deletes the first
# engine's docker0. In a fresh namespace it sees only its own (down) loopback: it cannot
# reach any network, and its containers run with no network at all.
# Prints the endpoint (unix:///var/run/harpoon-dock2.sock) on stdout; messages go to stderr.
# Environment: HARPOON_DOCK2_SOCKET   (default /var/run/harpoon-dock2.sock),
#              HARPOON_DOCK2_ROOT     (data root, default /var/lib/harpoon-dock2),
#              HARPOON_DOCK2_EXEC     (exec root, default /var/run/harpoon-dock2),
#              HARPOON_DOCK2_LOG      (default /var/log/harpoon-dock2.log),
#              HARPOON_ENGINE_TIMEOUT seconds to wait (default 60).
set -euo pipefail

sock=${HARPOON_DOCK2_SOCKET:-/var/run/harpoon-dock2.sock}
data_root=${HARPOON_DOCK2_ROOT:-/var/lib/harpoon-dock2}
exec_root=${HARPOON_DOCK2_EXEC:-/var/run/harpoon-dock2}
log_file=${HARPOON_DOCK2_LOG:-/var/log/harpoon-dock2.log}
timeout_s=${HARPOON_ENGINE_TIMEOUT:-60}
say() { printf 'engine2: %s\n' "$*" >&2; }

answers() { [ -S "$sock" ] && [ "$(curl -s --max-time 2 --unix-socket "$sock" http://engine/_ping 2>/dev/null)" = OK ]; }

if answers; then echo "unix://$sock"; exit 0; fi

if [ "$(id -u)" != 0 ]; then say "no engine answers on $sock, and a second dockerd must be started as root"; exit 1; fi
for tool in dockerd unshare; do
  if ! command -v "$tool" >/dev/null 2>&1; then say "$tool is not installed (run scripts/engine.sh first: it installs docker.io)"; exit 1; fi
done

pidfile="$exec_root/dockerd.pid"
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  # Its dockerd is alive but does not answer (yet): starting another would fail on the pidfile.
  say "dockerd $(cat "$pidfile") from $pidfile is running; waiting for it"
else
  mkdir -p "$data_root" "$exec_root" "$(dirname "$log_file")"
  # A socket left by a dockerd that died would make the new one fail to listen.
  [ -S "$sock" ] && rm -f "$sock"
  say "starting dockerd in its own network namespace (log: $log_file)"
  # setsid: the engine outlives this script and the shell that ran it.
  setsid unshare -n dockerd \
    --data-root "$data_root" --exec-root "$exec_root" --pidfile "$pidfile" \
    -H "unix://$sock" --bridge none --iptables=false --ip-masq=false \
    >>"$log_file" 2>&1 </dev/null &
fi

for _ in $(seq 1 $((timeout_s * 4))); do
  if answers; then echo "unix://$sock"; exit 0; fi
  sleep 0.25
done
say "the second engine did not answer on $sock within ${timeout_s}s; last lines of $log_file:"
tail -n 30 "$log_file" >&2
exit 1
