#!/usr/bin/env bash
# Start clamd for the tests with deploy/clamav/clamd.conf; does nothing if its socket already answers PING.
# Needs Debian's clamav-daemon and clamav packages (apt-get install -y clamav-daemon clamav). No network is
# needed: the database folder holds deploy/clamav/eicar.ndb and links to any freshclam databases present.
# Run as root (CI), clamd itself runs as the clamav user when there is one. Prints the socket path.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
conf="$here/clamd.conf"
run=/tmp/portal-clamav
sock="$run/clamd.sock"
clamd_bin="$(command -v clamd || echo /usr/sbin/clamd)"

ping_ok() {
  python3 - "$sock" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(2)
s.connect(sys.argv[1])
s.sendall(b"zPING\0")
sys.exit(0 if s.recv(16).startswith(b"PONG") else 1)
PY
}

if ping_ok; then
  echo "$sock"
  exit 0
fi
if [ ! -x "$clamd_bin" ]; then
  echo "clamd not found: apt-get install -y clamav-daemon clamav" >&2
  exit 1
fi

# A fresh layout each start: stale pid or socket files of a killed daemon must not stop this one.
rm -rf "$run"
mkdir -p "$run/db" "$run/tmp"
cp "$here"/*.ndb "$run/db/"
# clamd reads its own copy: the checkout may sit where the clamav user cannot read (e.g. under /root).
cp "$conf" "$run/clamd.conf"
for db in /var/lib/clamav/*.cvd /var/lib/clamav/*.cld /var/lib/clamav/*.cud; do
  [ -e "$db" ] && ln -s "$db" "$run/db/"
done

as=()
if [ "$(id -u)" = 0 ] && id clamav >/dev/null 2>&1; then
  chown -R clamav:clamav "$run"
  as=(runuser -u clamav --)
fi
chmod 0750 "$run"
"${as[@]}" "$clamd_bin" --config-file="$run/clamd.conf"

# clamd forks once its databases are loaded; wait for the socket (a full freshclam set takes a while).
for _ in $(seq 1 240); do
  if ping_ok; then
    echo "$sock"
    exit 0
  fi
  sleep 0.5
done
echo "clamd did not answer on $sock; its log:" >&2
cat "$run/clamd.log" >&2 || true
exit 1
