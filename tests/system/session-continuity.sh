#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Sessions older than qpodd are its own: long TCP and UDP flows, IPv4 and
# IPv6, started before qpodd get their class's DSCP within a second of
# its start and are listed with their pid as adopted, counted against
# their application's max-sessions. After kill -9 and a restart on the
# same policy, not one of their packets changes DSCP, they are listed
# again with their owner, and the budget counts the same; a session the
# dead qpodd left "pending" in its connection is decided. Under fail:
# open and under fail: closed.
. "$(dirname "$0")/lib.sh"
need_netns
[ -x "$UDP_BURST" ] && [ -x "$TCP_CLIENT" ] || fail "missing test helpers (make check builds them)"
hosts_up
mkdir -p "$TMPDIR_TEST/bin"
cp "$UDP_BURST" "$TMPDIR_TEST/bin/voicecall"
cp "$TCP_CLIENT" "$TMPDIR_TEST/bin/backup"
P=$TMPDIR_TEST/policy.yaml
# A's firewall tracks connections, so conntrack has the flows from their
# first packet on, as on most hosts (a namespace tracks none until a rule
# asks for it).
in_a nft add table inet fw &&
	in_a nft add chain inet fw out '{ type filter hook output priority 0; }' &&
	in_a nft add rule inet fw out ct state established,related accept || fail "A's firewall"

# sessions_as_wanted UPORT TPORT UDP_BY: the four flows are listed, TCP
# as adopted and UDP as decided by UDP_BY (a regular expression), with
# their pids and classes, and nothing else is.
sessions_as_wanted() {
	[ "$(json_eval "$(ctl --json sessions)" "(sorted((s['pid'], s['class'], s['application'],
		bool(re.fullmatch('$3' if s['protocol'] == 'udp' else 'adopted', s['decided_by'])))
		for s in a['sessions'] if s['remote'].endswith(':$1') or s['remote'].endswith(':$2'))
		== sorted([($FLOW4, 'voice', 'call', True), ($FLOW6, 'voice', 'call', True),
			($TFLOW4, 'bulk', 'backup', True), ($TFLOW6, 'bulk', 'backup', True)]))")" = True ]
}
# calls_counted: application call has its two sessions counted against
# its max-sessions.
calls_counted() {
	[ "$(json_eval "$(ctl --json apps)" "[(x['sessions'], x['counted']) for x in a['applications'] if x['name'] == 'call']")" = "[(2, 2)]" ]
}
# quiet_listed PORT BY: the quiet session to PORT is listed with its pid,
# in the default class, decided by BY.
quiet_listed() {
	[ "$(json_eval "$(ctl --json sessions)" "[(s['pid'], s['class'], s['decided_by'])
		for s in a['sessions'] if s['remote'] == '$B4:$1']")" = "[($quiet, 'default', '$2')]" ]
}
# quiet_mark PORT: the quiet session's connection mark, in decimal.
quiet_mark() {
	in_a conntrack -L -p udp --dport "$1" 2>/dev/null | sed -n 's/.* mark=\([0-9]*\).*/\1/p'
}
# marked PREFIX: every flow has a packet with its class's DSCP in
# counters PREFIX.
marked() {
	for v in 4 6; do
		[ "$(count "${1}u$v")" -gt 0 ] && [ "$(count "${1}t$v")" -gt 0 ] || return 1
	done
}
# observe_flows PREFIX UPORT TPORT: counters PREFIX{u,t}{4,6} of the
# flows' packets with their class's DSCP, and PREFIX{u,t}{4,6}all of all,
# made in one transaction: each pair counts the same packets.
observe_flows() {
	observe "$1-first" "udp dport 1"	# the table and chain
	for v in 4 6; do
		m=ip
		[ $v = 6 ] && m=ip6
		echo "add counter inet obs $1u${v}all"
		echo "add counter inet obs $1u$v"
		echo "add counter inet obs $1t${v}all"
		echo "add counter inet obs $1t$v"
		echo "add rule inet obs in udp dport $2 meta nfproto ipv$v counter name $1u${v}all"
		echo "add rule inet obs in udp dport $2 $m dscp ef counter name $1u$v"
		echo "add rule inet obs in tcp dport $3 meta nfproto ipv$v counter name $1t${v}all"
		echo "add rule inet obs in tcp dport $3 $m dscp cs1 counter name $1t$v"
	done | in_b nft -f - || fail "nft counters in B"
}
# grown PREFIX N: every flow has N packets or more in counters PREFIX.
grown() {
	for f in u4 u6 t4 t6; do
		[ "$(count "$1${f}all")" -ge "$2" ] || return 1
	done
}

