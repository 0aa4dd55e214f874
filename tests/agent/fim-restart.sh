#!/bin/sh
# S8, no gap across a restart: files written all through a restart of the
# agent all arrive, exactly once, and what changed while the agent was
# stopped (modified, attributes, renamed, deleted) is reported at start
# (source "scan"). The rules come back from the cached manifest before
# anything else, even with the platform unreachable.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-fim.sh"
fim_require

W="$T/w"
mkdir -p "$W/skip"
start_platform "$T/p"
fim_profile fim "[{\"path\":\"$W\",\"recursive\":true,\"excludes\":[\"$W/skip\"]}]"
for f in mod attr ren del; do
	printf "$f" > "$W/$f.txt"
done
platform_agent "$T/a"
fim_wait 20 '.fim.state == "owner" and .fim.rules_installed == 1'
AID=$(status_value .platform.agent_id)

# Files are written all along while the agent restarts.
N=80
sh -c "i=0; while [ \$i -lt $N ]; do printf \$i > '$W/r'\$i; i=\$((i+1)); sleep 0.05; done" &
WRITER=$!
sleep 1
stop_agent
[ "$AGENT_RC" = 0 ] || fail "outpostd exited with $AGENT_RC"
[ -f "$T/a/state/fim-baseline" ] || fail "no baseline at stop"
assert_grep "$T/a/state/fim-baseline" "^state clean\$"
[ -f "$T/a/state/fim-journal" ] && fail "the journal survived a clean stop"
assert_grep "$T/a/log/agent.log" "fim: [0-9]+ watched files listed for the next start"
# While it is stopped: every kind of change.
sh -c "printf changed >> '$W/mod.txt'"
chmod 0600 "$W/attr.txt"
mv "$W/ren.txt" "$W/ren2.txt"
rm "$W/del.txt"
printf x > "$W/skip/ignored"
start_agent "$T/a"
# While collecting: the baseline is marked running, the journal grows.
assert_grep "$T/a/state/fim-baseline" "^state running\$"
[ -f "$T/a/state/fim-journal" ] || fail "no journal while collecting"
wait "$WRITER"
fim_wait 20 '.fim.catch_up.state == "done"'
fim_wait_events 40 "([.events[] | select(.action == \"create\" and (.path | test(\"/r[0-9]+\$\")))] | length >= $N) and ([.events[] | select(.source == \"scan\")] | length >= 4)"
fim_created_once r "$N"
ev() { jq -r "[.events[] | select(.source == \"scan\" and .action == \"$1\" and .path == \"$2\")][0] | $3" "$OUT"; }
[ "$(ev modify "$W/mod.txt" .sha256)" = "$(fim_sha modchanged)" ] ||
    fail "modify while stopped: $(jq -c '[.events[] | select(.source == "scan")]' "$OUT")"
[ "$(ev modify "$W/mod.txt" .before.size)" = 3 ] || fail "size before"
[ "$(ev attrib "$W/attr.txt" .mode)" = 0600 ] || fail "attrib while stopped"
[ "$(ev attrib "$W/attr.txt" .before.mode)" = 0644 ] || fail "mode before"
[ "$(ev rename "$W/ren2.txt" .old_path)" = "$W/ren.txt" ] || fail "rename while stopped"
[ "$(ev delete "$W/del.txt" .mode)" = 0644 ] || fail "delete while stopped"
[ "$(ev delete "$W/del.txt" '.downtime.to >= .downtime.from')" = true ] || fail "downtime"
jq -e '[.events[] | select(.path | contains("/skip/"))] | length == 0' "$OUT" >/dev/null ||
    fail "an excluded path was reported"
assert_grep "$T/a/log/agent.log" "fim: [0-9]+ changes? made while the agent was not watching"

# The platform is down: the rules still come back from the cached
# manifest before the event loop runs.
stop_agent
stop_platform KILL
start_agent "$T/a"
[ "$(fim_rules_with "$FIM_KEY")" = 1 ] || fail "rules not installed from the cache: $(auditctl -l)"
fim_wait 10 '.fim.state == "owner" and .fim.rules_installed == 1'
sh -c "printf offline > '$W/offline.txt'"
fim_wait 10 '.fim.events_matched >= 1'
stop_agent
[ "$(fim_rules_with "$FIM_KEY")" = 0 ] || fail "our rules survived the stop"
exit 0
