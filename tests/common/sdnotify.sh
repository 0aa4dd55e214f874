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

# notify_start NAME PROBE LOG COMMAND...: start COMMAND in the background
# with NOTIFY_SOCKET=$T/NAME.sock, wait for READY=1 and check it came once,
# while serving. Sets DAEMON_PID.
notify_start() {
	_name=$1
	_log=$3
	listen_notify "$_name" "$2"
	shift 3
	NOTIFY_SOCKET="$T/$_name.sock" "$@" >>"$_log" 2>&1 &
	DAEMON_PID=$!
	at_exit "kill -KILL $DAEMON_PID 2>/dev/null"
	wait_for 20 grep -q READY=1 "$T/$_name.notify" ||
	    fail "no READY=1 from $_name: $(cat "$_log")"
	note "$_name: $(cat "$T/$_name.notify")"
	ready_once "$_name"
}

# notify_stop NAME: SIGTERM, exit 0, then STOPPING=1 after READY=1.
notify_stop() {
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID" || fail "$1 exited $? on SIGTERM"
	wait_for 10 grep -q STOPPING=1 "$T/$1.notify" ||
	    fail "no STOPPING=1 from $1"
	[ "$(grep -c . "$T/$1.notify")" -eq 2 ] ||
	    fail "expected READY then STOPPING: $(cat "$T/$1.notify")"
}

# The platform: READY=1 while its HTTPS port accepts.
init_platform "$T/platform"
notify_start platform "tcp:127.0.0.1:$PORT" "$T/platform.stderr" \
    "$PLATFORM" -f -c "$PDIR/platform.conf"
# And it answers a request.
[ "$(admin GET /api/v1/settings)" = 200 ] || fail "platform does not answer"
notify_stop platform

# Without $NOTIFY_SOCKET nothing is sent and nothing is said about it.
run_platform
stop_platform
grep -qi "service manager" "$PDIR/log/platform.log" &&
    fail "platform logged about a service manager it does not have"

# The agent: READY=1 while its control socket accepts.
write_agent_conf "$T/agent"
notify_start agent "unix:$T/agent/run/outpostd.sock" \
    "$T/agent/outpostd.stderr" "$OUTPOSTD" -f -c "$T/agent/outpost.conf"
assert_ok "$OUTPOSTCTL" -c "$T/agent/outpost.conf" status >/dev/null
notify_stop agent

# A NOTIFY_SOCKET nobody listens on: logged, and the agent runs anyway.
NOTIFY_SOCKET="$T/nobody.sock" "$OUTPOSTD" -f -c "$T/agent/outpost.conf" \
    >>"$T/agent/outpostd.stderr" 2>&1 &
AGENT_PID=$!
at_exit "kill $AGENT_PID 2>/dev/null"
wait_for 20 "$OUTPOSTCTL" -c "$T/agent/outpost.conf" status ||
    fail "outpostd did not run with a dead NOTIFY_SOCKET"
wait_for 10 grep -q "cannot send \"READY=1\" to the service manager" \
    "$T/agent/log/agent.log" || fail "the failed notice was not logged"
stop_agent
exit 0
