#!/bin/sh
# outpostd as a daemon: pid file, one instance only, clean stop on signals.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

write_agent_conf "$T/a"
CONF="$T/a/outpost.conf"

# outpostctl says clearly that nothing runs.
"$OUTPOSTCTL" -c "$CONF" status 2>"$T/ctl.err" && fail "status without daemon"
assert_grep "$T/ctl.err" "outpostd is not running"

# Without -f it daemonizes: the command returns, the pid file names the
# daemon, and the control socket answers.
assert_ok "$OUTPOSTD" -c "$CONF"
wait_for 10 test -s "$T/a/run/outpostd.pid" || fail "no pid file"
PID=$(cat "$T/a/run/outpostd.pid")
at_exit "kill $PID 2>/dev/null"
kill -0 "$PID" || fail "daemon $PID not running"
wait_for 10 "$OUTPOSTCTL" -c "$CONF" status || fail "control socket"
status_json > "$T/st.json"
[ "$(jq -r .pid "$T/st.json")" = "$PID" ] || fail "status pid differs from pid file"
[ "$(jq -r .foreground "$T/st.json")" = "false" ] || fail "not daemon mode"
[ "$(stat -c %a "$T/a/run/outpostd.sock")" = 600 ] || fail "socket mode"
# The daemon is in its own session, detached from the terminal.
[ "$(ps -o sid= -p "$PID" | tr -d ' ')" = "$PID" ] || fail "not a session leader"

# A second instance is refused with a clear message.
"$OUTPOSTD" -f -c "$CONF" 2>"$T/second.err" && fail "second instance started"
assert_grep "$T/second.err" "already running \(pid $PID"

# SIGTERM: logged with the signal's name, pid file and socket removed.
kill -TERM "$PID"
wait_for 10 sh -c "! kill -0 $PID" || fail "daemon ignored SIGTERM"
assert_grep "$T/a/log/agent.log" "received SIGTERM, shutting down"
assert_grep "$T/a/log/agent.log" "outpostd stopped \(SIGTERM\)"
[ ! -e "$T/a/run/outpostd.pid" ] || fail "pid file left behind"
[ ! -e "$T/a/run/outpostd.sock" ] || fail "socket left behind"

# SIGINT in the foreground, exit status 0; SIGPIPE is ignored.
start_agent "$T/a"
kill -PIPE "$AGENT_PID"
sleep 0.2
kill -0 "$AGENT_PID" || fail "SIGPIPE killed the daemon"
kill -INT "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
[ "$rc" -eq 0 ] || fail "exit status $rc after SIGINT"
assert_grep "$T/a/log/agent.log" "received SIGINT, shutting down"

# A stale socket (daemon killed hard) does not stop the next start.
start_agent "$T/a"
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
[ -S "$T/a/run/outpostd.sock" ] || fail "expected a stale socket"
start_agent "$T/a"
stop_agent
[ "$AGENT_RC" -eq 0 ] || fail "exit status $AGENT_RC"
exit 0
