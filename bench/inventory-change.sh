#!/bin/sh
# bench/inventory-change.sh [BUILDDIR]: change-driven inventory uploads.
#
# In a private network namespace, starts a platform and two agents side
# by side: "on" with the default profile (change watches, settle 2 s) and
# "off" with inventory_changes.enabled false (the interval scan only, as
# before). Then, on this host (needs root; everything is undone at exit):
#
# 1. installs a small package built here with dpkg-deb --build (no
#    network), removes it, and adds an address to an interface of the
#    namespace; for each prints the time from the change to the platform
#    holding it, and the bytes of the upload, for "on"; "off" shows when
#    its next interval scan would bring it;
# 2. upgrades $NPKG (default 50) such packages in one dpkg run: the uploads
#    "on" made for it and the CPU it spent, against the CPU of one full
#    scan (outpostctl inventory-scan on "off");
# 3. leaves both idle for $IDLE seconds (default 300: five heartbeats)
#    and prints, for each, the wake-ups of its threads (voluntary context
#    switches, /proc/PID/task/*/status), its CPU time (schedstat) and its
#    heartbeats, and the ratio on/off, also per heartbeat (target: <= 1,
#    no measurable idle cost; wake-ups only on change).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
builddir=${1:-${abs_top_builddir:-$here/../build}}
IDLE=${IDLE:-300}
NPKG=${NPKG:-50}
[ "$(id -u)" = 0 ] || { echo "bench/inventory-change.sh: needs root" >&2; exit 1; }
for c in dpkg dpkg-deb ip jq curl python3; do
	command -v "$c" >/dev/null || { echo "bench/inventory-change.sh: needs $c" >&2; exit 1; }
done
T=$(mktemp -d /tmp/outpost-bench.XXXXXX)
NS=outpost-bench$$
PKG=outpost-bench$$
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	p=$(dpkg-query -W -f '${Package}\n' "$PKG-*" 2>/dev/null || true)
	[ -z "$p" ] || dpkg --purge $p >/dev/null 2>&1 || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add op0 type veth peer name op1
ip -n "$NS" link set op0 addrgenmode none
ip -n "$NS" link set op1 addrgenmode none
ip -n "$NS" link set op0 up
ip -n "$NS" link set op1 up
nsx() { ip netns exec "$NS" "$@"; }
now() { date +%s%3N; }

# Packages: $PKG-one 1.0 and $PKG-01..NN in 1.0 and 2.0.
make_deb() {
	d="$T/build/$1-$2"
	mkdir -p "$d/DEBIAN" "$T/debs/$2"
	printf 'Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: outpost bench <bench@example.org>\nDescription: outpost inventory change benchmark\n' \
	    "$1" "$2" >"$d/DEBIAN/control"
	dpkg-deb --root-owner-group -Zgzip --build "$d" "$T/debs/$2/$1_$2_all.deb" >/dev/null
}
make_deb "$PKG-one" 1.0
for v in 1.0 2.0; do
	for i in $(seq -w 1 "$NPKG"); do make_deb "$PKG-$i" "$v"; done
done

