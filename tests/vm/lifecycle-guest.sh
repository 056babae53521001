#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The guest's half of tests/vm/lifecycle, run by systemd at each boot:
# phase 1 installs qpod from the local repository and reboots; phase 2
# finds it running, reloads an edited and a broken policy, upgrades with a
# live flow, removes and purges. Its verdict goes to the console as
# QPOD-LIFECYCLE-RESULT PASS or FAIL, then the guest powers off.
set -u
PHASE=/lifecycle/phase
phase=$(cat "$PHASE" 2>/dev/null || echo 1)
version=$(cat /lifecycle/version)
REPO=/lifecycle/repo
export DEBIAN_FRONTEND=noninteractive

log() { echo "lifecycle-guest: phase $phase, $(cut -d' ' -f1 /proc/uptime) s: $*"; }
finish() {
	echo "QPOD-LIFECYCLE-RESULT $*"
	systemctl --no-block poweroff
	exit 0
}
fail() {
	journalctl -u qpod -n 15 --no-pager
	finish "FAIL phase $phase: $*"
}
wait_for() {	# wait_for SECONDS CMD...
	n=$(($1 * 10))
	shift
	until "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || fail "timed out waiting for: $*"
		sleep 0.1
	done
}

# Host A is the guest, B a namespace on a veth: 198.18.0.1 and .2.
ip netns add b && ip link add va type veth peer name vb netns b &&
	ip addr add 198.18.0.1/24 dev va && ip -n b addr add 198.18.0.2/24 dev vb &&
	ip link set va up && ip -n b link set vb up || fail "the hosts"
ip netns exec b nft -f - <<'EOF' || fail "B's counters"
table inet obs {
	chain in { type filter hook input priority -300; }
	chain sink { type filter hook input priority 0; udp dport 1-65535 drop; }
}
EOF
observe() { ip netns exec b nft add counter inet obs "$1" && ip netns exec b nft add rule inet obs in $2 counter name "$1"; }
count() { ip netns exec b nft list counter inet obs "$1" | awk '/packets/ { print $2 }'; }
all_of() { [ "$(count "$1")" -gt 0 ] && [ "$(count "$1")" -eq "$(count "$2")" ]; }
burst() { /lifecycle/udp-burst 198.18.0.2 "$1" "$2" 1 10000; }	# burst PORT COUNT: 100 a second
active() { [ "$(systemctl is-active qpod)" = active ]; }

log "started"
case $phase in
1)
	# --- install from the local repository, enabled and started -----------------
	apt-get update -qq || fail "apt-get update"
	apt-get install -y -qq "$REPO/qpod_${version}_amd64.deb" || fail "apt install ./qpod_${version}_amd64.deb"
	for p in libnetfilter-queue1 libyaml-0-2; do
		dpkg-query -W -f='${Status}' "$p" | grep -q 'install ok installed' || fail "$p was not pulled in"
	done
	[ "$(systemctl is-enabled qpod)" = enabled ] || fail "qpod is $(systemctl is-enabled qpod), not enabled"
	wait_for 20 active
	getent group qpod >/dev/null || fail "no qpod group"
	# The shipped policy: SIP (udp/5060) is voice, EF.
	observe sip "udp dport 5060"
	observe sip_ef "udp dport 5060 ip dscp ef"
	burst 5060 50 || fail "udp-burst"
	wait_for 5 all_of sip sip_ef
	log "installed $version with its dependencies, enabled, active; $(count sip_ef)/$(count sip) SIP packets EF"
	echo 2 >"$PHASE"
	sync
	systemctl --no-block reboot
	exit 0
	;;
