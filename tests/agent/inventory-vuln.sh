#!/bin/sh
# End to end: the agent's collectors read a prepared root, the platform
# evaluates the uploaded packages against a vulnsigs manifest crafted for
# that root, and a package change on the host changes the detections.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-inventory.sh"

R="$T/root"
inventory_root "$R"
start_platform "$T/p"
expect 201 admin POST /api/v1/manifests -d '{"type":"vulnsigs","body":{"signatures":[
 {"id":"T-OPENSSL","title":"openssl fixed in deb12u3","severity":"high","package":"openssl","ecosystem":"deb","fixed_version":"3.0.11-1~deb12u3"},
 {"id":"T-OPENSSL-OLD","title":"fixed long ago","severity":"low","package":"openssl","ecosystem":"deb","fixed_version":"3.0.11-1~deb12u2"},
 {"id":"T-UTIL","title":"epoch 2","severity":"medium","package":"util-linux","ecosystem":"deb","fixed_version":"2:2.38.1-6"},
 {"id":"T-UTIL-NOEPOCH","title":"epoch 0 is older","severity":"medium","package":"util-linux","ecosystem":"deb","fixed_version":"2.38.1-6"},
 {"id":"T-PKG","title":"range","severity":"critical","package":"pkg-150","ecosystem":"deb","affected":{"introduced":"1.100-1","fixed":"1.200-1"}},
 {"id":"T-RPM","title":"other ecosystem","severity":"high","package":"openssl","ecosystem":"rpm","fixed_version":"9.9"}]}}'
platform_agent "$T/a" "inventory_root = $R"
wait_inventory 20 '>= 1'
AID=$(status_value .platform.agent_id)
expect 200 admin GET "/api/v1/agents/$AID"
assert_json .status initial_scan_complete
expect 200 admin GET "/api/v1/agents/$AID/vulnerabilities"
assert_json '[.vulnerabilities[].id] | sort | join(",")' "T-OPENSSL,T-PKG,T-UTIL"
assert_json '.vulnerabilities[] | select(.id == "T-OPENSSL") | .installed_version' "3.0.11-1~deb12u2"

note "the host upgrades openssl: its detection goes"
remove_package "$R" openssl
add_package "$R" openssl 3.0.11-1~deb12u3
"$OUTPOSTCTL" -c "$CONF" inventory-scan >/dev/null || fail "inventory-scan failed"
wait_for 20 admin_check "/api/v1/agents/$AID/vulnerabilities" \
    '[.vulnerabilities[].id] | sort | join(",") == "T-PKG,T-UTIL"' ||
    fail "the upgrade did not clear T-OPENSSL"
stop_agent
[ "$AGENT_RC" = 0 ] || fail "outpostd exited with $AGENT_RC"
exit 0
