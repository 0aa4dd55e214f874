#!/bin/sh
# Inventory against a real platform: the first full snapshot moves the
# agent to initial_scan_complete (S6); adding, changing and removing a
# package in the prepared root gives item-level deltas of a few hundred
# bytes naming only that package (a put, a put, a delete), after which the
# platform holds what a fresh scan finds; a base the platform does not
# hold (409 full_inventory_required) gives a full resend; a paused profile
# stops scans and uploads, resuming scans again; a SIGKILL with a record
# in the spool loses and duplicates nothing, and the next one-package
# change after it is item-level again.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-inventory.sh"

R="$T/root"
INVDUMP="$abs_top_builddir/tests/tools/invdump"
inventory_root "$R"
start_platform "$T/p"
# The platform's first inventory manifest names four collectors; this one
# names all ten ("services" is the listening collector).
ALL='["os","host","cpu","memory","interfaces","packages","services","users","groups","kernel_modules"]'
expect 201 admin POST /api/v1/manifests -d "{\"type\":\"inventory\",\"body\":{\"collectors\":$ALL}}"
platform_agent "$T/a" "inventory_root = $R"
LOG="$T/a/log/agent.log"

# The agent's inventory status member FILTER.
inv() {
	status_value ".inventory | $1"
}
# The platform's stored inventory into $OUT.
platform_inventory() {
	expect 200 admin GET "/api/v1/agents/$AID/inventory"
}
scan() {
	"$OUTPOSTCTL" -c "$CONF" inventory-scan --json >"$T/scan.json" ||
	    fail "inventory-scan failed"
}
# The upload decision of the last scan is an item-level delta of packages
# with $1 puts and $2 deletes, nothing else, under 1000 bytes.
assert_item_delta() {
	[ "$(jq -r .upload.upload "$T/scan.json")" = delta ] ||
	    fail "not a delta: $(jq -c .upload "$T/scan.json")"
	[ "$(jq -c '[.upload.set, .upload.remove, .upload.items]' "$T/scan.json")" = \
	    "[[],[],{\"packages\":{\"put\":$1,\"delete\":$2}}]" ] ||
	    fail "not one item change: $(jq -c .upload "$T/scan.json")"
	_bytes=$(jq -r .upload.bytes "$T/scan.json")
	[ "$_bytes" -gt 0 ] && [ "$_bytes" -lt 1000 ] ||
	    fail "delta of $_bytes bytes: $(jq -c .upload "$T/scan.json")"
}
# The platform's packages are what a fresh scan of the root finds.
assert_platform_is_scan() {
	"$INVDUMP" -n -c packages "$R" | jq -S .sections.packages >"$T/fresh.json" ||
	    fail "invdump"
	platform_inventory
	jq -S .data.packages "$OUT" >"$T/held.json"
	cmp -s "$T/fresh.json" "$T/held.json" ||
	    fail "the platform's packages differ from a fresh scan: $(diff "$T/fresh.json" "$T/held.json" | head -20)"
}

# Activation, then the first full snapshot.
wait_inventory 20 "== 1"
AID=$(status_value .platform.agent_id)
expect 200 admin GET "/api/v1/agents/$AID"
assert_json .status initial_scan_complete
platform_inventory
assert_json .inventory_version 1
assert_json '.data | keys | join(",")' cpu,groups,host,interfaces,kernel_modules,listening,memory,os,packages,users
assert_json '.data.packages | length' 305
assert_json '.data.host.fqdn' web-01.example.net
assert_json '.data.os.id' debian
assert_json '.data.listening[0].process' sshd
assert_grep "$LOG" "inventory: full snapshot of 10 sections spooled as record [0-9]+"
assert_grep "$LOG" "inventory: the platform holds record [0-9]+ as inventory version 1"
[ "$(stat -c %a "$T/a/state/inventory.json")" = 600 ] || fail "inventory.json mode"
[ "$(jq -r .acked.inventory_version "$T/a/state/inventory.json")" = 1 ] ||
    fail "inventory.json: $(cat "$T/a/state/inventory.json")"

# Nothing changed: no upload.
scan
[ "$(jq -r .upload.upload "$T/scan.json")" = none ] || fail "upload without a change: $(cat "$T/scan.json")"
[ "$(jq -r .upload.reason "$T/scan.json")" = "nothing changed" ] || fail "reason"

# A package added: a delta with only that package, a put.
add_package "$R" zzz-new 4.2-1
scan
assert_item_delta 1 0
wait_inventory 20 "== 2"
platform_inventory
assert_json .inventory_version 2
assert_json '.data.packages | length' 306
assert_json '.data.packages[-1]' '{
  "name": "zzz-new",
  "version": "4.2-1",
  "arch": "amd64",
  "ecosystem": "deb",
  "source": "zzz-new",
  "source_version": "4.2-1"
}'
assert_json '.data.users | length' 4
assert_grep "$LOG" 'inventory: delta against version 1 spooled as record [0-9]+: set -; remove -; items \{"packages":\{"put":1,"delete":0\}\}; [0-9]+ bytes'
assert_platform_is_scan

