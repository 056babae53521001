#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A class's mark value outlives qpodd: live flows, IPv4 and IPv6, of a
# command that `qpod-ctl run` put in bulk keep bulk's DSCP under the next
# qpodd, started on a policy with a class inserted before bulk. A reload
# that removes bulk gives those connections, which no listed session
# stands for, what the policy now gives the run (the default class), not
# "unmarked"; and a class added later does not take them over. Under
# fail: closed (session-continuity restarts under both).
. "$(dirname "$0")/lib.sh"
need_netns
hosts_up
[ -x "$UDP_BURST" ] || fail "missing test helper $UDP_BURST (make check builds it)"

P=$TMPDIR_TEST/policy.yaml
policy() {	# policy CLASS...: these classes, in this order
	echo "classes:" >"$P"
	for c in "$@"; do
		case $c in
		voice) echo "  voice: { dscp: EF }" ;;
		bulk) echo "  bulk: { dscp: CS1 }" ;;
		gold) echo "  gold: { dscp: CS5 }" ;;
		silver) echo "  silver: { dscp: CS3 }" ;;
		default) echo "  default: { dscp: AF11 }" ;;
		esac
	done >>"$P"
	echo "queue: { fail: closed }" >>"$P"
}
policy voice bulk default
start_qpodd "$P"
[ -s "$TMPDIR_TEST/state/marks" ] || fail "no class values kept in $TMPDIR_TEST/state/marks"

# The flows' program, run in bulk (the same pid all along: every step execs).
mkdir -p "$TMPDIR_TEST/bin"
cat >"$TMPDIR_TEST/bin/bulk-burst" <<SH
#!/bin/sh
exec "$QPOD_CTL" --socket "$QPODD_SOCKET" run --class bulk -- "$UDP_BURST" "\$@"
SH
chmod +x "$TMPDIR_TEST/bin/bulk-burst"

# Per family: all packets of the flow, and those with each class's DSCP.
observe_udp all 9100
for d in cs1 ef cs5 cs3 af11; do observe_udp $d 9100 $d; done
start_udp_flows 9100 "$TMPDIR_TEST/bin/bulk-burst"
wait_for 10 flows_marked
for v in 4 6; do
	[ "$(count cs1$v)" -gt 0 ] || fail "IPv$v: bulk's DSCP never seen before the restart"
	eval "mark$v=\$(flow_ct_mark $v)"
done

# A restart, the flows paused across it (a clean stop takes the table
# away), with gold inserted first: under values given afresh in file
# order, bulk's value would now be voice's.
flows_pause
stop_qpodd
policy gold voice bulk default
start_qpodd "$P"
# Counted afresh from here, the flows still paused.
observe_udp after 9100
observe_udp after_cs1 9100 cs1
flows_resume
wait_for 10 flows_grown after
flows_pause
for v in 4 6; do
	all_counted after$v after_cs1$v ||
		{ in_a conntrack -L -f ipv$v -p udp; fail "IPv$v: after the restart $hit of $total packets kept bulk's DSCP; EF: $(count ef$v), CS5: $(count cs5$v)"; }
	[ "$(flow_ct_mark $v)" = "$(eval echo "\$mark$v")" ] || fail "IPv$v: the flow's connection mark changed"
done
log "across a restart with a class inserted, $total packets of each flow kept their class"

# A reload removes bulk: the run's sessions now get the default class,
# and so do its live connections. A later reload adds silver, which must
# not take them over.
reloaded() { [ "$(grep -c 'policy reloaded' "$QPODD_LOG")" -ge "$1" ]; }
default_marked() {
	for v in 4 6; do
		[ "$(flow_ct_mark $v)" != "$(eval echo "\$mark$v")" ] || return 1
	done
}
policy gold voice default
kill -HUP "$QPODD_PID"
wait_for 5 reloaded 1
wait_for 5 default_marked
# (With decisions in the kernel, the reload's sweep looks at every
# connection the kernel decided, the runs' among them.)
grep -q "decided again .*, 2 of qpod-ctl runs got their run's class" "$QPODD_LOG" ||
	fail "the reload's sweep: $(grep 'decided again' "$QPODD_LOG")"
policy gold voice default silver
kill -HUP "$QPODD_PID"
wait_for 5 reloaded 2
observe_udp later 9100
observe_udp later_af11 9100 af11
flows_resume
wait_for 10 flows_grown later
flows_pause
for v in 4 6; do
	all_counted later$v later_af11$v ||
		fail "IPv$v: after bulk was removed, $hit of $total packets had the default class's DSCP; CS3 (silver): $(count cs3$v)"
done
log "a removed class's flows went to the default class, $total packets, and a class added later did not take them"
stop_qpodd
pass
