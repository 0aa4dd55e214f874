#!/bin/sh
# Activation answers from a hostile server (tests/tools/hostile-platform.py
# in front of a real platform): an over-long credential, a credential of
# another agent, an agent id with "../" or CR LF, a correlation id that
# is not 32 hex digits, a manifest key that is not one, a 200 for a 201,
# a redirect and 16 MiB of {} are refused with their cause and nothing is
# written to state.json; refused activations are paced by the back-off;
# the real platform's answer then activates the agent.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-hostile.sh"

start_platform "$T/p"
start_hostile
ID=3f0c8a4e-5d7b-4c1e-9a2f-0b6d1e8c7a55
SECRET=$(printf '9f%.0s' $(seq 32))
KEY=$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$PDIR/manifest.pub")
CID=5b0e2a7c9d1f4e3a8b6c0d2e4f6a8b1c

# answer AGENT_ID CREDENTIAL CORRELATION_ID KEY_JSON [STATUS]: a rule that
# answers the activation with these members.
answer() {
	hostile_rules "[{\"method\":\"POST\",\"path\":\"/agent/v1/activate\",
	 \"status\":${5:-201},\"json\":{\"agent_id\":$1,\"credential\":$2,
	 \"correlation_id\":$3,\"manifest_public_key\":$4,
	 \"customer_id\":\"$CUSTOMER_ID\",\"status\":\"provisioned\"}}]"
}

# attempt_more: ask for a check-in; has an activation reached the server
# since $_before?
attempt_more() {
	"$OUTPOSTCTL" -c "$CONF" heartbeat >/dev/null 2>&1
	[ "$(requests POST /agent/v1/activate)" -gt "$_before" ]
}
# refused ERE: an activation attempt is refused with ERE in the log, and
# no state.json is written.
refused() {
	_before=$(requests POST /agent/v1/activate)
	wait_for 10 attempt_more || fail "no activation attempt"
	wait_log 10 "$1"
	[ ! -e "$T/a/state/state.json" ] || fail "state.json written: $(cat "$T/a/state/state.json")"
	status_check '.platform.activation != "activated"' ||
	    fail "the agent counts itself activated"
}

BIG=$(python3 -c 'print("\"%s.%s\"" % ("'$ID'", "a" * 102400))')
answer "\"$ID\"" "$BIG" "\"$CID\"" "$KEY"
hostile_agent "$T/a"
note "a 100 KB credential"
refused 'E410 .*POST /agent/v1/activate: HTTP 201 body over the parse limits: offset [0-9]+: a string longer than 8192 bytes'

note "a credential of 4 KB, and one of another agent"
LONG=$(python3 -c 'print("\"%s.%s\"" % ("'$ID'", "a" * 4000))')
answer "\"$ID\"" "$LONG" "\"$CID\"" "$KEY"
refused 'E409 .*member "credential": expected <agent_id>.<64 hex digits> \(101 bytes\)'
answer "\"$ID\"" "\"0b6d1e8c-7a55-4c1e-9a2f-3f0c8a4e5d7b.$SECRET\"" "\"$CID\"" "$KEY"
refused 'E409 .*member "credential" belongs to another agent than '"$ID"

note "agent ids with ../ and with CR LF"
answer '"../../../etc/cron.d/x"' "\"$ID.$SECRET\"" "\"$CID\"" "$KEY"
refused 'E409 .*member "agent_id": expected a lower-case UUID'
answer "\"$ID\\r\\nE000 forged log line\"" "\"$ID.$SECRET\"" "\"$CID\"" "$KEY"
refused 'E409 .*member "agent_id": expected a lower-case UUID'
! agent_log_has '^E000 forged log line' || fail "a log line was forged"

note "a correlation id and a manifest key that are not"
answer "\"$ID\"" "\"$ID.$SECRET\"" '"5B0E2A7C9D1F4E3A8B6C0D2E4F6A8B1C"' "$KEY"
refused 'E409 .*member "correlation_id": expected 32 lower-case hex digits'
answer "\"$ID\"" "\"$ID.$SECRET\"" "\"$CID\"" '"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"'
refused 'E409 .*member "manifest_public_key": not an Ed25519 public key in PEM'

note "200 for 201, a redirect, 16 MiB of {}"
answer "\"$ID\"" "\"$ID.$SECRET\"" "\"$CID\"" "$KEY" 200
refused 'E408 .*POST /agent/v1/activate: HTTP 200, expected 201'
hostile_rules '[{"method":"POST","path":"/agent/v1/activate","status":307,
 "headers":{"Location":"https://elsewhere.example/agent/v1/activate"}}]'
refused 'E407 .*POST /agent/v1/activate: HTTP 307 redirect to https://elsewhere.example/agent/v1/activate, not followed'
hostile_rules '[{"method":"POST","path":"/agent/v1/activate","status":201,"gzip":true,
 "repeat":{"head":"[","unit":"{},","tail":"{}]","size":16777216}}]'
refused 'E405 .*/agent/v1/activate via direct: response larger than 1114112 bytes'

note "refused activations are paced"
stop_agent
answer '"../x"' "\"$ID.$SECRET\"" "\"$CID\"" "$KEY"
T0=$(now)
start_agent "$T/a"
sleep 60
N=$(requests POST /agent/v1/activate "$T0")
note "$N activation attempts in a minute"
[ "$N" -ge 2 ] && [ "$N" -le 5 ] ||
    fail "$N activation attempts in a minute (back-off: 5, 10, 20 s...)"
[ ! -e "$T/a/state/state.json" ] || fail "state.json written"
assert_hwm 64
assert_log_size 1024

note "the real platform's answer activates"
hostile_rules '[]'
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_activated
jq -e --arg id "$AID" '.agent_id == $id and (.credential | startswith($id + "."))' \
    "$T/a/state/state.json" >/dev/null || fail "state.json: $(cat "$T/a/state/state.json")"
expect 200 admin GET "/api/v1/agents/$AID"
stop_agent
[ "$AGENT_RC" = 0 ] || fail "outpostd exited with $AGENT_RC"
exit 0
