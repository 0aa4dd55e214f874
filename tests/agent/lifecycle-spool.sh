#!/bin/sh
# Nothing lost, nothing twice: 1000 records spooled while the platform is
# down reach it exactly once after it returns, with the agent SIGKILLed
# while they wait and again in the middle of sending them; the back-off is
# in the log; a resend of records the platform already stored (an answer
# lost to a crash) is not stored twice; spool_max_size drops the oldest
# and counts the loss (E503).
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
SPOOLFILL="$abs_top_builddir/tests/tools/spoolfill"
[ -x "$SPOOLFILL" ] || fail "$SPOOLFILL not built"

start_platform "$T/p"
platform_agent_conf "$T/a" "log_level = info"
sed -i '/^log_level = debug$/d' "$CONF"
start_agent "$T/a"
wait_activated
stop_agent
depth() { status_value .spool.depth; }
drained() { [ "$(depth)" = 0 ]; }
count_stored() {
	admin_get "/api/v1/agents/$AID/errors?limit=10000" > "$T/errors.json"
	jq '[.errors[] | select(.message | startswith("spooled-while-down "))] | length' "$T/errors.json"
}

note "platform down; 1000 records spooled"
stop_platform
[ "$("$SPOOLFILL" "$T/a/state/spool" 1000 spooled-while-down)" = 1000 ] ||
    fail "spoolfill did not leave 1000 records"
start_agent "$T/a"
[ "$(depth)" -ge 1000 ] || fail "the agent does not see the spooled records"
assert_fails "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 20 grep -q "upload: errors record [0-9]* not delivered ([0-9]* waiting), retrying with back-off: E102" "$T/a/log/agent.log" ||
    fail "no back-off logged for the uploads"

note "SIGKILL while they wait"
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
start_agent "$T/a"
[ "$(depth)" -ge 1000 ] || fail "records lost to SIGKILL: depth $(depth)"

note "platform back; SIGKILL in the middle of the drain"
run_platform
cp -a "$T/a/state/spool" "$T/spool-copy"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
i=0
while [ "$(depth)" -gt 600 ] && [ $i -lt 400 ]; do
	sleep 0.02
	i=$((i + 1))
done
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
LEFT=$(ls "$T/a/state/spool" | grep -c '\.rec$')
note "killed with $LEFT records left"
[ "$LEFT" -gt 0 ] && [ "$LEFT" -lt 1000 ] ||
    note "the kill did not land in the middle of the drain ($LEFT left)"
start_agent "$T/a"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 60 drained ||
    fail "the spool did not drain: depth $(depth)"
[ "$(count_stored)" = 1000 ] || fail "stored $(count_stored) of 1000 records"
[ "$(jq '[.errors[] | select(.message | startswith("spooled-while-down ")) | .message] | unique | length' "$T/errors.json")" = 1000 ] ||
    fail "records stored twice or lost"
assert_grep "$T/a/log/agent.log" "upload: platform accepts uploads again"

note "a resend of stored records is not stored twice"
stop_agent
rm -f "$T/a/state/spool"/*.rec
cp "$T/spool-copy"/*.rec "$T/a/state/spool/"
start_agent "$T/a"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 60 drained ||
    fail "the resent records did not drain"
[ "$(count_stored)" = 1000 ] || fail "a resend was stored again: $(count_stored)"

note "spool_max_size drops the oldest and counts it (E503)"
stop_agent
stop_platform
"$SPOOLFILL" "$T/a/state/spool" 8000 overflow-record >/dev/null
echo "spool_max_size = 1M" >> "$CONF"
start_agent "$T/a"
assert_fails "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 20 status_check '.spool.dropped > 0 and (.platform.errors | map(.code) | index("E503") != null)' ||
    fail "no drop counted: $(status_value -c .spool)"
assert_grep "$T/a/log/agent.log" "E503 .*dropped from the spool"
status_json > "$T/st.json"
DROPPED=$(jq -r .spool.dropped "$T/st.json")
[ "$(jq -r .spool.bytes "$T/st.json")" -le 1048576 ] || fail "spool over its limit"
# (Records may still be dropped meanwhile: the text shows a count between
# the one before and the one after.)
"$OUTPOSTCTL" -c "$CONF" status > "$T/st.txt"
DROPPED1=$(status_value .spool.dropped)
SHOWN=$(sed -n 's/^spool: .* \([0-9][0-9]*\) dropped.*/\1/p' "$T/st.txt")
[ -n "$SHOWN" ] && [ "$SHOWN" -ge "$DROPPED" ] && [ "$SHOWN" -le "$DROPPED1" ] ||
    fail "status shows '$(grep '^spool:' "$T/st.txt")', counts were $DROPPED then $DROPPED1"
run_platform
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 120 drained ||
    fail "the spool did not drain"
admin_get "/api/v1/agents/$AID/errors?limit=10000" > "$T/errors.json"
STORED=$(jq '[.errors[] | select(.message | startswith("overflow-record "))] | length' "$T/errors.json")
# Records dropped since the count above (the inventory's full snapshot,
# spooled after the restart, can push out more) count too.
DROPPED=$(status_value .spool.dropped)
[ $((STORED + DROPPED)) -ge 8000 ] ||
    fail "stored $STORED + dropped $DROPPED < 8000 records"
jq -e '.errors | map(.code) | index("E503") != null' "$T/errors.json" >/dev/null ||
    fail "E503 not reported to the platform"
stop_agent
[ "$AGENT_RC" = 0 ] || fail "outpostd exited with $AGENT_RC"
exit 0
