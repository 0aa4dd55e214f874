#!/bin/sh
# outpost-scan against stand-in correlation services
# (tests/tools/cid-serve.py): a host whose ports answer with different ids
# is a conflict, printed and submitted as such whichever port answers
# first, and the platform stores and shows it merged into no agent, even
# one whose id it names; the bytes after a line fail the port however
# they are split into segments, and a line split into segments, or held
# open until the deadline, is accepted.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
[ -x "$SCAN" ] || skip "outpost-scan is not built"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
CIDSERVE="$abs_top_srcdir/tests/tools/cid-serve.py"

# serve VAR CID MODE [DELAY]: a stand-in service on a free port, which
# goes to VAR.
serve() {
	_var=$1
	shift
	SP=$(free_port)
	python3 "$CIDSERVE" "$SP" "$@" 2>>"$T/cid-serve.err" &
	_sp=$!
	at_exit "kill $_sp 2>/dev/null"
	wait_for 10 port_open "$SP" || fail "cid-serve.py did not start"
	eval "$_var=$SP"
}

start_platform "$T/p"
activate web-01
A=$CORRELATION_ID
B=7c1d0e2f3a4b5c6d7e8f9a0b1c2d3e4f
LOW=$(printf '%s\n%s\n' "$A" "$B" | sort | head -n 1)
HIGH=$(printf '%s\n%s\n' "$A" "$B" | sort | tail -n 1)

note "ports that disagree, either one answering first"
serve PA "$A" line 0.4
serve PB "$B" line 0
serve PA2 "$A" line 0
"$SCAN" -p "$PA,$PB,$PA2" 127.0.0.1 > "$T/c1.txt" || fail "outpost-scan failed"
assert_grep "$T/c1.txt" "^127\.0\.0\.1: conflicting correlation ids $LOW,$HIGH; open ports"
assert_grep "$T/c1.txt" "^  $PB/tcp: correlation id $B\$"
assert_grep "$T/c1.txt" "conflict: the ports answered with 2 different correlation ids"
! grep -q "^127\.0\.0\.1: correlation id" "$T/c1.txt" || fail "an id was chosen"
serve PA3 "$A" line 0
serve PB2 "$B" line 0.4
"$SCAN" -p "$PA3,$PB2" 127.0.0.1 > "$T/c2.txt" || fail "outpost-scan failed"
assert_grep "$T/c2.txt" "^127\.0\.0\.1: conflicting correlation ids $LOW,$HIGH; open ports"
"$SCAN" --json -p "$PA,$PB,$PA2" 127.0.0.1 > "$T/c.json" || fail "--json failed"
jq -e --arg l "$LOW" --arg h "$HIGH" '.results[0] |
    .correlation_id == null and .conflicting_ids and .correlation_ids == [$l, $h]' \
    "$T/c.json" >/dev/null || fail "JSON: $(cat "$T/c.json")"

note "submitted as a conflict: merged into no agent"
echo "$TOKEN" > "$T/token"
chmod 600 "$T/token"
expect 200 admin PATCH /api/v1/settings -d '{"accept_correlation_id":true}'
"$SCAN" -p "$PA,$PB" --submit "$URL" --token "$T/token" --cacert "$PDIR/ca.pem" \
    127.0.0.1 > /dev/null 2> "$T/sub.err" || fail "submission failed: $(cat "$T/sub.err")"
assert_grep "$T/sub.err" "127\.0\.0\.1: scan [0-9]+ stored as a correlation id conflict"
expect 200 admin GET /api/v1/scans
assert_json '.scans[0].correlation_conflict' true
assert_json '.scans[0].merged' false
assert_json '.scans[0].correlation_id' null
assert_json '.scans[0].correlation_ids | join(",")' "$LOW,$HIGH"
assert_json ".scans[0].ports | map(select(.port == $PB)) | .[0].correlation_id" "$B"
expect 200 admin GET /api/v1/assets
assert_json '.assets[] | select(.asset_id == "scan:127.0.0.1") | .correlation_conflict' true
assert_json ".assets[] | select(.agent_id == \"$AGENT_ID\") | .scan_ids | length" 0
assert_grep "$PDIR/log/platform.log" "ports answered with different correlation ids .*stored as a conflict, merged into no agent"

note "one rule for the bytes after the line"
serve PX "$A" extra
serve PXL "$A" extra-late 0.3
serve PS "$A" split 0.2
serve PH "$A" hold 5
"$SCAN" -t 1500 -p "$PX,$PXL,$PS,$PH" 127.0.0.1 > "$T/t.txt" ||
    fail "outpost-scan failed"
assert_grep "$T/t.txt" "^  $PX/tcp: no correlation id: 1 unexpected bytes after the line\$"
assert_grep "$T/t.txt" "^  $PXL/tcp: no correlation id: 1 unexpected bytes after the line\$"
assert_grep "$T/t.txt" "^127\.0\.0\.1: correlation id $A; open ports"
! grep -q "^  $PS/tcp\|^  $PH/tcp" "$T/t.txt" ||
    fail "a split line or a held connection was refused: $(cat "$T/t.txt")"
exit 0
