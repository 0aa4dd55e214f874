#!/bin/sh
# http-squid.sh: HTTPS through squid with basic auth (basic_ncsa_auth):
# the right password carries the request (CONNECT in access.log), a wrong
# one or none yields the proxy-auth-required code (407), and a second,
# healthy proxy takes over from a squid that refuses the credentials.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-http.sh"

start_test_platform
start_squid sq agent 'p@ss:w0rd'
SQ=$PROXY_PORT

note "right password (percent-encoded '@' and ':'): success via squid"
proxy_conf good "https_proxy = http://agent:p%40ss%3Aw0rd@127.0.0.1:$SQ"
run_httpget "$T/good.out" -c "$T/good-ca.pem" -P "$T/good.conf" \
    -o "$T/good.body" "$URL/" || fail "request through squid failed"
expect_result "$T/good.out" "status=200 error=E000 proxy=http://agent:\*\*\*\*@127.0.0.1:$SQ attempts=1"
assert_grep "$T/good.body" '^hello from https-echo$'
wait_for 10 grep -q "CONNECT localhost:$ECHO_PORT agent " "$T/sq/access.log" ||
    fail "no authenticated CONNECT in squid's access.log"
assert_grep "$T/sq/access.log" "TCP_TUNNEL/200 .* CONNECT localhost:$ECHO_PORT agent "

note "gzip POST through squid"
run_httpget "$T/post.out" -c "$T/good-ca.pem" -P "$T/good.conf" -X POST -z \
    -d "$(python3 -c 'print("x" * 5000)')" "$URL/echo" ||
    fail "gzip POST through squid failed"
assert_grep "$T/server-echo.log" '^POST /echo encoding=gzip raw=[0-9]+ decoded=5000 '

note "wrong password: E302 (407 from squid)"
proxy_conf bad "https_proxy = http://agent:Bad9pass@127.0.0.1:$SQ"
assert_fails run_httpget "$T/bad.out" -c "$T/good-ca.pem" -P "$T/bad.conf" \
    "$URL/"
expect_result "$T/bad.out" 'status=0 error=E302 proxy=direct attempts=1'
assert_grep "$T/bad.out" "^detail 0 $URL/ via http://agent:\*\*\*\*@127.0.0.1:$SQ: proxy requires authentication.*HTTP 407 to CONNECT"
assert_grep "$T/bad.out.log" "E302 GET $URL/ via http://agent:\*\*\*\*@127.0.0.1:$SQ"
grep -q Bad9pass "$T/bad.out" "$T/bad.out.log" && fail "password in the output"
wait_for 10 grep -q "TCP_DENIED/407 .* CONNECT localhost:$ECHO_PORT" \
    "$T/sq/access.log" || fail "squid did not log the 407"

note "no credentials at all: E302"
proxy_conf none "https_proxy = http://127.0.0.1:$SQ"
assert_fails run_httpget "$T/none.out" -c "$T/good-ca.pem" \
    -P "$T/none.conf" "$URL/"
expect_result "$T/none.out" 'error=E302 '

note "squid refuses the password, a second proxy carries it"
start_squid sq2
SQ2=$PROXY_PORT
proxy_conf failover "https_proxy = http://agent:Bad9pass@127.0.0.1:$SQ" \
    "https_proxy = http://127.0.0.1:$SQ2"
run_httpget "$T/failover.out" -c "$T/good-ca.pem" -P "$T/failover.conf" \
    "$URL/" || fail "failover after 407 failed"
expect_result "$T/failover.out" "status=200 error=E000 proxy=http://127.0.0.1:$SQ2 attempts=2"
assert_grep "$T/failover.out" "^attempt 0 1 http://agent:\*\*\*\*@127.0.0.1:$SQ E302$"
assert_grep "$T/failover.out.log" "E302 .*; trying next proxy http://127.0.0.1:$SQ2"
wait_for 10 grep -q "TCP_TUNNEL/200 .* CONNECT localhost:$ECHO_PORT" \
    "$T/sq2/access.log" || fail "no CONNECT in the second squid's log"

note "wrong CA behind a working proxy is still a TLS error, not a proxy one"
make_ca other
assert_fails run_httpget "$T/ca.out" -c "$T/other-ca.pem" -P "$T/good.conf" \
    "$URL/"
expect_result "$T/ca.out" "error=E201 proxy=http://agent:\*\*\*\*@127.0.0.1:$SQ attempts=1"
exit 0
