#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A UDP sender fires 500 datagrams back to back at session start, while
# the session is still undecided: all 500 reach the peer, in order, each
# with the class's DSCP, over IPv4 and IPv6. A sender that pauses after
# every 100 is handed to the kernel in a pause: the datagrams
# after it, no longer queued, still arrive in order behind those that
# were. Then the session is left to the kernel: later datagrams are not
# queued. A flow whose peer answers at once keeps its class through the
# answer.
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
	for round in 1 2 3 4 5; do
		port=$((port + 1))
		# Rounds 4 and 5 pause 30 ms after every 100 datagrams: longer than
		# the 5 ms of quiet after which qpodd hands a session to the kernel,
		# with room for a late timer under qemu.
		pauses=""
		[ "$round" -le 3 ] || pauses="100 30000"
		observe "all$port" "udp dport $port"
		observe "af41_$port" "udp dport $port $m dscp af41"
		in_b $NETPROBE udp-sink "$dst" "$port" 500 >"$TMPDIR_TEST/sink" 2>&1 &
		sink=$!
		wait_for 5 listening "$NS_B" udp "$port"
		before=$(queued)
		# shellcheck disable=SC2086 # none, or two arguments
		in_a "$UDP_BURST" "$dst" "$port" 500 $pauses || fail "udp-burst to $dst:$port"
		wait "$sink"
		res=$(cat "$TMPDIR_TEST/sink")
		case $res in
		"received=500 in_order=yes"*) ;;
		*) fail "$dst:$port (round $round): $res" ;;
		esac
		[ "$(count af41_$port)" -eq 500 ] ||
			fail "$dst:$port: $(count af41_$port) of 500 datagrams carried AF41"
		held=$(($(queued) - before))
		# Order across the hand-over is proven only if it happened.
		[ -z "$pauses" ] || [ "$held" -lt 500 ] ||
			fail "$dst:$port (round $round): all 500 datagrams were queued, none by the kernel alone"
		log "$dst:$port: 500 of 500 in order, all AF41; $held held in the queue${pauses:+ (pausing)}"
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

# A request-reply flow: B echoes each datagram at once, so the flow is
# "established" after its first; every datagram A sends still carries
# AF41, before and after qpodd hands the flow to the kernel.
observe echo_all "udp dport 6050"
observe echo_af41 "udp dport 6050 ip dscp af41"
in_b python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("'"$B4"'", 6050))
s.settimeout(5)
for _ in range(200):
    d, a = s.recvfrom(100)
    s.sendto(d, a)
' >"$TMPDIR_TEST/echo" 2>&1 &
echo=$!
wait_for 5 listening "$NS_B" udp 6050
in_a python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.connect(("'"$B4"'", 6050))
for i in range(200):
    s.send(b"%08d" % i)
    if i % 4 == 0:
        s.recv(100)
' || fail "echo client"
wait "$echo" || fail "echo server: $(cat "$TMPDIR_TEST/echo")"
[ "$(count echo_all)" -eq 200 ] || fail "echo flow: $(count echo_all) of 200 datagrams seen"
[ "$(count echo_af41)" -eq 200 ] ||
	fail "echo flow: only $(count echo_af41) of 200 datagrams carried AF41"
log "request-reply flow: 200 of 200 datagrams AF41"

stop_qpodd
pass