port=$(nsx python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$builddir/outpost-platform" init "$T/p" --listen "127.0.0.1:$port" >"$T/init.out"
cid=$(sed -n 's/^customer_id: //p' "$T/init.out")
kid=$(sed -n 's/^activation_id: //p' "$T/init.out")
# (ip netns exec execs the program: $! is its pid.)
ip netns exec "$NS" "$builddir/outpost-platform" -f -c "$T/p/platform.conf" >"$T/p.log" 2>&1 &
PIDS="$PIDS $!"
tok=$(cat "$T/p/admin.token")
api() {
	_path=$1; shift
	nsx curl -sS --fail --cacert "$T/p/ca.pem" -H "Authorization: Bearer $tok" "https://localhost:$port$_path" "$@"
}
for _ in $(seq 100); do api /api/v1/settings >/dev/null 2>&1 && break; sleep 0.1; done
api /api/v1/manifests -d '{"type":"inventory","body":{"collectors":["os","host","cpu","memory","interfaces","packages","services","users","groups","kernel_modules"]}}' >/dev/null
off_profile=$(api /api/v1/profiles -d '{"name":"watches off","inventory_changes":{"enabled":false}}' | jq -r .id)
off_key=$(api /api/v1/activation-keys -d "{\"name\":\"off\",\"profile_id\":$off_profile}" | jq -r .activation_id)

# start_agent NAME KEY: an agent activated with KEY, inside the namespace.
start_agent() {
	mkdir -p "$T/$1"
	cat >"$T/$1/outpost.conf" <<CONF
platform_url = https://localhost:$port
activation_id = $2
customer_id = $cid
ca_file = $T/p/ca.pem
state_dir = $T/$1/state
log_dir = $T/$1/log
run_dir = $T/$1/run
proxy_file = $T/$1/none
CONF
	ip netns exec "$NS" "$builddir/outpostd" -f -c "$T/$1/outpost.conf" \
	    >"$T/$1.err" 2>&1 &
	PIDS="$PIDS $!"
	eval "pid_$1=$!"
}
ctl() { _a=$1; shift; "$builddir/outpostctl" -c "$T/$_a/outpost.conf" "$@"; }
# settled NAME: wait until the agent's inventory is acknowledged and idle.
settled() {
	for _ in $(seq 600); do
		ctl "$1" status --json >"$T/st.json" 2>/dev/null && [ -s "$T/st.json" ] &&
		    jq -e '.inventory.inventory_version >= 1 and .inventory.pending == null and .inventory.state == "idle" and ([.inventory.changes.sections[]? | select(.pending)] | length == 0)' \
		    "$T/st.json" >/dev/null 2>&1 && return
		sleep 0.1
	done
	echo "agent $1 does not settle" >&2
	exit 1
}
start_agent on "$kid"
start_agent off "$off_key"
settled on
settled off
aid_on=$(ctl on status --json | jq -r .platform.agent_id)

# cpu PID: the time PID ran on a CPU, in microseconds (schedstat, every
# thread).
cpu() {
	cat /proc/"$1"/task/*/schedstat | awk '{ t += $1 } END { printf "%d\n", t / 1000 }'
}
# sw PID: its voluntary context switches (every thread): the times its
# event loop (or another thread) went to sleep and was woken.
sw() {
	cat /proc/"$1"/task/*/status | awk '/^voluntary_ctxt_switches/ { n += $2 } END { print n }'
}
# quiet: wait for "on" to settle, then past the minimum interval (10 s)
# since its last upload, so the next change is timed alone.
quiet() {
	settled on
	sleep 11
}

# until_platform WHAT FILTER: milliseconds from $t0 (the end of the change
# command) until the platform holds FILTER for agent "on" (60 s at most).
until_platform() {
	while ! api "/api/v1/agents/$aid_on/inventory" 2>/dev/null | jq -e "$2" >/dev/null 2>&1; do
		[ $(($(now) - t0)) -lt 60000 ] || { echo "$1: not on the platform after 60 s" >&2; exit 1; }
		sleep 0.05
	done
	settled on
	printf '%-34s %6d ms to the platform, upload %s bytes (%s)\n' "$1" \
	    $(($(now) - t0)) "$(ctl on status --json | jq -r .inventory.last_upload.bytes)" \
	    "$(ctl on status --json | jq -c '.inventory.last_upload | .items // .set')"
}
off_next() {
	echo "  (watches off: the next interval scan, at $(ctl off status --json | jq -r .inventory.next_scan), would bring it)"
}

echo "1. time from the end of a change to the platform holding it, watches on"
echo "   (settle 2 s; each change comes after the minimum interval of 10 s):"
quiet
dpkg -i "$T/debs/1.0/$PKG-one_1.0_all.deb" >/dev/null; t0=$(now)
until_platform "dpkg -i (1 package)" ".data.packages | map(.name) | index(\"$PKG-one\") != null"
off_next
quiet
dpkg -r "$PKG-one" >/dev/null; t0=$(now)
until_platform "dpkg -r (1 package)" ".data.packages | map(.name) | index(\"$PKG-one\") == null"
quiet
ip -n "$NS" addr add 198.51.100.9/24 dev op0; t0=$(now)
until_platform "ip addr add" '.data.interfaces[] | select(.name == "op0") | .addresses | length == 1'

echo "2. $NPKG packages upgraded in one dpkg run:"
dpkg -i "$T/debs/1.0/$PKG"-[0-9]*.deb >/dev/null
sleep 1
quiet
u0=$(ctl on status --json | jq -r .inventory.changes.sections.packages.uploads)
c0=$(cpu "$pid_on")
s=$(now); dpkg -i "$T/debs/2.0/$PKG"-[0-9]*.deb >/dev/null; t0=$(now)
echo "  (the dpkg run took $((t0 - s)) ms)"
until_platform "dpkg -i ($NPKG upgraded)" "[.data.packages[] | select(.name | startswith(\"$PKG-\")) | select(.version == \"2.0\")] | length == $NPKG"
c1=$(cpu "$pid_on")
u1=$(ctl on status --json | jq -r .inventory.changes.sections.packages.uploads)
f0=$(cpu "$pid_off")
ctl off inventory-scan --json >"$T/full.json"
f1=$(cpu "$pid_off")
echo "  uploads for it: $((u1 - u0)) (target 1, at most 2); agent CPU from the start of the run to the platform: $(( (c1 - c0) / 1000 )) ms"
echo "  one full scan and its upload decision (outpostctl inventory-scan on \"off\"): $(( (f1 - f0) / 1000 )) ms CPU, $(jq -r .duration_ms "$T/full.json") ms long"
dpkg --purge $(dpkg-query -W -f '${Package}\n' "$PKG-*") >/dev/null
sleep 1
settled on
settled off
# Let the uploads of the purge and the polls pass before idling.
sleep 15
settled on

echo "3. idle for $IDLE s (heartbeat every 60 s +-10 %), side by side:"
hb() { ctl "$1" status --json | jq -r .platform.heartbeats; }
h_on0=$(hb on); h_off0=$(hb off)
s_on0=$(ctl on status --json | jq -r .inventory.scans)
ch_on0=$(ctl on status --json | jq '[.inventory.changes.sections[].changes] | add')
w_on0=$(sw "$pid_on"); w_off0=$(sw "$pid_off"); c_on0=$(cpu "$pid_on"); c_off0=$(cpu "$pid_off")
sleep "$IDLE"
w_on=$(( $(sw "$pid_on") - w_on0 )); w_off=$(( $(sw "$pid_off") - w_off0 ))
c_on=$(( ($(cpu "$pid_on") - c_on0) / 1000 )); c_off=$(( ($(cpu "$pid_off") - c_off0) / 1000 ))
h_on=$(( $(hb on) - h_on0 )); h_off=$(( $(hb off) - h_off0 ))
s_on=$(( $(ctl on status --json | jq -r .inventory.scans) - s_on0 ))
ch_on=$(( $(ctl on status --json | jq '[.inventory.changes.sections[].changes] | add') - ch_on0 ))
echo "  watches on:  $w_on wake-ups, $c_on ms CPU, $h_on heartbeats ($s_on polls riding on them)"
echo "  watches off: $w_off wake-ups, $c_off ms CPU, $h_off heartbeats"
[ "$ch_on" -eq 0 ] || echo "  NOT IDLE: the host changed $ch_on times meanwhile (another package manager or account tool ran); \"on\" woke for those: run again"
awk -v a="$w_on" -v b="$w_off" -v ha="$h_on" -v hb="$h_off" 'BEGIN {
	if (b > 0) printf "  ratio on/off: %.2f wake-ups; per heartbeat %.1f against %.1f: %.2f (target <= 1)\n", a / b, a / (ha ? ha : 1), b / (hb ? hb : 1), (a / (ha ? ha : 1)) / (b / (hb ? hb : 1)) }'
