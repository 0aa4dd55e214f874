#!/bin/sh
# Interface addresses in status: netlink follows changes live; the
# getifaddrs build (--disable-netlink) lists them.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

write_agent_conf "$T/a"
CONF="$T/a/outpost.conf"
start_agent "$T/a"
status_json > "$T/st.json"
backend=$(jq -r .interfaces.tracking "$T/st.json")
jq -e '.interfaces.addresses | map(.address) | index("127.0.0.1") != null' \
    "$T/st.json" >/dev/null || fail "127.0.0.1 not listed"
stop_agent
note "address tracking: $backend"

[ "$backend" = netlink ] || exit 0
[ "$(id -u)" = 0 ] || skip "live tracking test needs root (network namespaces)"
command -v ip >/dev/null || skip "no ip(8)"

# In a private network namespace: add and remove an address on a dummy link.
NS="outpost-t$$"
veth_netns "$NS"
ip netns exec "$NS" "$OUTPOSTD" -f -c "$CONF" >>"$T/a/outpostd.stderr" 2>&1 &
AGENT_PID=$!
at_exit "kill $AGENT_PID 2>/dev/null; wait $AGENT_PID 2>/dev/null"
wait_for 10 "$OUTPOSTCTL" -c "$CONF" status || fail "agent in namespace"
has_addr() {
	status_check ".interfaces.addresses | map(select(.interface == \"op0\" and .address == \"$1\")) | length == 1"
}
ip -n "$NS" addr add 198.51.100.7/24 dev op0
ip -n "$NS" addr add 2001:db8::7/64 dev op0 nodad
wait_for 5 has_addr 198.51.100.7 || fail "added v4 address not seen"
wait_for 5 has_addr 2001:db8::7 || fail "added v6 address not seen"
ip -n "$NS" addr del 198.51.100.7/24 dev op0
wait_for 5 sh -c "! $(command -v "$OUTPOSTCTL") -c '$CONF' status --json | grep -q 198.51.100.7" ||
    fail "removed address still listed"
assert_grep "$T/a/log/agent.log" "address added: 198.51.100.7/24 on op0"
assert_grep "$T/a/log/agent.log" "address removed: 198.51.100.7/24 on op0"
stop_agent
exit 0
