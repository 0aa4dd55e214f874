#!/bin/sh
# fim-daemon.sh: outpostd started as a daemon (no -f, as the SysV and rc.d
# scripts start it) returns only once its pid file is written, owns the
# kernel audit pid under the pid it runs with (it detaches before it sets
# anything up, so the FIM module claims with the daemon's pid, not the
# parent's), and at SIGTERM removes its rules and lets go of the audit pid
# (what the packages' removal relies on); a start that fails exits 1 with
# the reason on stderr.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-fim.sh"
fim_require

mkdir -p "$T/w"
start_platform "$T/p"
fim_profile daemon "[{\"path\":\"$T/w\",\"recursive\":true}]"
platform_agent_conf "$T/a"
"$OUTPOSTD" -c "$CONF" 2>"$T/start.err" || fail "start: $(cat "$T/start.err")"
# The parent returned: the pid file names the running daemon already.
AGENT_PID=$(cat "$T/a/run/outpostd.pid") || fail "no pid file when outpostd returned"
at_exit "kill $AGENT_PID 2>/dev/null"
kill -0 "$AGENT_PID" || fail "pid file names $AGENT_PID, which does not run"
fim_wait 20 '.fim.state == "owner"'
[ "$(fim_state pid)" = "$AGENT_PID" ] ||
    fail "audit pid $(fim_state pid), the daemon is $AGENT_PID"
[ "$(fim_rules_with $FIM_KEY)" = 1 ] || fail "kernel rules: $(auditctl -l)"
has_error E702 && fail "E702 reported by the daemon: $(status_value -c .platform.errors)"
assert_grep "$T/a/log/agent.log" "outpostd .* started \\(pid $AGENT_PID, .*daemon\\)"

# A second start fails, with the reason on the terminal.
assert_fails "$OUTPOSTD" -c "$CONF" 2>"$T/second.err"
assert_grep "$T/second.err" "already running \\(pid $AGENT_PID"

kill -TERM "$AGENT_PID"
wait_for 30 sh -c "! kill -0 $AGENT_PID 2>/dev/null" || fail "the daemon did not stop"
AGENT_PID=""
[ "$(fim_rules_with $FIM_KEY)" = 0 ] || fail "rules left after the stop: $(auditctl -l)"
[ "$(fim_state pid)" = 0 ] || fail "audit pid not released: $(fim_state pid)"
[ ! -e "$T/a/run/outpostd.pid" ] || fail "pid file left behind"

# A daemon that cannot start (its log directory is a file) exits 1.
rm -rf "$T/a/log"
: >"$T/a/log"
assert_fails "$OUTPOSTD" -c "$CONF" 2>"$T/bad.err"
[ -s "$T/bad.err" ] || fail "a failed start said nothing"
[ ! -e "$T/a/run/outpostd.pid" ] || fail "a failed start left its pid file"
exit 0
