#!/bin/sh
# Inventory: a delta before a full snapshot is refused; the first full
# (gzip) snapshot moves the agent to initial_scan_complete; deltas apply.
. "${abs_top_srcdir:-.}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"
activate web-01

expect 409 agent POST /agent/v1/inventory -d '{"type":"delta","set":{"os":{}}}'
assert_json .error full_inventory_required
expect 404 admin GET "/api/v1/agents/$AGENT_ID/inventory"

cat >"$T/full.json" <<'JSON'
{"type":"full","data":{"os":{"name":"Debian","version":"12"},
 "packages":[{"name":"openssl","version":"3.0.11-1~deb12u2"}],
 "interfaces":[{"name":"eth0","addresses":["192.0.2.10/24"]}]}}
JSON
gzip -c "$T/full.json" >"$T/full.gz"
expect 200 agent POST /agent/v1/inventory -H 'Content-Encoding: gzip' \
    --data-binary "@$T/full.gz"
assert_json .inventory_version 1
assert_json .status initial_scan_complete
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
assert_json .status initial_scan_complete
expect 200 admin GET "/api/v1/agents?status=initial_scan_complete"
assert_json .count 1
expect 200 admin GET "/api/v1/agents?status=provisioned"
assert_json .count 0
expect 400 admin GET "/api/v1/agents?status=sleeping"

expect 200 agent POST /agent/v1/inventory \
    -d '{"type":"delta","base_version":1,"set":{"packages":[{"name":"openssl","version":"3.0.13"}]},"remove":["interfaces"]}'
assert_json .inventory_version 2
expect 409 agent POST /agent/v1/inventory -d '{"type":"delta","base_version":1,"set":{}}'
assert_json .error full_inventory_required
expect 200 admin GET "/api/v1/agents/$AGENT_ID/inventory"
assert_json .inventory_version 2
assert_json '.data.packages[0].version' 3.0.13
assert_json '.data.os.name' Debian
assert_json '.data.interfaces' null

expect 400 agent POST /agent/v1/inventory -d '{"type":"partial"}'
assert_json .field type
expect 400 agent POST /agent/v1/inventory -d '{"type":"full"}'
assert_json .field data
expect 400 agent POST /agent/v1/inventory -d '{"type":"delta","remove":[1]}'
assert_json .field 'remove[0]'
# The status stays initial_scan_complete after more uploads (S6).
expect 200 agent POST /agent/v1/inventory -d '{"type":"full","data":{"os":{}}}'
assert_json .inventory_version 3
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
assert_json .status initial_scan_complete
exit 0
