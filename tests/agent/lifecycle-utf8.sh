#!/bin/sh
# The platform takes strict UTF-8 only; the agent never loses a request
# for it. An agent on a host whose name is not UTF-8 (Latin-1 "web\351",
# set in a private UTS namespace) activates, its name sent with U+FFFD for
# the bad byte and a warning in its log, and keeps checking in.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

[ "$(id -u)" = 0 ] || skip "needs root (a UTS namespace)"
command -v unshare >/dev/null 2>&1 || skip "unshare is not installed"
unshare -u true 2>/dev/null || skip "cannot make a UTS namespace"

start_platform "$T/p"
platform_agent_conf "$T/a"
unshare -u python3 -c 'import os, socket, sys
socket.sethostname(b"web\xe9-01")
os.execv(sys.argv[1], sys.argv[1:])' "$OUTPOSTD" -f -c "$CONF" \
    >>"$T/a/outpostd.stderr" 2>&1 &
AGENT_PID=$!
at_exit "kill $AGENT_PID 2>/dev/null; wait $AGENT_PID 2>/dev/null"
wait_for 10 "$OUTPOSTCTL" -c "$CONF" status ||
    fail "outpostd did not come up: $(tail -n 5 "$T/a/outpostd.stderr")"
wait_activated
expect 200 admin GET "/api/v1/agents/$AID"
assert_json .hostname "$(printf 'web\357\277\275-01')"
assert_json .host.hostname "$(printf 'web\357\277\275-01')"
assert_grep "$T/a/log/agent.log" 'host.hostname is not UTF-8'
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
expect 200 admin GET "/api/v1/agents/$AID"
assert_json .online true
exit 0
