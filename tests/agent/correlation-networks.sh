#!/bin/sh
# C2 and C8: with approved networks the service binds only to the
# addresses of interfaces inside them, never to a wildcard, and follows
# address changes live (libnl-route cache manager on the agent's event
# base): an approved address added opens a listener, removed closes it;
# addresses outside are ignored. Bind All off on the default ports (C5):
# each address gets the lowest free port. Runs in a private network
# namespace with a veth pair.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-correlation.sh"

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
command -v ip >/dev/null || skip "no ip(8)"
NS="outpost-c$$"
veth_netns "$NS"
NSX="ip netns exec $NS"

write_offline_agent "$T/a" \
    '{"enabled":true,"bind_all":false,"approved_networks":["198.51.100.0/24","2001:db8:7::/64"]}'
CONF="$T/a/outpost.conf"
ALOG="$T/a/log/agentid.log"
$NSX "$OUTPOSTD" -f -c "$CONF" >>"$T/a/outpostd.stderr" 2>&1 &
AGENT_PID=$!
at_exit "kill $AGENT_PID 2>/dev/null; wait $AGENT_PID 2>/dev/null"
wait_for 10 "$OUTPOSTCTL" -c "$CONF" status || fail "agent in the namespace"
[ "$(status_value .interfaces.tracking)" = netlink ] ||
    skip "built without netlink address tracking"

# No approved address yet: nothing listens, and that is E801.
wait_for 5 corr_status '.state == "not listening" and (.reason | test("no interface address lies in the approved networks"))' ||
    fail "no approved address: $(status_value -c .correlation)"
status_check '.platform.errors | map(.code) | index("E801") != null' >/dev/null ||
    fail "E801 not raised without an approved address"
assert_ok port_refused 127.0.0.1 10001

# An approved address comes: a listener on it alone, the lowest port.
ip -n "$NS" addr add 198.51.100.7/24 dev op0
wait_for 5 corr_status '.listeners == ["198.51.100.7:10001"]' ||
    fail "C2: no listener on the approved address: $(corr_listeners)"
assert_ok cid_check 198.51.100.7 10001 "$OFFLINE_CID"
assert_ok port_refused 127.0.0.1 10001
assert_ok port_refused 198.51.100.7 10002
assert_grep "$ALOG" "address 198\.51\.100\.7 added on op0"
assert_grep "$ALOG" "listener 198\.51\.100\.7:10001 opened"
wait_for 5 status_check '.platform.errors | map(.code) | index("E801") == null' ||
    fail "E801 not cleared"

# An address outside the approved networks is ignored.
ip -n "$NS" addr add 203.0.113.5/24 dev op0
wait_for 5 grep -q "address 203\.0\.113\.5 added on op0, outside the approved networks" "$ALOG" ||
    fail "the outside address was not seen"
assert_ok port_refused 203.0.113.5 10001
[ "$(corr_listeners)" = "198.51.100.7:10001" ] || fail "listeners: $(corr_listeners)"

# IPv6 inside the approved networks.
ip -n "$NS" addr add 2001:db8:7::7/64 dev op0 nodad
wait_for 5 corr_status '.listeners | index("[2001:db8:7::7]:10001") != null' ||
    fail "no IPv6 listener: $(corr_listeners)"
assert_ok cid_check 2001:db8:7::7 10001 "$OFFLINE_CID"

# C8: another program holds 10001 on the next approved address; the
# service moves on to 10002 there, and logs which port was taken.
hold_port 198.51.100.8 10001
ip -n "$NS" addr add 198.51.100.8/32 dev op0
wait_for 5 corr_status '.listeners | index("198.51.100.8:10002") != null' ||
    fail "C8: did not move on to 10002: $(corr_listeners)"
assert_ok cid_check 198.51.100.8 10002 "$OFFLINE_CID"
assert_grep "$ALOG" "cannot listen on 198\.51\.100\.8:10001: port in use by another program; trying the next port"

# The first address goes: its listener closes; the others stay.
ip -n "$NS" addr del 198.51.100.7/24 dev op0
wait_for 5 corr_status '.listeners | index("198.51.100.7:10001") == null' ||
    fail "C2: listener kept after its address was removed"
assert_grep "$ALOG" "listener 198\.51\.100\.7:10001 closed: the address is gone or outside the approved networks"
[ "$(corr_listeners)" = "198.51.100.8:10002,[2001:db8:7::7]:10001" ] ||
    fail "listeners after the removal: $(corr_listeners)"
[ "$(grep -c "listener \[2001:db8:7::7\]:10001 opened" "$ALOG")" = 1 ] ||
    fail "the IPv6 listener was reopened"
grep -q "listener \[2001:db8:7::7\]:10001 closed" "$ALOG" &&
    fail "the IPv6 listener was dropped"
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc.txt" || true
assert_grep "$T/hc.txt" "^PASS +correlation\.listener 198\.51\.100\.8:10002: answers"
assert_grep "$T/hc.txt" "^PASS +correlation\.listener \[2001:db8:7::7\]:10001: answers"
kill "$AGENT_PID"
wait "$AGENT_PID"
exit 0
