#!/bin/sh
# S9, S10: uninstall from the host keeps the platform record; reinstall
# with the same or another key works; an admin DELETE makes the agent
# remove its state and exit with status 3.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"
platform_agent "$T/a"
wait_activated
AID1=$AID

# S10: outpostctl uninstall removes the agent from the host only.
"$OUTPOSTCTL" -c "$CONF" uninstall > "$T/u.out" || fail "uninstall"
assert_grep "$T/u.out" "platform record kept"
wait "$AGENT_PID"
[ ! -e "$T/a/state/state.json" ] || fail "state.json left behind"
expect 200 admin GET "/api/v1/agents/$AID1"

# S9: reinstall with another key: a new agent.
expect 201 admin POST /api/v1/activation-keys -d '{"name":"second key"}'
KEY2=$(jout .activation_id)
sed -i "s/^activation_id = .*/activation_id = $KEY2/" "$CONF"
start_agent "$T/a"
wait_for 10 status_check '.platform.activation == "activated"' ||
    fail "reinstall with another key did not activate"
AID2=$(status_value .platform.agent_id)
[ "$AID2" != "$AID1" ] || fail "same agent id after reinstall"
expect 200 admin GET "/api/v1/agents/$AID2"
assert_json .activation_id "$KEY2"

# uninstall --deregister removes the platform record too.
"$OUTPOSTCTL" -c "$CONF" uninstall --deregister > "$T/u2.out" ||
    fail "uninstall --deregister: $(cat "$T/u2.out")"
assert_grep "$T/u2.out" "platform record deleted"
wait "$AGENT_PID"
expect 404 admin GET "/api/v1/agents/$AID2"

# S9 with the same key again, then S10 from the platform side.
sed -i "s/^activation_id = .*/activation_id = $ACTIVATION_ID/" "$CONF"
start_agent "$T/a"
wait_for 10 status_check '.platform.activation == "activated"' ||
    fail "reinstall with the same key did not activate"
AID3=$(status_value .platform.agent_id)
expect 200 admin DELETE "/api/v1/agents/$AID3"
"$OUTPOSTCTL" -c "$CONF" heartbeat 2>"$T/hb.err" && fail "heartbeat after DELETE succeeded"
wait "$AGENT_PID"
rc=$?
[ "$rc" -eq 3 ] || fail "exit status $rc after admin DELETE, want 3"
assert_grep "$T/a/log/agent.log" "E404 .*platform deleted agent $AID3"
[ ! -e "$T/a/state/state.json" ] || fail "state.json left after admin DELETE"
exit 0
