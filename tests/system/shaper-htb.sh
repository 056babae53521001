#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Queueing on a kernel without HFSC or RED (this project's machines):
# scheduler htb builds the classes and sessions land in theirs by the
# priority qpod's nft rules set; hfsc falls back to htb (and red and
# fq_codel to fifo), saying so once, or refuses to start with fallback off;
# the interface's root qdisc comes back when qpodd stops; an interface that
# appears later gets its hierarchy; a reload changes classes in place; a
# qpodd killed outright leaves a hierarchy the next one replaces.
. "$(dirname "$0")/lib.sh"
need_netns
hosts_up
if in_a tc qdisc add dev va root handle 1: hfsc default 1 2>/dev/null; then
	in_a tc qdisc del dev va root
	skip "this kernel has HFSC: the VM tests cover it (make check-vm)"
fi

P=$TMPDIR_TEST/policy.yaml
policy() {	# policy SCHEDULER FALLBACK VOICE_GUARANTEE [EXTRA_CLASS]
	cat >"$P" <<YAML
interfaces:
  - { name: va, bandwidth: 20mbit, scheduler: $1, fallback: $2 }
  - { name: vx, bandwidth: 10mbit, scheduler: htb }
classes:
  voice: { dscp: EF, guarantee: $3, share: 10% }
  video: { dscp: AF41, share: 40%, queue: { red: { min: 30kb, max: 90kb } } }
  default: { dscp: AF11, queue: fq_codel }
${4:-}
sessions:
  - { match: { proto: tcp, dport: 5001 }, class: voice }
YAML
}
class_bytes() {	# class_bytes IFACE MINOR
	in_a tc -s class show dev "$1" classid "7a0:$2" | awk '/Sent/ { print $2 }'
}
classes_of() { in_a tc class show dev "$1" | grep -c '^class htb 7a0:'; }

# The administrator's root qdisc, to be given back.
in_a tc qdisc replace dev va root handle 5: tbf rate 50mbit burst 32k latency 40ms

# --- hfsc asked for, fallback htb (the default) ---------------------------
policy hfsc htb 2mbit
start_qpodd "$P"
[ "$(grep -c 'no HFSC' "$QPODD_LOG")" -eq 1 ] || fail "the missing HFSC was not said once"
grep -q 'no RED queue' "$QPODD_LOG" || fail "the missing RED was not said"
grep -q 'no fq_codel queue' "$QPODD_LOG" || fail "the missing fq_codel was not said"
in_a tc qdisc show dev va | grep -q '^qdisc htb 7a0: root' || fail "no htb root on va"
[ "$(classes_of va)" -eq 4 ] || fail "$(classes_of va) htb classes, want 4 (root and 3)"
in_a tc class show dev va classid 7a0:11 | grep -q 'rate 2Mbit ceil 20Mbit' ||
	fail "voice class: $(in_a tc class show dev va classid 7a0:11)"
in_a tc class show dev va classid 7a0:12 | grep -q 'rate 8Mbit' || fail "video class rate (its share)"
in_a tc qdisc show dev va | grep -q 'default 0x13' || fail "the default class is not the default"

# Sessions land in their class: tcp/5001 in voice (7a0:11), others in default.
serve_tcp "$NS_B" "$B4" 5001 1
in_a $NETPROBE tcp-send "$B4" 5001 300000 >/dev/null || fail "session to 5001"
serve_tcp "$NS_B" "$B4" 5002 1
in_a $NETPROBE tcp-send "$B4" 5002 200000 >/dev/null || fail "session to 5002"
v=$(class_bytes va 11) d=$(class_bytes va 13) vid=$(class_bytes va 12)
[ "$v" -ge 300000 ] || fail "voice class carried $v bytes, want the 300000 sent to 5001"
[ "$d" -ge 200000 ] && [ "$d" -lt 300000 ] || fail "default class carried $d bytes, want ~200000"
[ "$vid" -eq 0 ] || fail "video class carried $vid bytes, want none"
log "htb fallback: voice $v bytes, default $d, video $vid: sessions in their classes"

