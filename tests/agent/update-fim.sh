#!/bin/sh
# Self-update and FIM (S8 around the automatic patch): a file is created in
# a watched tree every 50 ms during the whole update of a running agent to
# a real build of a higher version, from before the release is published
# until after the new version checked in; every file reaches the platform,
# each once (kernel audit before and after the switch, the restart
# catch-up for the moment between), and the new version holds the audit
# pid and the rules as the old one did.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-fim.sh"
. "$abs_top_srcdir/tests/lib-update.sh"
fim_require

release_key release
V2="$AGENT_VERSION.1"
build_release "$V2" "$T/v2.tar"
W="$T/w"
mkdir -p "$W"
start_platform "$T/p"
update_profile fimup '{"policy":"latest","deadline":60}' \
    ",\"fim\":{\"enabled\":true,\"rules\":[{\"path\":\"$W\",\"recursive\":true}]}"
update_agent "$T/a"
fim_wait 20 '.fim.state == "owner" and .fim.rules_installed == 1'
AID=$(status_value .platform.agent_id)
FIMV=$(status_value .manifests.fim.version)
PID0=$AGENT_PID

# Files all along the update.
sh -c "i=0; while [ ! -e '$T/stop' ]; do printf \$i > '$W/u'\$i; i=\$((i+1)); sleep 0.05; done; echo \$i > '$T/count'" &
WRITER=$!
sleep 1
add_release "$T/v2.tar"
wait_for 40 status_check ".version == \"$V2\" and .update.state == \"done\"" ||
    fail "no update: $(status_value -c '{version, update}' 2>&1)"
fim_wait 20 '.fim.state == "owner" and .fim.rules_installed == 1'
sleep 2
touch "$T/stop"
wait "$WRITER"
N=$(cat "$T/count")
[ "$N" -ge 40 ] || fail "only $N files written"
[ "$(agent_pid)" = "$PID0" ] || fail "pid changed"

fim_wait 20 '.fim.catch_up.state == "done"'
fim_wait_events 60 "[.events[] | select(.action == \"create\" and (.path | test(\"/u[0-9]+\$\")))] | length >= $N"
fim_created_once u "$N"
SCAN=$(jq '[.events[] | select(.source == "scan" and (.path | test("/u[0-9]+$")))] | length' "$OUT")
note "$N files created during the update, each reported once ($SCAN by the restart catch-up)"
status_check ".manifests.fim.version == $FIMV and .fim.lost_total == 0" ||
    fail "FIM state: $(status_value -c '{manifests: .manifests.fim, fim}')"
assert_grep "$T/a/log/agent.log" "fim: [0-9]+ watched files listed for the next start"
stop_agent
[ "$(fim_rules_with $FIM_KEY)" = 0 ] || fail "our rules survived the stop"
exit 0
