#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# qpodd --check-config and --print-config as a user runs them.
. "$(dirname "$0")/lib.sh"

T=$TMPDIR_TEST

# The shipped default is valid and summarised on one line, and a second
# says what the kernel decides alone (its applications all need qpodd).
expect_rc 0 "$QPODD" --check-config -c "$QPOD_SRCDIR/etc/qpod.yaml"
contains "$OUT" "policy is valid: 5 classes, 4 applications, 3 session rules, 5 filtered" "summary"
contains "$OUT" "decided in the kernel: no session rule or application" "kernel decisions"
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 2 ] || fail "summary is not two lines: $OUT"
[ -z "$ERR" ] || fail "warnings on the shipped default: $ERR"

# A bad file: every error, each as file:line:column, exit 1, nothing on stdout.
cat >"$T/bad.yaml" <<'YAML'
version: 1
classes:
  voice: { dscp: EFF, gaurantee: 2mbit }
  default: { share: 10 }
queue: { fail: opne }
YAML
expect_rc 1 "$QPODD" -t -c "$T/bad.yaml"
[ -z "$OUT" ] || fail "output on stdout for a bad policy: $OUT"
contains "$ERR" "$T/bad.yaml:3:18: classes.voice.dscp: 'EFF' is not a DSCP" "dscp error"
contains "$ERR" "$T/bad.yaml:3:23: classes.voice: unknown key 'gaurantee'; did you mean 'guarantee'?" "typo"
contains "$ERR" "$T/bad.yaml:4:21: classes.default.share: '10' needs a rate unit" "unit"
contains "$ERR" "$T/bad.yaml:5:16: queue.fail: 'opne' is not one of open, closed; did you mean 'open'?" "choice"
contains "$ERR" "policy is invalid (4 errors)" "error count"

# Missing file and a directory: one clear line each.
expect_rc 1 "$QPODD" --check-config -c "$T/missing.yaml"
contains "$ERR" "$T/missing.yaml: cannot open the policy file: No such file or directory" "missing"
mkdir "$T/dir.yaml"
expect_rc 1 "$QPODD" --check-config -c "$T/dir.yaml"
contains "$ERR" "is a directory" "directory"

# Drop-ins next to the file are merged; -D names another directory.
printf 'classes:\n  default: {}\n' >"$T/p.yaml"
mkdir "$T/p.d" "$T/other"
printf 'classes:\n  voice: { dscp: EF }\n' >"$T/p.d/10-voice.yaml"
printf 'classes:\n  video: { dscp: AF41 }\n  bulk: {}\n' >"$T/other/x.yaml"
expect_rc 0 "$QPODD" --check-config -c "$T/p.yaml"
contains "$OUT" "and drop-ins: policy is valid: 2 classes" "drop-in merged"
expect_rc 0 "$QPODD" --check-config -c "$T/p.yaml" -D "$T/other"
contains "$OUT" "3 classes" "-D directory"

# --print-config writes the effective policy, which checks clean again.
expect_rc 0 "$QPODD" --print-config -c "$QPOD_SRCDIR/etc/qpod.yaml"
printf '%s\n' "$OUT" >"$T/printed.yaml"
contains "$OUT" "mark-mask: 0x00ff0000" "printed defaults"
expect_rc 0 "$QPODD" --check-config -c "$T/printed.yaml"

# Usage errors exit 2; --help and --version exit 0.
expect_rc 2 "$QPODD" --no-such-option
expect_rc 2 "$QPODD" stray-argument
expect_rc 0 "$QPODD" --help
contains "$OUT" "--check-config" "help"
contains "$OUT" "--state-dir DIR" "help"
expect_rc 0 "$QPODD" --version
contains "$OUT" "qpodd " "version"
expect_rc 0 "$QPOD_CTL" --help
contains "$OUT" "Commands:" "qpod-ctl help"
# Help for a command, given before it or after.
expect_rc 0 "$QPOD_CTL" --help sessions
contains "$OUT" "qpod-ctl sessions [--app NAME]" "qpod-ctl --help sessions"
expect_rc 0 "$QPOD_CTL" sessions -h
contains "$OUT" "qpod-ctl sessions [--app NAME]" "qpod-ctl sessions -h"
expect_rc 2 "$QPOD_CTL" no-such-command
contains "$ERR" "unknown command 'no-such-command'" "qpod-ctl unknown command"

pass
