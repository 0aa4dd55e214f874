#!/bin/sh
# http-tinyproxy.sh: HTTPS through a real tinyproxy (CONNECT in its log),
# with and without basic auth, failover from a dead proxy to it, a CONNECT
# it refuses by policy, and a platform it cannot reach.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-http.sh"

start_test_platform
start_tinyproxy tp
TP=$PROXY_PORT
start_tinyproxy tpauth agent s3cret
TPAUTH=$PROXY_PORT
TINYPROXY_EXTRA="ConnectPort 1" start_tinyproxy tpport
TPPORT=$PROXY_PORT
DEAD=$(free_port)

note "tinyproxy without auth carries the request (CONNECT in its log)"
proxy_conf one "https_proxy = http://127.0.0.1:$TP"
run_httpget "$T/one.out" -c "$T/good-ca.pem" -P "$T/one.conf" \
    -o "$T/one.body" "$URL/" || fail "request through tinyproxy failed"
expect_result "$T/one.out" "status=200 error=E000 proxy=http://127.0.0.1:$TP attempts=1"
assert_grep "$T/one.body" '^hello from https-echo$'
assert_grep "$T/tp/tinyproxy.log" "CONNECT localhost:$ECHO_PORT"
assert_grep "$T/one.out.log" "debug: http: GET $URL/ via http://127.0.0.1:$TP: HTTP 200 \\(the proxy carried it\\)"

note "tinyproxy with basic auth, right password (masked in the log)"
proxy_conf auth "https_proxy = http://agent:s3cret@127.0.0.1:$TPAUTH"
run_httpget "$T/auth.out" -c "$T/good-ca.pem" -P "$T/auth.conf" "$URL/" ||
    fail "request through tinyproxy with auth failed"
expect_result "$T/auth.out" "status=200 error=E000 proxy=http://agent:\*\*\*\*@127.0.0.1:$TPAUTH "
assert_grep "$T/tpauth/tinyproxy.log" "CONNECT localhost:$ECHO_PORT"
grep -q s3cret "$T/auth.out" "$T/auth.out.log" && fail "password in the output"

note "tinyproxy with basic auth, wrong password: E302"
proxy_conf badauth "https_proxy = http://agent:Bad9pass@127.0.0.1:$TPAUTH"
assert_fails run_httpget "$T/badauth.out" -c "$T/good-ca.pem" \
    -P "$T/badauth.conf" "$URL/"
expect_result "$T/badauth.out" 'status=0 error=E302 proxy=direct attempts=1'
assert_grep "$T/badauth.out" 'proxy requires authentication.*HTTP 40[17] to CONNECT'

note "first proxy dead, tinyproxy second: failover logged, success"
proxy_conf failover "https_proxy = http://127.0.0.1:$DEAD" \
    "https_proxy = http://127.0.0.1:$TP"
run_httpget "$T/failover.out" -c "$T/good-ca.pem" -P "$T/failover.conf" \
    "$URL/" || fail "failover to tinyproxy failed"
expect_result "$T/failover.out" "status=200 error=E000 proxy=http://127.0.0.1:$TP attempts=2"
assert_grep "$T/failover.out.log" "E301 GET $URL/ via http://127.0.0.1:$DEAD: proxy refused the connection.*; trying next proxy http://127.0.0.1:$TP"

note "tinyproxy refuses CONNECT to the port (ConnectPort): E303"
proxy_conf rejected "https_proxy = http://127.0.0.1:$TPPORT"
assert_fails run_httpget "$T/rejected.out" -c "$T/good-ca.pem" \
    -P "$T/rejected.conf" "$URL/"
expect_result "$T/rejected.out" 'status=0 error=E303 '

note "platform down behind tinyproxy: its CONNECT answer, E303"
assert_fails run_httpget "$T/pdown.out" -c "$T/good-ca.pem" -P "$T/one.conf" \
    "https://localhost:$DEAD/"
expect_result "$T/pdown.out" "status=0 error=E303 proxy=direct attempts=1"
assert_grep "$T/pdown.out" "via http://127.0.0.1:$TP: proxy rejected CONNECT \\(HTTP 5[0-9][0-9] to CONNECT\\)"
exit 0
