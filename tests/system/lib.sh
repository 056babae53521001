# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for the system tests. Source it with:  . "$(dirname "$0")/lib.sh"

set -u

: "${QPODD:=qpodd}"
# qpod-ctl beside the qpodd under test, else the one on the PATH.
case $QPODD in
*/*) : "${QPOD_CTL:=$(dirname "$QPODD")/qpod-ctl}" ;;
*) : "${QPOD_CTL:=qpod-ctl}" ;;
esac
: "${QPOD_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"

TEST_NAME=$(basename "$0" .sh)
TMPDIR_TEST=$(mktemp -d "/tmp/qpod-$TEST_NAME.XXXXXX")
CLEANUP_HOOKS=""

log() { printf '%s: %s\n' "$TEST_NAME" "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
skip() { log "SKIP: $*"; exit 77; }
pass() { log "PASS"; exit 0; }

# at_exit CMD: run CMD (a shell string) on exit, last added first.
at_exit() { CLEANUP_HOOKS="$1; $CLEANUP_HOOKS"; }
run_cleanup() {
	rc=$?
	trap - EXIT INT TERM
	eval "$CLEANUP_HOOKS" >/dev/null 2>&1 || true
	rm -rf "$TMPDIR_TEST"
	exit "$rc"
}
trap run_cleanup EXIT
trap 'exit 1' INT TERM

# expect_rc WANT CMD...: runs CMD with output in $OUT/$ERR, checks its exit status.
expect_rc() {
	want=$1
	shift
	"$@" >"$TMPDIR_TEST/out" 2>"$TMPDIR_TEST/err"
	got=$?
	OUT=$(cat "$TMPDIR_TEST/out")
	ERR=$(cat "$TMPDIR_TEST/err")
	[ "$got" -eq "$want" ] || fail "'$*' exited $got, wanted $want; stdout: $OUT; stderr: $ERR"
}

# contains TEXT NEEDLE WHAT: fails unless TEXT contains NEEDLE.
contains() {
	case "$1" in
	*"$2"*) ;;
	*) fail "$3: '$2' not found in: $1" ;;
	esac
}

# wait_for TIMEOUT_S CMD...: polls CMD every 50 ms until it succeeds; fails on timeout.
wait_for() {
	timeout_s=$1
	shift
	deadline=$(($(date +%s%N) + timeout_s * 1000000000))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$deadline" ] || fail "timed out after ${timeout_s}s waiting for: $*"
		sleep 0.05
	done
}

# ---- network namespaces -----------------------------------------------------
# Two hosts on a veth pair: A (where qpodd runs) and B (its peer), with
# 198.18.0.1/24 and 2001:db8::1/64 on A, .2 and ::2 on B.

A4=198.18.0.1
B4=198.18.0.2
A6=2001:db8::1
B6=2001:db8::2
NETPROBE="python3 $QPOD_SRCDIR/tests/system/netprobe.py"
: "${UDP_BURST:=$(dirname "$QPODD")/../tests/helpers/udp-burst}"
: "${TCP_CLIENT:=$(dirname "$QPODD")/../tests/helpers/tcp-client}"
: "${TRAFFIC:=$(dirname "$QPODD")/../tests/helpers/traffic}"

# need_netns: skip unless root with network namespaces and nft.
need_netns() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	command -v nft >/dev/null || skip "needs nft (Debian package nftables)"
	command -v python3 >/dev/null || skip "needs python3"
	ip netns add "qpod-probe-$$" 2>/dev/null || skip "cannot create network namespaces"
	ip netns del "qpod-probe-$$"
}

hosts_up() {
	NS_A="qpod-a-$$"
	NS_B="qpod-b-$$"
	ip netns add "$NS_A" || fail "ip netns add"
	at_exit "ip netns del $NS_A"
	ip netns add "$NS_B" || fail "ip netns add"
	at_exit "ip netns del $NS_B"
	# No duplicate address detection: a tentative link-local address holds
	# the first IPv6 packets for a second, which would look like a qpodd delay.
	for ns in "$NS_A" "$NS_B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_dad=0 || fail "sysctl in $ns"
	done
	ip link add va netns "$NS_A" type veth peer name vb netns "$NS_B" || fail "veth"
	ip -n "$NS_A" addr add "$A4/24" dev va
	ip -n "$NS_B" addr add "$B4/24" dev vb
	ip -n "$NS_A" addr add "$A6/64" dev va nodad
	ip -n "$NS_B" addr add "$B6/64" dev vb nodad
	for ns in "$NS_A" "$NS_B"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$NS_A" link set va up
	ip -n "$NS_B" link set vb up
	# Static neighbours: right after link-up the first IPv6 neighbour
	# solicitation can go unanswered and be retried a second later, which
	# would look like a delay of qpodd's.
	mac_a=$(ip -n "$NS_A" -br link show va | awk '{ print $3 }')
	mac_b=$(ip -n "$NS_B" -br link show vb | awk '{ print $3 }')
	ip -n "$NS_A" neigh replace "$B4" lladdr "$mac_b" dev va nud permanent
	ip -n "$NS_A" neigh replace "$B6" lladdr "$mac_b" dev va nud permanent
	ip -n "$NS_B" neigh replace "$A4" lladdr "$mac_a" dev vb nud permanent
	ip -n "$NS_B" neigh replace "$A6" lladdr "$mac_a" dev vb nud permanent
	wait_for 5 addresses_ready
}

addresses_ready() {
	[ -z "$(ip -n "$NS_A" -6 addr show tentative)" ] &&
		[ -z "$(ip -n "$NS_B" -6 addr show tentative)" ] &&
		ip -n "$NS_A" link show va | grep -q 'state UP'
}

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

# start_qpodd POLICY [ARGS]: runs qpodd in A and waits for its table;
# its control socket is $QPODD_SOCKET. QPODD_WRAP, if set, is a command
# qpodd runs under (ip netns exec "$NS_A": without process events).
start_qpodd() {
	policy=$1
	shift
	QPODD_RUNS=$((${QPODD_RUNS:-0} + 1))
	QPODD_LOG="$TMPDIR_TEST/qpodd.$QPODD_RUNS.log"
	QPODD_SOCKET="$TMPDIR_TEST/control.sock"
	# --netns, not ip netns exec: qpodd subscribes to process events in
	# this namespace, where the kernel offers them, then joins A. A control
	# socket and class values of the test's own: tests run side by side.
	# The session log stays in the test's directory unless the policy
	# says where (a drop-in, so a -D of the test's own replaces it).
	mkdir -p "$TMPDIR_TEST/dropins"
	rm -f "$TMPDIR_TEST/dropins/log.yaml"
	grep -q '^log:' "$policy" ||
		printf 'log: { sessions: %s/sessions.jsonl }\n' "$TMPDIR_TEST" >"$TMPDIR_TEST/dropins/log.yaml"
	# shellcheck disable=SC2086 # QPODD_WRAP is a command and its arguments
	setsid ${QPODD_WRAP:-} "$QPODD" --netns "$NS_A" -c "$policy" -D "$TMPDIR_TEST/dropins" \
		--control-socket "$QPODD_SOCKET" --state-dir "$TMPDIR_TEST/state" "$@" \
		>"$QPODD_LOG" 2>&1 </dev/null &
	QPODD_PID=$!
	at_exit "kill -9 $QPODD_PID"
	QPODD_EXITED=""
	wait_for 10 qpodd_ready
	[ -z "$QPODD_EXITED" ] || fail "qpodd exited: $(cat "$QPODD_LOG")"
}

# (wait_for hides a condition's output: an exit is reported after it.)
qpodd_ready() {
	kill -0 "$QPODD_PID" 2>/dev/null || { QPODD_EXITED=1; return 0; }
	grep -q 'running:' "$QPODD_LOG"
}

# stop_qpodd [SIGNAL]: signals qpodd and waits for it; sets QPODD_STATUS.
stop_qpodd() {
	kill -"${1:-TERM}" "$QPODD_PID"
	wait_for 10 qpodd_gone
	wait "$QPODD_PID" 2>/dev/null
	QPODD_STATUS=$?
}

qpodd_gone() { ! kill -0 "$QPODD_PID" 2>/dev/null; }

# (nft cannot print the compat NFQUEUE target, so list tables, not the table.)
has_qpod_table() { in_a nft list tables | grep -qx 'table inet qpod'; }

# observe NAME MATCH: counts, in B's input path, packets matching MATCH
# (an nft expression) in the named counter NAME.
observe() {
	if ! in_b nft list table inet obs >/dev/null 2>&1; then
		in_b nft add table inet obs || fail "nft add table"
		in_b nft add chain inet obs in '{ type filter hook input priority -300; }' ||
			fail "nft add chain"
	fi
	in_b nft add counter inet obs "$1"
	in_b nft add rule inet obs in "$2" counter name "$1"
}

# count NAME: packets the counter NAME has seen.
count() {
	in_b nft list counter inet obs "$1" | awk '/packets/ { print $2 }'
}

# all_counted TOTAL HIT: true once counter HIT has seen every packet TOTAL
# has, and at least one.  Packets still in flight make the two differ for a
# moment, so it reads HIT before TOTAL and tries for up to 5 s; the last
# reading stays in $hit and $total for the caller's message.
all_counted() {
	deadline=$(($(date +%s%N) + 5000000000))
	while :; do
		hit=$(count "$2") total=$(count "$1")
		[ "$total" -gt 0 ] && [ "$hit" -eq "$total" ] && return 0
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# ctl ARGS: qpod-ctl, asking the qpodd start_qpodd ran.
ctl() { "$QPOD_CTL" --socket "$QPODD_SOCKET" "$@"; }

# observe_udp NAME PORT [DSCP]: counters NAME4 and NAME6 of the UDP
# packets to PORT of each family (those with DSCP only, if given).
observe_udp() {
	for v in 4 6; do
		if [ -n "${3:-}" ]; then
			m=ip
			[ $v = 6 ] && m=ip6
			observe "$1$v" "udp dport $2 $m dscp $3"
		else
			observe "$1$v" "udp dport $2 meta nfproto ipv$v"
		fi
	done
}

# start_udp_flows PORT [PROGRAM]: two long UDP flows from A to B's PORT,
# IPv4 and IPv6, 100 datagrams a second from one socket each (sent by
# PROGRAM, a copy of udp-burst, if given), dropped in B after every
# counter (in a chain of their own, at a later priority: counters added
# later still count them) so that no port unreachable comes back. Started
# as themselves, not in a subshell: `flows_pause` and `flows_resume` stop
# and continue them by pid, $FLOW4 and $FLOW6.
start_udp_flows() {
	command -v conntrack >/dev/null || skip "needs conntrack (conntrack-tools)"
	in_b nft list chain inet obs sink >/dev/null 2>&1 ||
		in_b nft add chain inet obs sink '{ type filter hook input priority 0; }' ||
		fail "nft sink chain in B"
	in_b nft add rule inet obs sink udp dport "$1" drop || fail "nft drop rule in B"
	ip netns exec "$NS_A" "${2:-$UDP_BURST}" "$B4" "$1" 20000 1 10000 &
	FLOW4=$!
	ip netns exec "$NS_A" "${2:-$UDP_BURST}" "$B6" "$1" 20000 1 10000 &
	FLOW6=$!
	at_exit "kill -CONT $FLOW4 $FLOW6; kill $FLOW4 $FLOW6"
	FLOWS_PORT=$1
}
# long_udp_flows PORT: start_udp_flows, then waits until qpodd has marked
# both connections.
long_udp_flows() {
	start_udp_flows "$1"
	wait_for 10 flows_marked
}
flows_pause() { kill -STOP "$FLOW4" "$FLOW6"; }
flows_resume() { kill -CONT "$FLOW4" "$FLOW6"; }
# flow_ct_mark 4|6: the connection mark of that flow, in decimal.
flow_ct_mark() {
	in_a conntrack -L -f "ipv$1" -p udp --dport "$FLOWS_PORT" 2>/dev/null |
		sed -n 's/.* mark=\([0-9]*\).*/\1/p'
}
# Marked with a class: under the default mark-mask 0x00ff0000, neither 0
# (undecided), 0xfe0000 (pending) nor 0xff0000 (unmanaged).
flows_marked() {
	for v in 4 6; do
		m=$(flow_ct_mark $v)
		[ "${m:-0}" -gt 0 ] && [ "$m" -lt $((0xfe0000)) ] || return 1
	done
}
# start_tcp_flows PORT PROGRAM: two long TCP flows from A to B's PORT,
# IPv4 and IPv6, 100 bytes every 10 ms for two minutes, sent by PROGRAM (a
# copy of tcp-client), pids $TFLOW4 and $TFLOW6.
start_tcp_flows() {
	for b in "$B4" "$B6"; do
		serve_tcp "$NS_B" "$b" "$1" 1
	done
	ip netns exec "$NS_A" "$2" "$B4" "$1" 0 120000 10 &
	TFLOW4=$!
	ip netns exec "$NS_A" "$2" "$B6" "$1" 0 120000 10 &
	TFLOW6=$!
	at_exit "kill $TFLOW4 $TFLOW6"
}
# flows_grown PREFIX: counters PREFIX4 and PREFIX6 have 50 packets or more.
flows_grown() { [ "$(count "${1}4")" -ge 50 ] && [ "$(count "${1}6")" -ge 50 ]; }

# json_eval JSON EXPR: the value of the Python expression EXPR over the
# JSON document, which it calls a.
json_eval() {
	python3 -c 'import json, re, sys; a = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}

# queued: packets qpodd's queue 0 has been handed so far in A.
queued() {
	in_a awk '$1 == 0 { print $8 }' /proc/net/netfilter/nfnetlink_queue
}

# listening NS PROTO PORT: true once a socket listens on PORT in NS.
listening() {
	ip netns exec "$1" ss -Hln"$( [ "$2" = udp ] && echo u || echo t )" "sport = :$3" | grep -q .
}

# serve_tcp NS ADDR PORT COUNT: a TCP server in NS, in the background,
# its output in $TMPDIR_TEST/serve-PORT. Not `listening`, which sees only
# the port: an earlier round's server on another address may still be
# there. Emptied first, the file's line is this server's.
serve_tcp() {
	serve_out=$TMPDIR_TEST/serve-$3
	: >"$serve_out"
	# shellcheck disable=SC2086 # NETPROBE is python3 and the script
	ip netns exec "$1" $NETPROBE tcp-serve "$2" "$3" "$4" >>"$serve_out" 2>&1 &
	wait_for 5 grep -qx listening "$serve_out"
}
