#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Stopping and crashing: after SIGTERM no qpod table remains and traffic
# flows; after kill -9, new sessions still connect with fail: open and do
# not with fail: closed, and the packets qpodd held are dropped (a TCP
# SYN is sent again and connects); a new qpodd replaces what a dead one
# left.
. "$(dirname "$0")/lib.sh"
need_netns
hosts_up

# Every session goes through the queue: what happens to held packets is
# the point (with one class, the kernel would decide them all).
policy() {
	cat >"$TMPDIR_TEST/policy.yaml" <<YAML
queue: { fail: $1, kernel-decisions: false }
classes:
  default: { dscp: AF21 }
YAML
}

# connects PORT: a TCP session from A to B on PORT gets through.
connects() {
	serve_tcp "$NS_B" "$B4" "$1" 1
	timeout 3 ip netns exec "$NS_A" $NETPROBE tcp-send "$B4" "$1" 1000 >/dev/null 2>&1
	rc=$?
	wait_for 5 qpodd_probe_done "$1"
	return $rc
}
qpodd_probe_done() { ! listening "$NS_B" tcp "$1"; }
# blocked PORT: the server gives up (its accept times out) unseen.
blocked() {
	ip netns exec "$NS_B" timeout 4 $NETPROBE tcp-serve "$B4" "$1" 1 >/dev/null 2>&1 &
	srv=$!
	wait_for 5 listening "$NS_B" tcp "$1"
	if timeout 2 ip netns exec "$NS_A" $NETPROBE tcp-send "$B4" "$1" 1000 >/dev/null 2>&1; then
		kill $srv
		return 1
	fi
	kill $srv 2>/dev/null
	return 0
}

# --- fail: open -----------------------------------------------------------
policy open
start_qpodd "$TMPDIR_TEST/policy.yaml"
observe af21 "tcp dport 7000-7099 ip dscp af21"
connects 7001 || fail "no connection while qpodd runs"
[ "$(count af21)" -gt 0 ] || fail "qpodd did not mark the session"
stop_qpodd TERM
[ "$QPODD_STATUS" -eq 0 ] || fail "qpodd exited $QPODD_STATUS on SIGTERM"
has_qpod_table && fail "the qpod table is still there after SIGTERM"
marked=$(count af21)
connects 7002 || fail "no connection after qpodd stopped"
[ "$(count af21)" -eq "$marked" ] || fail "packets were marked with qpodd stopped"
log "SIGTERM: exit 0, table gone, traffic flows unmarked"

start_qpodd "$TMPDIR_TEST/policy.yaml"
stop_qpodd KILL
has_qpod_table || fail "kill -9 should leave the table (that is what fail modes are about)"
connects 7003 || fail "fail: open, qpodd killed: a new session did not connect"
log "kill -9 with fail: open: the table stays, new sessions connect unmarked"

# Packets qpodd holds when it dies: qpodd stopped, a new UDP session's
# datagrams and a TCP SYN wait in its queue; kill -9 closes the queue,
# and the kernel drops what it held. The SYN is sent again a second
# later and passes (fail: open); the datagrams are lost.
start_qpodd "$TMPDIR_TEST/policy.yaml"
observe held_udp "udp dport 7050"
held() { [ "$(in_a awk '$1 == 0 { print $3 }' /proc/net/netfilter/nfnetlink_queue)" -ge "$1" ]; }
queue_gone() { ! in_a awk '$1 == 0 { found = 1 } END { exit !found }' /proc/net/netfilter/nfnetlink_queue; }
kill -STOP "$QPODD_PID"
in_a "$UDP_BURST" "$B4" 7050 20 || fail "udp-burst"
serve_tcp "$NS_B" "$B4" 7051 1
ip netns exec "$NS_A" timeout 10 $NETPROBE tcp-send "$B4" 7051 1000 >/dev/null 2>&1 &
sender=$!
wait_for 5 held 21
[ "$(count held_udp)" -eq 0 ] || fail "held datagrams arrived while qpodd was stopped"
stop_qpodd KILL
wait_for 5 queue_gone
wait "$sender" || fail "fail: open: the TCP session whose SYN qpodd held at its death did not connect"
wait_for 5 grep -q received=1000 "$TMPDIR_TEST/serve-7051"
[ "$(count held_udp)" -eq 0 ] || fail "the kernel passed $(count held_udp) held datagrams after qpodd's death"
log "kill -9 with packets held: the kernel dropped them; the TCP SYN's resend connected"

# A new qpodd replaces the dead one's table and works.
start_qpodd "$TMPDIR_TEST/policy.yaml"
[ "$(in_a nft list tables | grep -c 'inet qpod')" -eq 1 ] || fail "not exactly one qpod table"
marked=$(count af21)
connects 7004 || fail "no connection after the restart"
[ "$(count af21)" -gt "$marked" ] || fail "the restarted qpodd does not mark"
stop_qpodd TERM
log "restart after a crash: stale table replaced, marking again"

# --- fail: closed ---------------------------------------------------------
policy closed
start_qpodd "$TMPDIR_TEST/policy.yaml"
connects 7010 || fail "fail: closed: no connection while qpodd runs"
stop_qpodd KILL
blocked 7011 || fail "fail: closed, qpodd killed: a new session connected"
log "kill -9 with fail: closed: new sessions are dropped"
start_qpodd "$TMPDIR_TEST/policy.yaml"
connects 7012 || fail "fail: closed: no connection after the restart"
stop_qpodd TERM
has_qpod_table && fail "the qpod table is still there after SIGTERM"
connects 7013 || fail "fail: closed: no connection after a clean stop"
log "fail: closed: restart works, a clean stop lets traffic flow"
pass
