#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Per-application admission: over max-sessions, or over max-rate, an
# application's new sessions get its over-budget class; once under budget
# again, its own class.
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
	total=$(count "p$1") hit=$(count "$2$1")
	[ "$total" -gt 0 ] && [ "$hit" -eq "$total" ] || fail "$3: $hit of $total packets as wanted"
}

# Two sessions held open: the third is over max-sessions.
held=""
for p in 7001 7002; do
	serve_tcp "$NS_B" "$B4" $p 1
	in_a "$TMPDIR_TEST/capped/client" "$B4" $p 1000 3000 &
	held="$held $!"
	wait_for 5 sh -c "grep -q ':$p: pid' '$QPODD_LOG'"
done
serve_tcp "$NS_B" "$B4" 7003 1
in_a "$TMPDIR_TEST/capped/client" "$B4" 7003 20000 || fail "third session"
all_of 7001 ef "first session of capped"
all_of 7003 cs1_ "third session of capped (over max-sessions)"
grep -q ":7003: .*over budget" "$QPODD_LOG" || fail "the decision does not say over budget"
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
# next session is over budget.
serve_tcp "$NS_B" "$B4" 7012 1
in_a "$TMPDIR_TEST/greedy/client" "$B4" 7012 4000000 4000 &
greedy=$!
wait_for 5 sh -c "grep -q ':7012: pid' '$QPODD_LOG'"
# Measured within two ticks.
sleep 2.5
serve_tcp "$NS_B" "$B4" 7013 1
in_a "$TMPDIR_TEST/greedy/client" "$B4" 7013 20000 || fail "greedy's second session"
all_of 7012 ef "greedy's first session"
all_of 7013 cs1_ "greedy's second session (over max-rate)"
wait "$greedy"
log "max-rate 2mbit: after a session sent 32 Mbit, the next one is CS1"
stop_qpodd
pass
