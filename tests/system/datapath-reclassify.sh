#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A reload decides every live session again: flows, IPv4 and IPv6, whose
# rule now gives another class carry that class's DSCP from the reload
# on, and are listed in it; flows whose class the reload removed get what
# the new policy decides; qpod-ctl reload says how many moved. Under
# fail: open and under fail: closed.
. "$(dirname "$0")/lib.sh"
need_netns
hosts_up
[ -x "$UDP_BURST" ] || fail "missing test helper $UDP_BURST (make check builds it)"

P=$TMPDIR_TEST/policy.yaml
policy() {	# policy CLASSES RULE_CLASS: the classes; $PORT's rule gives RULE_CLASS
	{
		echo "classes:"
		for c in $1; do
			case $c in
			voice) echo "  voice: { dscp: EF }" ;;
			bulk) echo "  bulk: { dscp: CS1 }" ;;
			default) echo "  default: { dscp: AF11 }" ;;
			esac
		done
		[ -z "$2" ] || printf 'sessions:\n  - { match: { dport: %s }, class: %s }\n' "$PORT" "$2"
		# Decided by qpodd: UDP flows without replies, decided in the
		# kernel, would never be listed (decide-in-kernel.sh).
		echo "queue: { fail: $FAIL, kernel-decisions: false }"
	} >"$P"
}
listed_in() {	# listed_in CLASS: both flows listed in CLASS
	s=$(ctl --json sessions) &&
		[ "$(json_eval "$s" "sum(1 for x in a['sessions'] if x['remote'].endswith(':$PORT') and x['class'] == '$1')")" -eq 2 ]
}

# reclassified CLASS DSCP NAME: with the flows paused, reloads to the policy
# written, then checks that every packet after it carries DSCP.
reclassified() {
	flows_pause
	out=$(ctl reload) || fail "fail: $FAIL: qpod-ctl reload: $out"
	contains "$out" "2 live sessions moved" "qpod-ctl reload's count"
	observe_udp "$FAIL$3_all" "$PORT"
	observe_udp "$FAIL$3_hit" "$PORT" "$2"
	flows_resume
	wait_for 10 flows_grown "$FAIL$3_all"
	flows_pause
	for v in 4 6; do
		all_counted "$FAIL$3_all$v" "$FAIL$3_hit$v" ||
			fail "fail: $FAIL: IPv$v: after the reload $hit of $total packets carried $1's $2"
	done
	wait_for 5 listed_in "$1"
	flows_resume
	log "fail: $FAIL: reload: both flows moved to $1, all of $total packets after it $2"
}

round() {	# round open|closed PORT
	FAIL=$1 PORT=$2
	policy "voice bulk default" bulk
	start_qpodd "$P"
	observe_udp "${FAIL}first_cs1" "$PORT" cs1
	long_udp_flows "$PORT"
	wait_for 5 listed_in bulk
	for v in 4 6; do
		[ "$(count "${FAIL}first_cs1$v")" -gt 0 ] || fail "fail: $FAIL: IPv$v: the flow never carried bulk's CS1"
	done
	# The rule now gives voice.
	policy "voice bulk default" voice
	reclassified voice ef to_voice
	# voice is removed, and the rule with it: the default class.
	policy "bulk default" ""
	reclassified default af11 to_default
	stop_qpodd
	kill -CONT "$FLOW4" "$FLOW6"
	kill "$FLOW4" "$FLOW6"
}

observe_udp none 1	# B's counting table and chain
round open 9200
round closed 9210
pass
