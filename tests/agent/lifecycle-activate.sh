#!/bin/sh
# Agent lifecycle against a real platform: activation (provisioned), status
# agreeing with the admin API, identity reused across restarts, S2 (an error
# after install reported to the platform once it is reachable), S3 (the log
# records start, activation, HTTP failures, stop), S12 (apply to all).
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"
# S2: a wrong CA at first (the system store does not know the platform's).
platform_agent_conf "$T/a"
sed -i '/^ca_file = /d' "$CONF"
start_agent "$T/a"
wait_for 10 has_error E201 ||
    fail "TLS verification error not shown in status"
assert_grep "$T/a/log/agent.log" "E201 .*activation: $URL/agent/v1/activate"
"$OUTPOSTCTL" -c "$CONF" status > "$T/st.txt"
assert_grep "$T/st.txt" "E201 tls_verify_failed"
expect 200 admin GET /api/v1/agents
assert_json .count 0

# Fixed: the right CA, reload; the agent activates and reports the error.
echo "ca_file = $PDIR/ca.pem" >> "$CONF"
kill -HUP "$AGENT_PID"
wait_for 10 status_check '.platform.activation == "activated"' ||
    fail "agent did not activate after the CA fix"
status_json > "$T/st.json"
AID=$(jq -r .platform.agent_id "$T/st.json")
expect 200 admin GET /api/v1/agents
assert_json .count 1
assert_json '.agents[0].agent_id' "$AID"
assert_json '.agents[0].status' provisioned
assert_json '.agents[0].online' true
assert_json '.agents[0].correlation_id' "$(jq -r .platform.correlation_id "$T/st.json")"
platform_has_error "$AID" E201 ||
    fail "S2: the TLS error was not reported to the platform: $(admin_get "/api/v1/agents/$AID/errors")"
[ "$(jq '.platform.errors | length' "$T/st.json")" = 0 ] || fail "errors not cleared"
assert_grep "$T/a/log/agent.log" "activated with $URL as agent $AID"
[ "$(stat -c %a "$T/a/state/state.json")" = 600 ] || fail "state.json mode"

# Restart: the same identity, no new activation.
stop_agent
assert_grep "$T/a/log/agent.log" "outpostd stopped \(SIGTERM\)"
start_agent "$T/a"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
[ "$(status_value .platform.agent_id)" = "$AID" ] ||
    fail "identity not reused after restart"
expect 200 admin GET /api/v1/agents
assert_json .count 1

# S12: a new profile on the key, applied to all agents, arrives at the
# next check-in.
expect 201 admin POST /api/v1/profiles -d '{"name":"strict","heartbeat_interval":30,"log_level":"debug"}'
NEWPROF=$(jout .id)
expect 200 admin PATCH "/api/v1/activation-keys/$ACTIVATION_ID" \
    -d "{\"profile_id\":$NEWPROF,\"apply_to_all_agents\":true}"
assert_json .applied_to 1
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
status_json > "$T/st2.json"
[ "$(jq -r .platform.profile.id "$T/st2.json")" = "$NEWPROF" ] ||
    fail "S12: profile $NEWPROF not in force: $(jq -c .platform.profile "$T/st2.json")"
[ "$(jq -r .platform.heartbeat_interval "$T/st2.json")" = 30 ] || fail "interval"
[ -f "$T/a/state/profile.json" ] || fail "profile not cached"

# A corrupt state file is reported and leads to a new activation.
stop_agent
echo '{"version":1,"agent_id":' > "$T/a/state/state.json"
start_agent "$T/a"
wait_for 10 status_check '.platform.activation == "activated"' ||
    fail "no re-activation after a corrupt state file"
assert_grep "$T/a/log/agent.log" "E501 .*state.json"
stop_agent
[ "$AGENT_RC" -eq 0 ] || fail "exit status $AGENT_RC"
exit 0
