#!/bin/sh
# A log a person can grep: successes carry no error code (grep E[0-9]
# finds failures only), a cause that repeats is logged and reported once,
# however its numbers vary; outpostctl heartbeat waits for a check-in
# already running and gives its result; rotate-logs leaves a small file.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"
platform_agent "$T/a"
wait_activated 20

# Successes, at info and debug: no code in any line.
for i in 1 2 3; do
	assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
done
grep -E 'E[0-9]{3}' "$T/a/log/agent.log" > "$T/codes" &&
    fail "codes in a log of successes: $(head -3 "$T/codes")"

# Check-ins asked for at once all wait for the running one: all succeed.
PIDS=""
for i in 1 2 3 4; do
	"$OUTPOSTCTL" -c "$CONF" heartbeat > "$T/hb$i.out" 2>&1 &
	PIDS="$PIDS $!"
done
i=0
for p in $PIDS; do
	i=$((i + 1))
	wait "$p" || fail "heartbeat $i failed: $(cat "$T/hb$i.out")"
done
assert_grep "$T/hb4.out" "checked in"

# The platform goes away: the check-ins fail again and again with one
# cause (E102), logged once and reported once.
stop_platform KILL
for i in 1 2 3; do
	"$OUTPOSTCTL" -c "$CONF" heartbeat > "$T/f$i.out" 2>&1 &&
	    fail "heartbeat succeeded with the platform down"
done
assert_grep "$T/f1.out" "E102|connect"
[ "$(grep -c 'warn: E102 ' "$T/a/log/agent.log")" = 1 ] ||
    fail "E102 logged $(grep -c 'warn: E102 ' "$T/a/log/agent.log") times: $(grep 'warn: E102 ' "$T/a/log/agent.log")"
[ "$(status_value '.platform.errors | map(select(.code == "E102")) | length')" = 1 ] ||
    fail "E102 standing: $(status_value -c .platform.errors)"
run_platform
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 20 admin_check "/api/v1/agents/$AID/errors" \
    '.errors | map(select(.code == "E102")) | length == 1' ||
    fail "E102 reported $(admin_json "/api/v1/agents/$AID/errors" '.errors | map(select(.code == "E102")) | length') times"

# rotate-logs: a file under a tenth of log_max_size is left as it is.
"$OUTPOSTCTL" -c "$CONF" rotate-logs > "$T/rot.txt" || fail "rotate-logs"
assert_grep "$T/rot.txt" "agent\\.log not rotated: .* under 1\\.0 MiB \\(a tenth of log_max_size\\)"
ls "$T/a/log" | grep -q 'agent-.*\.gz' && fail "a small agent.log was archived"
stop_agent
exit 0
