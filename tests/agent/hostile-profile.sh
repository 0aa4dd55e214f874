#!/bin/sh
# The profile against a hostile server (tests/tools/hostile-platform.py in
# front of a real platform): a 302, 16 MiB answers (plain and gzip'd), a
# member of the wrong type and an HTML page leave the cached profile in
# force, so a paused agent stays paused (E407, E405, E409, E406); a
# profile at the size cap is applied with the agent under 64 MB (VmHWM),
# also when it is loaded from the cache at start; heartbeat_interval 1,
# in the profile or in the heartbeat answer, is clamped to the platform's
# minimum of 10 s and the clamp logged.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-hostile.sh"

start_platform "$T/p"
expect 201 admin POST /api/v1/profiles \
    -d '{"name":"paused","data_collection_paused":true}'
PID=$(jout .id)
expect 200 admin PATCH "/api/v1/activation-keys/$ACTIVATION_ID" \
    -d "{\"profile_id\":$PID}"
start_hostile
hostile_rules '[]'
hostile_agent "$T/a"
wait_activated
paused() { status_check '.manifests.data_collection_paused == true and .inventory.paused == true'; }
wait_for 10 paused || fail "the paused profile is not in force"
[ "$(status_value .platform.profile.version)" = 1 ] || fail "profile version"
cp "$T/a/state/profile.json" "$T/profile.before"

# stays_paused: a heartbeat fails, the cached profile 1 stays in force.
stays_paused() {
	"$OUTPOSTCTL" -c "$CONF" heartbeat > "$T/hb.out" 2>&1 &&
	    fail "the heartbeat went through: $(cat "$T/hb.out")"
	paused || fail "the agent is not paused any more"
	[ "$(status_value .platform.profile.version)" = 1 ] ||
	    fail "profile version $(status_value .platform.profile.version)"
	cmp -s "$T/profile.before" "$T/a/state/profile.json" ||
	    fail "the cached profile changed"
}

note "302 to the profile fetch"
hostile_rules '[{"method":"GET","path":"/agent/v1/profile","status":302,
 "content_type":"text/html","headers":{"Location":"https://portal.example/"},
 "body":"<html>sign in</html>"}]'
expect 200 admin PATCH "/api/v1/profiles/$PID" -d '{"data_collection_paused":false}'
stays_paused
wait_log 5 'E407 .*GET /agent/v1/profile: HTTP 302 redirect to https://portal.example/, not followed'

note "16 MiB of {} (plain, then gzip'd to a few KiB)"
hostile_rules '[{"method":"GET","path":"/agent/v1/profile","status":200,
 "repeat":{"head":"[","unit":"{},","tail":"{}]","size":16777216}}]'
stays_paused
wait_log 5 'E405 .*/agent/v1/profile via direct: response larger than 1048576 bytes'
hostile_rules '[{"method":"GET","path":"/agent/v1/profile","status":200,"gzip":true,
 "repeat":{"head":"{\"a\":[","unit":"{},","tail":"{}]}","size":16777216}}]'
stays_paused
assert_grep "$T/hb.out" '/agent/v1/profile via direct: response larger than 1048576 bytes'
[ "$(awk '$3 == "/agent/v1/profile" { b = $5 } END { print b }' "$HLOG")" -lt 100000 ] ||
    fail "the last profile answer was not the gzip'd one"
! agent_log_has 'without a JSON object body' || fail "the old misleading cause"

note "a member of the wrong type, an HTML page"
hostile_rules "[{\"method\":\"GET\",\"path\":\"/agent/v1/profile\",
 \"json\":{\"id\":$PID,\"version\":3,\"data_collection_paused\":\"false\"}}]"
stays_paused
wait_log 5 'E409 .*GET /agent/v1/profile: HTTP 200 answer: member "data_collection_paused": expected true or false'
hostile_rules '[{"method":"GET","path":"/agent/v1/profile","status":200,
 "content_type":"text/html","body":"<html>portal</html>"}]'
stays_paused
wait_log 5 'E406 .*GET /agent/v1/profile: HTTP 200 with Content-Type text/html, not application/json'

note "a profile at the size cap, heartbeat_interval 1"
python3 - "$PID" "$T/big.json" <<'PY'
import json, sys
pid, out = int(sys.argv[1]), sys.argv[2]
doc = {"id": pid, "version": 50, "name": "big", "heartbeat_interval": 1,
       "data_collection_paused": True,
       "fim": {"enabled": False, "rules": [
           {"path": "/srv/%d" % i, "excludes": ["/srv/%d/x" % i]}
           for i in range(256)]}}
pad = [{} for _ in range(3000)] + ["%010d" % i for i in range(77000)]
doc["pad"] = pad
text = json.dumps(doc, separators=(",", ":"))
assert 1000000 < len(text) < 1048576, len(text)
open(out, "w").write(text)
print(len(text))
PY
note "profile of $(wc -c < "$T/big.json") bytes"
hostile_rules '[{"method":"GET","path":"/agent/v1/profile","status":200,
 "body_file":"'"$T"'/big.json"}]'
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
[ "$(status_value .platform.profile.version)" = 50 ] ||
    fail "the profile at the cap was not applied"
wait_log 5 "profile $PID version 50: heartbeat_interval: 1 is outside the platform's 10..86400; using 10"
[ "$(status_value .platform.heartbeat_interval)" = 10 ] ||
    fail "heartbeat_interval $(status_value .platform.heartbeat_interval)"
paused || fail "not paused by profile 50"
assert_hwm 64
[ "$(wc -c < "$T/a/state/profile.json")" -ge 1000000 ] ||
    fail "the big profile was not cached"

note "the big profile from the cache at start"
stop_agent
hostile_rules '[{"method":"POST","path":"*","status":503,
 "json":{"error":"store_unavailable","message":"down"}}]'
start_agent "$T/a"
wait_log 10 'using the cached configuration profile'
[ "$(status_value .platform.profile.version)" = 50 ] ||
    fail "the cached big profile was not loaded"
assert_hwm 64

note "heartbeat_interval 1 in the heartbeat answer"
hostile_rules '[{"method":"POST","path":"/agent/v1/heartbeat","forward":true,
 "set":{"heartbeat_interval":1}},
 {"method":"GET","path":"/agent/v1/profile","status":304}]'
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_log 5 "heartbeat answer: heartbeat_interval 1 is outside the platform's 10..86400 seconds; using 10"
[ "$(status_value .platform.heartbeat_interval)" = 10 ] ||
    fail "heartbeat_interval $(status_value .platform.heartbeat_interval)"

note "the platform answers again: its newest profile"
hostile_rules '[]'
expect 200 admin PATCH "/api/v1/profiles/$PID" -d '{"name":"resumed"}'
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 10 status_check '.manifests.data_collection_paused == false' ||
    fail "the platform's profile (not paused) was not applied"
assert_log_size 1024
stop_agent
[ "$AGENT_RC" = 0 ] || fail "outpostd exited with $AGENT_RC"
exit 0