2)
	# --- after a reboot, running without anyone starting it ----------------------
	wait_for 30 active
	log "active again after the reboot"

	# --- an edit and a reload; a broken edit keeps the running policy -------------
	tc qdisc replace dev va root pfifo limit 321 || fail "va's own qdisc"
	sed -i 's/^interfaces: \[\]/interfaces:\n  - { name: va, bandwidth: 100mbit }/' /etc/qpod.yaml
	sed -i 's/^sessions:$/sessions:\n  - { match: { proto: udp, dport: 9100 }, class: bulk }/' /etc/qpod.yaml
	cp /etc/qpod.yaml /lifecycle/edited.yaml
	systemctl reload qpod || fail "systemctl reload qpod"
	observe p9100 "udp dport 9100"
	observe p9100_cs1 "udp dport 9100 ip dscp cs1"
	reloaded() { burst 9100 5 && [ "$(count p9100_cs1)" -gt 0 ]; }
	wait_for 10 reloaded
	tc qdisc show dev va | grep -q 'qdisc hfsc 7a0: root' || fail "no queueing on va after the reload: $(tc qdisc show dev va)"
	echo "classes: [" >>/etc/qpod.yaml
	systemctl reload qpod || fail "systemctl reload qpod (broken)"
	kept() { systemctl status qpod --no-pager -n 30 | grep -q 'keeping the running policy'; }
	wait_for 10 kept
	active || fail "qpod stopped on a broken policy"
	cp /lifecycle/edited.yaml /etc/qpod.yaml
	systemctl reload qpod || fail "systemctl reload qpod (fixed)"
	log "an edit applied on reload (udp/9100 in bulk, va queued); a broken one kept the running policy, as systemctl status says"

	# --- an upgrade, a long flow across it ------------------------------------------
	observe f "udp dport 9200"
	observe f_cs1 "udp dport 9200 ip dscp cs1"
	sed -i 's/dport: 9100 }, class: bulk/dport: 9100-9200 }, class: bulk/' /etc/qpod.yaml
	cp /etc/qpod.yaml /lifecycle/edited.yaml
	systemctl reload qpod || fail "systemctl reload qpod (9200)"
	/lifecycle/udp-burst 198.18.0.2 9200 100000 1 10000 &
	flow=$!
	flowing() { [ "$(count f_cs1)" -gt 0 ]; }
	wait_for 10 flowing
	pid=$(systemctl show -P MainPID qpod)
	apt-get install -y -qq "$REPO/qpod_${version}+1_amd64.deb" || fail "the upgrade"
	[ "$(dpkg-query -W -f='${Version}' qpod)" = "$version+1" ] || fail "not upgraded"
	wait_for 20 active
	pid2=$(systemctl show -P MainPID qpod)
	[ "$pid2" != "$pid" ] || fail "qpod was not restarted by the upgrade"
	cmp -s /etc/qpod.yaml /lifecycle/edited.yaml || fail "the upgrade changed the edited /etc/qpod.yaml"
	before=$(count f)
	grown() { [ "$(count f)" -ge $((before + 100)) ]; }
	wait_for 20 grown
	kill "$flow"
	wait_for 5 all_of f f_cs1
	log "upgraded to $version+1 (pid $pid -> $pid2), the edited conffile kept; $(count f_cs1)/$(count f) packets of a live flow CS1"

	# --- remove: stopped, table gone, va's own qdisc back, traffic flows ------------
	apt-get remove -y -qq qpod || fail "apt remove qpod"
	[ "$(systemctl is-active qpod)" != active ] || fail "qpod still active after remove"
	! nft list tables | grep -q 'inet qpod' || fail "table inet qpod left after remove"
	tc qdisc show dev va | grep -q 'qdisc pfifo .* root .*limit 321p' || fail "va's qdisc after remove: $(tc qdisc show dev va)"
	observe after "udp dport 9300"
	burst 9300 20 || fail "udp-burst after remove"
	wait_for 5 sh -c "[ \$(ip netns exec b nft list counter inet obs after | awk '/packets/ { print \$2 }') -eq 20 ]"
	[ -f /etc/qpod.yaml ] || fail "remove took the conffile"
	log "removed: stopped, no table, va's pfifo back, traffic flows, /etc/qpod.yaml kept"

	# --- purge: conffiles and the session log go ----------------------------------
	apt-get purge -y -qq qpod || fail "apt purge qpod"
	for f in /etc/qpod.yaml /var/log/qpod /var/lib/qpod; do
		[ ! -e "$f" ] || fail "$f left after purge"
	done
	log "purged: /etc/qpod.yaml, /var/log/qpod and /var/lib/qpod gone"
	finish PASS
	;;
esac
fail "no phase $phase"
