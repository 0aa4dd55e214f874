#!/bin/sh
# Uploads against a hostile server (tests/tools/hostile-platform.py in
# front of a real platform): a 302 to a sign-in page, an empty 204 and an
# acknowledgement of another record leave the spooled records in the
# spool (E407, E408, E409), and they reach the real platform once when it
# answers again; an inventory answer without inventory_version is not an
# acknowledgement: the snapshot stays spooled and goes again only after the
# back-off, a few requests a minute, with the reason logged.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-hostile.sh"
SPOOLFILL="$abs_top_builddir/tests/tools/spoolfill"
[ -x "$SPOOLFILL" ] || fail "$SPOOLFILL not built"

hostile_setup "$T/a"
stop_agent

depth() { status_value .spool.depth; }
stored() {
	admin_get "/api/v1/agents/$AID/errors?limit=10000" > "$T/errors.json"
	jq '[.errors[] | select(.message | startswith("held-by-redirect "))] | length' "$T/errors.json"
}
spool_holds() {
	[ "$(grep -l 'held-by-redirect' "$T/a/state/spool"/*.rec 2>/dev/null |
	    wc -l)" -eq 3 ]
}

note "three records spooled; the errors upload answered with 302"
[ "$("$SPOOLFILL" "$T/a/state/spool" 3 held-by-redirect)" = 3 ] ||
    fail "spoolfill did not leave 3 records"
hostile_rules '[{"method":"POST","path":"/agent/v1/errors","status":302,
 "content_type":"text/html","headers":{"Location":"https://portal.example/login?next=/"},
 "body":"<html>sign in to the hotel network</html>"}]'
start_agent "$T/a"
wait_log 20 'E407 .*POST /agent/v1/errors: HTTP 302 redirect to https://portal.example/login\?next=/, not followed'
spool_holds || fail "a 302 removed spooled records: $(ls "$T/a/state/spool")"
[ "$(stored)" = 0 ] || fail "records reached the platform through a 302"
! agent_log_has 'held-by-redirect.*delivered' || fail "a 302 counted as delivered"

note "204 with an empty body"
hostile_rules '[{"method":"POST","path":"/agent/v1/errors","status":204}]'
wait_log 30 'E408 .*POST /agent/v1/errors: HTTP 204, expected 200'
spool_holds || fail "a 204 removed spooled records"

note "200 acknowledging another record"
hostile_rules '[{"method":"POST","path":"/agent/v1/errors","status":200,
 "json":{"stored":1,"sequence":999999,"duplicate":false}}]'
wait_log 40 'E409 .*acknowledges sequence 999999, not record'
spool_holds || fail "an acknowledgement of another record removed records"
[ "$(stored)" = 0 ] || fail "records stored while the platform was hidden"

note "the platform answers again: each record reaches it once"
hostile_rules '[]'
wait_for 90 sh -c "[ \"\$(\"$OUTPOSTCTL\" -c \"$CONF\" status --json | jq -r .spool.depth)\" = 0 ]" ||
    fail "the spool did not drain: depth $(depth)"
[ "$(stored)" = 3 ] || fail "stored $(stored) of 3 records"
[ "$(jq '[.errors[] | select(.message | startswith("held-by-redirect ")) | .message] | unique | length' "$T/errors.json")" = 3 ] ||
    fail "a record was stored twice or lost"

note "an inventory answer without inventory_version"
stop_agent
rm -f "$T/a/state/inventory.json"
hostile_rules '[{"method":"POST","path":"/agent/v1/inventory","status":200,
 "json":{"status":"initial_scan_complete"}}]'
T0=$(now)
start_agent "$T/a"
wait_log 30 'E409 .*POST /agent/v1/inventory: HTTP 200 answer: member "inventory_version" missing'
sleep 60
N=$(requests POST /agent/v1/inventory "$T0")
note "$N inventory uploads in the first minute"
[ "$N" -ge 2 ] && [ "$N" -le 5 ] ||
    fail "$N inventory uploads in a minute (back-off: 5, 10, 20 s...)"
RECS=$(grep -l '"type":"full"' "$T/a/state/spool"/*.rec 2>/dev/null | wc -l)
[ "$RECS" -eq 1 ] || fail "$RECS full snapshots spooled, expected the one"
status_check '.inventory.pending != null' ||
    fail "the snapshot is not pending: $(status_value -c .inventory)"
assert_log_size 1024
hostile_rules '[]'
wait_inventory 120 ">= 2"
assert_running
stop_agent
[ "$AGENT_RC" = 0 ] || fail "outpostd exited with $AGENT_RC"
exit 0
