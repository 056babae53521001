#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# qpod-ctl against a running qpodd: a live session is listed with its pid,
# application, class and the bytes it sent (IPv4 and IPv6); apps, classes
# and status answer; a reload with a broken file keeps the running policy
# and a good one takes; someone neither root nor in the socket's group is
# refused, by the socket's mode and by SO_PEERCRED; malformed and
# oversized requests get an error and qpodd goes on.
. "$(dirname "$0")/lib.sh"
need_netns
[ -x "$QPOD_CTL" ] || fail "missing $QPOD_CTL"
command -v setpriv >/dev/null || fail "setpriv (util-linux) is missing"
hosts_up
mkdir -p "$TMPDIR_TEST/apps"
cp "$TCP_CLIENT" "$TMPDIR_TEST/apps/client"
# nobody must reach the socket's directory for the refusal to be qpodd's.
chmod 0755 "$TMPDIR_TEST"

# The group of gid 65534 (nogroup on Debian, nobody elsewhere).
G=$(getent group 65534 | cut -d: -f1)
[ -n "$G" ] || fail "no group with gid 65534"
P=$TMPDIR_TEST/policy.yaml
cat >"$P" <<YAML
control: { group: $G }
classes:
  voice: { dscp: EF }
  bulk: { dscp: CS1 }
  default: { dscp: AF11 }
applications:
  - name: client
    match: { exe: "*/apps/client" }
    class: voice
sessions:
  - { match: { proto: tcp, dport: 7102 }, class: bulk }
YAML
start_qpodd "$P"

# --- a live session, as qpod-ctl sessions lists it --------------------------
session_of() {	# session_of PID REMOTE: the session's JSON, once it has sent 200000 bytes
	j=$(ctl --json sessions --pid "$1") && echo "$j" >"$TMPDIR_TEST/last" || return 1
	s=$(json_eval "$j" "[json.dumps(s) for s in a['sessions'] if s['remote'] == '$2'][0]" 2>/dev/null) ||
		return 1
	[ "$(json_eval "$s" "a['bytes_out'] >= 200000")" = True ] && echo "$s"
}
check_session() {	# check_session ADDR REMOTE LOCAL_PREFIX
	serve_tcp "$NS_B" "$1" 7101 1
	# Not in_a: a function in the background is a subshell, not the client.
	ip netns exec "$NS_A" "$TMPDIR_TEST/apps/client" "$1" 7101 200000 4000 &
	client=$!
	# Each poll is a qpod-ctl sessions (up to 1 s) and pythons, slow on
	# an emulated CPU: 15 s for several, counted in ns (whole seconds
	# lose up to one). A closed session stays listed until conntrack
	# ends it, so the client's 4 s hold is no limit.
	deadline=$(($(date +%s%N) + 15000000000))
	until s=$(session_of "$client" "$2") || [ "$(date +%s%N)" -ge "$deadline" ]; do
		sleep 0.05
	done
	[ -n "$s" ] || fail "no session to $2 of pid $client with 200000 bytes out: $(cat "$TMPDIR_TEST/last"; ctl --json sessions)"
	for want in "a['pid'] == $client" "a['application'] == 'client'" "a['class'] == 'voice'" \
		"a['dscp'] == 'EF'" "a['decided_by'] == 'application'" "a['direction'] == 'out'" \
		"a['protocol'] == 'tcp'" "a['local'].startswith('$3')" \
		"a['exe'].endswith('/apps/client')" "a['packets_out'] >= 4" \
		"200000 <= a['bytes_out'] <= 200000 * 1.1"; do
		[ "$(json_eval "$s" "$want")" = True ] || fail "session to $2: not $want: $s"
	done
	log "session to $2: pid $client, client, voice EF, $(json_eval "$s" "a['bytes_out']") bytes out for 200000 sent"
	wait "$client" || fail "the client to $2"
}
check_session "$B4" "$B4:7101" "$A4:"
check_session "$B6" "[$B6]:7101" "[$A6]:"
human=$(ctl sessions) || fail "qpod-ctl sessions: $human"
echo "$human" | grep -q '^PROTO *LOCAL *REMOTE' || fail "no table: $human"

