#!/bin/sh
# The agent behind proxies, against a real platform (S1, S2, S3):
# - the platform's name resolves only for the proxy, so the agent can check
#   in only through it: direct it fails with E101 (DNS);
# - squid with basic auth and a wrong password: E302 in status and log, and
#   healthcheck's proxy line fails with it;
# - the right password: activation and check-ins through squid (CONNECT in
#   its access log), the earlier errors reported to the platform;
# - a list whose first proxy is dead fails over to tinyproxy (its log shows
#   the CONNECT);
# - every proxy dead: E301/E102 without fail-open; with proxy_fail_open the
#   agent goes direct.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-http.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

NAME=platform.outpost-test.invalid
start_platform "$T/p" --name "$NAME"
PURL="https://$NAME:$PORT"
printf '127.0.0.1 %s\n' "$NAME" > "$T/hosts"
chmod 644 "$T/hosts"
SQUID_EXTRA="hosts_file $T/hosts" start_squid sq agent 'p@ss:w0rd'
SQ=$PROXY_PORT
DEAD=$(free_port)

write_agent_conf "$T/a" "platform_url = $PURL" "activation_id = $ACTIVATION_ID" \
    "customer_id = $CUSTOMER_ID" "ca_file = $PDIR/ca.pem" \
    "proxy_file = $T/a/proxy.conf"
CONF="$T/a/outpost.conf"

note "S1: no proxy, the platform's name does not resolve here: E101"
start_agent "$T/a"
wait_for 30 has_error E101 || fail "no E101 without a proxy"
assert_grep "$T/a/log/agent.log" "E101 .*activation: $PURL/agent/v1/activate"
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc1.txt" && fail "healthcheck passed"
assert_grep "$T/hc1.txt" "^FAIL  dns +$NAME does not resolve"

note "squid with the wrong password: E302 in status, log and healthcheck"
proxy_conf proxy-bad "https_proxy = http://agent:Wrong1@127.0.0.1:$SQ"
cp "$T/proxy-bad.conf" "$T/a/proxy.conf"
kill -HUP "$AGENT_PID"
wait_for 20 has_error E302 || fail "no E302 with a wrong proxy password"
assert_grep "$T/a/log/agent.log" "E302 .*via http://agent:\*\*\*\*@127.0.0.1:$SQ"
grep -q Wrong1 "$T/a/log/agent.log" && fail "proxy password in agent.log"
"$OUTPOSTCTL" -c "$CONF" status > "$T/st.txt"
assert_grep "$T/st.txt" "E302 proxy_auth_required"
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc2.txt" && fail "healthcheck passed"
assert_grep "$T/hc2.txt" "^FAIL  proxy.1 +E302 .*407"
wait_for 10 grep -q "TCP_DENIED/407 .* CONNECT $NAME:$PORT" "$T/sq/access.log" ||
    fail "squid did not log the refused CONNECT"

note "the right password: activated through squid only"
proxy_conf proxy-good "https_proxy = http://agent:p%40ss%3Aw0rd@127.0.0.1:$SQ"
cp "$T/proxy-good.conf" "$T/a/proxy.conf"
kill -HUP "$AGENT_PID"
wait_for 20 status_check '.platform.activation == "activated"' ||
    fail "not activated through squid: $(tail -n 5 "$T/a/log/agent.log")"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
status_json > "$T/st.json"
[ "$(jq -r .platform.proxy "$T/st.json")" = "http://agent:****@127.0.0.1:$SQ" ] ||
    fail "status does not name squid: $(jq .platform "$T/st.json")"
AID=$(jq -r .platform.agent_id "$T/st.json")
expect 200 admin GET /api/v1/agents
assert_json .count 1
assert_json '.agents[0].agent_id' "$AID"
wait_for 10 admin_check "/api/v1/agents/$AID/errors?limit=100" \
    '(.errors | map(.code)) as $c | ($c | index("E302")) != null and ($c | index("E101")) != null' ||
    fail "E101/E302 not reported to the platform"
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc3.txt" ||
    fail "healthcheck failed through squid: $(cat "$T/hc3.txt")"
assert_grep "$T/hc3.txt" "^PASS  proxy.1 +http://agent:\*\*\*\*@127.0.0.1:$SQ carries a tunnel"
assert_grep "$T/hc3.txt" "^PASS  platform +authenticated request accepted .*through http://agent:\*\*\*\*@127.0.0.1:$SQ"
assert_grep "$T/hc3.txt" "^WARN  dns "

stop_agent
[ "$AGENT_RC" = 0 ] || fail "outpostd exited with $AGENT_RC"
# squid logs a tunnel when it closes: the agent kept its connection open.
wait_for 10 grep -q "TCP_TUNNEL/200 .* CONNECT $NAME:$PORT agent " "$T/sq/access.log" ||
    fail "no authenticated CONNECT in squid's access.log"

# A second agent whose platform URL resolves and is reachable directly.
platform_agent_conf "$T/b"

note "failover: the first proxy is dead, tinyproxy carries the check-in"
start_tinyproxy tp
TP=$PROXY_PORT
proxy_conf proxy-fo "https_proxy = http://127.0.0.1:$DEAD; http://127.0.0.1:$TP"
cp "$T/proxy-fo.conf" "$T/b/proxy.conf"
start_agent "$T/b"
wait_for 20 status_check '.platform.activation == "activated"' ||
    fail "not activated through tinyproxy: $(tail -n 5 "$T/b/log/agent.log")"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
[ "$(status_value .platform.proxy)" = "http://127.0.0.1:$TP" ] ||
    fail "tinyproxy did not carry the check-in"
assert_grep "$T/b/log/agent.log" "127.0.0.1:$DEAD.*trying next proxy http://127.0.0.1:$TP"
wait_for 10 grep -q "CONNECT localhost:$PORT" "$T/tp/tinyproxy.log" ||
    fail "no CONNECT in tinyproxy's log"

note "every proxy dead, direct reachable: fails without fail-open ..."
proxy_conf proxy-dead "https_proxy = http://127.0.0.1:$DEAD" \
    "proxy_fail_open = no"
cp "$T/proxy-dead.conf" "$T/b/proxy.conf"
kill -HUP "$AGENT_PID"
sleep 0.5
assert_fails "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 20 has_error E301 || wait_for 1 has_error E102 ||
    fail "no proxy failure with every proxy dead"
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc4.txt" && fail "healthcheck passed"
assert_grep "$T/hc4.txt" "^FAIL  proxy.1 +E30[12] .*127.0.0.1:$DEAD"
assert_grep "$T/hc4.txt" "^WARN  tcp.direct |^PASS  tcp.direct "

note "... and goes direct with proxy_fail_open = yes"
proxy_conf proxy-open "https_proxy = http://127.0.0.1:$DEAD" \
    "proxy_fail_open = yes"
cp "$T/proxy-open.conf" "$T/b/proxy.conf"
kill -HUP "$AGENT_PID"
sleep 0.5
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 20 status_check '.platform.proxy == "direct"' ||
    fail "fail-open did not go direct: $(tail -n 5 "$T/b/log/agent.log")"
stop_agent
[ "$AGENT_RC" = 0 ] || fail "outpostd exited with $AGENT_RC"
exit 0
