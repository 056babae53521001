#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for test scripts that run inside the qpod test VM (tests/vm/run):
# busybox sh with busybox's applets first in PATH, no bash (python3 is
# there, for the system tests). Source it with
#   . "${QPOD_VM_LIB:-$(dirname "$0")/lib-vm.sh}"
# shellcheck disable=SC2034 # variables here are for the tests

set -u

TEST_NAME=$(basename "$0" .sh)

# busybox sh runs its own ip/tc applets before looking at PATH, and those
# lack what the tests need (netns, hfsc, red): always the real ones.
IP=/usr/sbin/ip
TC=/usr/sbin/tc
NFT=/usr/sbin/nft
ip() { "$IP" "$@"; }
tc() { "$TC" "$@"; }

A4=198.18.0.1
B4=198.18.0.2
A6=2001:db8::1
B6=2001:db8::2
NS_A=qpod-a
NS_B=qpod-b

log() { printf '%s: %s\n' "$TEST_NAME" "$*" >&2; }
fail() {
	log "FAIL: $*"
	exit 1
}
skip() {
	log "SKIP: $*"
	exit 77
}
pass() {
	log "PASS"
	exit 0
}

CLEANUP_HOOKS=""
# at_exit CMD: run the shell string CMD on exit, last added first.
at_exit() { CLEANUP_HOOKS="$1; $CLEANUP_HOOKS"; }
run_cleanup() {
	rc=$?
	trap - EXIT INT TERM
	eval "$CLEANUP_HOOKS" >/dev/null 2>&1 || true
	exit "$rc"
}
trap run_cleanup EXIT
trap 'exit 1' INT TERM

# Fractional sleep is a build option of busybox; usleep is not.
if usleep 0 2>/dev/null; then
	nap() { usleep 50000; }
else
	nap() { sleep 0.05; }
fi

# uptime_cs: centiseconds since boot, without forking (wait_for calls it
# every 50 ms).
uptime_cs() {
	read -r up _ </proc/uptime
	echo "$((${up%.*} * 100 + 1${up#*.} - 100))"
}

# wait_for TIMEOUT_S CMD...: polls CMD every 50 ms until it succeeds; fails
# the test when TIMEOUT_S seconds pass first.
wait_for() {
	wf_deadline=$(($(uptime_cs) + $1 * 100))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(uptime_cs)" -lt "$wf_deadline" ] || fail "timed out waiting for: $*"
		nap
	done
}

in_a() { "$IP" netns exec "$NS_A" "$@"; }
in_b() { "$IP" netns exec "$NS_B" "$@"; }

# mac_of NS DEV
mac_of() { "$IP" -n "$1" -br link show "$2" | awk '{ print $3 }'; }

# hosts_up: two hosts, namespaces $NS_A and $NS_B, on a veth pair va/vb,
# with $A4/$A6 on va and $B4/$B6 on vb.
hosts_up() {
	for ns in "$NS_A" "$NS_B"; do
		"$IP" netns add "$ns" || fail "ip netns add $ns"
		at_exit "$IP netns del $ns"
		# A tentative address holds the first IPv6 packets for a second,
		# which would look like a delay of qpodd's: no DAD, set before
		# the veth exists so its addresses inherit it.
		"$IP" netns exec "$ns" sysctl -w net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_dad=0 >/dev/null || fail "sysctl accept_dad in $ns"
		"$IP" -n "$ns" link set lo up || fail "lo up in $ns"
	done
	"$IP" link add va netns "$NS_A" type veth peer name vb netns "$NS_B" ||
		fail "ip link add veth va/vb"
	"$IP" -n "$NS_A" addr add "$A4/24" dev va || fail "address $A4"
	"$IP" -n "$NS_B" addr add "$B4/24" dev vb || fail "address $B4"
	"$IP" -n "$NS_A" addr add "$A6/64" dev va nodad || fail "address $A6"
	"$IP" -n "$NS_B" addr add "$B6/64" dev vb nodad || fail "address $B6"
	"$IP" -n "$NS_A" link set va up || fail "va up"
	"$IP" -n "$NS_B" link set vb up || fail "vb up"
	# Static neighbours: no ARP or neighbour solicitation on the wire, and
	# no retry a second later that would look like a delay of qpodd's.
	mac_a=$(mac_of "$NS_A" va)
	mac_b=$(mac_of "$NS_B" vb)
	{ [ -n "$mac_a" ] && [ -n "$mac_b" ]; } || fail "no MAC address on va/vb"
	for addr in "$B4" "$B6"; do
		"$IP" -n "$NS_A" neigh replace "$addr" lladdr "$mac_b" dev va nud permanent ||
			fail "neighbour $addr in $NS_A"
	done
	for addr in "$A4" "$A6"; do
		"$IP" -n "$NS_B" neigh replace "$addr" lladdr "$mac_a" dev vb nud permanent ||
			fail "neighbour $addr in $NS_B"
	done
	wait_for 5 hosts_ready
}

hosts_ready() {
	[ -z "$("$IP" -n "$NS_A" -6 addr show tentative)" ] &&
		[ -z "$("$IP" -n "$NS_B" -6 addr show tentative)" ] &&
		"$IP" -n "$NS_A" link show va | grep -q 'state UP' &&
		"$IP" -n "$NS_B" link show vb | grep -q 'state UP'
}

# tcp_listening NS PORT: a TCP socket listens on PORT in NS (no ss needed).
tcp_listening() {
	hex=$(printf ':%04X ' "$2")
	"$IP" netns exec "$1" cat /proc/net/tcp /proc/net/tcp6 |
		awk -v p="$hex" 'index($2 " ", p) && $4 == "0A" { found = 1 } END { exit !found }'
}
