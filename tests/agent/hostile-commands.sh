#!/bin/sh
# Commands from a hostile server (tests/tools/hostile-platform.py in front
# of a real platform): an uninstall naming another agent id, and a 410 to
# the heartbeat, are refused (E411) and the agent keeps running with its
# identity, spool and manifests; "reactivate" in every heartbeat answer is
# paced by the back-off (a few requests a minute, the reason logged).
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-hostile.sh"

hostile_setup "$T/a"
cp "$T/a/state/state.json" "$T/state.before"
ls "$T/a/state/manifests" > "$T/manifests.before"

intact() {
	assert_running
	cmp -s "$T/state.before" "$T/a/state/state.json" ||
	    fail "state.json changed"
	ls "$T/a/state/manifests" | cmp -s - "$T/manifests.before" ||
	    fail "manifests changed: $(ls "$T/a/state/manifests")"
	[ -d "$T/a/state/spool" ] || fail "the spool is gone"
	[ "$(status_value .platform.agent_id)" = "$AID" ] ||
	    fail "agent id changed"
}

note "uninstall naming another agent id"
OTHER=0b6d1e8c-7a55-4c1e-9a2f-3f0c8a4e5d7b
hostile_rules "[{\"method\":\"POST\",\"path\":\"/agent/v1/heartbeat\",
 \"json\":{\"agent_id\":\"$OTHER\",\"commands\":[\"uninstall\"],\"server_time\":1}}]"
assert_fails "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_log 10 "E411 .*the answer names agent $OTHER, this agent is $AID; its uninstall command is refused"
intact
has_error E411 || fail "E411 not in the status"

note "a heartbeat answer with a member of the wrong type"
hostile_rules "[{\"method\":\"POST\",\"path\":\"/agent/v1/heartbeat\",
 \"json\":{\"agent_id\":\"$AID\",\"commands\":[\"uninstall\",\"uninstall\"],\"server_time\":1,\"profile_id\":\"x\"}}]"
assert_fails "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_log 10 'E409 .*POST /agent/v1/heartbeat: HTTP 200 answer: member "profile_id": expected an integer'
intact

note "410 agent_uninstalled to the heartbeat"
hostile_rules '[{"method":"POST","path":"/agent/v1/heartbeat","status":410,
 "json":{"error":"agent_uninstalled","message":"deleted"}}]'
assert_fails "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_log 10 'E411 .*HTTP 410 agent_uninstalled: deleted; an uninstall comes only as the command of a heartbeat answer naming this agent'
intact

note "reactivate in every heartbeat answer"
hostile_rules '[]'
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
hostile_rules '[{"method":"POST","path":"/agent/v1/heartbeat","forward":true,
 "set":{"commands":["reactivate","reactivate"]}}]'
T0=$(now)
"$OUTPOSTCTL" -c "$CONF" heartbeat >/dev/null 2>&1
sleep 90
ACT=$(requests POST /agent/v1/activate "$T0")
HB=$(requests POST /agent/v1/heartbeat "$T0")
T30=$(awk -v t="$T0" 'BEGIN { printf "%.3f", t + 30 }')
LATE=$(($(requests POST /agent/v1/activate "$T30") +
    $(requests POST /agent/v1/heartbeat "$T30")))
note "in 90 s: $ACT activations, $HB heartbeats; $LATE requests in the last 60 s"
[ "$LATE" -le 6 ] || fail "$LATE requests in a minute once paced"
[ "$ACT" -ge 2 ] || fail "the agent did not re-activate ($ACT)"
[ "$ACT" -le 7 ] || fail "$ACT activations in 90 s: not paced"
[ "$HB" -le 8 ] || fail "$HB heartbeats in 90 s: not paced"
LAST=$(awk '$3 == "/agent/v1/activate" { print $1 }' "$HLOG" | tail -n 2 |
    tr '\n' ' ')
note "the last two activations at $LAST"
echo "$LAST" | awk '{ exit !($2 - $1 >= 25) }' ||
    fail "the last two activations $LAST are less than 25 s apart"
assert_grep "$T/a/log/agent.log" "the platform asks for re-activation again before a check-in went through; pacing it with the back-off"
assert_running
assert_log_size 1024

note "the platform answers again"
hostile_rules '[]'
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_activated
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
stop_agent
[ "$AGENT_RC" = 0 ] || fail "outpostd exited with $AGENT_RC"
exit 0
