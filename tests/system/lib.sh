# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for the system tests. Source it with:  . "$(dirname "$0")/lib.sh"

set -u

: "${QPODD:=qpodd}"
: "${QPOD_CTL:=qpod-ctl}"
: "${QPOD_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"

TEST_NAME=$(basename "$0" .sh)
TMPDIR_TEST=$(mktemp -d "/tmp/qpod-$TEST_NAME.XXXXXX")
CLEANUP_HOOKS=""

log() { printf '%s: %s\n' "$TEST_NAME" "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
skip() { log "SKIP: $*"; exit 77; }
pass() { log "PASS"; exit 0; }

# at_exit CMD: run CMD (a shell string) on exit, last added first.
at_exit() { CLEANUP_HOOKS="$1; $CLEANUP_HOOKS"; }
run_cleanup() {
	rc=$?
	trap - EXIT INT TERM
	eval "$CLEANUP_HOOKS" >/dev/null 2>&1 || true
	rm -rf "$TMPDIR_TEST"
	exit "$rc"
}
trap run_cleanup EXIT
trap 'exit 1' INT TERM

# expect_rc WANT CMD...: runs CMD with output in $OUT/$ERR, checks its exit status.
expect_rc() {
	want=$1
	shift
	"$@" >"$TMPDIR_TEST/out" 2>"$TMPDIR_TEST/err"
	got=$?
	OUT=$(cat "$TMPDIR_TEST/out")
	ERR=$(cat "$TMPDIR_TEST/err")
	[ "$got" -eq "$want" ] || fail "'$*' exited $got, wanted $want; stdout: $OUT; stderr: $ERR"
}

# contains TEXT NEEDLE WHAT: fails unless TEXT contains NEEDLE.
contains() {
	case "$1" in
	*"$2"*) ;;
	*) fail "$3: '$2' not found in: $1" ;;
	esac
}

# wait_for TIMEOUT_S CMD...: polls CMD every 50 ms until it succeeds; fails on timeout.
wait_for() {
	timeout_s=$1
	shift
	deadline=$(($(date +%s%N) + timeout_s * 1000000000))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$deadline" ] || fail "timed out after ${timeout_s}s waiting for: $*"
		sleep 0.05
	done
}
