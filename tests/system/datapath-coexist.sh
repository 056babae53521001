#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# qpod touches only its own bits of the packet and conntrack marks and its
# own table: another table using other mark bits keeps working beside it.
. "$(dirname "$0")/lib.sh"
need_netns
hosts_up

# A "foreign" firewall: marks every outgoing packet with bit 0x1 before
# qpod sees it and every connection with 0x100, and counts at the end of
# postrouting the packets that still carry bit 0x1.
in_a nft -f - <<'NFT' || fail "loading the foreign table"
table inet foreign {
	counter kept { }
	counter seen { }
	chain out {
		type filter hook output priority -200; policy accept;
		meta mark set meta mark | 0x1
		ct mark set ct mark | 0x100
	}
	chain post {
		type filter hook postrouting priority 500; policy accept;
		tcp dport 8000 counter name seen
		tcp dport 8000 meta mark & 0x1 == 0x1 counter name kept
	}
}
NFT

cat >"$TMPDIR_TEST/policy.yaml" <<'YAML'
queue: { mark-mask: 0x00ff0000 }
classes:
  voice: { dscp: EF }
  default: {}
sessions:
  - { match: { dport: 8000 }, class: voice }
YAML
start_qpodd "$TMPDIR_TEST/policy.yaml"
observe ef "tcp dport 8000 ip dscp ef"
observe total "tcp dport 8000"

serve_tcp "$NS_B" "$B4" 8000 1
in_a $NETPROBE tcp-send "$B4" 8000 50000 >/dev/null || fail "connect"
wait_for 5 grep -q received=50000 "$TMPDIR_TEST/serve-8000"

seen=$(in_a nft list counter inet foreign seen | awk '/packets/ { print $2 }')
kept=$(in_a nft list counter inet foreign kept | awk '/packets/ { print $2 }')
[ "$seen" -gt 5 ] && [ "$kept" -eq "$seen" ] ||
	fail "the foreign packet mark bit survived on $kept of $seen packets"
all_counted total ef || fail "$hit of $total packets carried EF"
ctmark=$(in_a conntrack -L -p tcp --dport 8000 2>/dev/null | sed -n 's/.*mark=\([0-9]*\).*/\1/p' | head -1)
[ -n "$ctmark" ] || fail "no conntrack entry for the session"
[ $((ctmark & 0x100)) -eq 256 ] || fail "the foreign conntrack mark bit was lost (mark=$ctmark)"
[ $((ctmark & 0x00ff0000)) -ne 0 ] || fail "qpod's bits are not in the conntrack mark (mark=$ctmark)"
log "foreign bits kept on $kept/$seen packets and in the ct mark ($ctmark); EF on all"
stop_qpodd
in_a nft list table inet foreign >/dev/null || fail "qpodd removed a table not its own"
pass
