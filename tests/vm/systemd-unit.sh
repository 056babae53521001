#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# qpod's systemd unit, live (tests/vm/run --systemd: systemd is PID 1).
# `systemctl start qpod` runs qpodd as a notify service in its sandbox; its
# control socket answers with the socket's mode and group; sessions get
# their class on the wire; `systemctl reload` applies an edited policy and
# keeps the running one when the file is bad; `qpod-ctl run` makes a scope
# through systemd and its sessions get the run's class; ended sessions are
# logged to the LogsDirectory; class values are kept in the StateDirectory;
# `systemctl restart` hands the table over, so that every packet of a live
# flow keeps its DSCP, unless the policy no longer loads, when the table
# goes; a stuck qpodd is killed by the watchdog and restarted; `systemctl
# stop` removes qpod's table.

# shellcheck source-path=SCRIPTDIR source=lib-vm.sh
. "${QPOD_VM_LIB:-$(dirname "$0")/lib-vm.sh}"

[ "$(cat /proc/1/comm)" = systemd ] || fail "PID 1 is $(cat /proc/1/comm): run with tests/vm/run --systemd"
UNIT=/etc/systemd/system/qpod.service
QPODD=$(sed -n 's/^ExecStart=//p' "$UNIT")
CTL=${QPODD%/sbin/qpodd}/bin/qpod-ctl
[ -x "$QPODD" ] && [ -x "$CTL" ] || fail "no $QPODD or $CTL"
CONF=$("$QPODD" --help | sed -n 's/.*policy file (default \(.*\))$/\1/p')
[ -n "$CONF" ] || fail "no default policy file in qpodd --help"
LOG=/run/qpod-vm-qpodd.log

# Host A is this VM's own network namespace, where qpod.service runs; B is
# a namespace on the other end of a veth.
"$IP" netns add "$NS_B" || fail "ip netns add"
"$IP" link add va type veth peer name vb netns "$NS_B" || fail "veth"
"$IP" addr add "$A4/24" dev va && "$IP" addr add "$A6/64" dev va nodad &&
	"$IP" -n "$NS_B" addr add "$B4/24" dev vb && "$IP" -n "$NS_B" addr add "$B6/64" dev vb nodad &&
	"$IP" link set va up && "$IP" -n "$NS_B" link set vb up && "$IP" -n "$NS_B" link set lo up ||
	fail "addresses"
ready() { "$IP" -n "$NS_B" link show vb | grep -q 'state UP' && [ -z "$("$IP" -6 addr show tentative)" ]; }
wait_for 5 ready
in_b "$NFT" add table inet obs && in_b "$NFT" add chain inet obs in \
	'{ type filter hook input priority -300; }' || fail "nft in B"
# observe NAME MATCH / count NAME: B's count of arriving packets that match.
observe() {
	in_b "$NFT" add counter inet obs "$1" && in_b "$NFT" add rule inet obs in $2 counter name "$1" ||
		fail "nft counter $1"
}
count() { in_b "$NFT" list counter inet obs "$1" | awk '/packets/ { print $2 }'; }
# all_of TOTAL HIT: every packet TOTAL counted, HIT did, and there were some.
all_of() { [ "$(count "$1")" -gt 0 ] && [ "$(count "$1")" -eq "$(count "$2")" ]; }
in_b /usr/bin/nc -d -k -l 7301 >/dev/null 2>&1 &
in_b /usr/bin/nc -d -k -l 7302 >/dev/null 2>&1 &
in_b /usr/bin/nc -6 -d -k -l 7301 >/dev/null 2>&1 &
wait_for 5 tcp_listening "$NS_B" 7301
wait_for 5 tcp_listening "$NS_B" 7302

