#!/bin/sh
# S11 without a restart: log_dir, the spool and the manifests directory
# removed under a running, activated agent come back by themselves within
# the directory check's interval, logged and reported (E504, on the
# platform too); status never says "in place" while one is missing; and a
# write that fails for a missing directory says so (E502 names the cause,
# not "disk full").
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"
platform_agent "$T/a"
wait_activated 20
wait_for 10 status_check '.manifests.inventory.version >= 1' ||
    fail "no manifests: $(status_value -c .manifests)"
# Quiet first: the first inventory delivered and the spool empty, so that
# no write fails (a failed write runs the directory check at once) while
# the directories are away before the status requests.
wait_for 30 status_check '(.inventory.inventory_version // 0) >= 1 and .spool.depth == 0' ||
    fail "the first inventory was not delivered: $(status_value -c '{inventory, spool}')"

# Removed while it runs (moved away: rm -rf could race with the agent
# writing into them): status tells at once, before any repair.
# The agent's own check may run between the move and the status requests
# (it runs at once after a failed write, and repairs all three): then the
# move is made again, up to 5 times, until both requests come first.
for try in 1 2 3 4 5; do
	mkdir "$T/gone$try"
	mv "$T/a/log" "$T/a/state/spool" "$T/a/state/manifests" "$T/gone$try/"
	"$OUTPOSTCTL" -c "$CONF" status > "$T/st.txt"
	status_json > "$T/st.json"
	grep -q "MISSING $T/a/log " "$T/st.txt" &&
	    jq -e '.directories.missing | length >= 3' "$T/st.json" >/dev/null &&
	    break
	note "try $try: repaired before the status requests"
	wait_for 10 test -d "$T/a/log" -a -d "$T/a/state/spool" -a -d "$T/a/state/manifests"
	sleep 1
done
assert_grep "$T/st.txt" "MISSING $T/a/log "
assert_grep "$T/st.txt" "MISSING $T/a/state/spool "
assert_grep "$T/st.txt" "MISSING $T/a/state/manifests "
grep -q "in place" "$T/st.txt" && fail "status says in place: $(cat "$T/st.txt")"
jq -e '.directories.missing | length >= 3' "$T/st.json" >/dev/null ||
    fail "missing: $(jq -c .directories "$T/st.json")"

# Back within the check's interval (15 s), without outpostctl repair.
wait_for 25 test -d "$T/a/log" -a -d "$T/a/state/spool" -a -d "$T/a/state/manifests" ||
    fail "not recreated: $(ls -R "$T/a")"
wait_for 10 status_check '.directories.missing | length == 0' ||
    fail "still missing: $(status_value -c .directories)"
"$OUTPOSTCTL" -c "$CONF" status > "$T/st2.txt"
grep -q MISSING "$T/st2.txt" && fail "MISSING after the repair"
for d in log state/spool state/manifests; do
	[ "$(stat -c %a "$T/a/$d")" = "$( [ $d = log ] && echo 750 || echo 700)" ] ||
	    fail "$d mode $(stat -c %a "$T/a/$d")"
done
# Logged into the recreated log directory, counted, reported.
wait_for 10 grep -q "repaired required directory $T/a/log while running: created" "$T/a/log/agent.log" ||
    fail "the repair is not in the new agent.log"
assert_grep "$T/a/log/agent.log" "E504 a required directory was missing and has been recreated: repaired while running: .*$T/a/state/spool \\(created"
[ "$(status_value .directories.repairs_total)" -ge 3 ] || fail "repairs_total"
wait_for 20 platform_has_error "$AID" E504 || fail "E504 not on the platform"

# The agent keeps working in the new directories: uploads spool again.
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
"$OUTPOSTCTL" -c "$CONF" inventory-scan >/dev/null || true
wait_for 10 grep -q "control: check-in requested" "$T/a/log/agent.log" ||
    fail "no logging after the repair"

# A write into a directory that is gone fails with its cause named, and
# the check runs at once: state_dir removed, then a profile change makes
# the agent write profile.json.
mkdir -p "$T/gone"
mv "$T/a/state" "$T/gone/state"
expect 200 admin PATCH /api/v1/profiles/1 -d '{"heartbeat_interval":11}'
"$OUTPOSTCTL" -c "$CONF" heartbeat >/dev/null 2>&1
wait_for 10 grep -Eq "E502 a file could not be written: .*No such file or directory" "$T/a/log/agent.log" ||
    fail "no E502 naming the cause"
grep -q "disk full" "$T/a/log/agent.log" && fail "E502 blames a full disk"
wait_for 5 test -d "$T/a/state/spool" || fail "state_dir not recreated at once after E502"
stop_agent
exit 0
