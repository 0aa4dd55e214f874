#!/bin/sh
# Credential enforcement: every agent endpoint refuses a missing, malformed,
# wrong or unknown agent credential; every admin endpoint refuses a
# missing or wrong admin token. Unknown paths are 404, wrong methods 405.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"
activate web-01
good=$CRED
wrong="$AGENT_ID.$(printf '%064d' 0)"
unknown="00000000-0000-4000-8000-000000000000.${good#*.}"

agent_endpoints="POST:/agent/v1/heartbeat GET:/agent/v1/profile
GET:/agent/v1/manifests/inventory GET:/agent/v1/manifests/fim
GET:/agent/v1/manifests/vulnsigs POST:/agent/v1/inventory
POST:/agent/v1/fim-events POST:/agent/v1/errors"
for e in $agent_endpoints; do
	m=${e%%:*}
	p=${e#*:}
	expect 401 http "$m" "$p" "" -d '{}'
	assert_json .error missing_credential
	expect 401 http "$m" "$p" "garbage" -d '{}'
	assert_json .error invalid_credential
	expect 401 http "$m" "$p" "$wrong" -d '{}'
	assert_json .error invalid_credential
	expect 401 http "$m" "$p" "$unknown" -d '{}'
	assert_json .error unknown_agent
	expect 401 http "$m" "$p" "$TOKEN" -d '{}'
	# The right credential gets past authentication.
	code=$(http "$m" "$p" "$good" -d '{}')
	case $code in
	401|403) fail "$m $p refused the right credential: $(cat "$OUT")" ;;
	esac
done

admin_endpoints="GET:/api/v1/agents GET:/api/v1/agents/$AGENT_ID
PATCH:/api/v1/agents/$AGENT_ID DELETE:/api/v1/agents/$AGENT_ID
GET:/api/v1/agents/$AGENT_ID/inventory GET:/api/v1/agents/$AGENT_ID/fim-events
GET:/api/v1/agents/$AGENT_ID/errors GET:/api/v1/activation-keys
POST:/api/v1/activation-keys GET:/api/v1/activation-keys/$ACTIVATION_ID
PATCH:/api/v1/activation-keys/$ACTIVATION_ID GET:/api/v1/profiles
POST:/api/v1/profiles GET:/api/v1/profiles/1 PATCH:/api/v1/profiles/1
GET:/api/v1/manifests POST:/api/v1/manifests GET:/api/v1/manifests/vulnsigs
GET:/api/v1/settings PATCH:/api/v1/settings GET:/api/v1/scans
POST:/api/v1/scans GET:/api/v1/assets"
for e in $admin_endpoints; do
	m=${e%%:*}
	p=${e#*:}
	expect 401 http "$m" "$p" "" -d '{}'
	assert_json .error invalid_token
	expect 401 http "$m" "$p" "wrong-token-wrong-token-wrong-token" -d '{}'
	assert_json .error invalid_token
	expect 401 http "$m" "$p" "${TOKEN}x" -d '{}'
	expect 401 http "$m" "$p" "$good" -d '{}'
	expect 401 http "$m" "$p" "" -H "Authorization: Basic $TOKEN" -d '{}'
done
# Nothing was changed by the refused requests.
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
expect 200 admin GET /api/v1/activation-keys
assert_json .count 1

# Unknown paths and wrong methods.
expect 404 admin GET /api/v1/nothing
assert_json .error not_found
expect 404 admin GET /api/v1
expect 404 admin GET /api
expect 404 admin GET /api/v1/agents/
expect 404 admin GET /api/v1/agents/not-a-uuid
expect 404 admin GET /api/v1/agents/00000000-0000-4000-8000-000000000000
expect 405 admin PUT /api/v1/agents
assert_json .error method_not_allowed
expect 405 admin POST /api/v1/assets -d '{}'
expect 405 admin DELETE /api/v1/profiles -D "$T/headers"
assert_grep "$T/headers" '^Allow: GET, POST'
expect 405 agent GET /agent/v1/heartbeat
expect 405 http GET /agent/v1/activate ""
exit 0
