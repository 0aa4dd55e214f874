#!/bin/sh
# Change-driven inventory uploads (seed S6) with the default profile and
# this host's real dpkg, account tools and network stack: a package
# installed with dpkg -i reaches the platform within 15 s and its removal
# too, each as a delta under 1 KB, without "outpostctl inventory-scan"; a
# user added with useradd and an address added to an interface (in a
# private network namespace, where the agent and the platform run) each
# reach it within 15 s; upgrading 50 packages in one dpkg run, and
# purging them, are one upload each (at most two); the platform's agent
# detail shows the time of the last inventory change; with
# inventory_changes.enabled false nothing is uploaded until a manual scan,
# and a paused profile stops the watches. Everything the test installs or
# adds is removed at exit, also on failure.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

[ "$(id -u)" = 0 ] || skip "needs root (dpkg -i, useradd, network namespaces)"
for c in dpkg dpkg-deb dpkg-query useradd userdel ip; do
	command -v "$c" >/dev/null 2>&1 || skip "no $c"
done
HAVE_NETLINK=$(grep -c '^#define HAVE_NETLINK 1' "$abs_top_builddir/config.h")
NS="outpost-chg$$"
PKG="outpost-t$$"		# the packages: $PKG-01 ... $PKG-50, $PKG-one
USR="outpost-u$$"
veth_netns "$NS" no-ll

# Everything this test adds to the host goes at exit, whatever happened.
purge_test_packages() {
	_p=$(dpkg-query -W -f '${Package}\n' "$PKG-*" 2>/dev/null)
	[ -z "$_p" ] || run_dpkg --purge $_p
}
at_exit "purge_test_packages >/dev/null 2>&1; userdel $USR >/dev/null 2>&1"

# run_dpkg ARGS...: dpkg ARGS, waiting (60 s) while another dpkg or apt
# holds the lock.
run_dpkg() {
	_n=0
	while ! dpkg "$@" >"$T/dpkg.out" 2>&1; do
		grep -qi 'lock' "$T/dpkg.out" && [ "$_n" -lt 240 ] ||
		    fail "dpkg $*: $(tail -n 5 "$T/dpkg.out")"
		_n=$((_n + 1))
		sleep 0.25
	done
}

# make_deb NAME VERSION: build NAME_VERSION_all.deb under $T/debs.
make_deb() {
	_d="$T/build/$1-$2"
	mkdir -p "$_d/DEBIAN" "$T/debs/$2"
	printf 'Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: outpost tests <tests@example.org>\nSection: misc\nPriority: optional\nDescription: outpost inventory change test\n' \
	    "$1" "$2" >"$_d/DEBIAN/control"
	dpkg-deb --root-owner-group -Zgzip --build "$_d" \
	    "$T/debs/$2/$1_$2_all.deb" >/dev/null || fail "dpkg-deb $1 $2"
}

# The platform, the agent and every request run inside the namespace.
platform_in_netns "$NS"

# now: the time in milliseconds.
now() {
	date +%s%3N
}
# within SECONDS WHAT FILTER: wait until the platform's inventory of the
# agent satisfies FILTER, at most SECONDS from $T0; prints the time taken.
within() {
	while ! admin_check "/api/v1/agents/$AID/inventory" "$3"; do
		[ $(($(now) - T0)) -le $(($1 * 1000)) ] ||
		    fail "$2: not on the platform after $1 s: $(status_value -c '.inventory | {last_upload, changes}')"
		sleep 0.2
	done
	note "$2: on the platform $(($(now) - T0)) ms after the change"
}
has_pkg() {
	echo ".data.packages | map(select(.name == \"$1\" and .version == \"$2\")) | length == 1"
}
no_pkg() {
	echo ".data.packages | map(select(.name == \"$1\")) | length == 0"
}
# The packages section's upload count (the agent's status).
pkg_uploads() {
	status_value '.inventory.changes.sections.packages.uploads'
}
# Wait until nothing of the inventory is pending or on its way.
settled() {
	wait_for 30 status_check '.inventory.state == "idle" and .inventory.pending == null and ([.inventory.changes.sections[] | select(.pending)] | length == 0)' ||
	    fail "the inventory does not settle: $(status_value -c .inventory)"
}
# The last upload was a delta of packages' items ($1 puts, $2 deletes)
# under 1 KB.
assert_small_delta() {
	status_value -c .inventory.last_upload >"$T/last.json"
	jq -e ".upload == \"delta\" and .items.packages == {\"put\": $1, \"delete\": $2} and .bytes < 1024" \
	    "$T/last.json" >/dev/null || fail "not a small delta: $(cat "$T/last.json")"
	note "delta of $(jq -r .bytes "$T/last.json") bytes"
}

start_platform "$T/p"
expect 201 admin POST /api/v1/manifests -d '{"type":"inventory","body":{"collectors":["packages","users","groups","interfaces"]}}'
platform_agent "$T/a"
LOG="$T/a/log/agent.log"
wait_for 20 status_check '.inventory.collectors | length == 4' ||
    fail "manifest not in force"
wait_inventory 30 ">= 1"
settled
AID=$(status_value .platform.agent_id)
wait_for 10 status_check '.inventory.changes.running and .inventory.changes.enabled' ||
    fail "changes not followed: $(status_value -c .inventory.changes)"
if grep -q '^#define HAVE_SYS_INOTIFY_H 1' "$abs_top_builddir/config.h" &&
    [ "$HAVE_NETLINK" = 1 ]; then
	[ "$(status_value .inventory.changes.watches)" = inotify ] ||
	    fail "watches: $(status_value .inventory.changes.watches)"
	status_check '.inventory.changes.watching | index("/var/lib/dpkg") != null and index("/etc") != null' ||
	    fail "watching: $(status_value -c .inventory.changes.watching)"
