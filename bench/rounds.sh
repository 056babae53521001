# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# bench/rounds.sh: sourced by benchmarks that measure contenders in
# alternating rounds, one line per round in $TMPDIR_TEST/NAME: the figures
# over the rounds, and a daemon's CPU time.

# cpu_ns PID: the CPU time of all of PID's threads so far, ns.
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'; }
# quiet PID: true once PID spends under 5 % of a CPU over 100 ms: done
# starting. Never nothing: a daemon on process events sees the whole
# host's, and this host may be busy: after 10 s it goes on, and says so.
quiet() {
	for _ in $(seq 100); do
		c0=$(cpu_ns "$1")
		sleep 0.1
		[ $(($(cpu_ns "$1") - c0)) -lt 5000000 ] && return 0
	done
	log "pid $1 still busy after 10 s (the host's other processes?): measuring anyway"
}

# med NAME COL, lo NAME COL, hi NAME COL: the median, least and most of a
# column over the rounds; rng NAME COL: "least-most".
col() { awk -v c="$2" '{ print $c }' "$TMPDIR_TEST/$1" | sort -g; }
med() { col "$@" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
lo() { col "$@" | head -1; }
hi() { col "$@" | tail -1; }
rng() { printf '%.0f-%.0f' "$(lo "$@")" "$(hi "$@")"; }
# calc FORMAT EXPR: an awk expression, printed with FORMAT.
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
verdict() { awk "BEGIN { print ($1) ? \"PASS\" : \"MISS\" }"; }
