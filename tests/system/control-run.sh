#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# qpod-ctl run --class X -- COMMAND: every packet of the command's
# sessions, and of its children's, carries X's DSCP, seen from the peer,
# over IPv4 and IPv6, though an application rule would give the program
# another class; a server run so answers in X; the class holds across a
# reload, and across kill -9 and a restart (under fail: closed); the run
# is listed while the command lives and gone, with its cgroup, once it
# ends; bad runs get clear errors.
. "$(dirname "$0")/lib.sh"
need_netns
[ -x "$QPOD_CTL" ] || fail "missing $QPOD_CTL"
hosts_up
mkdir -p "$TMPDIR_TEST/apps"
cp "$TCP_CLIENT" "$TMPDIR_TEST/apps/client"
P=$TMPDIR_TEST/policy.yaml
cat >"$P" <<'YAML'
classes:
  voice: { dscp: EF }
  bulk: { dscp: CS1 }
  default: { dscp: AF11 }
applications:
  - name: client
    match: { exe: "*/apps/client" }
    class: voice
YAML
start_qpodd "$P"
run_in_a() { ip netns exec "$NS_A" "$QPOD_CTL" --socket "$QPODD_SOCKET" run "$@"; }
both_received() { [ "$(grep -c received=100000 "$TMPDIR_TEST/serve-7201")" -eq 2 ]; }

# --- a client, and a child of the command ------------------------------------
for ip in 4 6; do
	if [ $ip = 4 ]; then src=$A4 dst=$B4 m=ip; else src=$A6 dst=$B6 m=ip6; fi
	observe "all$ip" "$m saddr $src tcp dport 7201"
	observe "cs1_$ip" "$m saddr $src tcp dport 7201 $m dscp cs1"
	serve_tcp "$NS_B" "$dst" 7201 2
	before=$(queued)
	run_in_a --class bulk -- "$TMPDIR_TEST/apps/client" "$dst" 7201 100000 0 ||
		fail "IPv$ip: the command run in bulk"
	# A child: the shell runs the client in a process of its own.
	run_in_a --class bulk sh -c "'$TMPDIR_TEST/apps/client' '$dst' 7201 100000 0; exit \$?" ||
		fail "IPv$ip: the child of the command run in bulk"
	wait_for 5 both_received
	# Decided in the kernel: not one packet went to qpodd.
	[ "$(queued)" = "$before" ] || fail "IPv$ip: $(($(queued) - before)) packets of the run's sessions were queued"
	all_counted "all$ip" "cs1_$ip" ||
		fail "IPv$ip: $hit of $total packets of the run's sessions carried CS1 (bulk)"
	log "IPv$ip: $hit/$total packets of a run command and its child CS1"
done
# Without run, the same program is in voice: the class was run's doing.
observe plain "ip saddr $A4 tcp dport 7202"
observe plain_ef "ip saddr $A4 tcp dport 7202 ip dscp ef"
serve_tcp "$NS_B" "$B4" 7202 1
in_a "$TMPDIR_TEST/apps/client" "$B4" 7202 20000 0 || fail "the client without run"
all_counted plain plain_ef || fail "$hit of $total packets of the client alone carried EF"

# --- a server run in bulk, across a reload ---------------------------------------
observe replies "ip saddr $A4 tcp sport 7203"
observe replies_cs1 "ip saddr $A4 tcp sport 7203 ip dscp cs1"
# Not run_in_a: a function in the background is a subshell, not the server.
ip netns exec "$NS_A" "$QPOD_CTL" --socket "$QPODD_SOCKET" run --json --class bulk -- \
	$NETPROBE tcp-serve "$A4" 7203 2 >"$TMPDIR_TEST/serve-7203" 2>"$TMPDIR_TEST/run-7203.json" &
server=$!
wait_for 5 listening "$NS_A" tcp 7203
j=$(cat "$TMPDIR_TEST/run-7203.json")
[ "$(json_eval "$j" "a['ok'] and a['class'] == 'bulk' and a['dscp'] == 'CS1'")" = True ] ||
	fail "run's answer: $j"
