#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A filtered session (DNS over UDP) never reaches the queue and keeps the
# DSCP its application chose; protocols other than TCP and UDP get the
# default class in the kernel alone.
. "$(dirname "$0")/lib.sh"
need_netns
hosts_up

# Unfiltered sessions go through the queue, as when the class depends on
# the program (with one class, the kernel would decide them).
cat >"$TMPDIR_TEST/policy.yaml" <<'YAML'
queue: { kernel-decisions: false }
classes:
  default: { dscp: AF11 }
filtered:
  - { proto: udp, port: 53 }
YAML
start_qpodd "$TMPDIR_TEST/policy.yaml"

observe dns "udp dport 53"
observe dns_be "udp dport 53 ip dscp cs0"
observe other "udp dport 54"
observe other_af11 "udp dport 54 ip dscp af11"
observe gre "ip protocol gre"
observe gre_af11 "ip protocol gre ip dscp af11"

before=$(queued)
in_a python3 -c '
import socket
for port in (53, 54):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(20):
        s.sendto(b"q", ("'"$B4"'", port))
'
# A GRE packet: neither TCP nor UDP.
in_a python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
s.sendto(b"\0\0\x08\0" + b"x" * 20, ("'"$B4"'", 0))
'
wait_for 5 sh -c '[ "$(ip netns exec '"$NS_B"' nft list counter inet obs other | awk "/packets/ { print \$2 }")" -eq 20 ]'
wait_for 5 sh -c '[ "$(ip netns exec '"$NS_B"' nft list counter inet obs gre | awk "/packets/ { print \$2 }")" -eq 1 ]'
after=$(queued)

[ "$(count dns)" -eq 20 ] || fail "$(count dns) of 20 DNS datagrams arrived"
[ "$(count dns_be)" -eq 20 ] || fail "DNS datagrams were re-marked: $(count dns_be) of 20 kept DSCP 0"
[ "$(count other_af11)" -eq 20 ] || fail "$(count other_af11) of 20 unfiltered datagrams carried AF11"
[ "$(count gre_af11)" -eq 1 ] || fail "the GRE packet did not get the default class"
# Only the unfiltered UDP session's datagrams were queued, never DNS or GRE.
[ $((after - before)) -ge 1 ] && [ $((after - before)) -le 20 ] ||
	fail "$((after - before)) packets queued; want those of the port 54 session only"
log "DNS: 20/20 not queued, DSCP kept; port 54: $((after - before)) queued, 20/20 AF11; GRE: AF11 in kernel"
stop_qpodd
pass
