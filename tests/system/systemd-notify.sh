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
# Each line heard goes to $HEARD, and with its time to $HEARD.t: the
# kernel's stamp (SO_TIMESTAMPNS, taken as qpodd sends on a unix socket),
# so that the listener's own delays on a loaded machine do not count.
python3 - "$N" "$HEARD" <<'PY' &
import socket, struct, sys
SO_TIMESTAMPNS = getattr(socket, 'SO_TIMESTAMPNS', 35)  # asm-generic
TS = struct.Struct('@ll')  # struct timespec
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
s.bind(sys.argv[1])
with open(sys.argv[2], 'a', buffering=1) as out, open(sys.argv[2] + '.t', 'a', buffering=1) as t:
    while True:
        d, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(TS.size))
        stamp = [TS.unpack(c[2][:TS.size]) for c in anc
                 if c[0] == socket.SOL_SOCKET and c[1] == SO_TIMESTAMPNS][0]
        for line in d.decode().split('\n'):
            if line:
                print(line, file=out)
                print('%d.%09d %s' % (stamp[0], stamp[1], line), file=t)
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
pings() { [ "$(grep -c ' WATCHDOG=1$' "$HEARD.t")" -ge 10 ]; }
wait_for 10 pings
# qpodd pings each 100 ms, up to 200 when an event wakes it just before
# one is due. Stamped as sent, a gap is qpodd's own, the listener's
# delays left out: under 300 ms keeps 100 ms from the 400 ms watchdog
# and gives qpodd 100 ms of lateness on a loaded machine.
gaps=$(awk '$2 == "WATCHDOG=1" { if (t) { g = $1 - t; if (g > max) max = g; n++ } t = $1 }
	END { printf "%d %.0f\n", n, max * 1000 }' "$HEARD.t")
{ [ "${gaps% *}" -ge 9 ] && [ "${gaps#* }" -lt 300 ]; } ||
	fail "watchdog pings: $gaps (count, longest gap in ms), want 9 or more, under 300 ms"
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
