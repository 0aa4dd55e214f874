#!/bin/sh
# Re-activation needs proof. The platform asks a real agent to re-activate;
# before it does, a client with the activation key claims that agent
# (previous_agent_id without its credential, then with a made-up one): it
# gets a new agent, never the agent's id or correlation id, and the admin
# sees both. The real agent then re-activates with its credential as
# proof, keeps its id and correlation id, and keeps working.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"
platform_agent "$T/a"
wait_activated
cid=$(status_value .platform.correlation_id)
old_cred=$(jq -r .credential "$T/a/state/state.json")
[ -n "$old_cred" ] && [ "$old_cred" != null ] || fail "no credential in state.json"

expect 200 admin PATCH "/api/v1/agents/$AID" -d '{"reactivate":true}'
claim_agent "$AID" "$cid"
claim_agent "$AID" "$cid" "$AID.$(printf '%064d' 0)"
claim_agent "$AID" "$cid" "$AID"
assert_grep "$PDIR/log/platform.log" "claimed agent $AID without proof"
# The agent is still the agent: its credential works, reactivate pending.
expect 200 http POST /agent/v1/heartbeat "$old_cred" -d '{}'
assert_json '.commands | join(",")' reactivate

# The agent checks in, is told to re-activate, and proves who it is.
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
reactivated() {
	status_check '.platform.activation == "activated"' &&
	    [ "$(jq -r .credential "$T/a/state/state.json")" != "$old_cred" ]
}
wait_for 10 reactivated || fail "the agent did not re-activate: $(tail -n 5 "$T/a/log/agent.log")"
[ "$(status_value .platform.agent_id)" = "$AID" ] || fail "the agent lost its id"
[ "$(status_value .platform.correlation_id)" = "$cid" ] || fail "the agent lost its correlation id"
expect 401 http POST /agent/v1/heartbeat "$old_cred" -d '{}'
assert_json .error credential_revoked

# It keeps working: check-ins succeed, the admin sees it online, and the
# claims as separate agents.
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
expect 200 admin GET "/api/v1/agents/$AID"
assert_json .online true
assert_json '.pending_commands | length' 0
assert_json .claimed_agent_id null
assert_json .instance_id "$(status_value .platform.instance_id)"
expect 200 admin GET /api/v1/agents
assert_json '[.agents[] | select(.claimed_agent_id == "'"$AID"'")] | length' 3
assert_json "[.agents[] | select(.agent_id == \"$AID\")] | length" 1
stop_agent
[ "$AGENT_RC" -eq 0 ] || fail "exit status $AGENT_RC"
exit 0
