#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The VM kernel has what the build machines' kernel lacks: the native nft
# queue expression, HFSC and RED; and two hosts on a veth pair can talk
# through them.

# shellcheck source-path=SCRIPTDIR source=lib-vm.sh
. "${QPOD_VM_LIB:-$(dirname "$0")/lib-vm.sh}"

log "kernel $(uname -r)"
hosts_up

# Native queue. bypass: with nobody listening on queue 0 packets pass, so
# the traffic check below also goes through this rule.
in_a "$NFT" add table inet t || fail "nft add table"
in_a "$NFT" add chain inet t c '{ type filter hook output priority 0; }' ||
	fail "nft add chain with an output hook"
in_a "$NFT" add rule inet t c queue num 0 bypass ||
	fail "native nft queue expression (nft_queue) missing"
in_a "$NFT" list chain inet t c | grep -q 'queue.*bypass' ||
	fail "queue rule not listed: $(in_a "$NFT" list chain inet t c 2>&1)"

in_a "$TC" qdisc add dev va root handle 1: hfsc default 10 || fail "hfsc root qdisc"
in_a "$TC" class add dev va parent 1: classid 1:1 hfsc ls m2 10mbit ul m2 10mbit ||
	fail "hfsc class 1:1"
in_a "$TC" class add dev va parent 1:1 classid 1:10 hfsc rt m2 2mbit ls m2 8mbit ||
	fail "hfsc class 1:10 with rt and ls curves"
in_a "$TC" qdisc add dev va parent 1:10 handle 10: red limit 400000 min 30000 \
	max 90000 avpkt 1000 burst 55 bandwidth 10mbit probability 0.02 ||
	fail "red leaf qdisc"
in_a "$TC" qdisc show dev va | grep -q '^qdisc red 10:' ||
	fail "red qdisc not shown: $(in_a "$TC" qdisc show dev va 2>&1)"

# TCP both ways over IPv4 and IPv6, no ping. Each nc reads from a FIFO
# the test holds open, so neither quits at its stdin's end before the
# other's line arrived, however slow the machine; the test waits for both
# lines, then ends them.
check_tcp() {
	addr=$1
	port=$2
	rm -f /tmp/at-a /tmp/at-b /tmp/to-a /tmp/to-b
	mkfifo /tmp/to-a /tmp/to-b || fail "mkfifo"
	"$IP" netns exec "$NS_B" nc -l -p "$port" </tmp/to-b >/tmp/at-b 2>&1 &
	server=$!
	exec 4>/tmp/to-b
	echo from-b >&4
	wait_for 5 tcp_listening "$NS_B" "$port"
	"$IP" netns exec "$NS_A" nc "$addr" "$port" </tmp/to-a >/tmp/at-a 2>&1 &
	client=$!
	exec 5>/tmp/to-a
	echo from-a >&5
	got() { grep -qx "$1" "$2"; }
	wait_for 10 got from-a /tmp/at-b
	wait_for 10 got from-b /tmp/at-a
	exec 4>&- 5>&-
	kill "$client" "$server" 2>/dev/null
	wait "$client" "$server" 2>/dev/null
	rm -f /tmp/to-a /tmp/to-b
}
check_tcp "$B4" 5000
check_tcp "$B6" 5001

# The traffic really went through the HFSC leaf and its RED qdisc.
sent=$(in_a "$TC" -s class show dev va classid 1:10 |
	awk '$1 == "Sent" { print $4; exit }')
[ "${sent:-0}" -gt 0 ] ||
	fail "no packets in hfsc class 1:10: $(in_a "$TC" -s class show dev va 2>&1)"
log "hfsc 1:10 carried $sent packets"

pass
