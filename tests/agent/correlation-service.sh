#!/bin/sh
# The correlation ID service of an agent against a real platform:
# C4 (enabled per profile), C5 (default ports 10001-10005, customisable),
# C7 (visible and listening: outpostctl status, the platform, healthcheck),
# C8 (Bind All off: the lowest free port, moving on when one is taken;
# on: every port), live re-planning that keeps the listeners that stay,
# E801 reported, agentid.log and the stored profile (C11 artifacts).
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-correlation.sh"

# Four distinct free ports, in ascending order.
ports=""
while [ "$(echo $ports | wc -w)" -lt 4 ]; do
	p=$(free_port)
	case " $ports " in *" $p "*) continue ;; esac
	ports="$ports $p"
done
set -- $(printf '%s\n' $ports | sort -n)
P1=$1 P2=$2 P3=$3 P4=$4

start_platform "$T/p"
platform_agent "$T/a"
ALOG="$T/a/log/agentid.log"
wait_activated
CID=$(status_value .platform.correlation_id)

# C5: the profile's defaults; C4: off unless the profile enables it.
expect 200 admin GET /api/v1/profiles/1
assert_json '.correlation.ports | map(tostring) | join(",")' 10001,10002,10003,10004,10005
assert_json .correlation.enabled false
corr_status '.state == "idle" and (.listeners | length) == 0' >/dev/null ||
    fail "C4: listening although the profile does not enable it"
corr_status '.reason | test("disabled")' >/dev/null || fail "no reason shown"
assert_grep "$ALOG" "agentid service started"

# C8, Bind All off: the lowest free port of the (customised, C5) list;
# P1 is taken by another program on IPv4.
hold_port 0.0.0.0 "$P1"
expect 200 admin PATCH /api/v1/profiles/1 \
    -d "{\"log_level\":\"debug\",\"correlation\":{\"enabled\":true,\"ports\":[$P3,$P1,$P2],\"bind_all\":false}}"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 10 corr_status ".listeners | index(\"0.0.0.0:$P2\") != null" ||
    fail "C8: not listening on the lowest free port $P2: $(corr_listeners)"
assert_ok cid_check 127.0.0.1 "$P2" "$CID"
assert_ok port_refused 127.0.0.1 "$P3"
corr_status ".listeners | map(select(startswith(\"0.0.0.0:\"))) | length == 1" >/dev/null ||
    fail "C8: more than one IPv4 listener with bind_all off: $(corr_listeners)"
assert_grep "$ALOG" "cannot listen on 0\.0\.0\.0:$P1: port in use by another program; trying the next port"
assert_grep "$ALOG" "ports taken by other programs: \[\"0\.0\.0\.0:$P1\"\]"
corr_status ".ports_taken == [\"0.0.0.0:$P1\"]" >/dev/null || fail "taken port not shown"
# IPv6 is planned on its own: P1 is free there.
if corr_status ".listeners | index(\"[::]:$P1\") != null" >/dev/null; then
	assert_ok cid_check ::1 "$P1" "$CID"
	note "IPv6 listener [::]:$P1"
fi
assert_grep "$T/a/state/correlation/manifests/correlation.json" "\"enabled\":true"
assert_grep "$T/a/state/correlation/manifests/correlation.json" "\"correlation_id\":\"$CID\""

# C7: outpostctl status lists listeners and counters; the platform shows
# them after a heartbeat; the health check connects to each one.
"$OUTPOSTCTL" -c "$CONF" status > "$T/st.txt"
assert_grep "$T/st.txt" "^correlation:"
assert_grep "$T/st.txt" "listeners .*\"0\.0\.0\.0:$P2\""
assert_grep "$T/st.txt" "accepted +[1-9]"
assert_grep "$T/st.txt" "refused_rate_limit +0"
assert_grep "$T/st.txt" "agentid\.log"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
expect 200 admin GET "/api/v1/agents/$AID"
assert_json ".correlation_listeners | index(\"0.0.0.0:$P2\") != null" true
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc.txt" || true
assert_grep "$T/hc.txt" "^PASS +correlation\.service"
assert_grep "$T/hc.txt" "^PASS +correlation\.listener 0\.0\.0\.0:$P2: answers with the agent's correlation id"
assert_grep "$ALOG" "debug: connection from 127\.0\.0\.1:[0-9]+ to 0\.0\.0\.0:$P2 \(health check\)"
assert_grep "$ALOG" "debug: connection from 127\.0\.0\.1:[0-9]+ to 0\.0\.0\.0:$P2\$"

