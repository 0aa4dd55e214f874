#!/bin/sh
# Admin API: uninstall through DELETE (the agent's next check-in gets
# "uninstall", every other agent endpoint 410), activation keys, settings,
# scans and assets merged by correlation id.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"
activate web-01
a1=$AGENT_ID
c1=$CRED
cid1=$CORRELATION_ID
activate db-01
a2=$AGENT_ID
c2=$CRED

expect 200 agent POST /agent/v1/fim-events \
    -d '{"sequence":1,"events":[{"time":1,"path":"/etc/passwd","action":"modify"}]}'

# DELETE = uninstall.
expect 200 admin DELETE "/api/v1/agents/$a2"
assert_json .deleted true
expect 404 admin GET "/api/v1/agents/$a2"
expect 404 admin DELETE "/api/v1/agents/$a2"
expect 404 admin GET "/api/v1/agents/$a2/fim-events"
expect 200 admin GET /api/v1/agents
assert_json .count 1
assert_json '.agents[0].agent_id' "$a1"
CRED=$c2
expect 200 heartbeat
assert_json '.commands | join(",")' uninstall
assert_json .agent_id "$a2"
expect 200 heartbeat '{"status":"running"}'
assert_json '.commands | join(",")' uninstall
for e in GET:/agent/v1/profile GET:/agent/v1/manifests/inventory \
    POST:/agent/v1/inventory POST:/agent/v1/fim-events POST:/agent/v1/errors; do
	expect 410 agent "${e%%:*}" "${e#*:}" -d '{}'
	assert_json .error agent_uninstalled
done
# A wrong secret for a deleted agent is still just wrong.
expect 401 http POST /agent/v1/heartbeat "$a2.$(printf '%064d' 1)" -d '{}'
assert_json .error invalid_credential
# The other agent is untouched.
CRED=$c1
expect 200 heartbeat
assert_json '.commands | length' 0

# Activation keys: create, list, get, patch.
expect 201 admin POST /api/v1/activation-keys -d '{"name":"web servers","tags":["web"]}'
k=$(jout .activation_id)
assert_json .customer_id "$CUSTOMER_ID"
assert_json .enabled true
assert_json .agents 0
expect 400 admin POST /api/v1/activation-keys -d '{"name":""}'
assert_json .field name
expect 400 admin POST /api/v1/activation-keys -d '{"name":"x","tags":"web"}'
assert_json .field tags
expect 400 admin POST /api/v1/activation-keys -d '{"name":"x","secret":1}'
assert_json .field secret
expect 400 admin POST /api/v1/activation-keys -d '{"name":"x","profile_id":42}'
assert_json .field profile_id
expect 200 admin GET /api/v1/activation-keys
assert_json .count 2
expect 200 admin GET "/api/v1/activation-keys/$k"
assert_json .name 'web servers'
expect 200 admin PATCH "/api/v1/activation-keys/$k" -d '{"name":"web"}'
assert_json .name web
assert_json '.tags[0]' web
expect 404 admin GET /api/v1/activation-keys/00000000-0000-4000-8000-000000000000
expect 404 admin PATCH /api/v1/activation-keys/00000000-0000-4000-8000-000000000000 -d '{}'

# Settings.
expect 200 admin GET /api/v1/settings
assert_json .accept_correlation_id false
expect 400 admin PATCH /api/v1/settings -d '{"accept_correlation_id":"yes"}'
assert_json .field accept_correlation_id

# Scans: stored; merged into the agent asset only when accepted.
expect 201 admin POST /api/v1/scans \
    -d "{\"target\":\"192.0.2.10\",\"correlation_id\":\"$cid1\",\"ports\":[{\"port\":22,\"protocol\":\"tcp\"}]}"
assert_json .agent_id null
expect 200 admin GET /api/v1/assets
assert_json .count 2
assert_json '[.assets[] | select(.agent_id == null)][0].target' 192.0.2.10
expect 200 admin PATCH /api/v1/settings -d '{"accept_correlation_id":true}'
assert_json .accept_correlation_id true
expect 201 admin POST /api/v1/scans \
    -d "{\"target\":\"192.0.2.10\",\"scanned_at\":1732180200,\"correlation_id\":\"$cid1\",\"findings\":[{\"id\":\"X\",\"severity\":3}]}"
assert_json .agent_id "$a1"
s2=$(jout .scan_id)
expect 201 admin POST /api/v1/scans -d '{"target":"192.0.2.99"}'
expect 400 admin POST /api/v1/scans -d '{"target":"h","correlation_id":"XYZ"}'
assert_json .field correlation_id
expect 400 admin POST /api/v1/scans -d '{"ports":[]}'
assert_json .field target
expect 200 admin GET /api/v1/scans
assert_json .count 3
assert_json '.scans[1].findings[0].id' X
assert_json '.scans[1].scan_id' "$s2"
# The merge is decided at submission: the scan sent while the setting was
# off stays an unmerged asset of its target (tests/scan/correlation-merge.sh).
expect 200 admin GET /api/v1/assets
assert_json .count 3
assert_json ".assets[] | select(.agent_id == \"$a1\") | .scan_ids | length" 1
assert_json ".assets[] | select(.agent_id == \"$a1\") | .sources | join(\",\")" agent,scan
assert_json '[.assets[] | select(.agent_id == null) | .target] | join(",")' 192.0.2.10,192.0.2.99

# Manifests list.
expect 200 admin GET /api/v1/manifests
assert_json .count 3
assert_json '[.manifests[].type] | join(",")' inventory,fim,vulnsigs
exit 0
