#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# On a kernel with HFSC and RED (the test VM; see make check-vm): qpodd's
# hierarchy is what tc builds from the same numbers - service curves,
# RED's tables, the default class - each class's packets reach it by the
# priority qpod's nft rules set, RED drops and ECN-marks early under load
# and qpodd's class statistics show it, a reload that drops a curve or
# changes a leaf's kind changes them, and on stop the interface gets its
# old root qdisc back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-shaper.sh"
need_netns
hosts_up
in_a ip link add ra type veth peer name rb || fail "reference veth"
in_a ip link set ra up
in_a tc qdisc add dev ra root handle 1: hfsc default 1 2>/dev/null ||
	skip "this kernel has no HFSC: the HTB tests cover it (shaper-htb.sh)"
in_a tc qdisc del dev ra root

policy() {	# policy VIDEO_LIMIT BULK_QUEUE
	cat >"$TMPDIR_TEST/policy.yaml" <<YAML
interfaces:
  - { name: va, bandwidth: 10mbit, scheduler: hfsc, fallback: off }
classes:
  voice: { dscp: EF, guarantee: 1mbit, delay: 10ms, share: 10% }
  video: { dscp: AF41, guarantee: 1mbit, delay: 2ms, share: 40%$1,
           queue: { red: { min: 30kb, max: 90kb, probability: 0.1, ecn: true } } }
  bulk: { dscp: CS1, share: 30%, queue: $2 }
  default: { dscp: BE, share: 20%, queue: fq_codel }
sessions:
  - { match: { proto: udp, dport: 5004 }, class: voice }
  - { match: { proto: udp, dport: 5005 }, class: video }
  - { match: { proto: udp, dport: 5006 }, class: bulk }
YAML
}
policy ", limit: 8mbit" "{ red: { min: 20kb, max: 60kb, probability: 0.05 } }"
in_a tc qdisc replace dev va root handle 5: tbf rate 50mbit burst 32k latency 40ms
start_qpodd "$TMPDIR_TEST/policy.yaml"
[ "$(scheduler_on va)" = hfsc ] || fail "va: $(in_a tc qdisc show dev va)"
grep -q 'no HFSC\|no RED' "$QPODD_LOG" && fail "qpodd found no HFSC or RED: $(cat "$QPODD_LOG")"

# --- the hierarchy, against tc's own from the same numbers -----------------
# tc takes rates in bytes and the rt curve as umax (a packet of the MTU)
# within dmax at rate, as qpodd does.
t() { in_a tc "$@" || fail "reference: tc $*"; }
t qdisc add dev ra root handle 7a0: hfsc default 14
t class add dev ra parent 7a0: classid 7a0:1 hfsc ls m2 10mbit ul m2 10mbit
t class add dev ra parent 7a0:1 classid 7a0:11 hfsc rt umax 1500b dmax 10ms rate 1mbit \
	ls m2 1mbit
t class add dev ra parent 7a0:1 classid 7a0:12 hfsc rt umax 1500b dmax 2ms rate 1mbit \
	ls m2 4mbit ul m2 8mbit
t class add dev ra parent 7a0:1 classid 7a0:13 hfsc ls m2 3mbit
t class add dev ra parent 7a0:1 classid 7a0:14 hfsc ls m2 2mbit
t qdisc add dev ra parent 7a0:12 handle 12: red limit 360kb min 30kb max 90kb avpkt 1000 \
	bandwidth 10mbit probability 0.1 ecn
t qdisc add dev ra parent 7a0:13 handle 13: red limit 240kb min 20kb max 60kb avpkt 1000 \
	bandwidth 10mbit probability 0.05
# Shown without the leaf queues' handles, which are qpodd's own choice,
# and without fq_codel's "classes": the flows that have packets queued
# at that moment, not configuration.
classes() { in_a tc class show dev "$1" | sed '/^class fq_codel /d; s/ leaf [0-9a-f]*://' | sort; }
[ "$(classes va)" = "$(classes ra)" ] ||
	fail "classes differ from tc's: qpodd:
$(classes va)
tc:
$(classes ra)"
in_a tc qdisc show dev va | grep -q '^qdisc hfsc 7a0: root .*default \(0x\)\?14\b' ||
	fail "the default class is not 7a0:14: $(in_a tc qdisc show dev va)"
log "hfsc classes as tc builds them: $(classes va | tr '\n' ';')"
red() {	# red DEV CLASSID: the RED leaf's parameters, tables included
	in_a tc -d qdisc show dev "$1" parent "$2" | sed 's/^qdisc red [0-9a-f]*: parent [^ ]* //'
}
for c in 7a0:12 7a0:13; do
	[ "$(red va $c)" = "$(red ra $c)" ] ||
		fail "RED of $c: qpodd's '$(red va $c)', tc's '$(red ra $c)'"
	log "red $c as tc computes it: $(red va $c)"
done
in_a tc qdisc show dev va parent 7a0:14 | grep -q '^qdisc fq_codel' ||
	fail "default's leaf is not fq_codel: $(in_a tc qdisc show dev va)"

