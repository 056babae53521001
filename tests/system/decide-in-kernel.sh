#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Sessions whose class the kernel can tell are decided by nftables alone,
# never queued: an application matched by user (meta skuid), and a
# session rule no application can change. They carry their class's DSCP,
# and qpodd lists them afterwards with their owner, "decided_by" kernel.
# A session whose class depends on its program still goes to qpodd; and
# with queue.kernel-decisions false, every session does.
. "$(dirname "$0")/lib.sh"
need_netns
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
[ -x "$TCP_CLIENT" ] || fail "missing test helper $TCP_CLIENT (make check builds it)"
[ -x "$UDP_BURST" ] || fail "missing test helper $UDP_BURST (make check builds it)"
hosts_up

policy() {	# policy KERNEL_DECISIONS [SIP_CLASS]
	cat >"$TMPDIR_TEST/policy.yaml" <<YAML
queue: { kernel-decisions: $1 }
classes:
  voice: { dscp: EF }
  bulk: { dscp: CS1 }
  web: { dscp: AF31 }
  default: { dscp: AF11 }
applications:
  - { name: svc, match: { user: nobody }, class: bulk }
  - { name: browser, match: { comm: firefox }, class: web }
sessions:
  - { match: { proto: udp, dport: 5060 }, class: ${2:-voice} }
YAML
}
policy true
"$QPODD" --check-config -c "$TMPDIR_TEST/policy.yaml" >"$TMPDIR_TEST/check" 2>&1 ||
	fail "check-config: $(cat "$TMPDIR_TEST/check")"
grep -q "decided in the kernel: session rule at line 11; application svc" "$TMPDIR_TEST/check" ||
	fail "check-config does not say what the kernel decides: $(cat "$TMPDIR_TEST/check")"
start_qpodd "$TMPDIR_TEST/policy.yaml"
chmod 755 "$TMPDIR_TEST"

observe p7001 "tcp dport 7001"
observe p7001_cs1 "tcp dport 7001 ip dscp cs1"
observe p7002 "tcp dport 7002"
observe p7002_af11 "tcp dport 7002 ip dscp af11"
observe_udp sip 5060
observe_udp sip_ef 5060 ef

# nobody's TCP session, open 3 s, and root's SIP datagrams: none queued.
# (Not in_a: a function in the background is a subshell, and $! would
# not be the client, which ip netns exec and setpriv become.)
before=$(queued)
serve_tcp "$NS_B" "$B4" 7001 1
ip netns exec "$NS_A" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$TCP_CLIENT" "$B4" 7001 20000 3000 &
client=$!
at_exit "kill $client"
in_a "$UDP_BURST" "$B4" 5060 10 >/dev/null || fail "udp-burst"
in_a "$UDP_BURST" "$B6" 5060 10 >/dev/null || fail "udp-burst (IPv6)"

# Listed afterwards, with its owner, while it is open.
listed() {
	ctl --json sessions >"$TMPDIR_TEST/listing" 2>&1 &&
		[ "$(json_eval "$(cat "$TMPDIR_TEST/listing")" "[(s['pid'], s['class'],
			s['application'], s['decided_by']) for s in a['sessions']
			if s['remote'] == '$B4:7001']")" = "[($client, 'bulk', 'svc', 'kernel')]" ]
}
deadline=$(($(date +%s%N) + 3000000000))
until listed; do
	[ "$(date +%s%N)" -lt "$deadline" ] ||
		fail "nobody's session (pid $client) is not listed as the kernel's: $(cat "$TMPDIR_TEST/listing")"
	sleep 0.05
done
log "listed: pid $client, class bulk, application svc, decided by the kernel"
wait "$client" || fail "tcp-client as nobody"
wait_for 5 grep -q received=20000 "$TMPDIR_TEST/serve-7001"
all_counted p7001 p7001_cs1 || fail "nobody's session: $hit of $total packets CS1"
log "nobody's session (application svc, by user): $hit/$total packets CS1"
all_counted sip4 sip_ef4 || fail "SIP: $hit of $total datagrams EF"
all_counted sip6 sip_ef6 || fail "SIP over IPv6: $hit of $total datagrams EF"
log "SIP (a session rule): IPv4 and IPv6 datagrams EF"
[ "$(queued)" -eq "$before" ] || fail "$(($(queued) - before)) packets were queued"
log "no packet of them was queued"

# root's TCP session may be firefox's: qpodd decides it.
serve_tcp "$NS_B" "$B4" 7002 1
before=$(queued)
in_a "$TCP_CLIENT" "$B4" 7002 20000 || fail "tcp-client as root"
[ "$(queued)" -gt "$before" ] || fail "root's session was not queued"
all_counted p7002 p7002_af11 || fail "root's session: $hit of $total packets AF11"
log "root's session: queued, decided by qpodd, $hit/$total packets AF11"

# A reload that gives the rule another class moves the kernel's sessions
# too: UDP flows that get no reply, never listed before.
start_udp_flows 5060
wait_for 5 flows_grown sip_ef
flows_pause
policy true bulk
out=$(ctl reload) || fail "qpod-ctl reload: $out"
observe_udp after 5060
observe_udp after_cs1 5060 cs1
flows_resume
wait_for 10 flows_grown after
flows_pause
for v in 4 6; do
	all_counted "after$v" "after_cs1$v" ||
		fail "IPv$v: after the reload $hit of $total datagrams of the kernel's flow were CS1"
done
log "reload: the kernel's UDP flows moved to bulk, all of $total datagrams after it CS1"
flows_resume
stop_qpodd

# Turned off, qpodd decides nobody's session too.
policy false
start_qpodd "$TMPDIR_TEST/policy.yaml"
serve_tcp "$NS_B" "$B4" 7003 1
before=$(queued)
in_a setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$TCP_CLIENT" "$B4" 7003 20000 || fail "tcp-client as nobody"
[ "$(queued)" -gt "$before" ] || fail "with kernel-decisions false, nobody's session was not queued"
log "kernel-decisions false: nobody's session queued"
stop_qpodd
pass
