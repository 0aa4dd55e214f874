#!/bin/sh
# FIM through the kernel audit system, end to end: the agent owns the audit
# pid, installs the manifest's rules (key outpost-fim) and reports refused
# ones per rule (E703); create, modify, attrib, rename and delete reach the
# platform with the actor and SHA-256; excludes and per-rule event lists
# hold; the admin API filters by path prefix, action and time; status,
# heartbeat and healthcheck show it; stop removes our rules (only ours),
# releases the pid and restores the backlog settings.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-fim.sh"
fim_require

W="$T/w"
mkdir -p "$W/skip" "$T/one"
fim_other_rule "$T/other" othertool
start_platform "$T/p"
fim_profile fim "[{\"path\":\"$W\",\"recursive\":true,\"excludes\":[\"$W/skip\"]},{\"path\":\"$T/one/app.conf\",\"recursive\":false,\"events\":[\"modify\",\"attrib\"]},{\"path\":\"$T/missing\",\"recursive\":true}]"
platform_agent "$T/a" "audit_retry_interval = 2"
fim_wait 20 '.fim.state == "owner" and .fim.rules == 3 and .fim.rules_installed == 2'
AID=$(status_value .platform.agent_id)
[ "$(status_value '.fim.kernel.pid')" = "$AGENT_PID" ] ||
    fim_wait 10 ".fim.kernel.pid == $AGENT_PID"
[ "$(fim_state pid)" = "$AGENT_PID" ] || fail "the agent does not own the audit pid"
[ "$(fim_rules_with "$FIM_KEY")" = 2 ] || fail "kernel rules: $(auditctl -l)"
[ "$(fim_rules_with othertool)" = 1 ] || fail "othertool's rule is gone"
# The owner's settings follow the claim.
wait_for 10 sh -c "auditctl -s | grep -qx 'backlog_wait_time 0'" ||
    fail "backlog_wait_time not 0"
[ "$(fim_state backlog_limit)" -ge 8192 ] || fail "backlog_limit too small"
[ "$(fim_state enabled)" = 1 ] || fail "auditing not enabled"

# A refused rule is named (E703) and retried.
status_value '.fim.kernel_rules[] | select(.state == "refused") | .path' |
    grep -qx "$T/missing" || fail "refused rule not shown: $(status_value .fim)"
wait_for 10 admin_check "/api/v1/agents/$AID/errors" \
    ".errors | map(select(.code == \"E703\" and (.message | contains(\"$T/missing: No such file or directory\")))) | length > 0" ||
    fail "E703 not reported to the platform"
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc.txt"
assert_grep "$T/hc.txt" "FAIL  audit.rules .*1 of 3 rules with key $FIM_KEY are not in the kernel: $T/missing \\(refused"
mkdir "$T/missing"
fim_wait 10 '.fim.rules_installed == 3'
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc.txt" || fail "healthcheck: $(cat "$T/hc.txt")"
assert_grep "$T/hc.txt" "PASS  audit.available"
assert_grep "$T/hc.txt" "PASS  audit.capability"
assert_grep "$T/hc.txt" "PASS  audit.ownership .*this process \\(pid $AGENT_PID\\) owns the audit pid"
assert_grep "$T/hc.txt" "PASS  audit.rules .*the kernel holds all 3 rules with key $FIM_KEY "

# The file operations, each in a fresh process.
# The kernel stamps audit records from its coarse clock, which can lag the
# clock date(1) reads by a tick: an event right after T0 may carry T0 - 1.
T0=$(($(date +%s) - 1))
sh -c "printf hello > '$W/a.txt'"
sh -c "printf world >> '$W/a.txt'"
chmod 0600 "$W/a.txt"
chown 1:1 "$W/a.txt"
mv "$W/a.txt" "$W/b.txt"
mkdir "$W/sub"
sh -c "printf deep > '$W/sub/c.txt'"
rm -r "$W/sub"
sh -c "printf x > '$W/skip/ignored'"
sh -c "printf v1 > '$T/one/app.conf'"
sh -c "printf v2 > '$T/one/app.conf'"
rm "$W/b.txt"
sh -c "printf z > '$T/other/f'"
fim_wait_events 30 '[.events[] | select(.action == "delete" and (.path | endswith("/b.txt")))] | length == 1'
T1=$(date +%s)

# What the platform holds, in order.
jq -r '.events[] | "\(.action) \(.path)"' "$OUT" > "$T/events.txt"
cat > "$T/expected.txt" <<EOF
create $W/a.txt
modify $W/a.txt
attrib $W/a.txt
attrib $W/a.txt
rename $W/b.txt
create $W/sub
create $W/sub/c.txt
delete $W/sub/c.txt
delete $W/sub
modify $T/one/app.conf
delete $W/b.txt
EOF
diff "$T/expected.txt" "$T/events.txt" || fail "events differ (expected, got)"