# --- explain: which part of the policy decided, and where it is -------------
j=$(ctl --json explain "$client") || fail "qpod-ctl explain $client: $j"
w=$(json_eval "$j" "a['sessions'][0]['why']")
echo "$w" | grep -q "^application 'client' (.*policy.yaml:7: exe: \"\*/apps/client\") gives voice\$" ||
	fail "explain by pid: $w"
serve_tcp "$NS_B" "$B4" 7102 1
ip netns exec "$NS_A" "$TMPDIR_TEST/apps/client" "$B4" 7102 1000 0 || fail "the client to 7102"
out=$(ctl explain "$B4:7102") || fail "qpod-ctl explain $B4:7102: $out"
echo "$out" | grep -q "session rule 1 (.*policy.yaml:11: proto: tcp, dport: 7102) gives bulk" ||
	fail "explain by endpoint: $out"
out=$(ctl explain "$B4:7999" 2>&1) && fail "explained a session that is not there: $out"
[ $? -eq 1 ] || fail "explain of no session: not exit status 1"
out=$(ctl --json explain "$B4:7999" 2>&1) && fail "explained a session that is not there: $out"
[ $? -eq 1 ] || fail "explain --json of no session: not exit status 1"
for bad in 'x;y' 0 "$B4:0" '[2001:db8::2:7101'; do
	out=$(ctl explain "$bad" 2>&1) && fail "explain took '$bad'"
	[ $? -eq 2 ] || fail "explain '$bad': not exit status 2"
done
# An address written another way is the same address.
ctl explain '[2001:DB8:0::2]:7101' | grep -q '\[2001:db8::2\]:7101' ||
	fail "explain of an IPv6 address in capitals: $(ctl explain '[2001:DB8:0::2]:7101' 2>&1)"
log "explain: by pid, the application and its line; by endpoint, the session rule and its line"

# --- apps, classes, status -------------------------------------------------
j=$(ctl --json apps) || fail "qpod-ctl apps: $j"
[ "$(json_eval "$j" "[x['name'] for x in a['applications']] == ['client']")" = True ] ||
	fail "apps: $j"
j=$(ctl --json classes) || fail "qpod-ctl classes: $j"
[ "$(json_eval "$j" "[(x['name'], x['dscp'], x['default']) for x in a['classes']]")" = \
	"[('voice', 'EF', False), ('bulk', 'CS1', False), ('default', 'AF11', True)]" ] ||
	fail "classes: $j"
j=$(ctl --json status) || fail "qpod-ctl status: $j"
[ "$(json_eval "$j" "a['pid']")" = "$QPODD_PID" ] && [ "$(json_eval "$j" "a['classes']")" = 3 ] ||
	fail "status: $j"
ctl status | grep -q "^qpodd .*pid $QPODD_PID" || fail "status table: $(ctl status)"
log "apps, classes and status answer"

# --- reload: a broken file changes nothing, a good one takes ----------------
cp "$P" "$TMPDIR_TEST/good.yaml"
printf 'classes: [\n' >"$P"
out=$(ctl reload 2>&1) && fail "a broken policy reloaded: $out"
[ $? -eq 1 ] || fail "qpod-ctl reload of a broken file: not exit status 1: $out"
echo "$out" | grep -q "policy.yaml:2:" && echo "$out" | grep -q "the running policy stays" ||
	fail "reload did not say what is wrong: $out"
kill -0 "$QPODD_PID" || fail "qpodd died of a broken policy"
[ "$(json_eval "$(ctl --json status)" "a['classes']")" = 3 ] || fail "the running policy changed"
sed 's/^  bulk:/  video: { dscp: AF41 }\n  bulk:/' "$TMPDIR_TEST/good.yaml" >"$P"
ctl reload >/dev/null || fail "a good policy did not reload: $(ctl reload 2>&1)"
[ "$(json_eval "$(ctl --json status)" "a['classes']")" = 4 ] || fail "the new policy did not take"
log "reload: a broken file says where and keeps the policy; a good one takes"

