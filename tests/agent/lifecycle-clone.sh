#!/bin/sh
# A cloned host: a second agent starts from a copy of the first one's
# state (one identity, one credential, two processes). The platform sees
# two instances heartbeat in turn, tells the one that came back to
# activate as a new agent, and shows the split (clone_detected_at on the
# agent, clone_of on the new one) instead of the two writing one record.
# Both keep working, each as its own agent.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"
platform_agent "$T/a"
wait_activated
CONF_A=$CONF
PID_A=$AGENT_PID
inst_a=$(status_value .platform.instance_id)
echo "$inst_a" | grep -Eq '^[0-9a-f]{32}$' || fail "instance id $inst_a"

# The clone: the same state, its own directories and process.
platform_agent_conf "$T/b"
CONF_B=$CONF
mkdir -p "$T/b/state"
cp -p "$T/a/state/state.json" "$T/b/state/"
start_agent "$T/b"
PID_B=$AGENT_PID
CONF=$CONF_B wait_activated
[ "$AID" = "$(CONF=$CONF_A status_value .platform.agent_id)" ] || fail "not a clone"
inst_b=$(CONF=$CONF_B status_value .platform.instance_id)
[ "$inst_a" != "$inst_b" ] || fail "two processes with one instance id"

# a, then b, then a again while b is alive.
assert_ok "$OUTPOSTCTL" -c "$CONF_A" heartbeat
assert_ok "$OUTPOSTCTL" -c "$CONF_B" heartbeat
"$OUTPOSTCTL" -c "$CONF_A" heartbeat >/dev/null 2>&1
split() {
	a=$(CONF=$CONF_A status_value .platform.agent_id) &&
	    [ -n "$a" ] && [ "$a" != null ] && [ "$a" != "$AID" ] &&
	    CONF=$CONF_A status_check '.platform.activation == "activated"'
}
wait_for 15 split || fail "the clone was not split off: $(tail -n 5 "$T/a/log/agent.log")"
new=$(CONF=$CONF_A status_value .platform.agent_id)
assert_grep "$PDIR/log/platform.log" "agent $AID: instance $inst_a is back while instance $inst_b is alive"
expect 200 admin GET "/api/v1/agents/$new"
assert_json .clone_of "$AID"
[ "$(jout .correlation_id)" != "$(CONF=$CONF_B status_value .platform.correlation_id)" ] ||
    fail "the clone kept the correlation id"
expect 200 admin GET "/api/v1/agents/$AID"
[ "$(jout .clone_detected_at)" != null ] || fail "no clone shown on $AID"
assert_json .instance_id "$inst_b"

# Both keep working, each on its own record, without further splits.
for i in 1 2; do
	assert_ok "$OUTPOSTCTL" -c "$CONF_A" heartbeat
	assert_ok "$OUTPOSTCTL" -c "$CONF_B" heartbeat
done
[ "$(CONF=$CONF_A status_value .platform.agent_id)" = "$new" ] || fail "a moved again"
[ "$(CONF=$CONF_B status_value .platform.agent_id)" = "$AID" ] || fail "b moved"
expect 200 admin GET "/api/v1/agents/$new"
assert_json .instance_id "$inst_a"
assert_json .online true
expect 200 admin GET /api/v1/agents
assert_json .count 2
kill -TERM "$PID_A" "$PID_B"
exit 0