# --- packets reach their class by the priority nft set --------------------
# Video and bulk each offer 16 Mbit/s to a 10 Mbit/s link, where sharing
# gives them about 5.7 and 4.3, so their queues stay long (a local TCP
# sender would keep only a few packets queued) even where each sender
# reaches only half its rate: under qemu without KVM they managed about
# 8 Mbit/s, which once left a 20 Mbit/s link unsaturated. The RED checks
# below count on full queues, so the test first sees each pass its RED
# minimum. Video's datagrams are ECN-capable, so its RED marks them
# rather than drop. The sink listens 3 s longer than the senders send:
# under qemu the three start one after the other, slowly, and a datagram
# to a sink gone ends its sender with "Connection refused".
S=$TMPDIR_TEST/sink
sink_start "$S" 9 500 5004/udp 5005/udp 5006/udp
in_a "$TRAFFIC" udp "$B4" 5005 16000 1400 6 ect >"$TMPDIR_TEST/video" 2>&1 &
video=$!
in_a "$TRAFFIC" udp "$B4" 5006 16000 1400 6 >"$TMPDIR_TEST/bulk" 2>&1 &
bulk=$!
in_a "$TRAFFIC" udp "$B4" 5004 500 200 6 >"$TMPDIR_TEST/voice" 2>&1 &
voice=$!
wait_for 5 class_backlog_over va 7a0:13 20000
wait_for 5 class_backlog_over va 7a0:12 30000
log "bulk's and video's queues passed their RED minimum: both classes saturated"
wait "$voice" || fail "voice sender: $(cat "$TMPDIR_TEST/voice")"
wait "$video" || fail "video's sender: $(cat "$TMPDIR_TEST/video")"
wait "$bulk" || fail "bulk's sender: $(cat "$TMPDIR_TEST/bulk")"
sink_wait
class_sent() { in_a tc -s class show dev va classid "$1" | awk '/Sent/ { print $2; exit }'; }
for c in 11:5004/udp 12:5005/udp 13:5006/udp; do
	got=$(summary "$S" "${c#*:}" bytes) sent=$(class_sent "7a0:${c%%:*}")
	[ "${got:-0}" -gt 0 ] && [ "${sent:-0}" -ge "$got" ] ||
		fail "class 7a0:${c%%:*} sent ${sent:-0} bytes for ${c#*:}, which received ${got:-0}"
done
[ "$(class_sent 7a0:14)" -lt 100000 ] || fail "the default class carried $(class_sent 7a0:14) bytes"

# --- RED early under load, in qpodd's class statistics --------------------
# Bulk's RED drops early; video's marks its ECN-capable packets instead.
kill -USR1 "$QPODD_PID"
wait_for 5 grep -q 'va class 7a0:13 bulk:' "$QPODD_LOG"
line() { grep "va class 7a0:$1 " "$QPODD_LOG" | tail -1; }
log "$(line 12)"
log "$(line 13)"
early=$(line 13 | sed -n 's/.*RED early \([0-9]*\).*/\1/p')
marked=$(line 12 | sed -n 's/.*marked \([0-9]*\).*/\1/p')
[ "${early:-0}" -gt 0 ] || fail "bulk's RED dropped nothing early under a saturating load: $(line 13)"
[ "${marked:-0}" -gt 0 ] || fail "video's RED marked nothing under a saturating load: $(line 12)"
tc_early=$(in_a tc -s qdisc show dev va parent 7a0:13 | sed -n 's/.*early \([0-9]*\).*/\1/p')
[ "$tc_early" -eq "$early" ] || fail "tc counts $tc_early early drops in bulk, qpodd $early"

# --- a reload: video loses its limit, bulk's RED becomes fq_codel ---------
# HFSC keeps a curve a change leaves out, and a leaf of another kind under
# the same handle would be taken as a change: both need more than a change.
policy "" fq_codel
kill -HUP "$QPODD_PID"
wait_for 5 grep -q 'policy reloaded' "$QPODD_LOG"
grep -q 'va: queueing changed in place' "$QPODD_LOG" || fail "not changed in place: $(cat "$QPODD_LOG")"
in_a tc class show dev va classid 7a0:12 | grep -q ' ul ' &&
	fail "video kept its upper limit: $(in_a tc class show dev va classid 7a0:12)"
in_a tc class show dev va classid 7a0:12 | grep -q 'rt m1 6Mbit d 2ms m2 1Mbit' ||
	fail "video lost its real-time curve: $(in_a tc class show dev va classid 7a0:12)"
in_a tc qdisc show dev va parent 7a0:13 | grep -q '^qdisc fq_codel' ||
	fail "bulk's leaf is not fq_codel: $(in_a tc qdisc show dev va)"
log "reload: video without its upper limit, bulk on fq_codel, in place"
stop_qpodd
[ "$QPODD_STATUS" -eq 0 ] || fail "qpodd exited $QPODD_STATUS"
in_a tc qdisc show dev va | grep -q '^qdisc tbf 5: root' ||
	fail "va's tbf root did not come back: $(in_a tc qdisc show dev va)"
pass
