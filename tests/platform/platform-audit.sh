#!/bin/sh
# The audit trail: a profile PATCH by a signed-in user and an agent DELETE
# by an API token each appear in GET /api/v1/audit with who, when, from
# where, what and the outcome; refused requests appear as refused (403,
# 400, 404); reads and unauthenticated requests do not appear; filters by
# user, resource, method, outcome and time, and paging; a record survives
# a kill -9 right after the answer, with its change; audit_retention.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"
activate web-01
add_user alice admin alice-secret-1
add_user bob reader bob-secret-22
expect 201 signin alice alice-secret-1
expect 201 signin bob bob-secret-22

# A profile PATCH by a user (session).
as_user alice
t0=$(date +%s)
expect 200 session PATCH /api/v1/profiles/1 -d '{"data_collection_paused":true}'
t1=$(date +%s)
# An agent DELETE by a token.
expect 201 session POST /api/v1/tokens -d '{"name":"ops"}'
tok=$(jout .token)
tid=$(jout .token_id)
expect 200 http DELETE "/api/v1/agents/$AGENT_ID" "$tok"
# Refused: a reader's write, a bad field, a CSRF failure, an unknown agent.
as_user bob
expect 403 session PATCH /api/v1/profiles/1 -d '{"data_collection_paused":false}'
as_user alice
expect 400 session PATCH /api/v1/profiles/1 -d '{"heartbeat_interval":"often"}'
expect 403 http PATCH /api/v1/profiles/1 "" -b "$JAR" -H "X-CSRF-Token: $CSRF" \
    -H 'Origin: https://evil.example' -d '{"log_level":"debug"}'
expect 404 http DELETE "/api/v1/agents/$AGENT_ID" "$tok"
# Not recorded: reads, and requests nobody was authenticated for.
expect 200 admin GET /api/v1/profiles/1
expect 401 http PATCH /api/v1/profiles/1 "not-a-token" -d '{"log_level":"debug"}'

expect 200 admin GET '/api/v1/audit?limit=1000'
cp "$OUT" "$T/all.json"
assert_json '[.entries[] | select(.method == "GET")] | length' 0
assert_json '[.entries[] | select(.status == 401)] | length' 0

# The PATCH: who, when, from where, what, outcome.
expect 200 admin GET '/api/v1/audit?resource=/api/v1/profiles/1&outcome=success'
assert_json .count 1
e='.entries[0]'
assert_json "$e.actor" alice
assert_json "$e.auth" session
assert_json "$e.role" admin
assert_json "$e.address" 127.0.0.1
assert_json "$e.method" PATCH
assert_json "$e.resource" /api/v1/profiles/1
assert_json "$e.summary" 'data_collection_paused=true; version 1 -> 2'
assert_json "$e.status" 200
assert_json "$e.outcome" success
assert_json "$e.error" null
assert_json "$e.time >= $t0 and $e.time <= $t1" true

# The DELETE by the token.
expect 200 admin GET "/api/v1/audit?resource=/api/v1/agents/$AGENT_ID&method=DELETE"
assert_json .count 2
e='.entries[1]'
assert_json "$e.actor" alice
assert_json "$e.auth" token
assert_json "$e.token_id" "$tid"
assert_json "$e.summary" 'hostname web-01'
assert_json "$e.status" 200
assert_json "$e.outcome" success
e='.entries[0]'
assert_json "$e.outcome" refused
assert_json "$e.status" 404
assert_json "$e.error" not_found

# The refusals.
expect 200 admin GET '/api/v1/audit?user=bob'
assert_json '[.entries[] | .actor] | unique | join(",")' bob
assert_json '[.entries[] | select(.method == "PATCH")] | length' 1
e='(.entries[] | select(.method == "PATCH"))'
assert_json "$e.outcome" refused
assert_json "$e.status" 403
assert_json "$e.error" forbidden
assert_json "$e.role" reader
assert_json "$e.summary" 'data_collection_paused=false'
assert_json "$e.message" 'the reader role can read but not change anything'
expect 200 admin GET '/api/v1/audit?user=alice&resource=/api/v1/profiles&outcome=refused'
assert_json .count 2
assert_json '[.entries[] | .error] | join(",")' csrf_failed,invalid_field
assert_json '.entries[1].summary' 'heartbeat_interval="often"'
assert_json '.entries[1].message' 'expected an integer'
# The refused requests changed nothing.
expect 200 admin GET /api/v1/profiles/1
assert_json .version 2
assert_json .heartbeat_interval 60
assert_json .log_level info

# Filters: time, method, resource below a path (not a prefix of a name).
expect 200 admin GET "/api/v1/audit?since=$t0&until=$t1&method=PATCH&outcome=success"
assert_json '[.entries[] | .resource] | join(",")' /api/v1/profiles/1
expect 200 admin GET "/api/v1/audit?since=$((t1 + 1))&resource=/api/v1/profiles/1&outcome=success"
assert_json .count 0
expect 200 admin GET '/api/v1/audit?resource=/api/v1/profiles'
assert_json '.count >= 4' true
expect 200 admin GET '/api/v1/audit?resource=/api/v1/prof'
assert_json .count 0
expect 200 admin GET '/api/v1/audit?user=nobody'
assert_json .count 0
assert_json .next_before null
expect 400 admin GET '/api/v1/audit?outcome=maybe'
assert_json .field outcome
expect 400 admin GET '/api/v1/audit?limit=0'
expect 400 admin GET '/api/v1/audit?since=yesterday'

# Paging: pages of 2, newest first, together the whole list.
before=
: >"$T/paged"
pages=0
while :; do
	expect 200 admin GET "/api/v1/audit?limit=2${before:+&before=$before}"
	assert_json '.count <= 2' true
	jq -r '.entries[].id' "$OUT" >>"$T/paged"
	pages=$((pages + 1))
	before=$(jout '.next_before // empty')
	[ -n "$before" ] || break
	[ "$pages" -lt 100 ] || fail "paging does not end"
done
jq -r '.entries[].id' "$T/all.json" >"$T/whole"
cmp -s "$T/paged" "$T/whole" ||
    fail "the pages differ from the whole list: $(tr '\n' ' ' <"$T/paged") / $(tr '\n' ' ' <"$T/whole")"
sort -rn "$T/whole" | cmp -s - "$T/whole" || fail "not newest first"
note "$(wc -l <"$T/whole") records in $pages pages"

# Durable with the change: killed right after the answer, both are there.
expect 200 session PATCH /api/v1/settings -d '{"accept_correlation_id":true}'
stop_platform KILL
run_platform
expect 200 admin GET /api/v1/settings
assert_json .accept_correlation_id true
expect 200 admin GET '/api/v1/audit?resource=/api/v1/settings&outcome=success'
assert_json .count 1
assert_json '.entries[0].summary' 'accept_correlation_id=true'
assert_json '.entries[0].actor' alice

# Retention: records older than audit_retention go (at start, then each
# minute); new ones are kept.
stop_platform
echo 'audit_retention = 2s' >>"$PDIR/platform.conf"
sleep 3
run_platform
expect 200 admin GET '/api/v1/audit?limit=1000'
assert_json .count 0
assert_grep "$PDIR/log/platform.log" 'audit trail: [0-9]+ records older than audit_retention \(2 s\) deleted'
expect 200 admin PATCH /api/v1/settings -d '{"accept_correlation_id":false}'
expect 200 admin GET '/api/v1/audit'
assert_json .count 1
assert_json '.entries[0].actor' admin.token
assert_json '.entries[0].auth' admin_token
exit 0