ev() { jq -r "[.events[] | select(.action == \"$1\" and .path == \"$2\")][${3:-0}] | $4" "$OUT"; }
[ "$(ev create "$W/a.txt" 0 .comm)" = sh ] || fail "create actor"
[ "$(ev create "$W/a.txt" 0 .exe)" = "$(readlink -f /bin/sh)" ] || fail "create exe: $(ev create "$W/a.txt" 0 .exe)"
[ "$(ev create "$W/a.txt" 0 .user)" = root ] || fail "user name"
[ "$(ev create "$W/a.txt" 0 .uid)" = 0 ] || fail "uid"
[ "$(ev create "$W/a.txt" 0 .euid)" = 0 ] || fail "euid"
[ "$(ev create "$W/a.txt" 0 '.pid > 0 and .ppid > 0')" = true ] || fail "pids"
[ "$(ev create "$W/a.txt" 0 .cwd)" = "$(pwd)" ] || fail "cwd"
[ "$(ev create "$W/a.txt" 0 .syscall)" = openat ] || fail "syscall"
[ "$(ev create "$W/a.txt" 0 .success)" = true ] || fail "success"
[ "$(ev create "$W/a.txt" 0 .rule)" = "$W" ] || fail "rule"
[ "$(ev create "$W/a.txt" 0 '.inode > 0')" = true ] || fail "inode"
[ "$(ev create "$W/a.txt" 0 ".time >= $T0 and .time <= $T1")" = true ] || fail "time"
# a.txt was renamed before it could be hashed: said so, not guessed.
[ "$(ev create "$W/a.txt" 0 .hash_skipped)" = gone ] || fail "hash of a gone file"
[ "$(ev rename "$W/b.txt" 0 .old_path)" = "$W/a.txt" ] || fail "rename old path"
[ "$(ev rename "$W/b.txt" 0 .syscall)" = renameat2 ] || fail "rename syscall"
[ "$(ev attrib "$W/a.txt" 0 .before.mode)" = 0644 ] || fail "mode before chmod"
[ "$(ev attrib "$W/a.txt" 1 .before.mode)" = 0600 ] || fail "mode before chown"
[ "$(ev attrib "$W/a.txt" 1 .syscall)" = fchownat ] || fail "chown syscall"
[ "$(ev delete "$W/b.txt" 0 .mode)" = 0600 ] || fail "mode of the deleted file"
[ "$(ev delete "$W/b.txt" 0 .owner_uid)" = 1 ] || fail "owner of the deleted file"
[ "$(ev modify "$T/one/app.conf" 0 .sha256)" = "$(fim_sha v2)" ] ||
    fail "sha256 after modify: $(ev modify "$T/one/app.conf" 0 .)"
[ "$(ev modify "$T/one/app.conf" 0 .size)" = 2 ] || fail "size"
[ "$(ev modify "$T/one/app.conf" 0 .type)" = file ] || fail "type"
[ "$(ev delete "$W/sub/c.txt" 0 .comm)" = rm ] || fail "rm -r actor"

# Hashes of files that stay: content after the write (a second after T1,
# so that the time filters below can tell them apart).
sleep 1.1
sh -c "printf 'line one\n' > '$W/keep.txt'"
sh -c "printf 'line two\n' >> '$W/keep.txt'"
fim_wait_events 30 '[.events[] | select(.path | endswith("/keep.txt"))] | length == 2'
[ "$(ev create "$W/keep.txt" 0 .sha256)" = "$(sha256sum < "$W/keep.txt" | cut -d' ' -f1)" ] ||
    fail "sha256 of keep.txt: $(ev create "$W/keep.txt" 0 .)"
[ "$(ev modify "$W/keep.txt" 0 .mode)" = 0644 ] || fail "mode now"

# Filters of the admin API.
fim_events "path=$W/sub"
assert_json .count 4
fim_events "action=rename"
assert_json .count 1
assert_json '.events[0].path' "$W/b.txt"
# A rename matches the path filter by its old path too.
fim_events "path=$W/a.txt&action=rename"
assert_json .count 1
fim_events "path=$T/one&action=modify"
assert_json .count 1
fim_events "since=$((T1 + 3600))"
assert_json .count 0
fim_events "since=$T0&until=$T1&action=create"
assert_json .count 3

# Status and heartbeat.
[ "$(status_value '.fim.lost_total')" = 0 ] || fail "losses: $(status_value .fim)"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
expect 200 admin GET "/api/v1/agents/$AID"
assert_json .fim.state owner
assert_json .fim.rules 3
assert_json .fim.holder_pid null
assert_json '.fim.events_sent >= 13' true
assert_json .fim.lost_total 0
"$OUTPOSTCTL" -c "$CONF" status > "$T/st.txt"
assert_grep "$T/st.txt" "^fim:"
assert_grep "$T/st.txt" "state +owner"

# Stop: our rules go, othertool's stays; pid and settings as before.
stop_agent
[ "$AGENT_RC" = 0 ] || fail "outpostd exited with $AGENT_RC"
[ "$(fim_rules_with "$FIM_KEY")" = 0 ] || fail "our rules survived the stop: $(auditctl -l)"
[ "$(fim_rules_with othertool)" = 1 ] || fail "othertool's rule did not survive"
[ "$(fim_state pid)" = 0 ] || fail "audit pid not released"
[ "$(fim_state backlog_limit)" = "$FIM_SAVED_BACKLOG" ] || fail "backlog_limit not restored"
[ "$(fim_state backlog_wait_time)" = "$FIM_SAVED_WAIT" ] || fail "backlog_wait_time not restored"
assert_grep "$T/a/log/agent.log" "fim: 3 audit rules with key $FIM_KEY removed"
exit 0
