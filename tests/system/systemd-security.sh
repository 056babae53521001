#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# qpod's unit keeps its sandbox: systemd-analyze security rates the unit
# as built 2.5 or below (exposure from 0, locked down, to 10).
. "$(dirname "$0")/lib.sh"
command -v systemd-analyze >/dev/null || skip "needs systemd-analyze (package systemd)"
UNIT=$(dirname "$QPODD")/../systemd/qpod.service
[ -f "$UNIT" ] || fail "no $UNIT (make builds it)"
# The threshold is on systemd's internal scale, ten times the one shown.
out=$(systemd-analyze security --offline=true --threshold=25 "$UNIT" 2>&1)
rc=$?
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || fail "no exposure level in: $out"
[ "$rc" -eq 0 ] ||
	fail "systemd-analyze security rates qpod.service $score, above 2.5; exposed: $(printf '%s\n' "$out" | grep '^✗')"
log "systemd-analyze security: exposure $score"
pass
