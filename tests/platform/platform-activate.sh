#!/bin/sh
# Activation: success (status provisioned), failures (bad key, bad
# customer, disabled key, malformed requests), and re-activation.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"

activate web-01
case $CRED in
"$AGENT_ID".????????????????????????????????????????????????????????????????) ;;
*) fail "credential $CRED is not <agent_id>.<64 hex>" ;;
esac
assert_json .status provisioned
assert_json .customer_id "$CUSTOMER_ID"
assert_json '.profile.name' default
assert_json '.profile.correlation.ports | join(",")' 10001,10002,10003,10004,10005
jq -j .manifest_public_key "$OUT" >"$T/act.pub"
cmp -s "$T/act.pub" "$PDIR/manifest.pub" || fail "manifest_public_key differs from manifest.pub"
echo "$CORRELATION_ID" | grep -Eq '^[0-9a-f]{32}$' || fail "bad correlation id"
# Only the hash of the secret is stored.
secret=${CRED#*.}
if grep -q "$secret" "$PDIR/platform.db" "$PDIR"/platform.db-wal 2>/dev/null; then
	fail "the credential secret is stored in the database"
fi

expect 200 admin GET /api/v1/agents
assert_json .count 1
assert_json '.agents[0].agent_id' "$AGENT_ID"
assert_json '.agents[0].status' provisioned
assert_json '.agents[0].hostname' web-01
assert_json '.agents[0].activation_id' "$ACTIVATION_ID"
assert_json '.agents[0].last_checkin' null
assert_json '.agents[0].online' false
expect 200 heartbeat
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
assert_json .online true
assert_json .host.os 'Debian GNU/Linux'

# Failures.
bogus=00000000-0000-4000-8000-000000000000
expect 403 http POST /agent/v1/activate "" -d "$(activation_body h "$bogus")"
assert_json .error invalid_activation_id
expect 403 http POST /agent/v1/activate "" \
    -d "$(activation_body h "$ACTIVATION_ID" "$bogus")"
assert_json .error invalid_customer_id
expect 400 http POST /agent/v1/activate "" -d "$(activation_body h not-a-uuid)"
assert_json .error invalid_field
assert_json .field activation_id
expect 400 http POST /agent/v1/activate "" \
    -d "{\"activation_id\":\"$ACTIVATION_ID\",\"customer_id\":\"$CUSTOMER_ID\",\"host\":{}}"
assert_json .field host.hostname
expect 400 http POST /agent/v1/activate "" \
    -d "{\"activation_id\":\"$ACTIVATION_ID\",\"customer_id\":\"$CUSTOMER_ID\",\"host\":{\"hostname\":\"h\",\"os\":7}}"
assert_json .field host.os
expect 400 http POST /agent/v1/activate "" -d '{"activation_id":'
assert_json .error invalid_json
expect 400 http POST /agent/v1/activate "" -d '[1,2]'
assert_json .error invalid_json
expect 400 http POST /agent/v1/activate ""
assert_json .error invalid_json

# A disabled key refuses activations.
expect 201 admin POST /api/v1/activation-keys -d '{"name":"off"}'
off=$(jout .activation_id)
expect 200 admin PATCH "/api/v1/activation-keys/$off" -d '{"enabled":false}'
assert_json .enabled false
expect 403 http POST /agent/v1/activate "" -d "$(activation_body h "$off")"
assert_json .error activation_key_disabled
expect 200 admin GET /api/v1/agents
assert_json .count 1

# Re-activation: the platform asks; an activation naming the agent without
# proof of its credential (none, malformed, another secret) gets a new
# agent that records the claim, not the agent's id or correlation id; the
# agent itself, proving it with its credential, keeps its id and gets a
# new credential, the old one revoked.
reactivation() {
	activation_body web-01 | jq -c --arg id "$AGENT_ID" "$1"' + {previous_agent_id: $id}'
}
old_cred=$CRED
expect 200 admin PATCH "/api/v1/agents/$AGENT_ID" -d '{"reactivate":true}'
assert_json '.pending_commands | join(",")' reactivate
expect 200 heartbeat
assert_json '.commands | join(",")' reactivate
other=$(printf '%s' "$CRED" | sed "s/^$AGENT_ID/00000000-0000-4000-8000-000000000000/")
for proof in "" "$AGENT_ID.$(printf '%064d' 7)" "$other" "not a credential"; do
	claim_agent "$AGENT_ID" "$CORRELATION_ID" "$proof"
done
# The agent still works, and is still asked to re-activate.
expect 200 heartbeat
assert_json '.commands | join(",")' reactivate
expect 201 http POST /agent/v1/activate "" -d "$(reactivation \
    ". + {previous_credential: \"$old_cred\", instance_id: \"$(printf '%032d' 1)\"}")"
assert_json .agent_id "$AGENT_ID"
assert_json .correlation_id "$CORRELATION_ID"
CRED=$(jout .credential)
[ "$CRED" != "$old_cred" ] || fail "re-activation kept the credential"
expect 200 heartbeat
assert_json '.commands | length' 0
new_cred=$CRED
CRED=$old_cred
expect 401 heartbeat
assert_json .error credential_revoked
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
assert_json .claimed_agent_id null
assert_json .clone_of null

# The same instance, which lost the answer, re-activates again with the
# credential it holds (the revoked one): it keeps the agent.
expect 201 http POST /agent/v1/activate "" -d "$(reactivation \
    ". + {previous_credential: \"$old_cred\", instance_id: \"$(printf '%032d' 1)\"}")"
assert_json .agent_id "$AGENT_ID"
CRED=$(jout .credential)
expect 200 heartbeat
new_cred=$CRED
CRED=$old_cred
expect 401 heartbeat
# Another instance with the revoked credential is another host holding the
# same identity (a clone): a new agent, split off.
expect 201 http POST /agent/v1/activate "" -d "$(reactivation \
    ". + {previous_credential: \"$old_cred\", instance_id: \"$(printf '%032d' 2)\"}")"
clone=$(jout .agent_id)
[ "$clone" != "$AGENT_ID" ] || fail "a clone took the agent"
expect 200 admin GET "/api/v1/agents/$clone"
assert_json .clone_of "$AGENT_ID"
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
[ "$(jout .clone_detected_at)" != null ] || fail "clone not shown on $AGENT_ID"

# Without a pending reactivate, previous_agent_id makes a new agent, even
# with proof (a re-install with the same or another key sends none).
expect 201 http POST /agent/v1/activate "" -d "$(reactivation \
    ". + {previous_credential: \"$new_cred\"}")"
[ "$(jout .agent_id)" != "$AGENT_ID" ] || fail "re-install reused the agent id"
expect 200 admin GET /api/v1/agents
assert_json .count 7
exit 0
