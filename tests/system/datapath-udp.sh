#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A UDP sender fires 500 datagrams back to back at session start, while
# the session is still undecided: all 500 reach the peer, in order, each
# with the class's DSCP, over IPv4 and IPv6. Then the session is left to
# the kernel: later datagrams are not queued.
. "$(dirname "$0")/lib.sh"
need_netns
[ -x "$UDP_BURST" ] || fail "missing test helper $UDP_BURST (make check builds it)"
hosts_up

cat >"$TMPDIR_TEST/policy.yaml" <<'YAML'
classes:
  video: { dscp: AF41 }
  default: { dscp: BE }
sessions:
  - { match: { proto: udp, dport: 6000-6099 }, class: video }
YAML
start_qpodd "$TMPDIR_TEST/policy.yaml"

port=6000
for dst in "$B4" "$B6"; do
	m=ip
	case $dst in *:*) m=ip6 ;; esac
	for round in 1 2 3; do
		port=$((port + 1))
		observe "all$port" "udp dport $port"
		observe "af41_$port" "udp dport $port $m dscp af41"
		in_b $NETPROBE udp-sink "$dst" "$port" 500 >"$TMPDIR_TEST/sink" 2>&1 &
		sink=$!
		wait_for 5 listening "$NS_B" udp "$port"
		before=$(queued)
		in_a "$UDP_BURST" "$dst" "$port" 500 || fail "udp-burst to $dst:$port"
		wait "$sink"
		res=$(cat "$TMPDIR_TEST/sink")
		case $res in
		"received=500 in_order=yes"*) ;;
		*) fail "$dst:$port (round $round): $res" ;;
		esac
		[ "$(count af41_$port)" -eq 500 ] ||
			fail "$dst:$port: $(count af41_$port) of 500 datagrams carried AF41"
		held=$(($(queued) - before))
		log "$dst:$port: 500 of 500 in order, all AF41; $held held in the queue"
	done
done

# A steady flow, one datagram a millisecond apart after the first: only
# the start is held, the rest pass in the kernel.
observe steady "udp dport 6100"
in_b $NETPROBE udp-sink "$B4" 6100 200 >"$TMPDIR_TEST/sink" 2>&1 &
sink=$!
wait_for 5 listening "$NS_B" udp 6100
before=$(queued)
in_a python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(200):
    s.sendto(b"%08d" % i, ("'"$B4"'", 6100))
    time.sleep(0.002)
'
wait "$sink"
held=$(($(queued) - before))
grep -q "received=200 in_order=yes" "$TMPDIR_TEST/sink" || fail "steady flow: $(cat "$TMPDIR_TEST/sink")"
[ "$held" -lt 20 ] || fail "a steady flow had $held of 200 datagrams held (the kernel should take it over)"
log "steady flow: $held of 200 datagrams held"

stop_qpodd
pass
