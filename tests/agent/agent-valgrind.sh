#!/bin/sh
# Every allocation freed at exit: outpostd under valgrind through start,
# control commands, reload, rotation and SIGTERM.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

write_agent_conf "$T/a" "log_max_size = 8K"
CONF="$T/a/outpost.conf"
valgrind_agent "$T/a"
wait_for 60 "$OUTPOSTCTL" -c "$CONF" status || fail "outpostd under valgrind"
ctl_flood "$T/a/run/outpostd.sock" 200
"$OUTPOSTCTL" -c "$CONF" rotate-logs >/dev/null
"$OUTPOSTCTL" -c "$CONF" repair >/dev/null
kill -HUP "$AGENT_PID"
wait_for 30 grep -q "configuration reloaded" "$T/a/log/agent.log" || fail "reload"
valgrind_agent_stop
exit 0
