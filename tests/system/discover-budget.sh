#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Per-application admission: over max-sessions, or over max-rate, an
# application's new sessions get its over-budget class; once under budget
# again, its own class. A session frees its place also when conntrack
# names it otherwise (redirected), when its first packet was dropped after
# qpodd's verdict (no connection, so no end event), and when qpodd decides
# it a second time.
. "$(dirname "$0")/lib.sh"
need_netns
[ -x "$TCP_CLIENT" ] || fail "missing test helper $TCP_CLIENT (make check builds it)"
hosts_up
mkdir -p "$TMPDIR_TEST/capped" "$TMPDIR_TEST/greedy"
cp "$TCP_CLIENT" "$TMPDIR_TEST/capped/client"
cp "$TCP_CLIENT" "$TMPDIR_TEST/greedy/client"

cat >"$TMPDIR_TEST/policy.yaml" <<YAML
classes:
  voice: { dscp: EF }
  bulk: { dscp: CS1 }
  default: { dscp: AF11 }
applications:
  - name: capped
    match: { exe: "*/capped/client" }
    class: voice
    max-sessions: 2
    over-budget: bulk
  - name: greedy
    match: { exe: "*/greedy/client" }
    class: voice
    max-rate: 2mbit
    over-budget: bulk
YAML
start_qpodd "$TMPDIR_TEST/policy.yaml" -v

for p in 7001 7002 7003 7004 7012 7013; do
	observe "p$p" "tcp dport $p"
	observe "ef$p" "tcp dport $p ip dscp ef"
	observe "cs1_$p" "tcp dport $p ip dscp cs1"
done
all_of() {	# all_of PORT DSCP WHAT
	all_counted "p$1" "$2$1" || fail "$3: $hit of $total packets as wanted"
}

# Two sessions held open: the third is over max-sessions. Every server
# first, and a hold long enough for a slow emulated machine: the third
# must start while the two are open.
for p in 7001 7002 7003; do
	serve_tcp "$NS_B" "$B4" $p 1
done
held=""
for p in 7001 7002; do
	in_a "$TMPDIR_TEST/capped/client" "$B4" $p 1000 8000 &
	held="$held $!"
	wait_for 5 sh -c "grep -q ':$p: pid' '$QPODD_LOG'"
done
in_a "$TMPDIR_TEST/capped/client" "$B4" 7003 20000 || fail "third session"
all_of 7001 ef "first session of capped"
all_of 7003 cs1_ "third session of capped (over max-sessions)"
grep -q ":7003: .*(over-budget)" "$QPODD_LOG" || fail "the decision does not say over budget"
# The first two close: capped is within budget again.
for pid in $held; do
	wait "$pid"
done
serve_tcp "$NS_B" "$B4" 7004 1
in_a "$TMPDIR_TEST/capped/client" "$B4" 7004 20000 || fail "fourth session"
all_of 7004 ef "a session after the others closed"
log "max-sessions 2: third session CS1 (over budget), after they closed EF again"

# A session of greedy's sends 32 Mbit at once and stays open: measured
# (each second, smoothed), greedy is over its 2 Mbit/s for seconds, so its
# next session is over budget. Its rate counts only until it closes: held
# 10 s, as the next steps start pythons, slow on an emulated machine.
serve_tcp "$NS_B" "$B4" 7012 1
in_a "$TMPDIR_TEST/greedy/client" "$B4" 7012 4000000 10000 &
greedy=$!
wait_for 5 sh -c "grep -q ':7012: pid' '$QPODD_LOG'"
# Once qpodd has measured it (a tick or two), as qpod-ctl apps shows.
over_rate() {	# over_rate APP BPS
	r=$(ctl --json apps |
		sed -n "s/.*\"name\":\"$1\"[^}]*\"rate_bps\":\([0-9]*\).*/\1/p")
	[ "${r:-0}" -gt "$2" ]
}
wait_for 10 over_rate greedy 2000000
serve_tcp "$NS_B" "$B4" 7013 1
in_a "$TMPDIR_TEST/greedy/client" "$B4" 7013 20000 || fail "greedy's second session"
all_of 7012 ef "greedy's first session"
all_of 7013 cs1_ "greedy's second session (over max-rate)"
wait "$greedy"
log "max-rate 2mbit: after a session sent 32 Mbit, the next one is CS1"
stop_qpodd

# ---- sessions that end out of qpodd's sight ---------------------------------
# No max-rate: nothing but max-sessions makes qpodd list connections.
mkdir -p "$TMPDIR_TEST/blocked"
cp "$TCP_CLIENT" "$TMPDIR_TEST/blocked/client"
cat >"$TMPDIR_TEST/policy2.yaml" <<YAML
classes:
  voice: { dscp: EF }
  bulk: { dscp: CS1 }
  default: { dscp: AF11 }
applications:
  - name: served
    match: { comm: "python3*", cmdline: "*tcp-serve $A4 7031 *" }
    class: voice
    max-sessions: 1
    over-budget: bulk
  - name: blocked
    match: { exe: "*/blocked/client" }
    class: voice
    max-sessions: 1
    over-budget: bulk
  - name: twice
    match: { comm: "python3*", cmdline: "*udp-twice*" }
    class: voice
    max-sessions: 1
    over-budget: bulk
