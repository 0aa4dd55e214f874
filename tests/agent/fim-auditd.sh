#!/bin/sh
# S8 and better: auditd (a private instance) holds the audit pid when the
# agent starts. The agent names the holder (status, healthcheck, E701 on
# the platform: the one error of the audit state), keeps receiving events
# through the read-only multicast group, and leaves the owner's settings
# alone. When the holder disables auditing that is the error instead
# (E705), and the health check reads the kernel's rules, not its own idea
# of them. Other tools' rules survive our start, a manifest change and our
# stop. Once auditd exits, the agent owns the pid within 10 seconds (with
# audit_retry_interval left at 600), and the events written across the
# handover all arrive exactly once.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-fim.sh"
fim_require

W="$T/w"
mkdir -p "$W" "$T/w2"
fim_other_rule "$T/other" othertool
fim_start_auditd
auditctl -b 320 --backlog_wait_time 6000 >/dev/null ||
    fail "cannot set the owner's backlog settings"
start_platform "$T/p"
fim_profile fim "[{\"path\":\"$W\",\"recursive\":true}]"
platform_agent "$T/a"
fim_wait 20 ".fim.state == \"multicast\" and .fim.holder_pid == $FIM_AUDITD_PID and .fim.rules_installed == 1"
AID=$(status_value .platform.agent_id)
[ "$(status_value .fim.holder_comm)" = auditd ] || fail "holder comm: $(status_value .fim)"
[ "$(fim_state pid)" = "$FIM_AUDITD_PID" ] || fail "auditd lost the pid"
[ "$(fim_state backlog_limit)" = 320 ] || fail "the owner's backlog_limit was changed"
[ "$(fim_state backlog_wait_time)" = 6000 ] || fail "the owner's backlog_wait_time was changed"
[ "$(fim_rules_with othertool)" = 1 ] || fail "othertool's rule is gone after our start"
# One error of the audit state, and it is E701.
audit_errors() {
	status_value -c '[.platform.errors[] | select(.code | test("^E70[125]$")) | .code]'
}
[ "$(audit_errors)" = '["E701"]' ] || fail "audit errors: $(audit_errors)"
"$OUTPOSTCTL" -c "$CONF" status > "$T/st.txt"
assert_grep "$T/st.txt" "state +multicast"
assert_grep "$T/st.txt" "holder_pid +$FIM_AUDITD_PID"
assert_grep "$T/st.txt" "holder_comm +auditd"
assert_grep "$T/st.txt" "next_retry +20"
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc.txt"
assert_grep "$T/hc.txt" "WARN  audit.ownership .*held by pid $FIM_AUDITD_PID \\(auditd\\): events come through the read-only multicast group"
assert_grep "$T/a/log/agent.log" "E701 .*audit netlink held by pid $FIM_AUDITD_PID \\(auditd\\)"
wait_for 10 admin_check "/api/v1/agents/$AID/errors" \
    ".errors | map(select(.code == \"E701\" and (.message | contains(\"audit netlink held by pid $FIM_AUDITD_PID (auditd)\")))) | length > 0" ||
    fail "E701 not reported to the platform"
# The claim is retried (and refused) while auditd runs.
wait_for 10 grep -Eq "audit_pid=$AGENT_PID old=$FIM_AUDITD_PID .*res=0" \
    "$T/auditd/audit.log" || fail "no claim seen in auditd's log"
[ "$(status_value .fim.state)" = multicast ] || fail "left multicast while auditd runs"

# Events flow read-only; auditd still gets them too.
sh -c "printf one > '$W/one.txt'"
fim_wait_events 20 '[.events[] | select(.path | endswith("/one.txt"))] | length == 1'
assert_json '.events[0].sha256' "$(fim_sha one)"
wait_for 10 grep -q "one.txt" "$T/auditd/audit.log" || fail "auditd did not log the event"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
expect 200 admin GET "/api/v1/agents/$AID"
assert_json .fim.state multicast
assert_json .fim.holder_pid "$FIM_AUDITD_PID"
assert_json .fim.holder_comm auditd

# A manifest change: a second rule; othertool's rule stays.
expect 200 admin PATCH "/api/v1/profiles/$PROF" \
    -d "{\"fim\":{\"rules\":[{\"path\":\"$W\",\"recursive\":true},{\"path\":\"$T/w2\",\"recursive\":true}]}}"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