policy() {	# policy CLASS: the client application gets CLASS
	mkdir -p "${CONF%/*}"
	cat >"$CONF" <<EOF
classes:
  voice: { dscp: EF }
  bulk: { dscp: CS1 }
  default: { dscp: AF11 }
applications:
  - name: client
    match: { exe: "*/tcp-client" }
    class: $1
EOF
}
policy voice
# The test's own: a short watchdog and stop timeout, the log in a file
# (no journald here), and no leak check in a sanitizer build: LeakSanitizer
# stops the process with ptrace, which the sandbox's system call filter
# forbids.
mkdir -p "$UNIT.d"
cat >"$UNIT.d/test.conf" <<EOF
[Service]
Environment=ASAN_OPTIONS=detect_leaks=0
WatchdogSec=2s
TimeoutStopSec=3s
StandardOutput=append:$LOG
StandardError=inherit
EOF
systemctl daemon-reload || fail "systemctl daemon-reload"
at_exit "systemctl stop qpod; cat $LOG >&2"

# --- start: a notify service, its socket -------------------------------------------
systemctl start qpod || fail "systemctl start qpod: $(cat "$LOG")"
[ "$(systemctl is-active qpod)" = active ] || fail "qpod is $(systemctl is-active qpod)"
status=$(systemctl show -P StatusText qpod)
[ "$status" = running ] || fail "qpod's status text is '$status'"
pid=$(systemctl show -P MainPID qpod)
out=$("$CTL" status) || fail "qpod-ctl status: $out"
echo "$out" | grep -q "$pid" || fail "qpod-ctl status does not name pid $pid: $out"
mode=$(stat -c '%a %G' /run/qpod/control.sock)
[ "$mode" = "660 qpod" ] || fail "the control socket is $mode, not 660 qpod"
grep -q '^class voice ' /var/lib/qpod/marks ||
	fail "no class values kept in the StateDirectory: $(cat /var/lib/qpod/marks 2>&1)"
log "active, READY with status '$status', pid $pid, socket $mode, class values in /var/lib/qpod"

# --- a session of the client application -----------------------------------------
observe c1 "tcp dport 7301"
observe c1_ef "tcp dport 7301 ip dscp ef"
"$TCP_CLIENT" "$B4" 7301 100000 2000 &
client=$!
listed() { "$CTL" --json sessions --pid "$client" | grep -q '"application":"client","class":"voice"'; }
wait_for 5 listed
wait "$client" || fail "the client"
wait_for 5 all_of c1 c1_ef
log "session of pid $client listed as client/voice, $(count c1_ef)/$(count c1) packets EF"

# --- reload: a new class for the client; a bad file changes nothing -----------------
policy bulk
systemctl reload qpod || fail "systemctl reload qpod"
reloaded() { ! "$CTL" --json status | grep -q '"reloaded":null'; }
wait_for 5 reloaded
echo "classes: [" >"$CONF"
systemctl reload qpod || fail "systemctl reload qpod (bad file)"
wait_for 5 grep -q "keeping the running policy" "$LOG"
[ "$(systemctl is-active qpod)" = active ] || fail "qpod is $(systemctl is-active qpod) after a bad reload"
observe c2 "tcp dport 7302"
observe c2_cs1 "tcp dport 7302 ip dscp cs1"
"$TCP_CLIENT" "$B4" 7302 50000 || fail "the client after the reloads"
wait_for 5 all_of c2 c2_cs1
log "reloaded: the client in bulk, $(count c2_cs1)/$(count c2) packets CS1; a bad file kept it"
policy bulk

# --- qpod-ctl run: a scope of systemd's ---------------------------------------------
observe r "ip6 saddr $A6 tcp dport 7301"
observe r_af11 "ip6 saddr $A6 tcp dport 7301 ip6 dscp af11"
# The command lives until the test has seen its scope (a FIFO it reads
# last), not for a fixed time that a slow machine's checks could outlast.
rm -f /tmp/run-go
mkfifo /tmp/run-go || fail "mkfifo"
"$CTL" run --class default -- sh -c '"$1" "$2" 7301 100000; rc=$?; read -r _ <"$3"; exit $rc' \
	sh "$TCP_CLIENT" "$B6" /tmp/run-go &