YAML
start_qpodd "$TMPDIR_TEST/policy2.yaml" -v
decisions() {	# decisions PORT N: qpodd decided N sessions to PORT
	[ "$(grep -c ":$1: pid" "$QPODD_LOG")" -ge "$2" ]
}

# Incoming sessions to A:7030 are redirected to A:7031: qpodd keys them by
# 7031, conntrack by 7030. The first one's end must free served's place.
in_a nft -f - <<NFT || fail "nft redirect"
table ip redir {
	chain pre {
		type nat hook prerouting priority dstnat;
		tcp dport 7030 redirect to :7031
	}
}
NFT
serve_tcp "$NS_A" "$A4" 7031 2
observe r7030 "ip saddr $A4 tcp sport 7030"
observe r7030_ef "ip saddr $A4 tcp sport 7030 ip dscp ef"
in_b $NETPROBE tcp-send "$A4" 7030 20000 >/dev/null || fail "redirected session"
wait_for 5 grep -q -- "-> $A4:7031: closing, no longer counted" "$QPODD_LOG"
in_b $NETPROBE tcp-send "$A4" 7030 20000 >/dev/null || fail "second redirected session"
wait_for 5 sh -c "[ \$(grep -c received=20000 '$TMPDIR_TEST/serve-7031') -eq 2 ]"
decisions 7031 2 || fail "qpodd did not decide both redirected sessions"
! grep -q ":7031: .*(over-budget)" "$QPODD_LOG" || fail "a redirected session that closed still counts"
all_counted r7030 r7030_ef || fail "$hit of $total replies of redirected sessions carried EF"
log "redirected sessions: the first one's end frees its place; $hit/$total replies EF"

# A session whose SYN a later chain drops never gets a connection, so no
# end event: conntrack's listing tells it is gone.
in_a nft -f - <<NFT || fail "nft drop"
table inet blocker {
	chain out {
		type filter hook output priority 50;
		tcp dport 7040 drop
	}
}
NFT
for i in 1 2; do
	# Not through in_a: $! must be the client itself.
	ip netns exec "$NS_A" "$TMPDIR_TEST/blocked/client" "$B4" 7040 1 2>/dev/null &
	client=$!
	wait_for 5 decisions 7040 $i
	kill "$client"
	wait "$client" 2>/dev/null
done
wait_for 15 grep -q -- "-> $B4:7040: no connection, no longer counted" "$QPODD_LOG"
serve_tcp "$NS_B" "$B4" 7041 1
observe p7041 "tcp dport 7041"
observe ef7041 "tcp dport 7041 ip dscp ef"
in_a "$TMPDIR_TEST/blocked/client" "$B4" 7041 20000 || fail "session after blocked ones"
all_of 7041 ef "a session after two blocked attempts"
log "two attempts dropped after the verdict: forgotten, the next session EF"

# The same UDP session decided twice: its connection's mark is cleared on
# each packet before qpodd's chains (just after conntrack's, at -200), so
# once qpodd's packet thread forgets it, its next datagram is queued and
# decided again. It must not count twice.
in_a nft -f - <<NFT || fail "nft unmark"
table inet unmark {
	chain out {
		type filter hook output priority -190;
		udp dport 7050 ct mark set 0
	}
}
NFT
# Nothing answers, not even with an ICMP error.
in_b nft -f - <<NFT || fail "nft drop in B"
table inet sink {
	chain in {
		type filter hook input priority 0;
		udp dport 7050 drop
	}
}
NFT
mkfifo "$TMPDIR_TEST/twice"
ip netns exec "$NS_A" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((sys.argv[1], int(sys.argv[2])))
for line in sys.stdin:
    s.send(b"x")
' "$B4" 7050 udp-twice <"$TMPDIR_TEST/twice" &
twice=$!
exec 3>"$TMPDIR_TEST/twice"
echo >&3
wait_for 5 decisions 7050 1
grep ":7050: pid" "$QPODD_LOG" | grep -q "voice (application)" || fail "udp-twice not admitted"
# Nothing outside shows when the packet thread forgets a session: it does
# after 5 s unseen, on a timer that may fire late. A datagram sent before
# that only refreshes the session, so trying again later is as good.
try=1
while :; do
	sleep 6
	echo >&3
	until_ns=$(($(date +%s%N) + 2000000000))
	until decisions 7050 2 || [ "$(date +%s%N)" -ge "$until_ns" ]; do
		sleep 0.05
	done
	decisions 7050 2 && break
	[ $try -lt 3 ] ||
		fail "UDP session not decided again: $try datagrams, each 6 s after the one before; decided: $(grep ':7050: pid' "$QPODD_LOG")"
	try=$((try + 1))
done
grep ":7050: pid" "$QPODD_LOG" | tail -1 | grep -q "voice (application)" ||
	fail "decided again, a session counted twice: $(grep ':7050: pid' "$QPODD_LOG" | tail -1)"
exec 3>&-
wait "$twice"
log "a UDP session decided twice counts once"
stop_qpodd
pass
