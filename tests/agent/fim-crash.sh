#!/bin/sh
# FIM survives a crash: a burst of changes in a watched tree, SIGKILL at
# once, more changes while the agent is down, then a restart. Every change
# reaches the platform exactly once: the events already read with who made
# them (sent again from the journal), the rest found against the durable
# baseline (source scan). The platform shows the window whose who-data is
# lost (E706, with its count), and lost_total says something was lost. The
# audit settings the test set before the first start are exactly as they
# were after start, SIGKILL, start, stop.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-fim.sh"
fim_require

W="$T/w"
N=120
mkdir -p "$W/sub"
# Files that the burst and the downtime change, one change each.
i=0
while [ $i -lt $N ]; do
	printf "m$i" > "$W/m$i"
	printf "d$i" > "$W/d$i"
	printf "r$i" > "$W/r$i"
	i=$((i + 1))
done
for f in late-mod late-del late-ren; do
	printf "$f" > "$W/sub/$f"
done
# The settings before the agent: the agent changes all three as owner.
auditctl -e 0 -b 1234 --backlog_wait_time 15000 >/dev/null ||
    fail "cannot set the audit settings"
start_platform "$T/p"
fim_profile fim "[{\"path\":\"$W\",\"recursive\":true}]"
platform_agent "$T/a"
fim_wait 30 '.fim.state == "owner" and .fim.rules_installed == 1 and .fim.catch_up.state == "new baseline listed"'
AID=$(status_value .platform.agent_id)
[ "$(fim_state enabled)" = 1 ] && [ "$(fim_state backlog_limit)" = 65536 ] &&
    [ "$(fim_state backlog_wait_time)" = 0 ] ||
    fim_wait 10 '.fim.kernel.enabled == 1 and .fim.kernel.backlog_limit == 65536 and .fim.kernel.backlog_wait_time == 0'
assert_grep "$T/a/state/fim-audit-saved" '"found":\{"enabled":0,"backlog_limit":1234,"backlog_wait_time":15000\}'
KEY=$(status_value .fim.key)
echo "$KEY" | grep -Eqx "$FIM_KEY" || fail "key $KEY"
M0=$(status_value .fim.events_matched)

# The burst: 4 x N changes in one process, then SIGKILL as soon as the
# agent has read them (they wait a second for their hash, and their batch
# five: none is in the spool yet).
sh -c "i=0; while [ \$i -lt $N ]; do printf c > '$W/c'\$i; printf x >> '$W/m'\$i; rm '$W/d'\$i; mv '$W/r'\$i '$W/r'\$i.new; i=\$((i+1)); done"
wait_for 20 status_check ".fim.events_matched >= $M0 + 4 * $N" ||
    fail "the burst was not read: $(status_value -c .fim)"
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
[ -f "$T/a/state/fim-journal" ] || fail "no journal after the crash"
cp "$T/a/state/fim-journal" "$T/journal-at-crash.txt"
assert_grep "$T/a/state/fim-baseline" "^state running\$"
# The kernel keeps what the agent set; the file keeps what it found.
[ "$(fim_state backlog_limit)" = 65536 ] || fail "backlog_limit $(fim_state backlog_limit) after SIGKILL"
[ -f "$T/a/state/fim-audit-saved" ] || fail "saved settings gone after SIGKILL"

# While it is down: more changes, and one made just before the kill of
# another kind (a new subdirectory).
sh -c "printf changed >> '$W/sub/late-mod'; rm '$W/sub/late-del'; mv '$W/sub/late-ren' '$W/sub/late-ren2'; printf n > '$W/sub/down-new'; mkdir '$W/newdir'"

start_agent "$T/a"
fim_wait 30 '.fim.catch_up.state == "done"'
assert_grep "$T/a/log/agent.log" "fim: the last stop was not clean"
assert_grep "$T/a/log/agent.log" "E706 "
status_json > "$T/st2.json"
RECOVERED=$(jq -r .fim.baseline.events_recovered "$T/st2.json")
[ "$RECOVERED" -gt 0 ] || fail "no event was sent again from the journal: $(jq -c .fim "$T/st2.json")"
note "$RECOVERED events sent again with who made them"
[ "$(jq -r .fim.lost_unclean "$T/st2.json")" = 1 ] || fail "lost_unclean: $(jq -c .fim "$T/st2.json")"
[ "$(jq -r '.fim.lost_total == .fim.lost_unclean + .fim.lost_who' "$T/st2.json")" = true ] ||
    fail "other losses: $(jq -c .fim "$T/st2.json")"
[ "$(jq -r '.fim.lost_total > 0' "$T/st2.json")" = true ] || fail "lost_total 0 after a crash"

# Every change arrives, exactly once.
TOTAL=$((4 * N + 5))
fim_wait_events 60 "[.events[] | select(.path | startswith(\"$W/\")) | select(.action != \"create\" or (.path | test(\"/c[0-9]+\$|/down-new\$|/newdir\$\")))] | length >= $TOTAL"
jq -r ".events[] | select(.path | startswith(\"$W/\")) | \"\(.action) \(.path)\"" "$OUT" |
    sort | uniq -c | awk '$1 != 1' > "$T/dups"
