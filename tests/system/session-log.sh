#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The session log (log.sessions): a session that ends gets one JSON line
# with its pid, application, class and the bytes it sent; when 2000
# sessions end at once (conntrack -F) every one is recorded, whether its
# end event arrives or a listing finds it gone; a reload after the file
# was moved away (a rotation) starts a new file.
. "$(dirname "$0")/lib.sh"
need_netns
command -v conntrack >/dev/null || fail "conntrack (package conntrack) is missing"
hosts_up
mkdir -p "$TMPDIR_TEST/apps"
cp "$TCP_CLIENT" "$TMPDIR_TEST/apps/client"
L=$TMPDIR_TEST/log/sessions.jsonl
P=$TMPDIR_TEST/policy.yaml
cat >"$P" <<YAML
log: { sessions: $L }
classes:
  voice: { dscp: EF }
  default: { dscp: AF11 }
applications:
  - name: client
    match: { exe: "*/apps/client" }
    class: voice
YAML
start_qpodd "$P"
records() {	# records FILE PATTERN: how many lines match
	if [ -f "$1" ]; then grep -c "$2" "$1" || true; else echo 0; fi
}

# --- one session, from start to end ----------------------------------------
serve_tcp "$NS_B" "$B4" 7301 1
ip netns exec "$NS_A" "$TMPDIR_TEST/apps/client" "$B4" 7301 100000 0 &
client=$!
wait "$client" || fail "the client"
# A closed connection stays in conntrack (TIME_WAIT) until the kernel
# reaps it, up to minutes: it ends now.
in_a conntrack -D -p tcp --dport 7301 >/dev/null 2>&1 || fail "conntrack -D"
wait_for 10 grep -q '"remote":"198.18.0.2:7301"' "$L"
r=$(grep '"remote":"198.18.0.2:7301"' "$L")
for want in "a['pid'] == $client" "a['application'] == 'client'" "a['class'] == 'voice'" \
	"a['dscp'] == 'EF'" "a['end_seen'] is True" "a['ended'] >= a['started']" \
	"100000 <= a['bytes_out'] <= 110000" "a['bytes_in'] > 0" "a['protocol'] == 'tcp'"; do
	[ "$(json_eval "$r" "$want")" = True ] || fail "record: not $want: $r"
done
log "a session that ended: pid $client, client, voice EF, $(json_eval "$r" "a['bytes_out']") bytes out for 100000 sent"

# --- 2000 sessions end at once ------------------------------------------------
# Not in_a: $! must be python itself, for the kill below.
ip netns exec "$NS_A" python3 - "$B4" "$TMPDIR_TEST/burst-done" <<'PY' &
import socket, sys, time
socks = []
for i in range(2000):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b'x', (sys.argv[1], 9000 + i % 1000))
    socks.append(s)
open(sys.argv[2], 'w').close()
time.sleep(30)	# holds the sockets while the sessions are found and ended
PY
burst=$!
at_exit "kill $burst"
wait_for 10 test -f "$TMPDIR_TEST/burst-done"
live() { [ "$(json_eval "$(ctl --json status)" "a['sessions']")" -ge 2000 ]; }
wait_for 10 live
in_a conntrack -F 2>/dev/null || fail "conntrack -F"
udp_records() { [ "$(records "$L" '"protocol":"udp"')" -ge 2000 ]; }
wait_for 15 udp_records
n=$(records "$L" '"protocol":"udp"')
[ "$n" -eq 2000 ] || fail "$n records of 2000 UDP sessions"
unseen=$(records "$L" '"protocol":"udp".*"end_seen":false')
s=$(ctl --json status)
[ "$(json_eval "$s" "a['session_log']['lost']")" = 0 ] || fail "records lost: $s"
log "2000 sessions ended at once: 2000 records ($unseen found ended by a listing), none lost"
kill "$burst"

# --- a rotation: the file moved away, a reload starts a new one ---------------
mv "$L" "$L.1"
ctl reload >/dev/null || fail "reload"
serve_tcp "$NS_B" "$B4" 7302 1
ip netns exec "$NS_A" "$TMPDIR_TEST/apps/client" "$B4" 7302 1000 0 || fail "the client"
in_a conntrack -D -p tcp --dport 7302 >/dev/null 2>&1 || fail "conntrack -D"
wait_for 10 grep -q '"remote":"198.18.0.2:7302"' "$L"
grep -q '"remote":"198.18.0.2:7302"' "$L.1" && fail "a record went to the rotated file"
log "after a rotation and a reload, records go to a new file"
stop_qpodd
[ "$QPODD_STATUS" -eq 0 ] || fail "qpodd exited $QPODD_STATUS"
pass