fi
for v in 1.0 2.0; do
	make_deb "$PKG-one" "$v"
	for i in $(seq -w 1 50); do
		make_deb "$PKG-$i" "$v"
	done
done

# dpkg -i: on the platform within 15 s, as a delta under 1 KB.
T0=$(now)
run_dpkg -i "$T/debs/1.0/$PKG-one_1.0_all.deb"
T0=$(now)
within 15 "dpkg -i" "$(has_pkg "$PKG-one" 1.0)"
settled
assert_small_delta 1 0
[ "$(status_value .inventory.changes.sections.packages.trigger)" = watch ] ||
    fail "trigger: $(status_value -c .inventory.changes.sections.packages)"
assert_grep "$LOG" 'inventory: packages scan \(watch\) done'
"$OUTPOSTCTL" -c "$CONF" status >"$T/status.txt"
grep -Eq '^  packages +files\+lock +changed .* uploaded .* \(watch;' "$T/status.txt" ||
    fail "outpostctl status: $(grep -A14 '^inventory changes' "$T/status.txt")"
expect 200 admin GET "/api/v1/agents/$AID"
CHANGED=$(jout .last_inventory_change)
[ "$CHANGED" -ge $((T0 / 1000 - 1)) ] || fail "last_inventory_change $CHANGED"

# dpkg -r: gone from the platform within 15 s (the section's minimum
# interval since the last upload included).
run_dpkg -r "$PKG-one"
T0=$(now)
within 15 "dpkg -r" "$(no_pkg "$PKG-one")"
settled
assert_small_delta 0 1

# useradd: within 15 s.
T0=$(now)
useradd -M -N -s /usr/sbin/nologin "$USR" || fail "useradd"
within 15 useradd ".data.users | map(.name) | index(\"$USR\") != null"

# An address: within 15 s (followed live through netlink).
if [ "$HAVE_NETLINK" = 1 ]; then
	T0=$(now)
	ip -n "$NS" addr add 198.51.100.14/24 dev op0
	within 15 "an address" '.data.interfaces[] | select(.name == "op0") | .addresses | map(.address) | index("198.51.100.14") != null'
else
	note "built without netlink: addresses are polled every 30 s"
fi
settled

# one_run WHAT FILTER DPKG-ARGS...: one dpkg run of the 50 packages; on
# the platform (FILTER over the test's packages) within 15 s, in one
# upload (at most two).
one_run() {
	_what=$1
	_filter=$2
	shift 2
	_u0=$(pkg_uploads)
	run_dpkg "$@"
	T0=$(now)
	within 15 "$_what" "[.data.packages[] | select(.name | startswith(\"$PKG-\"))] | $_filter"
	settled
	_u=$(($(pkg_uploads) - _u0))
	note "$_what: $_u upload(s)"
	[ "$_u" -ge 1 ] && [ "$_u" -le 2 ] || fail "$_what: $_u uploads"
}
# 50 packages in one dpkg run, then upgraded in one run, then purged in
# one run: one upload each (at most two), not 50.
one_run "50 packages installed" 'length == 50' -i "$T/debs/1.0/$PKG"-[0-9]*.deb
one_run "50 packages upgraded" 'map(select(.version == "2.0")) | length == 50' \
    -i "$T/debs/2.0/$PKG"-[0-9]*.deb
one_run "50 packages purged" 'length == 0' \
    --purge $(dpkg-query -W -f '${Package}\n' "$PKG-[0-9]*")

# Switched off by the profile: no watches, nothing uploaded until a
# manual scan.
PROFILE=$(status_value .platform.profile.id)
expect 200 admin PATCH "/api/v1/profiles/$PROFILE" -d '{"inventory_changes":{"enabled":false}}'
assert_json .inventory_changes.enabled false
assert_json .inventory_changes.settle 2
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 10 status_check '.inventory.changes.enabled == false and .inventory.changes.running == false' ||
    fail "changes still followed: $(status_value -c .inventory.changes)"
assert_grep "$LOG" 'change-driven uploads are off'
v=$(status_value .inventory.inventory_version)
run_dpkg -i "$T/debs/2.0/$PKG-one_2.0_all.deb"
sleep 4		# (settle and more: nothing may happen meanwhile)
[ "$(status_value .inventory.inventory_version)" = "$v" ] ||
    fail "an upload with inventory_changes off"
"$OUTPOSTCTL" -c "$CONF" inventory-scan --json >"$T/scan.json" ||
    fail "inventory-scan failed"
[ "$(jq -r .trigger "$T/scan.json")" = manual ] || fail "scan: $(cat "$T/scan.json")"
T0=$(now)
within 15 "a manual scan" "$(has_pkg "$PKG-one" 2.0)"
settled
[ "$(status_value .inventory.changes.sections.packages.trigger)" = manual ] ||
    fail "trigger: $(status_value -c .inventory.changes.sections.packages)"

# On again, then paused: the pause stops the watches like the rest.
expect 200 admin PATCH "/api/v1/profiles/$PROFILE" -d '{"inventory_changes":{"enabled":true},"data_collection_paused":true}'
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 10 status_check '.inventory.paused and .inventory.changes.running == false' ||
    fail "paused but still following: $(status_value -c .inventory.changes)"
stop_agent
[ "$AGENT_RC" -eq 0 ] || fail "exit status $AGENT_RC"
exit 0
