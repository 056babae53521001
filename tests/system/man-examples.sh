#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The examples in qpod.yaml(5) are policies qpodd accepts.
. "$(dirname "$0")/lib.sh"

T=$TMPDIR_TEST
MAN=$QPOD_SRCDIR/man/qpod.yaml.5

# example N: the Nth .nf/.fi block of the page, roff escapes undone.
example() {
	awk -v want="$1" '
		/^\.nf/ { n++; inside = (n == want); next }
		/^\.fi/ { inside = 0; next }
		inside && !/^\.RS/ && !/^\.RE/ { gsub(/\\-/, "-"); print }
	' "$MAN"
}

example 1 >"$T/policy.yaml"
mkdir "$T/policy.d"
example 2 >"$T/policy.d/50-trading.yaml"
grep -q '^classes:' "$T/policy.yaml" || fail "first example not found in $MAN"
grep -q 'trading' "$T/policy.d/50-trading.yaml" || fail "drop-in example not found in $MAN"

expect_rc 0 "$QPODD" --check-config -c "$T/policy.yaml"
contains "$OUT" "5 classes, 3 applications, 1 session rule" "man page example with its drop-in"
[ -z "$ERR" ] || fail "warnings for the man page example: $ERR"
pass
