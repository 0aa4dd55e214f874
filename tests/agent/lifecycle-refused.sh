#!/bin/sh
# The agent refused: a wrong activation key gives E402 (status, log, and no
# agent on the platform); a wrong SPKI pin gives E202 (status, log,
# healthcheck); fixing either and reloading activates the agent.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-http.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"
BOGUS=00000000-0000-4000-8000-000000000000
platform_agent_conf "$T/a"
sed -i "s/^activation_id = .*/activation_id = $BOGUS/" "$CONF"

note "wrong activation key: E402"
start_agent "$T/a"
wait_for 10 has_error E402 || fail "no E402 for a wrong activation key"
assert_grep "$T/a/log/agent.log" "E402 .*activation: .*HTTP 403 invalid_activation_id"
expect 200 admin GET /api/v1/agents
assert_json .count 0

note "wrong pin: E202, in status and healthcheck"
sed -i "s/^activation_id = .*/activation_id = $ACTIVATION_ID/" "$CONF"
echo "pin_sha256 = $(printf '%064d' 0)" >> "$CONF"
kill -HUP "$AGENT_PID"
wait_for 10 has_error E202 || fail "no E202 for a wrong pin"
assert_grep "$T/a/log/agent.log" "E202 "
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc.txt" && fail "healthcheck passed"
assert_grep "$T/hc.txt" "^FAIL  tls +E202 "

note "the right pin: activated"
PIN=$(spki_pin "$PDIR/server.pem" hex 2>/dev/null ||
    openssl s_client -connect "127.0.0.1:$PORT" </dev/null 2>/dev/null |
    openssl x509 -pubkey -noout | openssl pkey -pubin -outform der |
    openssl dgst -sha256 -hex | sed 's/.*= *//')
[ -n "$PIN" ] || fail "cannot compute the platform's pin"
sed -i "s/^pin_sha256 = .*/pin_sha256 = $PIN/" "$CONF"
kill -HUP "$AGENT_PID"
wait_for 10 status_check '.platform.activation == "activated"' ||
    fail "not activated with the right pin"
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc.txt" || fail "healthcheck failed"
assert_grep "$T/hc.txt" "^PASS  tls .*pin matches"
expect 200 admin GET /api/v1/agents
assert_json .count 1
stop_agent
[ "$AGENT_RC" = 0 ] || fail "outpostd exited with $AGENT_RC"
exit 0