# C8, Bind All on: every port of the list; the taken one is E801.
expect 200 admin PATCH /api/v1/profiles/1 -d '{"correlation":{"bind_all":true}}'
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 10 corr_status ".listeners | index(\"0.0.0.0:$P3\") != null" ||
    fail "C8: bind_all did not open $P3: $(corr_listeners)"
assert_ok cid_check 127.0.0.1 "$P3" "$CID"
wait_for 5 status_check '.platform.errors | map(.code) | index("E801") != null' ||
    fail "E801 not raised for the taken port"
assert_grep "$ALOG" "E801 .*0\.0\.0\.0:$P1 \(port in use by another program\)"
assert_grep "$T/a/log/agent.log" "E801 .*0\.0\.0\.0:$P1"
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc2.txt" || true
assert_grep "$T/hc2.txt" "^WARN +correlation\.service"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
platform_has_error "$AID" E801 ||
    fail "E801 not reported to the platform: $(admin_get "/api/v1/agents/$AID/errors")"

# Live re-plan: the ports change; P2 stays open throughout.
expect 200 admin PATCH /api/v1/profiles/1 -d "{\"correlation\":{\"ports\":[$P2,$P4]}}"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 10 corr_status ".listeners | index(\"0.0.0.0:$P4\") != null" ||
    fail "$P4 not opened: $(corr_listeners)"
assert_ok port_refused 127.0.0.1 "$P3"
assert_grep "$ALOG" "listener 0\.0\.0\.0:$P3 closed: the port is no longer in the profile"
wait_for 5 status_check '.platform.errors | map(.code) | index("E801") == null' ||
    fail "E801 not cleared once the taken port is no longer wanted"
# bind_all off again: the lowest open one stays, the other closes.
expect 200 admin PATCH /api/v1/profiles/1 -d '{"correlation":{"bind_all":false}}'
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 10 corr_status ".listeners | index(\"0.0.0.0:$P4\") == null" ||
    fail "$P4 still open with bind_all off"
assert_grep "$ALOG" "listener 0\.0\.0\.0:$P4 closed: bind_all is off: one port per address"
[ "$(grep -c "listener 0\.0\.0\.0:$P2 opened" "$ALOG")" = 1 ] ||
    fail "the listener on $P2 was reopened"
grep -q "listener 0\.0\.0\.0:$P2 closed" "$ALOG" &&
    fail "the listener on $P2 was dropped while it stayed in the plan"
assert_ok cid_check 127.0.0.1 "$P2" "$CID"

# C4 off again: everything closes, and the platform hears of it.
expect 200 admin PATCH /api/v1/profiles/1 -d '{"correlation":{"enabled":false}}'
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 10 corr_status '(.listeners | length) == 0' ||
    fail "still listening after disabling: $(corr_listeners)"
assert_ok port_refused 127.0.0.1 "$P2"
assert_grep "$ALOG" "correlation id service stopped: agent scan merge is disabled in the profile"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
expect 200 admin GET "/api/v1/agents/$AID"
assert_json '.correlation_listeners | length' 0
assert_grep "$T/a/state/correlation/manifests/correlation.json" "\"enabled\":false"

# agentid.log is one of the agent's log files.
status_check '.log_files | map(.name) | index("agentid") != null' >/dev/null ||
    fail "agentid.log not among the log files in status"
stop_agent
[ "$AGENT_RC" -eq 0 ] || fail "exit status $AGENT_RC"
assert_grep "$ALOG" "agentid service stopped"
exit 0
