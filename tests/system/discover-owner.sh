#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Sessions get the class of the application that owns them, told apart by
# executable path (one binary copied to two places), by user, by command
# line and by process name, also for a process that execs and exits at
# once, also without process events; an accepted session gets the class of the server that accepts it;
# a session whose destination nft rewrites (DNAT, as for a service
# address) keeps the class of the program that opened it.
. "$(dirname "$0")/lib.sh"
need_netns
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
command -v nc >/dev/null || skip "needs nc (netcat-openbsd)"
[ -x "$TCP_CLIENT" ] || fail "missing test helper $TCP_CLIENT (make check builds it)"
hosts_up

# One program in two places, readable by the unprivileged user too.
mkdir -p "$TMPDIR_TEST/appa" "$TMPDIR_TEST/appb"
cp "$TCP_CLIENT" "$TMPDIR_TEST/appa/client"
cp "$TCP_CLIENT" "$TMPDIR_TEST/appb/client"
chmod 755 "$TMPDIR_TEST" "$TMPDIR_TEST/appa" "$TMPDIR_TEST/appb"

cat >"$TMPDIR_TEST/policy.yaml" <<YAML
classes:
  voice: { dscp: EF }
  video: { dscp: AF41 }
  bulk: { dscp: CS1 }
  mail: { dscp: AF21 }
  web: { dscp: AF31 }
  default: { dscp: AF11 }
applications:
  - { name: a, match: { exe: "$TMPDIR_TEST/appa/client", user: root }, class: voice }
  - { name: b, match: { exe: "*/appb/client" }, class: video }
  - { name: nobody, match: { user: nobody }, class: bulk }
  - { name: tagged, match: { comm: "python3*", cmdline: "*tcp-send*-tag-mail*" }, class: mail }
  - { name: netcat, match: { comm: nc }, class: voice }
  - { name: server, match: { comm: "python3*", cmdline: "*tcp-serve*" }, class: web }
YAML
start_qpodd "$TMPDIR_TEST/policy.yaml" -v

# dscp_of PORT: the codepoints that arrived at B on a session to PORT.
seen() {
	observe "p$1" "tcp dport $1"
	for d in ef af41 cs1 af21 af31 af11; do
		observe "p${1}_$d" "tcp dport $1 ip dscp $d"
	done
}
only() {	# only PORT DSCP WHAT
	all_counted "p$1" "p${1}_$2" ||
		fail "$3: $hit of $total packets carried $2; qpodd said: $(grep "$B4:$1" "$QPODD_LOG")"
	log "$3: $hit/$total packets $2"
}

seen 6001; seen 6002; seen 6003; seen 6004; seen 6005; seen 6006
serve_tcp "$NS_B" "$B4" 6001 1
in_a "$TMPDIR_TEST/appa/client" "$B4" 6001 20000 || fail "appa/client"
serve_tcp "$NS_B" "$B4" 6002 1
in_a "$TMPDIR_TEST/appb/client" "$B4" 6002 20000 || fail "appb/client"
# The same program as another user: application a wants root.
serve_tcp "$NS_B" "$B4" 6003 1
in_a setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$TMPDIR_TEST/appa/client" "$B4" 6003 20000 || fail "client as nobody"
serve_tcp "$NS_B" "$B4" 6004 1
in_a $NETPROBE tcp-send "$B4" 6004 20000 -tag-mail >/dev/null || fail "tagged probe"
# A short-lived process: a shell that execs nc, which sends and exits.
head -c 20000 /dev/zero >"$TMPDIR_TEST/payload"
serve_tcp "$NS_B" "$B4" 6005 1
in_a sh -c "exec nc -N $B4 6005 <$TMPDIR_TEST/payload" || fail "nc"
wait_for 5 grep -q received=20000 "$TMPDIR_TEST/serve-6005"

only 6001 ef "appa/client as root (exe path)"
only 6002 af41 "appb/client (exe glob)"
only 6003 cs1 "appa/client as nobody (user)"
only 6004 af21 "python3 ... -tag-mail (cmdline)"
only 6005 ef "sh -c 'exec nc' (comm, short-lived)"

# Destination NAT in A's output path: appb connects to a service address
# that nft rewrites to B; its socket still names the service address.
seen 6007
in_a nft add table ip svc
in_a nft add chain ip svc out '{ type nat hook output priority -100; }'
in_a nft add rule ip svc out ip daddr 198.18.0.77 tcp dport 7007 dnat to "$B4:6007"
serve_tcp "$NS_B" "$B4" 6007 1
in_a "$TMPDIR_TEST/appb/client" 198.18.0.77 7007 20000 || fail "appb/client via DNAT"
only 6007 af41 "appb/client to a DNAT service address"

# Without process events (qpodd started inside A, where the kernel offers
# none), /proc is all qpodd has: processes that start and exec at once
# are still found, five back to back; and so is a shell that qpodd saw
# before it exec'd nc.
stop_qpodd
QPODD_WRAP="ip netns exec $NS_A" start_qpodd "$TMPDIR_TEST/policy.yaml" -v
grep -q "no process events here" "$QPODD_LOG" || fail "qpodd had process events inside A"
seen 6008
serve_tcp "$NS_B" "$B4" 6008 5
for i in 1 2 3 4 5; do
	in_a sh -c "exec nc -N $B4 6008 <$TMPDIR_TEST/payload" || fail "nc $i"
done
wait_for 5 test "$(grep -c received=20000 "$TMPDIR_TEST/serve-6008")" -eq 5
only 6008 ef "five sh -c 'exec nc' without process events"
seen 6009
seen 6010
mkfifo "$TMPDIR_TEST/go"
serve_tcp "$NS_B" "$B4" 6009 1
in_a sh -c "read x <$TMPDIR_TEST/go; exec nc -N $B4 6009 <$TMPDIR_TEST/payload" &
waiter=$!
wait_for 5 pgrep -f "read x <$TMPDIR_TEST/go"
# A new owner to find makes qpodd list /proc, while the shell waits.
serve_tcp "$NS_B" "$B4" 6010 1
in_a "$TMPDIR_TEST/appb/client" "$B4" 6010 20000 || fail "appb/client"
only 6010 af41 "appb/client without process events"
echo go >"$TMPDIR_TEST/go"
wait "$waiter" || fail "nc after the shell"
wait_for 5 grep -q received=20000 "$TMPDIR_TEST/serve-6009"
only 6009 ef "a shell qpodd saw, then exec'd nc, without process events"

# An accepted session: its replies carry the server's class.
serve_tcp "$NS_A" "$A4" 6006 1
observe replies "ip saddr $A4 tcp sport 6006"
observe replies_af31 "ip saddr $A4 tcp sport 6006 ip dscp af31"
in_b $NETPROBE tcp-send "$A4" 6006 20000 >/dev/null || fail "connect to A's server"
wait_for 5 grep -q received=20000 "$TMPDIR_TEST/serve-6006"
all_counted replies replies_af31 || fail "$hit of $total replies of the server carried AF31"
log "server (listening socket): $hit/$total replies AF31"
stop_qpodd
pass