# A package's version changed: a put of the whole package.
sed -i 's/^Version: 1.123-1$/Version: 1.123-2/' "$R/var/lib/dpkg/status"
scan
assert_item_delta 1 0
wait_inventory 20 "== 3"
platform_inventory
assert_json '.data.packages[] | select(.name == "pkg-123") | .version' 1.123-2
assert_platform_is_scan

# A package removed: a delete with its key.
remove_package "$R" pkg-007
scan
assert_item_delta 0 1
wait_inventory 20 "== 4"
platform_inventory
assert_json .inventory_version 4
assert_json '.data.packages | length' 305
assert_json '[.data.packages[] | select(.name == "pkg-007")] | length' 0
assert_grep "$LOG" 'inventory: delta against version 3 spooled as record [0-9]+: set -; remove -; items \{"packages":\{"put":0,"delete":1\}\}'
assert_platform_is_scan
# Nothing changed since: still no upload.
scan
[ "$(jq -r .upload.upload "$T/scan.json")" = none ] || fail "upload without a change: $(cat "$T/scan.json")"

# The platform loses the base: restart with a tampered version; the next
# delta is refused with 409 and a full snapshot follows.
stop_agent
jq '.acked.inventory_version = 99' "$T/a/state/inventory.json" >"$T/inv.json"
cp "$T/inv.json" "$T/a/state/inventory.json"
add_package "$R" zzz-after-restart 1.0-1
start_agent "$T/a"
wait_inventory 20 "== 5"
assert_grep "$LOG" 'inventory: delta against version 99 spooled'
assert_grep "$LOG" "the platform does not hold the base of record [0-9]+ \(409 full_inventory_required"
[ "$(inv .conflicts)" = 1 ] || fail "conflicts: $(inv .conflicts)"
platform_inventory
assert_json .inventory_version 5
assert_json '.data.packages | length' 306
assert_json '.data | keys | length' 10
[ "$(jq -r .acked.inventory_version "$T/a/state/inventory.json")" = 5 ] ||
    fail "inventory.json after the full resend"

# Paused by the profile: no scans, no uploads; resumed: a scan at once.
PROFILE=$(status_value .platform.profile.id)
expect 200 admin PATCH "/api/v1/profiles/$PROFILE" -d '{"data_collection_paused":true}'
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 10 status_check '.inventory.paused and .inventory.state == "paused"' ||
    fail "pause not in force: $(inv .)"
"$OUTPOSTCTL" -c "$CONF" status | grep -Eq '^  paused +true' || fail "status does not show the pause"
scans=$(inv .scans)
if "$OUTPOSTCTL" -c "$CONF" inventory-scan 2>"$T/paused.err"; then
	fail "a scan ran while paused"
fi
grep -q "data collection is paused" "$T/paused.err" || fail "paused: $(cat "$T/paused.err")"
add_package "$R" zzz-while-paused 1.0-1
sleep 2		# (nothing may happen meanwhile)
[ "$(inv .scans)" = "$scans" ] || fail "scans while paused"
[ "$(inv .next_scan)" = null ] || fail "a scan is planned while paused"
platform_inventory
assert_json .inventory_version 5
assert_grep "$LOG" "inventory: data collection paused by the profile"
expect 200 admin PATCH "/api/v1/profiles/$PROFILE" -d '{"data_collection_paused":false}'
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_inventory 20 "== 6"
[ "$(inv .scans)" -gt "$scans" ] || fail "no scan after resuming"
platform_inventory
assert_json '[.data.packages[] | select(.name == "zzz-while-paused")] | length' 1
assert_grep "$LOG" "inventory: data collection resumed"

# SIGKILL with a delta in the spool while the platform is down: after the
# restart it arrives once, and inventory.json agrees with the platform.
stop_platform
add_package "$R" zzz-before-kill 1.0-1
scan
SEQ=$(jq -r .upload.sequence "$T/scan.json")
[ "$(jq -r .upload.upload "$T/scan.json")" = delta ] || fail "no delta: $(cat "$T/scan.json")"
[ "$(inv .pending.sequence)" = "$SEQ" ] || fail "pending: $(inv .pending)"
[ "$(jq -r .pending.sequence "$T/a/state/inventory.json")" = "$SEQ" ] ||
    fail "inventory.json pending: $(cat "$T/a/state/inventory.json")"
