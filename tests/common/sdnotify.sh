#!/bin/sh
# sdnotify.sh: outpost-platform -f and outpostd -f tell the service
# manager READY=1 through $NOTIFY_SOCKET only once they really serve (the
# platform's HTTPS port and the agent's control socket accept a
# connection the moment the notice arrives), and STOPPING=1 on SIGTERM;
# that is what the Type=notify units rely on (sdnotify.c).
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
command -v python3 >/dev/null || skip "python3 is not installed"

LISTEN="$abs_top_srcdir/tests/tools/notify-listen.py"

# listen_notify NAME PROBE: a service manager's socket $T/NAME.sock
# writing $T/NAME.notify. Sets NOTIFY_PID.
listen_notify() {
	python3 "$LISTEN" "$T/$1.sock" "$T/$1.notify" "$2" 60 &
	NOTIFY_PID=$!
	at_exit "kill $NOTIFY_PID 2>/dev/null"
	wait_for 10 test -f "$T/$1.notify.bound" ||
	    fail "the notify listener did not start"
}

# ready_once NAME: one READY=1 in $T/NAME.notify, sent while serving.
ready_once() {
	[ "$(grep -c READY=1 "$T/$1.notify")" -eq 1 ] ||
	    fail "$1: not exactly one READY=1: $(cat "$T/$1.notify")"
	assert_grep "$T/$1.notify" "^READY=1	serving$"
}

# The platform: READY=1 while its HTTPS port accepts.
init_platform "$T/platform"
listen_notify platform "tcp:127.0.0.1:$PORT"
NOTIFY_SOCKET="$T/platform.sock" "$PLATFORM" -f -c "$PDIR/platform.conf" \
    >>"$T/platform.stderr" 2>&1 &
PLATFORM_PID=$!
at_exit "kill -KILL $PLATFORM_PID 2>/dev/null"
wait_for 20 grep -q READY=1 "$T/platform.notify" ||
    fail "no READY=1 from outpost-platform: $(cat "$T/platform.stderr")"
note "platform: $(cat "$T/platform.notify")"
ready_once platform
# And it answers a request.
[ "$(admin GET /api/v1/settings)" = 200 ] || fail "platform does not answer"
kill -TERM "$PLATFORM_PID"
wait "$PLATFORM_PID" || fail "outpost-platform exited $? on SIGTERM"
wait_for 10 grep -q STOPPING=1 "$T/platform.notify" ||
    fail "no STOPPING=1 from outpost-platform"
[ "$(grep -c . "$T/platform.notify")" -eq 2 ] ||
    fail "expected READY then STOPPING: $(cat "$T/platform.notify")"

# Without $NOTIFY_SOCKET nothing is sent and nothing is said about it.
run_platform
stop_platform
grep -qi "service manager" "$PDIR/log/platform.log" &&
    fail "platform logged about a service manager it does not have"

# The agent: READY=1 while its control socket accepts.
write_agent_conf "$T/agent"
listen_notify agent "unix:$T/agent/run/outpostd.sock"
NOTIFY_SOCKET="$T/agent.sock" "$OUTPOSTD" -f -c "$T/agent/outpost.conf" \
    >>"$T/agent/outpostd.stderr" 2>&1 &
AGENT_PID=$!
at_exit "kill $AGENT_PID 2>/dev/null"
wait_for 20 grep -q READY=1 "$T/agent.notify" ||
    fail "no READY=1 from outpostd: $(cat "$T/agent/outpostd.stderr")"
note "agent: $(cat "$T/agent.notify")"
ready_once agent
assert_ok "$OUTPOSTCTL" -c "$T/agent/outpost.conf" status >/dev/null
stop_agent
[ "$AGENT_RC" -eq 0 ] || fail "outpostd exited $AGENT_RC on SIGTERM"
wait_for 10 grep -q STOPPING=1 "$T/agent.notify" ||
    fail "no STOPPING=1 from outpostd"

# A NOTIFY_SOCKET nobody listens on: logged, and the agent runs anyway.
NOTIFY_SOCKET="$T/nobody.sock" "$OUTPOSTD" -f -c "$T/agent/outpost.conf" \
    >>"$T/agent/outpostd.stderr" 2>&1 &
AGENT_PID=$!
wait_for 20 "$OUTPOSTCTL" -c "$T/agent/outpost.conf" status ||
    fail "outpostd did not run with a dead NOTIFY_SOCKET"
wait_for 10 grep -q "cannot send \"READY=1\" to the service manager" \
    "$T/agent/log/agent.log" || fail "the failed notice was not logged"
stop_agent
exit 0
