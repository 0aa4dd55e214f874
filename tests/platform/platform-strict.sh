#!/bin/sh
# Strict input, one class at a time, on both APIs. Non-standard JSON
# (single quotes, comments, trailing commas, bare words, duplicate member
# names, trailing data, leading zeros) is 400 invalid_json; a string that
# is not strict UTF-8 (overlong, surrogate, truncated, above U+10FFFF,
# NUL, lone surrogate escape, in a value or a member name) is 400
# invalid_field naming the field; integers past int64 or the field's
# range are 400 invalid_field, query parameters 400 invalid_query; and
# nothing of a refused request is stored. Strings that are in the database
# from before (written there directly) come out repaired: every admin
# answer parses with Python's strict UTF-8 decoder and JSON parser.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"

start_platform "$T/p"
activate web-01
expect 200 heartbeat '{"status":"before"}'

# send METHOD PATH BEARER: send the body in $T/body (raw bytes).
send() {
	http "$1" "$2" "$3" -H 'Content-Type: application/json' \
	    --data-binary "@$T/body"
}
# refused CODE ERROR FIELD METHOD PATH BEARER: the body in $T/body is
# refused with CODE, ERROR and FIELD ("" when none).
refused() {
	expect "$1" send "$4" "$5" "$6"
	assert_json .error "$2"
	if [ -n "$3" ]; then
		assert_json .field "$3"
	fi
}
# body PRINTF-FORMAT [ARGS]: write the body (octal escapes for bytes).
body() {
	_f=$1
	shift
	# shellcheck disable=SC2059
	printf "$_f" "$@" >"$T/body"
}

# --- Non-standard JSON: invalid_json, to an agent and an admin endpoint.
for doc in \
    "{'status':'x'}" \
    '{"status":"x" /* comment */}' \
    '{"status":"x"} // comment' \
    '{"status":"x",}' \
    '{"errors":[{"code":"E","message":"m"},]}' \
    '{"profile_version":NaN}' \
    '{"profile_version":Infinity}' \
    '{"status":undefined}' \
    '{"status":"a","status":"b"}' \
    '{"status":"a","\u0073tatus":"b"}' \
    '{"status":"x"}garbage' \
    '{"status":"x"}{}' \
    '{"profile_version":01}' \
    '{"profile_version":1.}' \
    "$(printf '{"status":"tab\there"}')"; do
	printf '%s' "$doc" >"$T/body"
	refused 400 invalid_json "" POST /agent/v1/heartbeat "$CRED"
	printf '%s' "$doc" | sed -e 's/"status"/"accept_correlation_id"/g' \
	    -e 's/\\u0073tatus/\\u0061ccept_correlation_id/' >"$T/body"
	refused 400 invalid_json "" PATCH /api/v1/settings "$TOKEN"
done
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
assert_json .agent_status before
assert_json '.last_errors | length' 0

# --- Strings that are not strict UTF-8: invalid_field, named; nothing kept.
# bad FIELD METHOD PATH WHO FORMAT: the body FORMAT (printf, octal bytes)
# sent by WHO (agent, admin or none) is refused naming FIELD.
bad() {
	case $4 in
	agent) _who=$CRED ;;
	admin) _who=$TOKEN ;;
	*) _who= ;;
	esac
	body "$5"
	refused 400 invalid_field "$1" "$2" "$3" "$_who"
}
act="{\"activation_id\":\"$ACTIVATION_ID\",\"customer_id\":\"$CUSTOMER_ID\",\"host\":"
bad host.hostname POST /agent/v1/activate none "$act"'{"hostname":"web\300\257"}}'
bad host.os POST /agent/v1/activate none "$act"'{"hostname":"web","os":"\355\240\200"}}'
bad host POST /agent/v1/activate none "$act"'{"hostname":"web","\300\257":"x"}}'
bad 'host.ip_addresses[1]' POST /agent/v1/activate none \
    "$act"'{"hostname":"web","ip_addresses":["192.0.2.1","\\u0000"]}}'
bad host.hostname POST /agent/v1/activate none "$act"'{"hostname":"\\ud800web"}}'
expect 200 admin GET /api/v1/agents
assert_json .count 1

