#!/bin/sh
# Inventory: a delta before a full snapshot is refused; the first full
# (gzip) snapshot moves the agent to initial_scan_complete; deltas apply;
# item-level deltas put and delete items in key order, a bad item is
# refused with 400 naming it and nothing stored, a delete of an item (or
# a section) that is not held is a 409 full_inventory_required; the agent
# detail's last_inventory_change moves only when the inventory changed.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
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
# Item-level deltas.
expect 200 agent POST /agent/v1/inventory -d '{"type":"full","data":{"os":{"name":"Debian"},
 "packages":[{"name":"bash","version":"5.2-1","arch":"amd64","ecosystem":"deb"},
  {"name":"openssl","version":"3.0.11-1","arch":"amd64","ecosystem":"deb"},
  {"name":"zlib1g","version":"1.2.13","arch":"amd64","ecosystem":"deb"}],
 "listening":[{"protocol":"tcp","address":"0.0.0.0","port":22,"pid":1,"process":"sshd"}]}}'
assert_json .inventory_version 3
expect 200 agent POST /agent/v1/inventory -d '{"type":"delta","base_version":3,"items":{
 "packages":{"put":[{"name":"openssl","version":"3.0.13-1","arch":"amd64","ecosystem":"deb"},
   {"name":"curl","version":"8.0","arch":"amd64","ecosystem":"deb","source":"curl"}],
  "delete":[{"name":"zlib1g","arch":"amd64","ecosystem":"deb"}]},
 "listening":{"put":[{"protocol":"tcp","address":"0.0.0.0","port":80,"pid":2,"process":"nginx"}]}}}'
assert_json .inventory_version 4
expect 200 admin GET "/api/v1/agents/$AGENT_ID/inventory"
assert_json '[.data.packages[] | "\(.name)=\(.version)"] | join(",")' bash=5.2-1,curl=8.0,openssl=3.0.13-1
assert_json '[.data.listening[].port] | join(",")' 22,80
assert_json .data.os.name Debian
# A bad put item: 400 naming it, nothing stored.
expect 400 agent POST /agent/v1/inventory -d '{"type":"delta","base_version":4,"items":{"packages":{"put":[{"name":"bash","version":""}]}}}'
assert_json .error invalid_field
assert_json .field 'items.packages.put[0].version'
expect 400 agent POST /agent/v1/inventory -d '{"type":"delta","base_version":4,"items":{"listening":{"put":[{"protocol":"tcp","address":"::","port":"22"}]}}}'
assert_json .field 'items.listening.put[0].port'
expect 400 agent POST /agent/v1/inventory -d '{"type":"delta","base_version":4,"items":{"packages":{"delete":[{"name":"bash","version":"5.2-1"}]}}}'
assert_json .field 'items.packages.delete[0].version'
expect 400 agent POST /agent/v1/inventory -d '{"type":"delta","base_version":4,"items":{"os":{"put":[]}}}'
assert_json .field items.os
expect 400 agent POST /agent/v1/inventory -d '{"type":"delta","base_version":4,"items":{"packages":{"put":[{"name":"bash","version":"1","arch":"amd64","ecosystem":"deb"}],"delete":[{"name":"bash","arch":"amd64","ecosystem":"deb"}]}}}'
assert_json .field 'items.packages.delete[0]'
expect 400 agent POST /agent/v1/inventory -d '{"type":"delta","base_version":4,"set":{"packages":[]},"items":{"packages":{"put":[]}}}'
assert_json .field items.packages
expect 400 agent POST /agent/v1/inventory -d '{"type":"delta","base_version":4,"items":{"packages":{"replace":[]}}}'
assert_json .field items.packages.replace
# A delete of an item, or into a section, that is not held: 409.
expect 409 agent POST /agent/v1/inventory -d '{"type":"delta","base_version":4,"items":{"packages":{"delete":[{"name":"zlib1g","arch":"amd64","ecosystem":"deb"}]}}}'
assert_json .error full_inventory_required
expect 409 agent POST /agent/v1/inventory -d '{"type":"delta","base_version":4,"items":{"users":{"put":[{"name":"alice","uid":1000}]}}}'
assert_json .error full_inventory_required
expect 200 admin GET "/api/v1/agents/$AGENT_ID/inventory"
assert_json .inventory_version 4
assert_json '[.data.packages[].name] | join(",")' bash,curl,openssl
# The status stays initial_scan_complete after more uploads (S6).
expect 200 agent POST /agent/v1/inventory -d '{"type":"full","data":{"os":{}}}'
assert_json .inventory_version 5
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
assert_json .status initial_scan_complete
# last_inventory_change: the time of the last upload that changed the
# inventory; the same snapshot sent again moves last_inventory only.
CHANGED=$(jout .last_inventory_change)
[ "$CHANGED" = "$(jout .last_inventory)" ] || fail "last_inventory_change: $(cat "$OUT")"
sleep 1.1	# (the times are in seconds)
expect 200 agent POST /agent/v1/inventory -d '{"type":"full","data":{"os":{}}}'
assert_json .inventory_version 6
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
assert_json .last_inventory_change "$CHANGED"
[ "$(jout .last_inventory)" -gt "$CHANGED" ] || fail "last_inventory: $(cat "$OUT")"
expect 200 admin GET /api/v1/agents
assert_json '.agents[0].last_inventory_change' "$CHANGED"
exit 0
