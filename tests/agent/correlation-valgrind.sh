#!/bin/sh
# The correlation ID service under valgrind: listeners, served and
# refused connections, a health check, a reload and a stop with
# connections still open; no error, nothing lost.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-correlation.sh"

CP=$(free_port)
write_offline_agent "$T/a" "{\"enabled\":true,\"bind_all\":true,\"ports\":[$CP]}"
CONF="$T/a/outpost.conf"
valgrind_agent "$T/a"
wait_for 60 corr_status ".listeners | index(\"0.0.0.0:$CP\") != null" ||
    fail "outpostd under valgrind is not listening"
assert_ok cid_check 127.0.0.1 "$CP" "$OFFLINE_CID"
# Over the per-source limit, and held open at the stop.
python3 - "$CP" <<'PY' &
import socket, sys, time
held = []
for i in range(40):
    s = socket.socket()
    s.connect(("127.0.0.1", int(sys.argv[1])))
    held.append(s)
time.sleep(4)
PY
HELD=$!
at_exit "kill $HELD 2>/dev/null"
wait_for 30 corr_status '.refused_source_limit > 0' || fail "no refusal"
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc.txt" || true
assert_grep "$T/hc.txt" "correlation\.listener 0\.0\.0\.0:$CP: answers"
kill -HUP "$AGENT_PID"
wait_for 30 grep -q "configuration reloaded" "$T/a/log/agent.log" || fail "reload"
corr_status '.open_connections > 0' >/dev/null || fail "no connection open at the stop"
valgrind_agent_stop
assert_grep "$T/a/log/agentid.log" "closed: the agent is stopping"
exit 0
