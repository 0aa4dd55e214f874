#!/bin/sh
# This machine, end to end: an agent activated with the default
# inventory_root (/) and every collector brings the platform to
# initial_scan_complete with an inventory whose package count is what
# dpkg-query counts on this machine.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

command -v dpkg-query >/dev/null 2>&1 && [ -f /var/lib/dpkg/status ] ||
    skip "not a dpkg system"
start_platform "$T/p"
ALL='["os","host","cpu","memory","interfaces","packages","services","users","groups","kernel_modules"]'
expect 201 admin POST /api/v1/manifests -d "{\"type\":\"inventory\",\"body\":{\"collectors\":$ALL}}"
platform_agent "$T/a"
wait_inventory 30 '>= 1'
AID=$(status_value .platform.agent_id)
expect 200 admin GET "/api/v1/agents/$AID"
assert_json .status initial_scan_complete
expect 200 admin GET "/api/v1/agents/$AID/inventory"
got=$(jq '[.data.packages[] | select(.ecosystem == "deb")] | length' "$OUT")
# Every package dpkg lists, and of those the installed ones (ii, hi):
# the agent reports installed software only, so the two agree unless
# packages are removed with their configuration files left (rc).
all=$(dpkg-query -W | wc -l)
installed=$(dpkg-query -W -f '${db:Status-Abbrev}\n' | grep -c '^[ih]i ')
[ "$got" = "$installed" ] || fail "platform: $got packages, dpkg-query: $installed installed"
[ "$all" = "$installed" ] && note "dpkg-query -W | wc -l: $all, on the platform: $got"
[ "$all" = "$installed" ] || note "dpkg-query -W lists $all, of which $installed installed"
stop_agent
[ "$AGENT_RC" = 0 ] || fail "outpostd exited with $AGENT_RC"
exit 0