bad status POST /agent/v1/heartbeat agent '{"status":"ab\342\202"}'
bad 'errors[0].message' POST /agent/v1/heartbeat agent \
    '{"errors":[{"code":"E1","message":"a\\u0000b"}]}'
bad fim.holder_comm POST /agent/v1/heartbeat agent \
    '{"fim":{"state":"owner","holder_comm":"\364\220\200\200"}}'
bad 'errors[0].code' POST /agent/v1/errors agent \
    '{"errors":[{"code":"\\udc00","message":"m"}]}'
bad 'events[0].path' POST /agent/v1/fim-events agent \
    '{"sequence":1,"events":[{"time":1,"path":"/etc/\365x","action":"modify"}]}'
bad 'data.packages[0].name' POST /agent/v1/inventory agent \
    '{"type":"full","data":{"packages":[{"name":"lib\300\200","version":"1"}]}}'
bad 'data.users[0]' POST /agent/v1/inventory agent \
    '{"type":"full","data":{"users":[{"name":"ok","\\ud83d":1}]}}'
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
assert_json .agent_status before
assert_json .fim null
expect 200 admin GET "/api/v1/agents/$AGENT_ID/errors"
assert_json .count 0
expect 200 admin GET "/api/v1/agents/$AGENT_ID/fim-events"
assert_json .count 0
expect 404 admin GET "/api/v1/agents/$AGENT_ID/inventory"

bad name POST /api/v1/profiles admin '{"name":"strict\300\257"}'
bad 'tags[1]' POST /api/v1/activation-keys admin \
    '{"name":"k","tags":["ok","\355\277\277"]}'
bad 'tags[0]' PATCH "/api/v1/agents/$AGENT_ID" admin '{"tags":["\\u0000"]}'
bad target POST /api/v1/scans admin '{"target":"web\300\257"}'
bad body.note POST /api/v1/manifests admin '{"type":"fim","body":{"note":"\377"}}'
expect 200 admin GET /api/v1/profiles
assert_json .count 1
expect 200 admin GET /api/v1/activation-keys
assert_json .count 1
expect 200 admin GET /api/v1/scans
assert_json .count 0

# --- Integers: past int64, or out of the field's range; never clamped.
bad profile_version POST /agent/v1/heartbeat agent \
    '{"profile_version":9223372036854775808}'
bad manifest_versions.fim POST /agent/v1/heartbeat agent \
    '{"manifest_versions":{"fim":-9223372036854775809}}'
bad sequence POST /agent/v1/fim-events agent \
    '{"sequence":99999999999999999999,"events":[]}'
bad 'events[0].time' POST /agent/v1/fim-events agent \
    '{"sequence":1,"events":[{"time":-1,"path":"/a","action":"modify"}]}'
bad data.memory.total POST /agent/v1/inventory agent \
    '{"type":"full","data":{"memory":{"total":1e400}}}'
bad data.memory.total POST /agent/v1/inventory agent \
    '{"type":"full","data":{"memory":{"total":18446744073709551615}}}'
bad heartbeat_interval POST /api/v1/profiles admin \
    '{"name":"p","heartbeat_interval":86401}'
bad 'ports[0].port' POST /api/v1/scans admin '{"target":"t","ports":[{"port":65536}]}'
bad profile_id PATCH "/api/v1/agents/$AGENT_ID" admin \
    '{"profile_id":9223372036854775808}'
# The bounds themselves are fine.
body '{"errors":[{"code":"E1","message":"m","time":9223372036854775807}]}'
expect 200 send POST /agent/v1/errors "$CRED"
for q in limit=99999999999999999999 limit=0 limit=10001 limit=+5 \
    limit=%205 limit=5x limit= limit=-0x1; do
	expect 400 admin GET "/api/v1/scans?$q"
	assert_json .error invalid_query
	assert_json .field limit
done
expect 400 admin GET "/api/v1/agents/$AGENT_ID/fim-events?since=-1"
assert_json .field since
expect 400 admin GET "/api/v1/agents/$AGENT_ID/fim-events?until=9223372036854775808"
assert_json .field until
expect 400 admin GET "/api/v1/agents/$AGENT_ID/fim-events?path=/etc/%C0%AF"
assert_json .error invalid_query
assert_json .field path
expect 200 admin GET "/api/v1/scans?limit=10000"

