#!/bin/sh
# Losses are counted, never silent: with a tiny kernel backlog (set by the
# owner, a private auditd) a burst of file changes loses records in the
# kernel; the agent counts them (lost_kernel from the kernel's counter,
# serial gaps for whole events), shows them in status and the heartbeat
# and reports E704 to the platform.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-fim.sh"
fim_require

W="$T/w"
mkdir -p "$W"
fim_start_auditd
start_platform "$T/p"
fim_profile fim "[{\"path\":\"$W\",\"recursive\":true}]"
platform_agent "$T/a" "audit_retry_interval = 3600"
fim_wait 20 '.fim.state == "multicast" and .fim.rules_installed == 1'
AID=$(status_value .platform.agent_id)
[ "$(status_value .fim.lost_total)" = 0 ] || fail "losses before the burst: $(status_value .fim)"

# The owner's choice: a backlog of 2 records, never wait.
auditctl -b 2 --backlog_wait_time 0 >/dev/null || fail "cannot set the backlog"
WRITERS=""
for p in 1 2 3 4; do
	sh -c "i=0; while [ \$i -lt 1500 ]; do : > '$W/f$p-'\$i; i=\$((i+1)); done" &
	WRITERS="$WRITERS $!"
done
wait $WRITERS
auditctl -b "$FIM_SAVED_BACKLOG" >/dev/null
# With the backlog back, a change after the burst arrives (on a busy
# machine the burst itself may lose every record).
: > "$W/after-burst"
fim_wait 20 '.fim.lost_kernel > 0 and .fim.lost_total >= .fim.lost_kernel'
[ "$(status_value .fim.kernel.lost)" -gt 0 ] || fail "the kernel lost nothing: $(status_value .fim)"
"$OUTPOSTCTL" -c "$CONF" status > "$T/st.txt"
assert_grep "$T/st.txt" "lost_kernel +[1-9]"
assert_grep "$T/a/log/agent.log" "E704 .* lost since start: [0-9]+ records dropped by the kernel"
wait_for 20 admin_check "/api/v1/agents/$AID/errors" \
    '.errors | map(select(.code == "E704")) | length > 0' ||
    fail "E704 not reported to the platform"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
expect 200 admin GET "/api/v1/agents/$AID"
assert_json '.fim.lost_kernel > 0' true
# What did arrive is consistent: no event twice.
fim_wait_events 30 '.events | map(select(.path | endswith("/after-burst"))) | length > 0' "action=create"
jq -r '.events[].path' "$OUT" | sort | uniq -d > "$T/dups.txt"
[ -s "$T/dups.txt" ] && fail "duplicated events: $(head "$T/dups.txt")"
stop_agent
[ "$AGENT_RC" = 0 ] || fail "outpostd exited with $AGENT_RC"
exit 0