fim_wait 20 '.fim.rules == 2 and .fim.rules_installed == 2'
[ "$(fim_rules_with "$FIM_KEY")" = 2 ] || fail "kernel rules: $(auditctl -l)"
[ "$(fim_rules_with othertool)" = 1 ] || fail "othertool's rule is gone after a manifest change"

# The holder disables auditing: no records at all. That is the error now
# (E705, not E701), in status and on the platform. Our rules deleted
# meanwhile (no record tells: auditing is off) are seen missing by the
# health check, which reads the kernel's list; the agent puts them back.
KEY=$(status_value .fim.key)
auditctl -e 0 >/dev/null
wait_for 15 status_check '[.platform.errors[] | .code] | index("E705") != null' ||
    fail "E705 not shown: $(status_value -c .platform.errors)"
[ "$(audit_errors)" = '["E705"]' ] || fail "audit errors: $(audit_errors)"
wait_for 10 platform_has_error "$AID" E705 || fail "E705 not on the platform"
auditctl -D -k "$KEY" >/dev/null
[ "$(fim_rules_with "$KEY")" = 0 ] || fail "rules not deleted"
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc2.txt" && fail "healthcheck passed"
assert_grep "$T/hc2.txt" "FAIL  audit.available .*enabled 0"
assert_grep "$T/hc2.txt" "FAIL  audit.rules .*2 of 2 rules with key $KEY are not in the kernel"
wait_for 10 sh -c "[ \$(auditctl -l | grep -c -- '$KEY') = 2 ]" ||
    fail "the rules were not put back: $(auditctl -l)"
auditctl -e 1 >/dev/null
wait_for 15 status_check '[.platform.errors[] | .code] | index("E701") != null' ||
    fail "E701 not back: $(status_value -c .platform.errors)"
[ "$(audit_errors)" = '["E701"]' ] || fail "audit errors: $(audit_errors)"
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc3.txt"
assert_grep "$T/hc3.txt" "PASS  audit.rules .*the kernel holds all 2 rules"

# Handover: files are written all along while auditd exits. The agent
# watches the holder and claims the pid at once (the retry interval is
# 600 s). Each file must arrive exactly once.
N=150
sh -c "i=0; while [ \$i -lt $N ]; do printf \$i > '$W/h'\$i; i=\$((i+1)); sleep 0.05; done" &
WRITER=$!
sleep 1.5
HOLDER=$FIM_AUDITD_PID
[ "$(status_value .fim.retry_interval)" = 600 ] || fail "retry interval"
fim_stop_auditd
fim_wait 10 '.fim.state == "owner"'
fim_wait 5 '.fim.multicast == false'
wait "$WRITER"
[ "$(fim_state pid)" = "$AGENT_PID" ] || fail "the agent does not own the audit pid"
# The holder's exit is seen at once (its pidfd), or by the status poll.
assert_grep "$T/a/log/agent.log" "audit pid claimed \\(holder pid $HOLDER, auditd, is gone\\)"
assert_grep "$T/a/log/agent.log" "the audit pid holder $HOLDER \\(auditd\\) (exited|let go); claiming the audit pid"
assert_grep "$T/a/log/agent.log" "records now come by unicast; left the multicast group"
fim_wait_events 40 "[.events[] | select(.action == \"create\" and (.path | test(\"/h[0-9]+\$\")))] | length >= $N"
fim_created_once h "$N"
[ "$(status_value .fim.lost_total)" = 0 ] || fail "losses: $(status_value .fim)"
[ "$(status_value '.fim.duplicates > 0')" = true ] || note "no record came both ways"
# The owner's settings are ours to set now; E701 is cleared.
[ "$(fim_state backlog_wait_time)" = 0 ] || fim_wait 10 '.fim.kernel.backlog_wait_time == 0'
[ "$(audit_errors)" = '[]' ] || fail "audit errors as owner: $(audit_errors)"

stop_agent
[ "$AGENT_RC" = 0 ] || fail "outpostd exited with $AGENT_RC"
[ "$(fim_rules_with "$FIM_KEY")" = 0 ] || fail "our rules survived the stop"
[ "$(fim_rules_with othertool)" = 1 ] || fail "othertool's rule is gone after our stop"
[ "$(fim_state pid)" = 0 ] || fail "audit pid not released"
[ "$(fim_state backlog_limit)" = 320 ] || fail "backlog_limit not restored"
[ "$(fim_state backlog_wait_time)" = 6000 ] || fail "backlog_wait_time not restored"
exit 0