# The spooled record is the one-package delta, of the bytes reported.
assert_item_delta 1 0
REC=$(grep -l '"kind":"inventory"' "$T/a/state/spool"/* | head -1)
[ -n "$REC" ] || fail "no inventory record in the spool: $(ls "$T/a/state/spool")"
tail -n +3 "$REC" >"$T/record.json"
[ "$(wc -c <"$T/record.json")" = "$(jq -r .upload.bytes "$T/scan.json")" ] ||
    fail "record of $(wc -c <"$T/record.json") bytes, reported $(jq -r .upload.bytes "$T/scan.json")"
[ "$(jq -c '[keys, .items.packages.put[0].name, (.items.packages.put | length)]' "$T/record.json")" = \
    '[["base_version","items","sequence","type"],"zzz-before-kill",1]' ] ||
    fail "spooled record: $(cat "$T/record.json")"
# Another change while it waits: still one record on its way.
add_package "$R" zzz-second 1.0-1
scan
[ "$(jq -r .upload.upload "$T/scan.json")" = waiting ] || fail "second record: $(cat "$T/scan.json")"
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
ls "$T/a/state/spool" | grep -q . || fail "spool empty after SIGKILL"
run_platform
start_agent "$T/a"
wait_inventory 20 "== 8"
platform_inventory
assert_json .inventory_version 8
assert_json '[.data.packages[] | select(.name | startswith("zzz-"))] | map(.name) | join(",")' \
    zzz-after-restart,zzz-before-kill,zzz-new,zzz-second,zzz-while-paused
assert_grep "$LOG" "inventory: the platform holds record $SEQ as inventory version 7"
[ "$(jq -r .acked.inventory_version "$T/a/state/inventory.json")" = 8 ] ||
    fail "inventory.json after the restart: $(cat "$T/a/state/inventory.json")"
[ "$(jq -r .pending "$T/a/state/inventory.json")" = null ] || fail "pending left"
scan
[ "$(jq -r .upload.upload "$T/scan.json")" = none ] || fail "change after all was sent"
platform_inventory
assert_json .inventory_version 8
[ "$(grep -c "inventory: the platform holds record $SEQ " "$LOG")" = 1 ] ||
    fail "record $SEQ stored more than once"
assert_platform_is_scan

# SIGKILL with nothing on its way: after the restart a one-package change
# is still an item-level delta (the platform's items are in inventory.json).
[ "$(jq '.acked.items.packages | length' "$T/a/state/inventory.json")" = 309 ] ||
    fail "item digests: $(jq -c '.acked.items | map_values(length)' "$T/a/state/inventory.json")"
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
start_agent "$T/a"
wait_for 20 status_check '.inventory.scans >= 1 and .inventory.state == "idle"' ||
    fail "no scan after the restart: $(inv .)"
[ "$(inv .uploads_full)" = 0 ] || fail "a full snapshot after the restart"
remove_package "$R" zzz-second
scan
assert_item_delta 0 1
wait_inventory 20 "== 9"
assert_platform_is_scan

# The inventory manifest names fewer collectors: their sections are
# removed with a delta; named again: scanned and set again.
expect 201 admin POST /api/v1/manifests -d '{"type":"inventory","body":{"collectors":["os","packages","no-such-collector"]}}'
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_inventory 20 "== 10"
[ "$(inv '.collectors | join(",")')" = os,packages ] || fail "collectors: $(inv .collectors)"
platform_inventory
assert_json '.data | keys | join(",")' os,packages
assert_grep "$LOG" 'manifest [0-9]+ names collector "no-such-collector", which this agent does not have'
assert_grep "$LOG" 'inventory: delta against version 9 spooled as record [0-9]+: set -; remove \["host","cpu","memory","interfaces","listening","users","groups","kernel_modules"\]'
expect 201 admin POST /api/v1/manifests -d "{\"type\":\"inventory\",\"body\":{\"collectors\":$ALL,\"inventory_interval\":600}}"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_inventory 20 "== 11"
platform_inventory
assert_json '.data | keys | length' 10
[ "$(inv .interval)" = 600 ] || fail "manifest interval: $(inv .interval)"

# A package's source version changed (a new source upload, the binary's
# version the same): a put of that package.
sed -i 's/^Source: util-linux (2:2.38.1-5)$/Source: util-linux (2:2.38.1-6)/' \
    "$R/var/lib/dpkg/status"
scan
assert_item_delta 1 0
wait_inventory 20 "== 12"
platform_inventory
assert_json '.data.packages[] | select(.name == "util-linux") | [.version, .source_version] | join(" ")' \
    "2:2.38.1-5+b1 2:2.38.1-6"

stop_agent
[ "$AGENT_RC" -eq 0 ] || fail "exit status $AGENT_RC"
exit 0