[ -s "$T/dups" ] && fail "reported more than once: $(head "$T/dups")"
ev_count() { jq -r "[.events[] | select(.action == \"$1\" and (.path | test(\"$2\")))] | length" "$OUT"; }
[ "$(ev_count create '/c[0-9]+$')" = "$N" ] || fail "creates: $(ev_count create '/c[0-9]+$')"
[ "$(ev_count modify '/m[0-9]+$')" = "$N" ] || fail "modifies: $(ev_count modify '/m[0-9]+$')"
[ "$(ev_count delete '/d[0-9]+$')" = "$N" ] || fail "deletes: $(ev_count delete '/d[0-9]+$')"
[ "$(ev_count rename '/r[0-9]+\\.new$')" = "$N" ] || fail "renames: $(ev_count rename '/r[0-9]+\\.new$')"
for c in "modify /sub/late-mod" "delete /sub/late-del" "rename /sub/late-ren2" \
    "create /sub/down-new" "create /newdir"; do
	set -- $c
	[ "$(ev_count "$1" "$2\$")" = 1 ] || fail "$c while down"
	[ "$(jq -r "[.events[] | select(.action == \"$1\" and (.path | endswith(\"$2\")))][0].source" "$OUT")" = scan ] ||
	    fail "$c: not from the scan"
done
# Events sent again from the journal carry who made the change.
jq -e '[.events[] | select(.recovered == true)] | length > 0 and all(.pid > 0 and .exe != null and .source == null)' "$OUT" >/dev/null ||
    fail "recovered events without their actor: $(jq -c '[.events[] | select(.recovered == true)][0]' "$OUT")"
# The scan's events have no actor and name the unclean window.
jq -e '[.events[] | select(.source == "scan")] | length > 0 and all(.pid == null and .downtime.unclean == true and .downtime.from <= .downtime.to)' "$OUT" >/dev/null ||
    fail "scan events: $(jq -c '[.events[] | select(.source == "scan")][0]' "$OUT")"

# The platform shows the window of lost who-data, and its count.
wait_for 20 admin_check "/api/v1/agents/$AID/errors" \
    '.errors | map(select(.code == "E706" and .window.from <= .window.to and .count > 0)) | length == 1' ||
    fail "no E706 with its window: $(admin_json "/api/v1/agents/$AID/errors" -c .errors)"
COUNT=$(admin_json "/api/v1/agents/$AID/errors" '[.errors[] | select(.code == "E706")][0].count')
[ "$COUNT" = "$(jq -r .fim.lost_who "$T/st2.json")" ] || fail "E706 count $COUNT"
[ "$COUNT" = "$(jq '[.events[] | select(.source == "scan")] | length' "$OUT")" ] ||
    fail "E706 count $COUNT, scan events $(jq '[.events[] | select(.source == "scan")] | length' "$OUT")"

# Again, killed right in the burst this time: some records are still in
# the kernel, some changes half looked at. Each still arrives once.
M2=$(status_value .fim.events_matched)
sh -c "i=0; while [ \$i -lt $N ]; do printf e > '$W/e'\$i; printf y >> '$W/c'\$i; rm '$W/r'\$i.new; mv '$W/m'\$i '$W/m'\$i.moved; i=\$((i+1)); done" &
BURST=$!
wait_for 20 status_check ".fim.events_matched >= $M2 + $N" || fail "the second burst was not seen"
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
wait "$BURST"
start_agent "$T/a"
fim_wait 30 '.fim.catch_up.state == "done"'
fim_wait_events 60 "[.events[] | select(.path | test(\"/e[0-9]+\$|/c[0-9]+\$|/r[0-9]+\\\\.new\$|/m[0-9]+\\\\.moved\$\")) | select(.action != \"create\" or (.path | test(\"/e[0-9]+\$\")))] | length >= 4 * $N + $N"
jq -r ".events[] | select(.path | startswith(\"$W/\")) | \"\(.action) \(.path)\"" "$OUT" |
    sort | uniq -c | awk '$1 != 1' > "$T/dups"
[ -s "$T/dups" ] && fail "reported more than once after the second crash: $(head "$T/dups")"
[ "$(ev_count create '/e[0-9]+$')" = "$N" ] || fail "creates: $(ev_count create '/e[0-9]+$')"
[ "$(ev_count modify '/c[0-9]+$')" = "$N" ] || fail "modifies: $(ev_count modify '/c[0-9]+$')"
[ "$(ev_count delete '/r[0-9]+\\.new$')" = "$N" ] || fail "deletes: $(ev_count delete '/r[0-9]+\\.new$')"
[ "$(ev_count rename '/m[0-9]+\\.moved$')" = "$N" ] || fail "renames: $(ev_count rename '/m[0-9]+\\.moved$')"
note "second crash: $(jq '[.events[] | select(.source == "scan" and (.path | test("/e[0-9]+$|/c[0-9]+$|\\.new$|\\.moved$")))] | length' "$OUT") changes from the scan"
wait_for 20 admin_check "/api/v1/agents/$AID/errors" \
    '.errors | map(select(.code == "E706")) | length == 2' ||
    fail "no second E706"

# A clean stop puts back the settings found before the first start, and
# our rules go.
stop_agent
[ "$AGENT_RC" = 0 ] || fail "outpostd exited with $AGENT_RC"
[ "$(fim_state enabled)" = 0 ] || fail "enabled $(fim_state enabled), want 0"
[ "$(fim_state backlog_limit)" = 1234 ] || fail "backlog_limit $(fim_state backlog_limit), want 1234"
[ "$(fim_state backlog_wait_time)" = 15000 ] || fail "backlog_wait_time $(fim_state backlog_wait_time), want 15000"
[ -f "$T/a/state/fim-audit-saved" ] && fail "saved settings left after they were put back"
[ "$(fim_rules_with "$KEY")" = 0 ] || fail "our rules survived the stop: $(auditctl -l)"
assert_grep "$T/a/state/fim-baseline" "^state clean\$"
[ -f "$T/a/state/fim-journal" ] && fail "journal left after a clean stop"
exit 0
