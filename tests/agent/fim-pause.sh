#!/bin/sh
# S7: while the profile pauses data collection the agent removes its FIM
# rules (only its own), lets go of the audit pid and produces no events;
# resumed, it reinstalls them and events flow again. Another program
# deleting our rules (auditctl -D) gets them reinstalled.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-fim.sh"
fim_require

W="$T/w"
mkdir -p "$W"
fim_other_rule "$T/other" othertool
start_platform "$T/p"
fim_profile fim "[{\"path\":\"$W\",\"recursive\":true}]"
platform_agent "$T/a"
fim_wait 20 '.fim.state == "owner" and .fim.rules_installed == 1'
AID=$(status_value .platform.agent_id)
sh -c "printf before > '$W/before.txt'"
fim_wait_events 20 '[.events[] | select(.path | endswith("/before.txt"))] | length == 1'

# Paused.
expect 200 admin PATCH "/api/v1/profiles/$PROF" -d '{"data_collection_paused":true}'
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
fim_wait 20 '.fim.state == "disabled" and .fim.reason == "data collection is paused"'
wait_for 10 sh -c "[ \$(auditctl -l | grep -Ec '(key=|-k )$FIM_KEY\$') = 0 ]" ||
    fail "our rule stayed while paused: $(auditctl -l)"
[ "$(fim_rules_with othertool)" = 1 ] || fail "othertool's rule is gone"
[ "$(fim_state pid)" = 0 ] || fail "the audit pid is still held while paused"
assert_grep "$T/a/log/agent.log" "fim: data collection paused: removing our audit rules"
sh -c "printf paused > '$W/paused.txt'"
sleep 3
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc.txt" || true
assert_grep "$T/hc.txt" "SKIP  audit.rules .*data collection is paused"
expect 200 admin GET "/api/v1/agents/$AID"
assert_json .fim.state disabled
fim_events
assert_json '[.events[] | select(.path | endswith("/paused.txt"))] | length' 0

# Resumed: the fim manifest is fetched again, the rules come back.
expect 200 admin PATCH "/api/v1/profiles/$PROF" -d '{"data_collection_paused":false}'
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
fim_wait 20 '.fim.state == "owner" and .fim.rules_installed == 1'
[ "$(fim_rules_with "$FIM_KEY")" = 1 ] || fail "rule not reinstalled: $(auditctl -l)"
sh -c "printf after > '$W/after.txt'"
fim_wait_events 20 '[.events[] | select(.path | endswith("/after.txt"))] | length == 1'
assert_json '[.events[] | select(.path | endswith("/paused.txt"))] | length' 0

# Someone deletes every rule: ours come back, theirs is theirs.
auditctl -D >/dev/null
wait_for 10 sh -c "[ \$(auditctl -l | grep -Ec '(key=|-k )$FIM_KEY\$') = 1 ]" ||
    fail "our rule was not reinstalled after auditctl -D"
assert_grep "$T/a/log/agent.log" "another program \\(pid [0-9]+, auditctl\\) removed an audit rule of ours; reinstalling"
FIM_OTHER_KEYS=""
sh -c "printf again > '$W/again.txt'"
fim_wait_events 20 '[.events[] | select(.path | endswith("/again.txt"))] | length == 1'
stop_agent
[ "$(fim_rules_with "$FIM_KEY")" = 0 ] || fail "our rules survived the stop"
exit 0
