#!/bin/sh
# Durability: a clean restart keeps all data; after SIGKILL in the middle
# of a stream of writes, every write the platform acknowledged is there.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"
activate web-01
expect 200 heartbeat '{"status":"running","agent_version":"0.1.0"}'
expect 200 agent POST /agent/v1/inventory -d '{"type":"full","data":{"os":{"name":"Debian"}}}'
expect 200 agent POST /agent/v1/fim-events \
    -d '{"sequence":1,"events":[{"time":5,"path":"/etc/passwd","action":"modify"}]}'
expect 200 admin PATCH /api/v1/profiles/1 -d '{"heartbeat_interval":120}'
expect 201 admin POST /api/v1/activation-keys -d '{"name":"second"}'
expect 201 admin POST /api/v1/manifests -d '{"type":"fim","body":{"hash":"sha256"}}'
expect 200 admin PATCH /api/v1/settings -d '{"accept_correlation_id":true}'

stop_platform TERM
run_platform
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
assert_json .status initial_scan_complete
assert_json .agent_version 0.1.0
assert_json .heartbeat_interval 120
expect 200 heartbeat
assert_json .profile_version 2
assert_json .manifests.fim 2
expect 200 admin GET "/api/v1/agents/$AGENT_ID/fim-events"
assert_json .count 1
expect 200 admin GET /api/v1/activation-keys
assert_json .count 2
expect 200 admin GET /api/v1/settings
assert_json .accept_correlation_id true
expect 200 agent POST /agent/v1/fim-events \
    -d '{"sequence":1,"events":[{"time":5,"path":"/etc/passwd","action":"modify"}]}'
assert_json .duplicate true

# SIGKILL during a stream of writes from four writers. Each writer logs
# the sequence numbers the platform acknowledged with 200.
writer() {
	_w=$1
	_n=0
	while [ "$_n" -lt 100000 ]; do
		_n=$((_n + 1))
		_seq=$((_w * 1000000 + _n))
		_code=$(curl -sS --cacert "$PDIR/ca.pem" -o /dev/null -w '%{http_code}' \
		    -H "Authorization: Bearer $CRED" -X POST \
		    -d "{\"sequence\":$_seq,\"events\":[{\"time\":$_n,\"path\":\"/w$_w/$_n\",\"action\":\"create\"}]}" \
		    "$URL/agent/v1/fim-events" 2>/dev/null) || break
		[ "$_code" = 200 ] || break
		echo "$_seq" >>"$T/acked.$_w"
	done
}
for w in 1 2 3 4; do
	: >"$T/acked.$w"
	writer "$w" &
	eval "writer_$w=\$!"
done
wait_for 30 sh -c "[ \$(cat $T/acked.* | wc -l) -ge 200 ]" ||
    fail "writers made no progress"
stop_platform KILL
wait "$writer_1" "$writer_2" "$writer_3" "$writer_4" 2>/dev/null
acked=$(cat "$T"/acked.* | wc -l)
note "$acked writes acknowledged before SIGKILL"

run_platform
expect 200 admin GET "/api/v1/agents/$AGENT_ID/fim-events?limit=10000"
jout '.events[].sequence' | sort -n >"$T/stored"
sort -n "$T"/acked.* >"$T/acked"
missing=$(comm -23 "$T/acked" "$T/stored" | wc -l)
[ "$missing" -eq 0 ] || fail "$missing acknowledged writes lost: $(comm -23 "$T/acked" "$T/stored" | head)"
# And the earlier data is still there.
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
assert_json .status initial_scan_complete

# The WAL is checkpointed into the database file (by the helper thread):
# 1200 single-request commits over one keep-alive connection.
sum_before=$(md5sum <"$PDIR/platform.db")
{
	i=0
	while [ "$i" -lt 1200 ]; do
		[ "$i" -eq 0 ] || echo next
		printf 'url = "%s/agent/v1/heartbeat"\n' "$URL"
		printf 'cacert = "%s"\n' "$PDIR/ca.pem"
		printf 'data = "{\\"status\\":\\"n%d\\"}"\n' "$i"
		printf 'header = "Authorization: Bearer %s"\n' "$CRED"
		printf 'output = "/dev/null"\n'
		printf 'write-out = "%%{http_code}\\n"\n'
		i=$((i + 1))
	done
} >"$T/curl.cfg"
curl -sS -K "$T/curl.cfg" >"$T/codes" || fail "heartbeat burst failed"
[ "$(grep -c '^200$' "$T/codes")" -eq 1200 ] || fail "heartbeats refused"
wait_for 10 sh -c "[ \"\$(md5sum <$PDIR/platform.db)\" != \"$sum_before\" ]" ||
    fail "the WAL was never checkpointed into platform.db"

# sync_acks = yes: the same SIGKILL check with fdatasync before answers.
stop_platform TERM
echo 'sync_acks = yes' >>"$PDIR/platform.conf"
run_platform
for w in 5 6; do
	: >"$T/acked.$w"
	writer "$w" &
	eval "writer_$w=\$!"
done
wait_for 30 sh -c "[ \$(cat $T/acked.5 $T/acked.6 | wc -l) -ge 50 ]" ||
    fail "writers made no progress with sync_acks"
stop_platform KILL
wait "$writer_5" "$writer_6" 2>/dev/null
run_platform
expect 200 admin GET "/api/v1/agents/$AGENT_ID/fim-events?limit=10000"
jout '.events[].sequence' | sort -n >"$T/stored"
sort -n "$T"/acked.* >"$T/acked"
missing=$(comm -23 "$T/acked" "$T/stored" | wc -l)
[ "$missing" -eq 0 ] || fail "sync_acks: $missing acknowledged writes lost"
exit 0
