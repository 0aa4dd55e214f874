#!/bin/sh
# C1 and C9: outpost-scan finds a running agent's correlation id and
# submits the scan; with "accept agent correlation identifier" off the
# scan is an unmerged asset, with it on the scan is merged into the
# agent's asset (open ports seen from outside, scan time, scanner). A
# merge through an address the agent never reported is flagged
# address_mismatch. Submission errors are explained.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-correlation.sh"
[ -x "$SCAN" ] || skip "outpost-scan is not built"

CP=$(free_port)
start_platform "$T/p"
expect 200 admin PATCH /api/v1/profiles/1 \
    -d "{\"correlation\":{\"enabled\":true,\"ports\":[$CP],\"bind_all\":true}}"
platform_agent "$T/a"
wait_for 10 corr_status ".listeners | index(\"0.0.0.0:$CP\") != null" ||
    fail "agent not listening on $CP"
AID=$(status_value .platform.agent_id)
CID=$(status_value .platform.correlation_id)
echo "$TOKEN" > "$T/token"
chmod 600 "$T/token"

# The scanner alone: the id, the open port, the closed one.
CLOSED=$(free_port)
"$SCAN" -p "$CP,$CLOSED" 127.0.0.1 > "$T/scan.txt" || fail "outpost-scan failed"
assert_grep "$T/scan.txt" "^127\.0\.0\.1: correlation id $CID; open ports $CP/tcp \(1 closed, 0 filtered\)"
"$SCAN" --json -p "$CP" 127.0.0.1 > "$T/scan.json" || fail "outpost-scan --json failed"
jq -e ".results[0].correlation_id == \"$CID\" and .results[0].open_ports[0].port == $CP" \
    "$T/scan.json" >/dev/null || fail "JSON result: $(cat "$T/scan.json")"

# C9 off: the scan is stored, not merged.
expect 200 admin GET /api/v1/settings
assert_json .accept_correlation_id false
"$SCAN" -p "$CP" --submit "$URL" --token "$T/token" --cacert "$PDIR/ca.pem" \
    --scanner "test-scanner/1" 127.0.0.1 > "$T/sub1.txt" 2> "$T/sub1.err" ||
    fail "submission failed: $(cat "$T/sub1.err")"
assert_grep "$T/sub1.err" "127\.0\.0\.1: scan [0-9]+ stored as an unmerged asset"
expect 200 admin GET /api/v1/scans
assert_json '.scans[0].merged' false
assert_json '.scans[0].agent_id' null
assert_json '.scans[0].correlation_id' "$CID"
assert_json '.scans[0].scanner' test-scanner/1
assert_json '.scans[0].address' 127.0.0.1
assert_json '.scans[0].ports[0].port' "$CP"
expect 200 admin GET /api/v1/assets
assert_json ".assets[] | select(.agent_id == \"$AID\") | .sources | join(\",\")" agent
assert_json '.assets[] | select(.asset_id == "scan:127.0.0.1") | .correlation_id' "$CID"
assert_json '.assets[] | select(.asset_id == "scan:127.0.0.1") | .last_scan.open_ports | map(tostring) | join(",")' "$CP"

# C9 on, C1: merged into the agent's asset. The agent's inventory is in
# first: its interfaces (loopback among them) are addresses it reported,
# so the scan of 127.0.0.1 is no mismatch.
wait_inventory 30 '>= 1'
expect 200 admin PATCH /api/v1/settings -d '{"accept_correlation_id":true}'
"$SCAN" -p "$CP" --json --submit "$URL/" --token "$T/token" --cacert "$PDIR/ca.pem" \
    --scanner "test-scanner/2" 127.0.0.1 > "$T/sub2.json" ||
    fail "submission failed: $(cat "$T/sub2.json")"
jq -e ".results[0].submission.ok and .results[0].submission.answer.agent_id == \"$AID\" and (.results[0].submission.answer.address_mismatch | not)" \
    "$T/sub2.json" >/dev/null || fail "C1: not merged: $(cat "$T/sub2.json")"
S2=$(jq -r .results[0].submission.answer.scan_id "$T/sub2.json")
expect 200 admin GET /api/v1/assets
A=".assets[] | select(.agent_id == \"$AID\")"
assert_json "$A | .sources | join(\",\")" agent,scan
assert_json "$A | .scan_ids | map(tostring) | join(\",\")" "$S2"
assert_json "$A | .address_mismatch" false
assert_json "$A | .last_scan.scanner" test-scanner/2
assert_json "$A | .last_scan.address" 127.0.0.1
assert_json "$A | .last_scan.open_ports | map(tostring) | join(\",\")" "$CP"
assert_json "$A | .last_scan.scanned_at | . > 1000000000" true
assert_grep "$PDIR/log/platform.log" "scan $S2 of 127\.0\.0\.1 merged into agent $AID"
# The unmerged asset of the first scan is still there.
assert_json '.assets[] | select(.asset_id == "scan:127.0.0.1") | .scan_ids | length' 1

