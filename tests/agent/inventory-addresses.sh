#!/bin/sh
# Inventory and address changes: in a private network namespace (agent and
# platform both inside it), an address added to an interface leads, once
# the changes settle, to an interfaces scan and a delta with only
# "interfaces"; a burst of changes gives one delta.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
command -v ip >/dev/null 2>&1 || skip "no ip(8)"
# Without netlink the addresses are polled every 30 s: no prompt rescan.
grep -q '^#define HAVE_NETLINK 1' "$abs_top_builddir/config.h" ||
    skip "built without netlink: addresses are polled, not followed"
NS="outpost-inv$$"
# No IPv6 link-local addresses: only the test changes addresses.
veth_netns "$NS" no-ll

# The platform, the agent and every request run inside the namespace.
platform_in_netns "$NS"

start_platform "$T/p"
expect 201 admin POST /api/v1/manifests -d '{"type":"inventory","body":{"collectors":["os","host","interfaces","users"]}}'
platform_agent "$T/a"
LOG="$T/a/log/agent.log"

op0_addresses() {
	admin_json "/api/v1/agents/$AID/inventory" '[.data.interfaces[] | select(.name == "op0") | .addresses[].address] | join(",")'
}
wait_for 20 status_check '.inventory.collectors | length == 4' ||
    fail "manifest not in force"
wait_inventory 20 "== 1"
AID=$(status_value .platform.agent_id)
[ "$(op0_addresses)" = "" ] || fail "op0 has addresses: $(op0_addresses)"

ip -n "$NS" addr add 198.51.100.7/24 dev op0
wait_inventory 20 "== 2"
[ "$(op0_addresses)" = 198.51.100.7 ] || fail "op0: $(op0_addresses)"
assert_grep "$LOG" 'inventory: interfaces scan \(watch\) done'
assert_grep "$LOG" 'inventory: delta against version 1 spooled as record [0-9]+: set -; remove -; items \{"interfaces":\{"put":1,"delete":0\}\}'

# A burst: two changes, one delta.
ip -n "$NS" addr add 2001:db8::7/64 dev op0 nodad
ip -n "$NS" addr add 198.51.100.8/24 dev op0
wait_inventory 20 "== 3"
[ "$(op0_addresses)" = 198.51.100.7,198.51.100.8,2001:db8::7 ] ||
    fail "op0: $(op0_addresses)"
[ "$(grep -Ec 'inventory: interfaces scan \(watch\) done' "$LOG")" = 2 ] ||
    fail "not one scan per burst: $(grep 'interfaces scan' "$LOG")"
stop_agent
[ "$AGENT_RC" -eq 0 ] || fail "exit status $AGENT_RC"
exit 0
