#!/bin/sh
# The console in headless Chromium, as an admin: a user made with
# "outpost-platform user add" signs in; the Agents page lists a running
# outpostd with its status and last check-in; its Agent summary shows the
# manifest and vulnsigs versions the agent reports; pausing data
# collection in its profile through the form (after a field error shown
# next to its field) reaches the agent within a heartbeat; the audit trail
# names the user; a new profile is applied to every agent of the key;
# "accept agent correlation identifier" is turned on; a reader is added;
# an agent is uninstalled after a confirmation. The API then says each change was made.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-console.sh"

HEARTBEAT=10
start_platform "$T/p"
add_user alice admin 'alice-correct-horse'
expect 200 admin PATCH /api/v1/profiles/1 -d "{\"heartbeat_interval\":$HEARTBEAT}"
# A second vulnsigs version, so the agent reports a version of its own.
expect 201 admin POST /api/v1/manifests -d '{"type":"vulnsigs","body":{"signatures":[]}}'
KEY_NAME=$(admin_json /api/v1/activation-keys '.activation_keys[0].name')

platform_agent "$T/a"
wait_activated
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 30 status_check '.manifests.vulnsigs.version == 2' ||
    fail "the agent did not take vulnsigs 2: $(status_value -c .manifests)"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
MANIFESTS=$(status_value -c '{inventory: .manifests.inventory.version,
    fim: .manifests.fim.version, vulnsigs: .manifests.vulnsigs.version}')
wait_for 20 admin_check "/api/v1/agents/$AID" \
    ".manifest_versions == $MANIFESTS and .last_checkin != null" ||
    fail "the platform did not get the versions $MANIFESTS"
HOST=$(admin_json "/api/v1/agents/$AID" .hostname)
note "agent $AID ($HOST) runs manifests $MANIFESTS"

# Another agent of the same key, to be uninstalled.
activate doomed-01
DOOMED=$AGENT_ID

console_browser admin alice 'alice-correct-horse' --hostname "$HOST" \
    --expect-manifests "$MANIFESTS" --heartbeat "$HEARTBEAT" \
    --outpostctl "$OUTPOSTCTL" --agent-conf "$CONF" \
    --key-name "$KEY_NAME" --key-agents 2 --uninstall-id "$DOOMED"

# What the browser did, as the API sees it.
admin_check /api/v1/profiles/1 '.data_collection_paused == true' ||
    fail "profile 1 is not paused"
admin_check "/api/v1/audit?user=alice&resource=/api/v1/profiles/1&method=PATCH&outcome=success" \
    '[.entries[] | select(.summary | contains("data_collection_paused=true"))] | length == 1' ||
    fail "no audit record of alice's pause"
STRICT=$(admin_json /api/v1/profiles '.profiles[] | select(.name == "strict") | .id')
[ -n "$STRICT" ] || fail "the strict profile was not made"
admin_check "/api/v1/profiles/$STRICT" '.fim.rules == [{"path":"/etc","recursive":true,
    "events":["create","modify","attrib","delete","rename"],"excludes":[]}] and
    .correlation.enabled and .correlation.bind_all and
    .correlation.ports == [10001,10003] and
    .correlation.approved_networks == ["10.0.0.0/8","192.0.2.0/24"]' ||
    fail "strict is not what the form said: $(cat "$T/admin-get.json")"
admin_check "/api/v1/agents/$AID" ".profile_id == $STRICT" ||
    fail "apply to all agents did not reach $AID"
admin_check /api/v1/settings '.accept_correlation_id == true' ||
    fail "accept_correlation_id is not on"
expect 404 admin GET "/api/v1/agents/$DOOMED"
admin_check "/api/v1/audit?user=alice&method=DELETE" \
    "[.entries[] | select(.resource == \"/api/v1/agents/$DOOMED\" and
    .outcome == \"success\")] | length == 1" ||
    fail "the uninstall is not in the audit trail"
admin_check /api/v1/users/dave '.role == "reader"' ||
    fail "dave was not added as a reader"
# The session was ended by the sign-out button.
admin_check "/api/v1/users/alice" '.sessions == 0' ||
    fail "alice's session is still open after signing out"
rmdir "$CONSOLE_ARTIFACTS" 2>/dev/null
exit 0