# --- Data from before: strings that are not UTF-8, put into the database
# directly, come out as valid UTF-8 (U+FFFD) in every admin answer.
body '{"sequence":1,"events":[{"time":1,"path":"/etc/passwd","action":"modify"}]}'
expect 200 send POST /agent/v1/fim-events "$CRED"
body '{"type":"full","data":{"os":{"name":"Debian"}}}'
expect 200 send POST /agent/v1/inventory "$CRED"
body '{"target":"192.0.2.7","address":"192.0.2.7"}'
expect 201 send POST /api/v1/scans "$TOKEN"
stop_platform
/usr/bin/python3 - "$PDIR/platform.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
bad = b"\xc0\xaf\xed\xa0\x80\xff"
t = lambda s: s.replace(b"BAD", bad)
db.execute("UPDATE agents SET hostname = CAST(? AS TEXT),"
           " host = CAST(? AS TEXT), agent_status = CAST(? AS TEXT),"
           " fim = CAST(? AS TEXT)",
           (t(b"webBAD"), t(b'{"hostname":"webBAD","osBAD":"BAD"}'),
            t(b"runBAD"), t(b'{"state":"BAD"}')))
db.execute("INSERT INTO agent_errors (agent_id, code, message, time,"
           " received_at) SELECT id, CAST(? AS TEXT), CAST(? AS TEXT), 1, 1"
           " FROM agents", (t(b"EBAD"), t(b"messageBAD")))
db.execute("UPDATE fim_events SET path = CAST(? AS TEXT),"
           " doc = CAST(? AS TEXT)",
           (t(b"/etc/BAD"), t(b'{"time":1,"path":"/etc/BAD","action":"modify"}')))
# NaN and "1." were taken by json-c's strict mode before.
db.execute("UPDATE inventories SET doc = CAST(? AS TEXT)",
           (t(b'{"os":{"name":"DebianBAD"},"n":NaN,"d":1.}'),))
db.execute("UPDATE activation_keys SET name = CAST(? AS TEXT)",
           (t(b"keyBAD"),))
db.execute("UPDATE profiles SET name = CAST(? AS TEXT)", (t(b"defaultBAD"),))
db.execute("UPDATE scans SET target = CAST(? AS TEXT)", (t(b"scanBAD"),))
db.commit()
PY
run_platform
# The acceptance's parser, refusing NaN and Infinity as well.
strict_utf8() {
	/usr/bin/python3 -c 'import json, sys
def refuse(c):
    raise ValueError(c)
json.loads(sys.stdin.buffer.read().decode("utf-8"), parse_constant=refuse)' \
	    <"$OUT"
}
for path in /api/v1/agents "/api/v1/agents/$AGENT_ID" \
    "/api/v1/agents/$AGENT_ID/inventory" "/api/v1/agents/$AGENT_ID/fim-events" \
    "/api/v1/agents/$AGENT_ID/errors" \
    "/api/v1/agents/$AGENT_ID/manifest-downloads" \
    "/api/v1/agents/$AGENT_ID/vulnerabilities" /api/v1/activation-keys \
    /api/v1/profiles /api/v1/profiles/1 /api/v1/manifests \
    /api/v1/manifests/fim /api/v1/settings /api/v1/scans /api/v1/assets \
    /api/v1/status "/api/v1/agents/$AGENT_ID/nothing" /api/v1/nothing; do
	admin GET "$path" >/dev/null
	strict_utf8 || fail "GET $path is not strict UTF-8 JSON: $(od -c "$OUT" | head -5)"
done
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
assert_json .hostname "web$(printf '\357\277\275\357\277\275\357\277\275\357\277\275\357\277\275\357\277\275')"
expect 200 admin GET "/api/v1/agents/$AGENT_ID/inventory"
assert_json .data.n null
assert_json .data.d 1
# The agent's own answers too.
expect 200 heartbeat
strict_utf8 || fail "heartbeat answer"
exit 0