# --- who may ask ------------------------------------------------------------
as() { setpriv --reuid=65534 --regid="$1" $2 -- "$QPOD_CTL" --socket "$QPODD_SOCKET" status; }
out=$(as 1 --clear-groups 2>&1) && fail "a stranger got an answer: $out"
[ $? -eq 3 ] && echo "$out" | grep -q 'permission denied' || fail "stranger, by mode: $out"
as 65534 --clear-groups >/dev/null || fail "the group's member was refused: $(as 65534 --clear-groups 2>&1)"
as 1 --groups=65534 >/dev/null || fail "a supplementary member was refused: $(as 1 --groups=65534 2>&1)"
# With the socket open to all, qpodd's own check (SO_PEERCRED) refuses.
chmod 0666 "$QPODD_SOCKET"
out=$(as 1 --clear-groups 2>&1) && fail "a stranger got an answer: $out"
[ $? -eq 3 ] && echo "$out" | grep -q 'permission denied: uid 65534' ||
	fail "stranger, by SO_PEERCRED: not exit status 3 and the reason: $out"
grep -q 'control: refused uid 65534' "$QPODD_LOG" || fail "the refusal was not logged"
log "strangers refused by the socket's mode and by SO_PEERCRED; group members answered"

# --- bad requests -------------------------------------------------------------
raw() {	# raw BYTES: what qpodd answers to BYTES sent as they are
	python3 - "$QPODD_SOCKET" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode('unicode_escape').encode('latin-1'))
s.shutdown(socket.SHUT_WR)
out = b''
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
print(out.decode(errors='replace').strip())
PY
}
for req in 'garbage\n' '[1, 2]\n' '{"version": 1}\n' '{"version": 2, "command": "status"}\n' \
	'{"version": 1, "command": "rm -rf"}\n' '{"version": 1, "command": "status", "x": 1}\n' \
	'{"version": 1, "command": "status"\x00}\n' '{"version": 1, "command": {"a": [[[[[[1]]]]]]}}\n'; do
	a=$(raw "$req")
	[ "$(json_eval "$a" "a['ok'] is False and a['error'].startswith('bad request')")" = True ] ||
		fail "request $req: $a"
done
# explain with an end or a pid no session can have: an error, not "ok"
# and an empty list.
for req in '{"version": 1, "command": "explain", "endpoint": "198.18.0.2:99999999999"}\n' \
	'{"version": 1, "command": "explain", "endpoint": "[::1:99999"}\n' \
	'{"version": 1, "command": "explain", "pid": 2147483648}\n'; do
	a=$(raw "$req")
	[ "$(json_eval "$a" "a['ok'] is False and ('endpoint' in a['error'] or 'pid' in a['error'])")" = True ] ||
		fail "request $req: $a"
done
# An end written another way than qpodd writes it still finds its session.
a=$(raw "{\"version\": 1, \"command\": \"explain\", \"endpoint\": \"[2001:DB8:0::2]:07101\"}\n")
[ "$(json_eval "$a" "a['ok'] and len(a['sessions']) >= 1")" = True ] ||
	fail "explain by a non-canonical IPv6 end: $a"
long=$(python3 -c 'print("{" + " " * 9000 + "}")')
a=$(raw "$long")
[ "$(json_eval "$a" "'longer than 4095 bytes' in a['error']")" = True ] || fail "a long request: $a"
a=$(raw '{"version": 1, "command": "status"}')	# no newline: the end says it
[ "$(json_eval "$a" "a['ok']")" = True ] || fail "a request without its newline: $a"
kill -0 "$QPODD_PID" || fail "qpodd died of a bad request"
log "malformed, unknown and oversized requests get errors; qpodd goes on"

stop_qpodd
[ "$QPODD_STATUS" -eq 0 ] || fail "qpodd exited $QPODD_STATUS"
[ -e "$QPODD_SOCKET" ] && fail "the control socket outlived qpodd"
out=$(ctl status 2>&1) && fail "an answer with qpodd gone: $out"
[ $? -eq 3 ] && echo "$out" | grep -q 'qpodd is not running' || fail "qpodd gone: $out"
log "after stop: the socket is gone, qpod-ctl says qpodd is not running"
pass