run=$!
scoped() { "$CTL" --json status | grep -q "\"cgroup\":\"[^\"]*/qpod-run-$run.scope\""; }
wait_for 5 scoped
[ "$(systemctl is-active "qpod-run-$run.scope")" = active ] || fail "no scope qpod-run-$run.scope"
echo >/tmp/run-go
wait "$run" || fail "the client run in default"
wait_for 5 all_of r r_af11
no_runs() { "$CTL" --json status | grep -q '"runs":\[\]'; }
wait_for 5 no_runs
log "qpod-ctl run: scope qpod-run-$run.scope, $(count r_af11)/$(count r) packets AF11"

# --- the session log, in the LogsDirectory ---------------------------------------------
conntrack -F >/dev/null 2>&1
logged() { grep -q "\"pid\":$client," /var/log/qpod/sessions.jsonl; }
wait_for 5 logged
log "the session of pid $client is in /var/log/qpod/sessions.jsonl"

# --- restart: the table is handed over, a live flow keeps its DSCP ---------------
# A UDP flow of the default class (AF11), 100 datagrams a second, dropped
# in B after the counters.
in_b "$NFT" add chain inet obs sink '{ type filter hook input priority 0; }' &&
	in_b "$NFT" add rule inet obs sink udp dport 7310 drop || fail "nft sink in B"
observe f_seen "udp dport 7310 ip dscp af11"
"$UDP_BURST" "$B4" 7310 6000 1 10000 &
flow=$!
at_exit "kill -CONT $flow; kill $flow"
seen() { [ "$(count f_seen)" -gt 0 ]; }
wait_for 5 seen
# Both counters in one transaction: they count the same packets.
printf '%s\n' "add counter inet obs f" "add counter inet obs f_af11" \
	"add rule inet obs in udp dport 7310 counter name f" \
	"add rule inet obs in udp dport 7310 ip dscp af11 counter name f_af11" |
	in_b "$NFT" -f - || fail "nft counters f"
pid_before=$(systemctl show -P MainPID qpod)
systemctl restart qpod || fail "systemctl restart qpod: $(cat "$LOG")"
pid_after=$(systemctl show -P MainPID qpod)
[ "$pid_after" != "$pid_before" ] || fail "the same pid after systemctl restart"
grep -q "stopping for a restart: the table stays" "$LOG" || fail "qpodd did not hand its table over"
before=$(count f)
grown() { [ "$(count f)" -ge $((before + 50)) ]; }
wait_for 10 grown
kill -STOP "$flow"
wait_for 5 all_of f f_af11
log "systemctl restart (pid $pid_before -> $pid_after): $(count f_af11)/$(count f) packets of a live flow AF11"
kill -CONT "$flow"
kill "$flow"

# A restart onto a policy that no longer loads: that qpodd cannot start,
# so the table goes with the old one.
echo "classes: [" >"$CONF"
systemctl restart qpod && fail "systemctl restart with a broken policy succeeded"
grep -q "no longer loads: removing the table" "$LOG" || fail "qpodd kept its table for a qpodd that cannot start"
! "$NFT" list tables | grep -q 'inet qpod' || fail "table inet qpod left, and no qpodd to answer its queue"
policy bulk
systemctl reset-failed qpod
systemctl start qpod || fail "systemctl start qpod after the broken restart: $(cat "$LOG")"
pid=$(systemctl show -P MainPID qpod)
log "a restart onto a broken policy removed the table; started again as pid $pid"

# --- the watchdog: a stuck qpodd is killed and started again ------------------------
restarts=$(systemctl show -P NRestarts qpod)
kill -STOP "$pid"
restarted() {
	[ "$(systemctl show -P NRestarts qpod)" = $((restarts + 1)) ] &&
		[ "$(systemctl is-active qpod)" = active ]
}
wait_for 15 restarted
pid2=$(systemctl show -P MainPID qpod)
[ "$pid2" != "$pid" ] || fail "the same pid after a restart"
"$CTL" status >/dev/null || fail "qpod-ctl status after the restart"
log "stuck pid $pid: watchdog restart as pid $pid2"

# --- stop: the table goes -------------------------------------------------------------
systemctl stop qpod || fail "systemctl stop qpod"
[ "$(systemctl is-active qpod)" = inactive ] || fail "qpod is $(systemctl is-active qpod) after stop"
! "$NFT" list tables | grep -q 'inet qpod' || fail "table inet qpod left after stop"
pass
