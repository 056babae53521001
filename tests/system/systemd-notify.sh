#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What qpodd tells systemd (Type=notify), heard on a notify socket of the
# test's own as systemd would hear it: READY=1 once running, WATCHDOG=1
# at the pace WATCHDOG_USEC asks, RELOADING=1 then READY=1 on a reload,
# STOPPING=1 on stop.
. "$(dirname "$0")/lib.sh"
need_netns
hosts_up
N=$TMPDIR_TEST/notify.sock
HEARD=$TMPDIR_TEST/heard
# Each line heard goes to $HEARD, and with its time to $HEARD.t.
python3 - "$N" "$HEARD" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], 'a', buffering=1) as out, open(sys.argv[2] + '.t', 'a', buffering=1) as t:
    while True:
        for line in s.recv(4096).decode().split('\n'):
            if line:
                print(line, file=out)
                print('%.6f %s' % (time.monotonic(), line), file=t)
PY
listener=$!
at_exit "kill $listener"
wait_for 5 test -S "$N"
: >"$HEARD"

cat >"$TMPDIR_TEST/policy.yaml" <<'YAML'
classes:
  default: { dscp: AF11 }
YAML
# A watchdog of 0.4 s: no gap between pings may come near it.
export NOTIFY_SOCKET="$N" WATCHDOG_USEC=400000
start_qpodd "$TMPDIR_TEST/policy.yaml"
heard() { grep -c "^$1\$" "$HEARD"; }
wait_for 5 grep -q '^READY=1$' "$HEARD"
sleep 2
gaps=$(awk '$2 == "WATCHDOG=1" { if (t) { g = $1 - t; if (g > max) max = g; n++ } t = $1 }
	END { printf "%d %.0f\n", n, max * 1000 }' "$HEARD.t")
[ "${gaps% *}" -ge 6 ] && [ "${gaps#* }" -lt 300 ] ||
	fail "watchdog pings: $gaps (count, longest gap in ms), want 6 or more, under 300 ms"
log "READY=1, then WATCHDOG=1 every ${gaps#* } ms at most for a 0.4 s watchdog"

kill -HUP "$QPODD_PID"
wait_for 5 sh -c "[ \$(grep -c '^READY=1\$' '$HEARD') -ge 2 ]"
grep -q '^RELOADING=1$' "$HEARD" || fail "no RELOADING=1 on a reload: $(cat "$HEARD")"
[ "$(grep -n '^RELOADING=1$' "$HEARD" | head -1 | cut -d: -f1)" -lt \
	"$(grep -n '^READY=1$' "$HEARD" | tail -1 | cut -d: -f1)" ] ||
	fail "READY=1 did not follow RELOADING=1: $(cat "$HEARD")"
grep -q '^MONOTONIC_USEC=[0-9]*$' "$HEARD" || fail "RELOADING=1 without MONOTONIC_USEC"
log "SIGHUP: RELOADING=1 (with MONOTONIC_USEC), then READY=1"

stop_qpodd
[ "$QPODD_STATUS" -eq 0 ] || fail "qpodd exited $QPODD_STATUS"
wait_for 5 grep -q '^STOPPING=1$' "$HEARD"
log "SIGTERM: STOPPING=1, exit 0"
pass
