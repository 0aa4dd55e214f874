#!/bin/sh
# Self-update, broken releases: one whose program exits at once, one whose
# program never checks in. Each runs (its marker file says so), and the
# agent is back on the previous version within the deadline (20 s here),
# "rolled back" with E609 or E610 on the platform (agent detail, errors,
# rollout summary). A rolled-back release is not tried again while the
# profile stays the same, however many heartbeats pass; a new version of
# the profile allows one more attempt.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-update.sh"

DEADLINE=20
release_key release
V2="$AGENT_VERSION.1"
V3="$AGENT_VERSION.2"
script_release "$V2" "$T/exits.tar" release \
    "echo \"\$\$ \$(date +%s)\" >> '$T/ran-exits'; exit 1"
script_release "$V3" "$T/hangs.tar" release \
    "echo \"\$\$ \$(date +%s)\" >> '$T/ran-hangs'; exec sleep 600"

start_platform "$T/p"
update_profile up "{\"policy\":\"latest\",\"deadline\":$DEADLINE}"
update_agent "$T/a"
wait_activated 20
wait_agent_update 20 '.state == "none"'

# A release that exits at once.
add_release "$T/exits.tar"
wait_for 30 test -s "$T/ran-exits" || fail "the release never ran: $(status_value -c .update)"
RAN=$(cut -d' ' -f2 "$T/ran-exits")
wait_agent_update "$DEADLINE" ".state == \"rolled_back\" and .target_version == \"$V2\" and .error.code == \"E609\" and .current_version == \"$AGENT_VERSION\""
T1=$(date +%s)
note "exits at once: ran at $RAN, rolled back on the platform at $T1 ($((T1 - RAN)) s; deadline $DEADLINE s)"
[ $((T1 - RAN)) -le "$DEADLINE" ] || fail "rolled back after $((T1 - RAN)) s"
wait_for 10 status_check ".version == \"$AGENT_VERSION\" and .update.state == \"rolled_back\"" ||
    fail "agent: $(status_value -c '{version, update}')"
[ "$(agent_pid)" != "$AGENT_PID" ] || fail "the same process? $(agent_pid)"
wait_for 10 platform_has_error "$AID" E609 || fail "E609 not on the platform"
"$OUTPOSTCTL" -c "$CONF" status > "$T/status.txt"
assert_grep "$T/status.txt" "^update: +rolled back $V2 "
assert_grep "$T/status.txt" "E609 .*version $V2 exited before its first check-in"
rollout "$V2"
assert_json '.states.rolled_back' 1
assert_json '.agents[0].error.code' E609
assert_grep "$T/a/outpostd.stderr" "watchdog: starting .*outpostd again"

# Not tried again under the same profile, heartbeat after heartbeat.
for i in 1 2 3; do
	"$OUTPOSTCTL" -c "$CONF" heartbeat >/dev/null || fail "heartbeat $i"
done
sleep 1
[ "$(wc -l < "$T/ran-exits")" = 1 ] || fail "tried again: $(cat "$T/ran-exits")"
status_check ".version == \"$AGENT_VERSION\" and .update.state == \"rolled_back\"" ||
    fail "agent: $(status_value -c .update)"

# A new version of the profile: one more attempt, rolled back again.
expect 200 admin PATCH "/api/v1/profiles/$PROF" \
    -d "{\"update\":{\"deadline\":$((DEADLINE + 1))}}"
DEADLINE=$((DEADLINE + 1))
"$OUTPOSTCTL" -c "$CONF" heartbeat >/dev/null
wait_for 30 sh -c "[ \$(wc -l < '$T/ran-exits') = 2 ]" ||
    fail "not tried again after the profile changed: $(status_value -c .update)"
wait_for "$DEADLINE" status_check ".version == \"$AGENT_VERSION\" and .update.state == \"rolled_back\" and .update.error.code == \"E609\"" ||
    fail "agent: $(status_value -c .update)"
"$OUTPOSTCTL" -c "$CONF" heartbeat >/dev/null
sleep 1
[ "$(wc -l < "$T/ran-exits")" = 2 ] || fail "tried a third time"

# A release that never checks in: stopped at the deadline, rolled back.
add_release "$T/hangs.tar"
wait_for 30 test -s "$T/ran-hangs" || fail "the release never ran: $(status_value -c .update)"
RAN=$(cut -d' ' -f2 "$T/ran-hangs")
HANG_PID=$(cut -d' ' -f1 "$T/ran-hangs")
wait_agent_update $((DEADLINE + 10)) ".state == \"rolled_back\" and .target_version == \"$V3\" and .error.code == \"E610\" and .current_version == \"$AGENT_VERSION\""
T1=$(date +%s)
note "never checks in: ran at $RAN, rolled back on the platform at $T1 ($((T1 - RAN)) s; deadline $DEADLINE s)"
[ $((T1 - RAN)) -le "$DEADLINE" ] || fail "rolled back after $((T1 - RAN)) s"
# Gone, or a zombie its parent (not ours) has yet to reap.
[ ! -e "/proc/$HANG_PID" ] || grep -q '^[0-9]* (.*) Z ' "/proc/$HANG_PID/stat" ||
    fail "the new program (pid $HANG_PID) still runs: $(cat "/proc/$HANG_PID/stat")"
wait_for 10 platform_has_error "$AID" E610 || fail "E610 not on the platform"
status_check ".version == \"$AGENT_VERSION\" and .update.state == \"rolled_back\" and .update.target == \"$V3\"" ||
    fail "agent: $(status_value -c .update)"
assert_grep "$T/a/outpostd.stderr" "watchdog: the new version did not check in in time"
rollout "$V3"
assert_json '.states.rolled_back' 1
assert_json '.agents[0].error.code' E610
for i in 1 2; do
	"$OUTPOSTCTL" -c "$CONF" heartbeat >/dev/null || fail "heartbeat $i"
done
sleep 1
[ "$(wc -l < "$T/ran-hangs")" = 1 ] || fail "tried again: $(cat "$T/ran-hangs")"
jq -e '[.attempts[] | select(.outcome == "rolled_back")] | length == 3' \
    "$T/a/state/update.json" >/dev/null ||
    fail "attempts: $(jq -c .attempts "$T/a/state/update.json")"
# Nothing of the broken versions is kept.
[ ! -e "$T/a/state/versions/$V2" ] && [ ! -e "$T/a/state/versions/$V3" ] ||
    fail "broken versions kept: $(ls -a "$T/a/state/versions")"
exit 0
