#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# qpodd takes the best path the kernel offers and says which: the nft
# queue expression (else the xtables NFQUEUE target through nft compat),
# and a TCP session's connection marked in the verdict on its SYN (else
# by nft save chains). Either way the connection carries its class's
# mark. In the test VM, on Debian's kernel, the
# native paths are required.
. "$(dirname "$0")/lib.sh"
need_netns
command -v conntrack >/dev/null || skip "needs conntrack (Debian package conntrack)"
hosts_up

cat >"$TMPDIR_TEST/policy.yaml" <<'YAML'
classes:
  voice: { dscp: EF }
  default: { dscp: AF11 }
sessions:
  - { match: { proto: tcp, dport: 5001 }, class: voice }
YAML
start_qpodd "$TMPDIR_TEST/policy.yaml"

if grep -q 'with the nft queue expression' "$QPODD_LOG"; then
	queue=native
	in_a nft list chain inet qpod decide_out | grep -q 'queue' ||
		fail "qpodd said native queue, the chain has none: $(in_a nft list chain inet qpod decide_out)"
else
	queue=compat
	grep -q 'xtables NFQUEUE target' "$QPODD_LOG" || fail "qpodd did not say how it queues"
fi
if grep -q 'marked in the verdict' "$QPODD_LOG"; then
	ct=verdict
	in_a nft list chain inet qpod save_out >/dev/null 2>&1 &&
		fail "connections are marked in the verdict, yet there is a save chain"
else
	ct=save-chains
	grep -q 'takes no connection mark in a queue verdict' "$QPODD_LOG" ||
		fail "qpodd did not say how connections get their mark"
	in_a nft list chain inet qpod save_out >/dev/null ||
		fail "no save chain, and no mark in the verdict"
fi
log "queueing: $queue; connection marks: $ct"
if [ "${QPOD_TEST_IN_VM:-}" = 1 ]; then
	[ "$queue" = native ] || fail "Debian's kernel has the nft queue expression; qpodd used $queue"
	[ "$ct" = verdict ] || fail "Debian's kernel takes ct marks in verdicts; qpodd used $ct"
fi

# The connection's mark, in its conntrack entry once it is over: the
# first class takes value 1 in the default mark-mask, 0x00ff0000.
voice=1
for dst in "$B4" "$B6"; do
	serve_tcp "$NS_B" "$dst" 5001 1
	in_a $NETPROBE tcp-send "$dst" 5001 1000 >/dev/null || fail "connect to $dst"
	marks=$(in_a conntrack -L -p tcp --dport 5001 -d "$dst" 2>/dev/null |
		sed -n 's/.*mark=\([0-9]*\).*/\1/p' | sort -u)
	[ -n "$marks" ] || fail "no conntrack entry for $dst:5001"
	for m in $marks; do
		[ $(((m >> 16) & 255)) -eq "$voice" ] ||
			fail "the connection to $dst:5001 has mark $m, not voice's value $voice"
	done
	log "$dst:5001: conntrack mark $(printf 0x%08x "$marks") (voice)"
done
stop_qpodd
pass