# The agent's id seen at an address it never reported (copied, spoofed or
# behind NAT): merged, and flagged address_mismatch.
expect 201 admin POST /api/v1/scans -d "{\"target\":\"gw.example\",\"address\":\"203.0.113.7\",\"correlation_id\":\"$CID\",\"scanner\":\"test-scanner/3\",\"ports\":[{\"port\":$CP,\"correlation_id\":\"$CID\"}]}"
assert_json .merged true
assert_json .agent_id "$AID"
assert_json .address_mismatch true
S3=$(jout .scan_id)
expect 200 admin GET /api/v1/assets
assert_json "$A | .scan_ids | map(tostring) | join(\",\")" "$S2,$S3"
assert_json "$A | .address_mismatch" true
assert_json "$A | .last_scan.address" 203.0.113.7
assert_grep "$PDIR/log/platform.log" "scan $S3 of gw\.example .* carries the correlation id of agent $AID, but the agent reported only .*address_mismatch"

# C1 through an address the agent reported: no mismatch.
expect 200 admin GET "/api/v1/agents/$AID"
HOSTIP=$(jout '.host.ip_addresses[]' | grep -v : | head -n 1)
if [ -n "$HOSTIP" ] && cid_check "$HOSTIP" "$CP" "$CID" 2>/dev/null; then
	"$SCAN" -p "$CP" --submit "$URL" --token "$T/token" \
	    --cacert "$PDIR/ca.pem" "$HOSTIP" > /dev/null 2> "$T/sub3.err" ||
	    fail "submission failed: $(cat "$T/sub3.err")"
	assert_grep "$T/sub3.err" "scan [0-9]+ stored, merged into agent $AID\$"
	expect 200 admin GET /api/v1/scans
	assert_json '.scans[0].address_mismatch' false
	assert_json '.scans[0].merged' true
	assert_json '.scans[0].scanner | startswith("outpost-scan/")' true
	expect 200 admin GET /api/v1/assets
	assert_json "$A | .last_scan.address" "$HOSTIP"
	assert_json "$A | .last_scan.address_mismatch" false
	note "merged through $HOSTIP without mismatch"
else
	note "no reachable non-loopback address reported; skipping that part"
fi

# The platform checks what scanners send.
expect 400 admin POST /api/v1/scans -d '{"target":"h","ports":[{"port":0}]}'
assert_json .field 'ports[0].port'
expect 400 admin POST /api/v1/scans -d '{"target":"h","ports":[22]}'
assert_json .field 'ports[0]'
expect 400 admin POST /api/v1/scans -d '{"target":"h","ports":[{"port":22,"protocol":"sctp"}]}'
assert_json .field 'ports[0].protocol'
expect 400 admin POST /api/v1/scans -d '{"target":"h","address":"10.0.0.300"}'
assert_json .field address
expect 400 admin POST /api/v1/scans -d '{"target":"h","scanner":""}'
assert_json .field scanner
# An address is stored in canonical form; an unknown id merges nothing.
expect 201 admin POST /api/v1/scans \
    -d '{"target":"h","address":"2001:DB8:0::1","correlation_id":"00000000000000000000000000000000"}'
assert_json .address 2001:db8::1
assert_json .merged false

# Submission failures are explained and give exit status 2.
echo wrong-token > "$T/bad.token"
"$SCAN" -p "$CP" --submit "$URL" --token "$T/bad.token" \
    --cacert "$PDIR/ca.pem" 127.0.0.1 > /dev/null 2> "$T/bad.err"
[ $? -eq 2 ] || fail "a refused submission did not exit 2"
assert_grep "$T/bad.err" "HTTP 401 invalid_token"
"$SCAN" -p "$CP" --submit "$URL" --token "$T/token" 127.0.0.1 > /dev/null 2> "$T/ca.err"
[ $? -eq 2 ] || fail "an unverified platform did not exit 2"
assert_grep "$T/ca.err" "certificate"
"$SCAN" -p "$CP" --submit "http://localhost:$PORT" --token "$T/token" 127.0.0.1 \
    > /dev/null 2> "$T/http.err" && fail "a plain http URL was accepted"
assert_grep "$T/http.err" "expected an https:// URL"
stop_agent
exit 0