# --- a reload changes classes in place --------------------------------------
before=$(in_a tc -s qdisc show dev va parent 7a0:11 | awk '/Sent/ { print $2 }')
policy hfsc htb 3mbit "  bulk: { dscp: CS1, share: 5% }"
kill -HUP "$QPODD_PID"
wait_for 5 grep -q 'policy reloaded' "$QPODD_LOG"
in_a tc class show dev va classid 7a0:11 | grep -q 'rate 3Mbit' || fail "voice's new guarantee"
[ "$(classes_of va)" -eq 5 ] || fail "the new class bulk is not there"
after=$(in_a tc -s qdisc show dev va parent 7a0:11 | awk '/Sent/ { print $2 }')
[ "$after" -eq "$before" ] || fail "voice's leaf queue was replaced (sent $before, now $after)"
grep -q 'va: queueing changed in place' "$QPODD_LOG" || fail "not changed in place"
policy hfsc htb 3mbit
kill -HUP "$QPODD_PID"
wait_for 5 sh -c "[ \$(grep -c 'policy reloaded' '$QPODD_LOG') -ge 2 ]"
[ "$(classes_of va)" -eq 4 ] || fail "the removed class bulk is still there"
log "reload: voice 3Mbit in place (its queue kept), bulk added then removed"

# --- an interface that appears later, and goes ------------------------------
ip -n "$NS_A" link add vx type veth peer name vy
wait_for 5 sh -c "ip netns exec $NS_A tc qdisc show dev vx | grep -q 'htb 7a0: root'"
[ "$(classes_of vx)" -eq 4 ] || fail "vx: $(classes_of vx) classes"
ip -n "$NS_A" link del vx
# Its log line says qpodd has handled the event (or it died, told next).
wait_for 5 sh -c "grep -q 'vx: gone' '$QPODD_LOG' || ! kill -0 $QPODD_PID"
kill -0 "$QPODD_PID" || fail "qpodd died when vx went"
log "vx: hierarchy built when it appeared, forgotten when it went"

# --- stop: the tbf root is back ---------------------------------------------
stop_qpodd
[ "$QPODD_STATUS" -eq 0 ] || fail "qpodd exited $QPODD_STATUS"
in_a tc qdisc show dev va | grep -q '^qdisc tbf 5: root.*rate 50Mbit' ||
	fail "va's tbf root did not come back: $(in_a tc qdisc show dev va)"
log "stop: va has its tbf root back"

# --- killed outright: the next qpodd replaces what the dead one left --------
start_qpodd "$P"
stop_qpodd KILL
in_a tc qdisc show dev va | grep -q '^qdisc htb 7a0: root' || fail "kill -9 took the hierarchy"
start_qpodd "$P"
grep -q 'va: replacing the queueing a previous qpodd left' "$QPODD_LOG" &&
	grep -q 'va: htb, 3 classes' "$QPODD_LOG" ||
	fail "the dead qpodd's hierarchy was not replaced: $(cat "$QPODD_LOG")"
[ "$(classes_of va)" -eq 4 ] || fail "after a restart: $(classes_of va) classes, want 4"
stop_qpodd
[ "$QPODD_STATUS" -eq 0 ] || fail "qpodd exited $QPODD_STATUS"
in_a tc qdisc show dev va | grep -q ' 7a0: ' && fail "qpod's root outlived qpodd: $(in_a tc qdisc show dev va)"
log "kill -9, then a new qpodd: the old hierarchy replaced, and gone on stop"
in_a tc qdisc replace dev va root handle 5: tbf rate 50mbit burst 32k latency 40ms

# --- fallback off: qpodd refuses to start, leaves nothing -------------------
policy hfsc off 2mbit
QPODD_RUNS=$((QPODD_RUNS + 1))
QPODD_LOG="$TMPDIR_TEST/qpodd.refused.log"
mkdir -p "$TMPDIR_TEST/refused.d"
printf 'log: { sessions: %s/refused.jsonl }\n' "$TMPDIR_TEST" >"$TMPDIR_TEST/refused.d/log.yaml"
"$QPODD" --netns "$NS_A" -c "$P" -D "$TMPDIR_TEST/refused.d" --control-socket "$TMPDIR_TEST/refused.sock" \
	>"$QPODD_LOG" 2>&1 </dev/null &&
	fail "qpodd started although va needs HFSC and fallback is off"
grep -q 'va: this kernel has no HFSC (sch_hfsc), and fallback is off' "$QPODD_LOG" &&
	grep -q 'not starting' "$QPODD_LOG" || fail "no clear refusal: $(cat "$QPODD_LOG")"
has_qpod_table && fail "a refused start left the nft table"
in_a tc qdisc show dev va | grep -q '^qdisc tbf 5: root' || fail "a refused start changed va's qdisc"
log "fallback off: refused, with the reason; nothing left behind"
pass
