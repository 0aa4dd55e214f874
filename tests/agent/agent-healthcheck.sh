#!/bin/sh
# outpostctl healthcheck against a real platform: all PASS when things are
# right; a precise FAIL line (and exit status 1) for a platform that is
# down, a platform certificate from another CA, a dead proxy, a broken
# configuration file and an unwritable directory; --json for machines.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-http.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"
platform_agent "$T/a"
wait_activated
hc() {
	_rc=0
	"$OUTPOSTCTL" -c "$CONF" healthcheck "$@" > "$T/hc.out" 2>&1 || _rc=$?
	cat "$T/hc.out" >&2
	return $_rc
}

note "healthy"
hc || fail "healthcheck failed on a healthy agent"
for c in config config.proxy dirs.state dirs.spool dirs.log dirs.run \
    identity dns tcp.direct tls platform clock manifests; do
	grep -Eq "^PASS  $c " "$T/hc.out" || fail "no PASS line for $c"
done
assert_grep "$T/hc.out" "^PASS  tls +certificate .*CN = localhost, issuer .*valid until .*; verified against $PDIR/ca.pem"
assert_grep "$T/hc.out" "^result: PASS$"
hc --json || fail "healthcheck --json failed"
jq -e '.result == "PASS" and (.checks | length) >= 13 and (.checks | all(has("check") and has("result") and has("message")))' \
    "$T/hc.out" >/dev/null || fail "bad JSON report"

note "dead proxy"
DEAD=$(free_port)
proxy_conf pc "https_proxy = http://127.0.0.1:$DEAD"
cp "$T/pc.conf" "$T/a/proxy.conf"
hc && fail "healthcheck passed with a dead proxy"
assert_grep "$T/hc.out" "^FAIL  proxy.1 +E30[12] .*127.0.0.1:$DEAD"
assert_grep "$T/hc.out" "^ +fix: "
assert_grep "$T/hc.out" "^result: FAIL$"
rm -f "$T/a/proxy.conf"

note "platform certificate from another CA"
make_ca other
sed -i "s|^ca_file = .*|ca_file = $T/other-ca.pem|" "$CONF"
kill -HUP "$AGENT_PID"
sleep 0.5
hc && fail "healthcheck passed with the wrong CA"
assert_grep "$T/hc.out" "^FAIL  tls +E201 "
assert_grep "$T/hc.out" "^PASS  tcp.direct "
sed -i "s|^ca_file = .*|ca_file = $PDIR/ca.pem|" "$CONF"
kill -HUP "$AGENT_PID"
sleep 0.5

note "platform down"
stop_platform
hc && fail "healthcheck passed with the platform down"
assert_grep "$T/hc.out" "^FAIL  tcp.direct +E102 .*localhost:$PORT"
assert_grep "$T/hc.out" "^FAIL  platform +E102 "
assert_grep "$T/hc.out" "^SKIP  tls "

note "broken configuration and an unwritable directory"
echo "log_levle = loud" >> "$CONF"
chmod 0500 "$T/a/state/spool"
hc && fail "healthcheck passed with a bad configuration"
assert_grep "$T/hc.out" "^FAIL  config +$CONF:[0-9]+: .*log_levle"
if [ "$(id -u)" != 0 ]; then
	assert_grep "$T/hc.out" "^FAIL  dirs.spool "
fi
chmod 0700 "$T/a/state/spool"
stop_agent
[ "$AGENT_RC" = 0 ] || fail "outpostd exited with $AGENT_RC"
exit 0
