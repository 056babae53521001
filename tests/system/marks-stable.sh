#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A class's mark value outlives qpodd: live flows, IPv4 and IPv6, marked by
# one qpodd keep their class's DSCP under the next, started on a policy
# with a class inserted before theirs; and a class that a reload removed
# leaves its value unused, so that a class added later does not take over
# the flows still carrying it.
. "$(dirname "$0")/lib.sh"
need_netns
hosts_up
[ -x "$UDP_BURST" ] || fail "missing test helper $UDP_BURST (make check builds it)"

P=$TMPDIR_TEST/policy.yaml
policy() {	# policy CLASS...: these classes, in this order; port 9100 is bulk's
	{
		echo "classes:"
		for c in "$@"; do
			case $c in
			voice) echo "  voice: { dscp: EF }" ;;
			bulk) echo "  bulk: { dscp: CS1 }" ;;
			gold) echo "  gold: { dscp: CS5 }" ;;
			silver) echo "  silver: { dscp: CS3 }" ;;
			default) echo "  default: { dscp: AF11 }" ;;
			esac
		done
		echo "sessions:"
		echo "  - { match: { dport: 9100 }, class: $(echo "$@" | grep -qw bulk && echo bulk || echo default) }"
	} >"$P"
}
policy voice bulk default
start_qpodd "$P"
[ -s "$TMPDIR_TEST/state/marks" ] || fail "no class values kept in $TMPDIR_TEST/state/marks"

# Per family: all packets of the flow, and those with each class's DSCP.
observe_udp all 9100
for d in cs1 ef cs5 cs3; do observe_udp $d 9100 $d; done
# Marked in their connections, by the value bulk has now.
long_udp_flows 9100
for v in 4 6; do
	[ "$(count cs1$v)" -gt 0 ] || fail "IPv$v: bulk's DSCP never seen before the restart"
	eval "mark$v=\$(flow_ct_mark $v)"
done

# A restart, the flows paused across it, with gold inserted first: under
# values given afresh in file order, bulk's value would now be voice's.
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
done
log "across a restart with a class inserted, $total packets of each flow kept their class"

# A reload removes bulk; a later one adds silver: it must not get bulk's
# value, which the flows still carry.
reloaded() { [ "$(grep -c 'policy reloaded' "$QPODD_LOG")" -ge "$1" ]; }
policy gold voice default
kill -HUP "$QPODD_PID"
wait_for 5 reloaded 1
policy gold voice default silver
kill -HUP "$QPODD_PID"
wait_for 5 reloaded 2
observe_udp later 9100
flows_resume
wait_for 10 flows_grown later
for v in 4 6; do
	# What the check below counts on: the flows still carry bulk's value
	# (this qpodd, which did not decide them, does not list them).
	[ "$(flow_ct_mark $v)" = "$(eval echo "\$mark$v")" ] || fail "IPv$v: the flow's connection mark changed"
	[ "$(count cs3$v)" -eq 0 ] || fail "IPv$v: a flow of the removed class took the new class's DSCP"
done
log "a class added after another was removed did not take its flows"
stop_qpodd
pass
