#!/bin/sh
# Every allocation freed at exit: outpostd under valgrind through start,
# control commands, reload, rotation and SIGTERM.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

command -v valgrind >/dev/null || skip "valgrind not installed"
if nm "$OUTPOSTD" 2>/dev/null | grep -q __asan_init; then
	skip "sanitizer build (LeakSanitizer checks leaks there)"
fi
write_agent_conf "$T/a" "log_max_size = 8K"
CONF="$T/a/outpost.conf"
valgrind --leak-check=full --errors-for-leak-kinds=definite \
    --error-exitcode=99 --log-file="$T/valgrind.out" \
    "$OUTPOSTD" -f -c "$CONF" >"$T/a/outpostd.stderr" 2>&1 &
AGENT_PID=$!
at_exit "kill $AGENT_PID 2>/dev/null"
wait_for 60 "$OUTPOSTCTL" -c "$CONF" status || fail "outpostd under valgrind"
ctl_flood "$T/a/run/outpostd.sock" 200
"$OUTPOSTCTL" -c "$CONF" rotate-logs >/dev/null
"$OUTPOSTCTL" -c "$CONF" repair >/dev/null
kill -HUP "$AGENT_PID"
wait_for 30 grep -q "configuration reloaded" "$T/a/log/agent.log" || fail "reload"
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
cat "$T/valgrind.out" >&2
[ "$rc" -eq 0 ] || fail "valgrind exit status $rc"
assert_grep "$T/valgrind.out" "definitely lost: 0 bytes|no leaks are possible"
assert_grep "$T/valgrind.out" "ERROR SUMMARY: 0 errors"
exit 0
