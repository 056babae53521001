#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SIGHUP applies an edited policy to new sessions in one transaction; a
# broken policy is refused and the running one stays, as does the daemon.
. "$(dirname "$0")/lib.sh"
need_netns
hosts_up

P=$TMPDIR_TEST/policy.yaml
cat >"$P" <<'YAML'
classes:
  voice: { dscp: EF }
  default: { dscp: AF11 }
sessions:
  - { match: { dport: 9001 }, class: voice }
YAML
start_qpodd "$P"
observe s1_ef "tcp dport 9001 ip dscp ef"
observe s2_cs5 "tcp dport 9002 ip dscp cs5"
observe s3_cs5 "tcp dport 9003 ip dscp cs5"
observe s4_cs5 "tcp dport 9004 ip dscp cs5"

session() {
	serve_tcp "$NS_B" "$B4" "$1" 1
	in_a $NETPROBE tcp-send "$B4" "$1" 20000 >/dev/null || fail "connect to $1"
	wait_for 5 grep -q received=20000 "$TMPDIR_TEST/serve-$1"
}
reloaded() { [ "$(grep -c "$1" "$QPODD_LOG")" -ge "$2" ]; }

session 9001
[ "$(count s1_ef)" -gt 0 ] || fail "the first policy did not apply"

# A new class and a rule for it; voice keeps its mark value.
cat >"$P" <<'YAML'
classes:
  voice: { dscp: EF }
  default: { dscp: AF11 }
  gold: { dscp: CS5 }
sessions:
  - { match: { dport: 9001 }, class: voice }
  - { match: { dport: 9002-9004 }, class: gold }
YAML
kill -HUP "$QPODD_PID"
wait_for 5 reloaded "policy reloaded" 1
session 9002
[ "$(count s2_cs5)" -gt 0 ] || fail "the reloaded policy did not apply to a new session"

# A broken policy: refused with its errors, the running policy stays.
cat >"$P" <<'YAML'
classes:
  gold: { dscp: CS55 }
YAML
kill -HUP "$QPODD_PID"
wait_for 5 reloaded "keeping the running policy" 1
grep -q "$P:2:.*'CS55' is not a DSCP" "$QPODD_LOG" || fail "the error is not logged with its place"
kill -0 "$QPODD_PID" || fail "qpodd died on a broken policy"
session 9003
[ "$(count s3_cs5)" -gt 0 ] || fail "after a refused reload the running policy no longer applies"

# Queue settings need a restart: refused too.
printf 'queue: { num: 7 }\nclasses:\n  default: {}\n' >"$P"
kill -HUP "$QPODD_PID"
wait_for 5 reloaded "keeping the running policy" 2
grep -q "change only with a restart" "$QPODD_LOG" || fail "no word on why the queue change was refused"
session 9004
[ "$(count s4_cs5)" -gt 0 ] || fail "the running policy was lost"
log "reload applied; a broken and a queue-changing policy were refused, the running one kept"
stop_qpodd
pass
