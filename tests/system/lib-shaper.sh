# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the queueing scenarios, shared by the tests and bench/altq.
# Source after lib.sh, with hosts_up done. Load goes from A to B over va,
# whose egress qpodd shapes; B's sink measures what arrives.

[ -x "$TRAFFIC" ] || fail "missing test helper $TRAFFIC (make check builds it)"

# scheduler_on IFACE: the kind of qpod's root qdisc on IFACE in A.
scheduler_on() {
	in_a tc qdisc show dev "$1" | awk '$3 == "7a0:" && $4 == "root" { print $2 }'
}

# expect_hfsc_where_present IFACE: on a kernel with HFSC (the test VM),
# qpodd must have used it; elsewhere the HTB fallback is what is tested.
expect_hfsc_where_present() {
	kind=$(scheduler_on "$1")
	if [ "${QPOD_TEST_IN_VM:-}" = 1 ]; then
		[ "$kind" = hfsc ] || fail "$1 has a $kind root on a kernel with HFSC"
	else
		case $kind in hfsc | htb) ;; *) fail "$1 has no qpod root qdisc (${kind:-none})" ;; esac
	fi
	SCHED=$kind
}

# sink_start FILE SECONDS INTERVAL_MS PORT/PROTO...: B receives on $B4
# and writes per-interval rates and a summary to FILE when done.
sink_start() {
	sink_file=$1
	shift
	in_b "$TRAFFIC" sink "$B4" "$@" >"$sink_file" 2>&1 &
	SINK_PID=$!
	at_exit "kill $SINK_PID"
	wait_for 5 grep -q '^ready' "$sink_file"
}

# sink_wait: waits for the sink to end and report.
sink_wait() {
	wait "$SINK_PID" || fail "the sink failed: $(cat "$sink_file")"
}

# summary FILE PORT/PROTO KEY: a value from the sink's summary line.
summary() {
	awk -v p="$2" -v k="$3" '$1 == "summary" && $2 == p {
		for (i = 3; i < NF; i += 2) if ($i == k) print $(i + 1) }' "$1"
}

# mean_rate FILE COLUMN FROM_S TO_S: mean kbit/s of a sink column (2 is
# the first port) over intervals ending in (FROM_S, TO_S].
mean_rate() {
	awk -v c="$2" -v a="$3" -v b="$4" '$1 !~ /^[#rs]/ && $1 > a && $1 <= b {
		s += $c; n++ } END { printf "%.0f\n", n ? s / n : 0 }' "$1"
}

# active_mean FILE ACTIVE_COLUMN COLUMN: mean kbit/s of COLUMN over the
# intervals where ACTIVE_COLUMN carried traffic, but its first and last.
active_mean() {
	awk -v a="$2" -v c="$3" '$1 !~ /^[#rs]/ && $a > 0 { v[n++] = $c }
		END { for (i = 1; i < n - 1; i++) s += v[i]
		      printf "%.0f\n", (n > 2 ? s / (n - 2) : 0) }' "$1"
}

# class_backlogged IFACE CLASSID: the class has packets waiting.
class_backlogged() {
	in_a tc -s class show dev "$1" classid "$2" |
		awk '$1 == "backlog" && $3 + 0 > 0 { found = 1 } END { exit !found }'
}

# class_backlog_over IFACE CLASSID BYTES: the class holds more than BYTES
# (tc prints the backlog as 1234b, 24Kb or 1Mb).
class_backlog_over() {
	in_a tc -s class show dev "$1" classid "$2" |
		awk -v min="$3" '$1 == "backlog" { b = $2; sub(/b$/, "", b)
			if (b ~ /K$/) { sub(/K$/, "", b); b *= 1024 }
			if (b ~ /M$/) { sub(/M$/, "", b); b *= 1048576 }
			if (b + 0 > min) found = 1 } END { exit !found }'
}

# within VALUE LOW HIGH: LOW <= VALUE <= HIGH (integers).
within() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
