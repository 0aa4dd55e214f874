#!/bin/sh
# Two agents on one host never touch each other's rules: each tags its
# rules with the key of its own installation (outpost-fim-<id>). While one
# owns the audit pid the other reads the multicast copy, and claims the pid
# the moment the owner stops. A fresh installation leaves rules of the
# older key "outpost-fim" alone; an installation upgraded from an agent
# that used it removes them once.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-fim.sh"
fim_require

W="$T/w"
mkdir -p "$W" "$T/legacy"
# A rule left by an agent of the older key (or another tool using it).
auditctl -w "$T/legacy" -p wa -k outpost-fim || fail "auditctl -w"
start_platform "$T/p"
fim_profile fim "[{\"path\":\"$W\",\"recursive\":true}]"

platform_agent "$T/a"
CONF_A=$CONF
PID_A=$AGENT_PID
fim_wait 20 '.fim.state == "owner" and .fim.rules_installed == 1'
KEY_A=$(status_value .fim.key)
# B runs as a daemon (it forks after its FIM module started: the claim
# must name the pid after the fork, or the kernel says EINVAL).
platform_agent_conf "$T/b"
CONF_B=$CONF
"$OUTPOSTD" -c "$CONF_B" || fail "agent B did not start"
wait_for 10 test -s "$T/b/run/outpostd.pid" || fail "no pid file for B"
PID_B=$(cat "$T/b/run/outpostd.pid")
at_exit "kill $PID_B 2>/dev/null"
fim_wait 20 ".fim.state == \"multicast\" and .fim.holder_pid == $PID_A and .fim.rules_installed == 1"
[ "$(status_value -c '[.platform.errors[] | select(.code | test("^E70[125]$")) | .code]')" = '["E701"]' ] ||
    fail "B's audit errors: $(status_value -c .platform.errors)"
KEY_B=$(status_value .fim.key)
[ "$KEY_A" != "$KEY_B" ] || fail "both agents use key $KEY_A"
echo "$KEY_B" | grep -Eqx "$FIM_KEY" || fail "key $KEY_B"
[ "$(fim_rules_with "$KEY_A")" = 1 ] || fail "A's rules: $(auditctl -l)"
[ "$(fim_rules_with "$KEY_B")" = 1 ] || fail "B's rules: $(auditctl -l)"
[ "$(fim_rules_with outpost-fim)" = 1 ] ||
    fail "a fresh installation removed a rule of the older key: $(auditctl -l)"
[ "$(status_value .fim.holder_comm)" = outpostd ] || fail "holder comm"

# Both see a change, each with its own rule.
sh -c "printf both > '$W/both.txt'"
CONF=$CONF_A
fim_wait 10 '.fim.events_matched >= 1'
CONF=$CONF_B
fim_wait 10 '.fim.events_matched >= 1'

# A stops: its rules go, B's stay, and B owns the pid within seconds.
AGENT_PID=$PID_A
stop_agent
[ "$AGENT_RC" = 0 ] || fail "agent A exited with $AGENT_RC"
[ "$(fim_rules_with "$KEY_A")" = 0 ] || fail "A's rules survived its stop"
[ "$(fim_rules_with "$KEY_B")" = 1 ] || fail "A's stop removed B's rules: $(auditctl -l)"
CONF=$CONF_B
fim_wait 10 '.fim.state == "owner"'
[ "$(fim_state pid)" = "$PID_B" ] || fail "B does not own the pid"
assert_grep "$T/b/log/agent.log" "the audit pid holder $PID_A \\(outpostd\\) (exited|let go); claiming the audit pid"
kill -TERM "$PID_B"
wait_for 10 sh -c "! kill -0 $PID_B" || fail "B did not stop"
[ "$(fim_rules_with "$KEY_B")" = 0 ] || fail "B's rules survived its stop"
[ "$(fim_rules_with outpost-fim)" = 1 ] || fail "the older key's rule went"

# B again, as an agent upgraded from the older key: state.json, no fim-id.
rm "$T/b/state/fim-id"
start_agent "$T/b"
fim_wait 20 '.fim.state == "owner" and .fim.rules_installed == 1'
[ "$(fim_rules_with outpost-fim)" = 0 ] ||
    fail "the upgraded installation kept the older key's rule: $(auditctl -l)"
assert_grep "$T/b/log/agent.log" "fim: upgraded: 1 audit rule of this installation with the older key outpost-fim removed"
[ -s "$T/b/state/fim-id" ] || fail "no installation id written"
stop_agent
[ "$(fim_rules_with "$FIM_KEY")" = 0 ] || fail "rules left: $(auditctl -l)"

# Uninstall after a crash puts back the settings found before the crashed
# run changed them, and leaves nothing of the installation on the host.
auditctl -b 4321 --backlog_wait_time 12345 >/dev/null || fail "auditctl -b"
E0=$(fim_state enabled)
start_agent "$T/b"
fim_wait 20 '.fim.state == "owner" and .fim.kernel.backlog_limit == 65536'
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
start_agent "$T/b"
fim_wait 20 '.fim.state == "owner" and .fim.rules_installed == 1'
assert_ok "$OUTPOSTCTL" -c "$CONF_B" uninstall
wait "$AGENT_PID"
[ "$(fim_state backlog_limit)" = 4321 ] || fail "backlog_limit $(fim_state backlog_limit) after uninstall"
[ "$(fim_state backlog_wait_time)" = 12345 ] || fail "backlog_wait_time $(fim_state backlog_wait_time) after uninstall"
[ "$(fim_state enabled)" = "$E0" ] || fail "enabled $(fim_state enabled) after uninstall, was $E0"
[ "$(fim_rules_with "$FIM_KEY")" = 0 ] || fail "rules left after uninstall: $(auditctl -l)"
ls "$T/b/state" | grep -q '^fim-' && fail "FIM files left after uninstall: $(ls "$T/b/state")"
exit 0