cg=$(json_eval "$j" "a['cgroup']")
listed() { [ "$(json_eval "$(ctl --json status)" "[r['pid'] for r in a['runs'] if r['class'] == 'bulk' and r['cgroup'] == '$cg'] == [$server]")" = True ]; }
listed || fail "the run is not in qpod-ctl status: $(ctl --json status)"
in_b $NETPROBE tcp-send "$A4" 7203 50000 >/dev/null || fail "connect to the server run in bulk"
out=$(ctl reload) || fail "qpod-ctl reload: $out"
in_b $NETPROBE tcp-send "$A4" 7203 50000 >/dev/null || fail "connect after the reload"
wait "$server" || fail "the server run in bulk"
all_counted replies replies_cs1 || fail "$hit of $total replies of the server run in bulk carried CS1"
log "a server run in bulk: $hit/$total replies CS1, across a reload"

# --- a run alive across kill -9 and a restart -------------------------------------
# The command waits for qpodd's restart, then connects: its new session
# still gets bulk, decided in the kernel.
observe later "ip saddr $A4 tcp dport 7204"
observe later_cs1 "ip saddr $A4 tcp dport 7204 ip dscp cs1"
serve_tcp "$NS_B" "$B4" 7204 1
ip netns exec "$NS_A" "$QPOD_CTL" --socket "$QPODD_SOCKET" run --json --class bulk -- \
	sh -c "while [ ! -e '$TMPDIR_TEST/go' ]; do sleep 0.05; done
		exec '$TMPDIR_TEST/apps/client' '$B4' 7204 20000 0" 2>"$TMPDIR_TEST/run-7204.json" &
waiter=$!
wait_for 5 grep -q cgroup "$TMPDIR_TEST/run-7204.json"
cg2=$(json_eval "$(cat "$TMPDIR_TEST/run-7204.json")" "a['cgroup']")
stop_qpodd KILL
printf 'queue: { fail: closed }\n' >>"$P"
start_qpodd "$P"
listed_again() { [ "$(json_eval "$(ctl --json status)" "[r['pid'] for r in a['runs'] if r['class'] == 'bulk' and r['cgroup'] == '$cg2'] == [$waiter]")" = True ]; }
listed_again || fail "the run is not listed after the restart: $(ctl --json status)"
grep -q "run: process $waiter and its children keep class bulk" "$QPODD_LOG" ||
	fail "qpodd did not say it took the run back: $(cat "$QPODD_LOG")"
before=$(queued)
touch "$TMPDIR_TEST/go"
wait "$waiter" || fail "the command run in bulk across the restart"
[ "$(queued)" = "$before" ] || fail "the run's session was queued after the restart"
all_counted later later_cs1 || fail "$hit of $total packets of a run's session after a restart carried CS1"
log "a run across kill -9 and a restart: $hit/$total packets CS1"

# --- the run ends with its command -------------------------------------------------
no_runs() { [ "$(json_eval "$(ctl --json status)" "len(a['runs'])")" = 0 ]; }
wait_for 5 no_runs || fail "runs left after their commands ended: $(ctl --json status)"
root=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$root" ] || fail "no cgroup2 mount"
case $cg in /qpod/run-*) ;; *) fail "the run's cgroup is $cg, not one of qpodd's" ;; esac
[ ! -d "$root$cg" ] || fail "$root$cg is left"
[ ! -d "$root$cg2" ] || fail "$root$cg2 is left, by the qpodd that took its run back"

# --- bad runs ------------------------------------------------------------------
expect_rc 1 run_in_a --class nosuch -- true
contains "$ERR" "no class 'nosuch'" "a class that is not there"
expect_rc 2 run_in_a -- true
contains "$ERR" "--class CLASS is required" "no --class"
expect_rc 2 run_in_a --class bulk
contains "$ERR" "no command" "no command"
expect_rc 127 run_in_a --class bulk -- /nonexistent/program
contains "$ERR" "/nonexistent/program" "a command that is not there"
expect_rc 2 run_in_a --class 'a"b' -- true
expect_rc 2 run_in_a --class bulk --pid 1 -- true
# The exit status is the command's.
expect_rc 7 run_in_a --class bulk -- sh -c 'exit 7'
kill -0 "$QPODD_PID" || fail "qpodd died"
wait_for 5 no_runs || fail "runs left after the bad runs: $(ctl --json status)"
stop_qpodd
[ "$QPODD_STATUS" -eq 0 ] || fail "qpodd exited with $QPODD_STATUS"
pass