round() {	# round open|closed UPORT TPORT
	cat >"$P" <<YAML
classes:
  voice: { dscp: EF }
  bulk: { dscp: CS1 }
  default: { dscp: AF11 }
applications:
  - name: call
    match: { exe: "*/bin/voicecall" }
    class: voice
    max-sessions: 2
    over-budget: default
  - name: backup
    match: { exe: "*/bin/backup" }
    class: bulk
queue: { fail: $1 }
YAML
	observe_flows "$1" "$2" "$3"
	start_udp_flows "$2" "$TMPDIR_TEST/bin/voicecall"
	start_tcp_flows "$3" "$TMPDIR_TEST/bin/backup"
	# What adoption counts on: the flows run, unmarked, before qpodd.
	wait_for 5 grown "$1" 20
	marked "$1" && fail "fail: $1: a flow had a class before qpodd started"

	start_qpodd "$P"
	wait_for 1 marked "$1"
	log "fail: $1: flows started before qpodd got their class within 1 s of its start"
	# A UDP flow with no reply is "new" to conntrack at each packet: its
	# next one may be queued as a new session's before adoption marks it.
	wait_for 5 sessions_as_wanted "$2" "$3" "adopted|application"
	grep -q 'adopted . sessions older than this qpodd: 0 kept' "$QPODD_LOG" ||
		fail "fail: $1: adoption's summary: $(grep adopted "$QPODD_LOG")"
	wait_for 5 calls_counted

	# Every packet from here on, across kill -9 and the restart.
	observe_flows "$1across" "$2" "$3"
	wait_for 5 grown "$1across" 20
	# A quiet session, decided by the default class. With qpodd dead, a
	# firewall rule marks its connection "pending", as a qpodd that dies
	# between releasing a session and marking its connection leaves it,
	# at its second datagram.
	in_b nft add rule inet obs sink udp dport $(($2 + 2)) drop
	ip netns exec "$NS_A" python3 -c "import os, socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(('$B4', $(($2 + 2))))
s.send(b'x')
while not os.path.exists('$TMPDIR_TEST/again$1'):
    time.sleep(0.05)
s.send(b'x')
time.sleep(60)" &
	quiet=$!
	at_exit "kill $quiet"
	wait_for 5 quiet_listed "$(($2 + 2))" default
	stop_qpodd KILL
	in_a nft add rule inet fw out udp dport $(($2 + 2)) ct mark set 0xfe0000 || fail "nft ct mark"
	touch "$TMPDIR_TEST/again$1"
	qport=$(($2 + 2))
	pending() { [ "$(quiet_mark "$qport")" = $((0xfe0000)) ]; }
	wait_for 5 pending
	in_a nft flush chain inet fw out && in_a nft add rule inet fw out ct state established,related accept ||
		fail "A's firewall"
	# What the check counts on: packets went while no qpodd ran.
	before=$(count "$1acrossu4all")
	wait_for 5 sh -c "[ \$(ip netns exec $NS_B nft list counter inet obs $1acrossu4all | awk '/packets/ { print \$2 }') -ge $((before + 20)) ]"
	start_qpodd "$P"
	wait_for 5 sessions_as_wanted "$2" "$3" adopted
	grep -q 'adopted 5 sessions older than this qpodd: 4 kept the class their connection had, 1 got one' "$QPODD_LOG" ||
		fail "fail: $1: adoption's summary after the restart: $(grep adopted "$QPODD_LOG")"
	# The pending session was decided, not left stuck.
	wait_for 5 quiet_listed "$(($2 + 2))" adopted
	m=$(quiet_mark "$(($2 + 2))")
	[ "$m" -gt 0 ] && [ "$m" -lt $((0xfe0000)) ] || fail "fail: $1: the pending session's mark is $m"
	kill "$quiet"
	wait_for 5 calls_counted
	before=$(count "$1acrossu4all")
	wait_for 5 sh -c "[ \$(ip netns exec $NS_B nft list counter inet obs $1acrossu4all | awk '/packets/ { print \$2 }') -ge $((before + 20)) ]"
	# Stopped, so that the counters come to rest.
	kill -STOP "$FLOW4" "$FLOW6" "$TFLOW4" "$TFLOW6"
	for f in u4 u6 t4 t6; do
		all_counted "$1across${f}all" "$1across$f" ||
			fail "fail: $1: flow $f: $hit of $total packets kept their DSCP across kill -9 and a restart"
	done
	log "fail: $1: across kill -9 and a restart, every packet of the four flows kept its DSCP ($total of the last)"

	# The budget counted the adopted sessions: a third call is over it.
	observe "$1third" "udp dport $(($2 + 1)) ip dscp af11"
	in_b nft add rule inet obs sink udp dport $(($2 + 1)) drop
	in_a "$TMPDIR_TEST/bin/voicecall" "$B4" $(($2 + 1)) 5
	wait_for 5 sh -c "[ \$(ip netns exec $NS_B nft list counter inet obs $1third | awk '/packets/ { print \$2 }') -eq 5 ]"
	stop_qpodd
	kill -CONT "$FLOW4" "$FLOW6" "$TFLOW4" "$TFLOW6"
	kill "$FLOW4" "$FLOW6" "$TFLOW4" "$TFLOW6"
}

round open 9100 9200
round closed 9110 9210
pass
