#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Link sharing by borrowing (ALTQ's figure 14, two agencies): on a 20 mbit
# link, agency X (share 50 %) sends alone and borrows the whole link;
# when agency Y (share 30 %) starts, the two split the link 5:3 (the
# default class's 20 % idle is lent in proportion); when Y stops, X takes
# the link back. The per-interval trace shows it. HFSC where the
# kernel has it (the test VM), HTB, qpod's fallback, elsewhere.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-shaper.sh"
need_netns
hosts_up

cat >"$TMPDIR_TEST/policy.yaml" <<'YAML'
interfaces:
  - { name: va, bandwidth: 20mbit, scheduler: hfsc }
classes:
  agency-x: { dscp: AF11, share: 50% }
  agency-y: { dscp: AF21, share: 30% }
  default: { dscp: BE }
sessions:
  - { match: { proto: tcp, dport: 5011 }, class: agency-x }
  - { match: { proto: tcp, dport: 5012 }, class: agency-y }
YAML
start_qpodd "$TMPDIR_TEST/policy.yaml"
expect_hfsc_where_present va

# X for 9 s; Y for 4 s once X fills the link. The load's schedule: Y
# starts when X is backlogged, and X runs on after Y ends.
S=$TMPDIR_TEST/sink
# The sink outlasts X's 9 s by 3 s, for a late start: a sink gone would
# reset X's connection.
sink_start "$S" 12 250 5011/tcp 5012/tcp
in_a "$TRAFFIC" tcp "$B4" 5011 9 >"$TMPDIR_TEST/x" 2>&1 &
x=$!
wait_for 5 class_backlogged va 7a0:11
# X alone for a while: its phase, from 0.5 s after its first interval
# to 0.5 s before Y's, then has 3 intervals or more.
sleep 2
in_a "$TRAFFIC" tcp "$B4" 5012 4 >"$TMPDIR_TEST/y" 2>&1 || fail "agency Y's sender"
wait "$x" || fail "agency X's sender: $(cat "$TMPDIR_TEST/x")"
sink_wait

# Intervals by who was sending: X alone before Y, both, X alone after.
# X alone from its own first interval on, not the sink's start: X may
# start late on a loaded machine, and its first 0.5 s is slow start.
phases() {
	awk '$1 !~ /^[#rs]/ { print $1, $2, $3 }' "$S" | awk '
		$2 > 0 && !x0 { x0 = $1 }
		$3 > 0 { y = 1; if (!first) first = $1; last = $1 }
		{ t[NR] = $1; xr[NR] = $2; yr[NR] = $3 }
		END {
			for (i = 1; i <= NR; i++) {
				if (t[i] < first - 0.5 && t[i] > x0 + 0.5 && xr[i] > 0) { a += xr[i]; na++ }
				if (t[i] > first + 0.5 && t[i] < last - 0.25) { bx += xr[i]; by += yr[i]; nb++ }
				if (t[i] > last + 0.5 && xr[i] > 0 && xr[i + 1] > 0) { c += xr[i]; nc++ }
			}
			printf "%.0f %.0f %.0f %.0f %d %d %d\n", na ? a / na : 0,
				nb ? bx / nb : 0, nb ? by / nb : 0, nc ? c / nc : 0, na, nb, nc
		}'
}
set -- $(phases)
x_alone=$1 x_shared=$2 y_shared=$3 x_after=$4
log "$SCHED: X alone $x_alone kbit/s; X $x_shared and Y $y_shared kbit/s together;" \
	"X alone again $x_after kbit/s (intervals: $5, $6, $7)"
[ "$5" -ge 2 ] && [ "$6" -ge 8 ] && [ "$7" -ge 2 ] || fail "too few intervals in a phase: $*"
within "$x_alone" 16000 20500 || fail "X alone got $x_alone kbit/s: it should borrow the link"
within "$x_shared" 10500 14500 || fail "X got $x_shared kbit/s beside Y: 5/8 of the link is 12500"
within "$y_shared" 5500 9000 || fail "Y got $y_shared kbit/s beside X: 3/8 of the link is 7500"
within "$x_after" 16000 20500 || fail "X got $x_after kbit/s after Y: it should take the link back"
stop_qpodd
pass
