#!/bin/sh
# http-proxy.sh: the proxy policy against scripted CONNECT proxies
# (tests/tools/connect-proxy.py): failover from a dead, refusing, closing or
# silent proxy; every proxy dead with and without proxy_fail_open; random
# order; per-request routes; no_proxy; the environment when no proxy file
# exists or it names no proxy (the installed example); credentials (Proxy-Authorization to the proxy, Authorization
# only inside the tunnel); a password file others can read is refused.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-http.sh"

start_test_platform
start_connect_proxy cp ok
CP=$PROXY_PORT
DEAD1=$(free_port)
DEAD2=$(free_port)

note "a scripted proxy carries the request"
proxy_conf one "https_proxy = http://127.0.0.1:$CP"
run_httpget "$T/one.out" -c "$T/good-ca.pem" -P "$T/one.conf" \
    -o "$T/one.body" "$URL/" || fail "request through the proxy failed"
expect_result "$T/one.out" "status=200 error=E000 proxy=http://127.0.0.1:$CP attempts=1"
assert_grep "$T/one.body" '^hello from https-echo$'
assert_grep "$T/cp.log" "^CONNECT localhost:$ECHO_PORT HTTP/1.1"
assert_grep "$T/one.out.log" "debug: http: GET $URL/ via http://127.0.0.1:$CP: HTTP 200 \\(the proxy carried it\\)"

note "a stall inside a reused tunnel is a request timeout, not a proxy failure"
: > "$T/cp.log"
proxy_conf reuse "https_proxy = http://127.0.0.1:$CP" \
    "https_proxy = http://127.0.0.1:$DEAD1"
assert_fails run_httpget "$T/reuse.out" -c "$T/good-ca.pem" -P "$T/reuse.conf" \
    -T 1500 "$URL/" "$URL/stall"
expect_result "$T/reuse.out" "status=200 error=E000 proxy=http://127.0.0.1:$CP attempts=1"
assert_grep "$T/reuse.out" "^result 1 status=0 error=E105 proxy=http://127.0.0.1:$CP attempts=1 "
[ "$(grep -c "^CONNECT localhost:$ECHO_PORT" "$T/cp.log")" -eq 1 ] ||
    fail "the tunnel was not reused"

note "platform down behind a working proxy: the proxy's 502, E303"
assert_fails run_httpget "$T/pdown.out" -c "$T/good-ca.pem" -P "$T/one.conf" \
    "https://localhost:$DEAD2/"
expect_result "$T/pdown.out" "status=0 error=E303 proxy=direct attempts=1"
assert_grep "$T/pdown.out" "via http://127.0.0.1:$CP: proxy rejected CONNECT \\(HTTP 502 to CONNECT\\)"

note "first proxy dead, second alive: failover logged, success"
proxy_conf failover "https_proxy = http://127.0.0.1:$DEAD1" \
    "https_proxy = http://127.0.0.1:$CP"
run_httpget "$T/failover.out" -c "$T/good-ca.pem" -P "$T/failover.conf" \
    "$URL/" || fail "failover to the second proxy failed"
expect_result "$T/failover.out" "status=200 error=E000 proxy=http://127.0.0.1:$CP attempts=2"
assert_grep "$T/failover.out" "^attempt 0 1 http://127.0.0.1:$DEAD1 E301$"
assert_grep "$T/failover.out" "^attempt 0 2 http://127.0.0.1:$CP E000$"
assert_grep "$T/failover.out.log" "E301 GET $URL/ via http://127.0.0.1:$DEAD1: proxy refused the connection.*; trying next proxy http://127.0.0.1:$CP"

note "the same list in one ';'-separated value"
proxy_conf semi "https_proxy = http://127.0.0.1:$DEAD1 ; http://127.0.0.1:$CP"
run_httpget "$T/semi.out" -c "$T/good-ca.pem" -P "$T/semi.conf" "$URL/" ||
    fail "failover with a ';' list failed"
expect_result "$T/semi.out" "proxy=http://127.0.0.1:$CP attempts=2"

note "every proxy dead, proxy_fail_open = no: E301, no direct attempt"
proxy_conf closed "https_proxy = http://127.0.0.1:$DEAD1" \
    "https_proxy = http://127.0.0.1:$DEAD2" "proxy_fail_open = no"
assert_fails run_httpget "$T/closed.out" -c "$T/good-ca.pem" \
    -P "$T/closed.conf" "$URL/"
expect_result "$T/closed.out" 'status=0 error=E301 proxy=direct attempts=2'
grep -q "^attempt 0 . direct" "$T/closed.out" && fail "went direct"
assert_grep "$T/closed.out.log" 'no proxy left and proxy_fail_open is no'

note "every proxy dead, proxy_fail_open = yes: direct success"
proxy_conf open "https_proxy = http://127.0.0.1:$DEAD1" \
    "https_proxy = http://127.0.0.1:$DEAD2" "proxy_fail_open = yes"
run_httpget "$T/open.out" -c "$T/good-ca.pem" -P "$T/open.conf" "$URL/" ||
    fail "fail-open did not go direct"
expect_result "$T/open.out" 'status=200 error=E000 proxy=direct attempts=3'
assert_grep "$T/open.out" '^attempt 0 3 direct E000$'
assert_grep "$T/open.out.log" 'trying direct \(proxy_fail_open\)'
assert_grep "$T/open.out.log" "debug: http: GET $URL/ via direct: HTTP 200 \\(direct, every proxy failed\\)"

note "credentials: Proxy-Authorization to the proxy, Authorization not"
start_connect_proxy cp-ok ok
CPOK=$PROXY_PORT
proxy_conf cpok "https_proxy = http://agent:pw1@127.0.0.1:$CPOK"
run_httpget "$T/cpok.out" -c "$T/good-ca.pem" -P "$T/cpok.conf" \
    -H "Authorization: Bearer platform-credential" "$URL/" ||
    fail "request through the scripted proxy failed"
assert_grep "$T/cp-ok.log" "^CONNECT localhost:$ECHO_PORT HTTP/1.1"
assert_grep "$T/cp-ok.log" "^Proxy-Authorization: Basic $(printf agent:pw1 | openssl base64 -A)"
grep -qi 'platform-credential' "$T/cp-ok.log" &&
    fail "the Authorization header was sent to the proxy"

note "proxy answers CONNECT with 403: E303, next proxy carries it"
start_connect_proxy cp-403 403
CP403=$PROXY_PORT
proxy_conf cp403 "https_proxy = http://127.0.0.1:$CP403" \
    "https_proxy = http://127.0.0.1:$CPOK"
run_httpget "$T/cp403.out" -c "$T/good-ca.pem" -P "$T/cp403.conf" "$URL/" ||
    fail "failover after 403 failed"
assert_grep "$T/cp403.out" "^attempt 0 1 http://127.0.0.1:$CP403 E303$"
assert_grep "$T/cp403.out" "proxy rejected CONNECT \(HTTP 403 to CONNECT\)"
expect_result "$T/cp403.out" "status=200 error=E000 proxy=http://127.0.0.1:$CPOK attempts=2"

note "proxy closes without answering, another never answers: E301 each"
start_connect_proxy cp-close close
CPCLOSE=$PROXY_PORT
start_connect_proxy cp-silent silent
CPSILENT=$PROXY_PORT
proxy_conf cpbad "https_proxy = http://127.0.0.1:$CPCLOSE" \
    "https_proxy = http://127.0.0.1:$CPSILENT"
assert_fails run_httpget "$T/cpbad.out" -c "$T/good-ca.pem" -T 1500 \
    -P "$T/cpbad.conf" "$URL/"
expect_result "$T/cpbad.out" 'status=0 error=E301 proxy=direct attempts=2'
assert_grep "$T/cpbad.out" "^attempt 0 1 http://127.0.0.1:$CPCLOSE E301$"
assert_grep "$T/cpbad.out" "^attempt 0 2 http://127.0.0.1:$CPSILENT E301$"
assert_grep "$T/cpbad.out" "via http://127.0.0.1:$CPCLOSE: the proxy closed the connection before the tunnel was up"
assert_grep "$T/cpbad.out" "via http://127.0.0.1:$CPSILENT: no (connection or no )?CONNECT answer from the proxy in time"

note "random order starts anywhere but still fails over"
proxy_conf random "https_proxy = http://127.0.0.1:$DEAD1" \
    "https_proxy = http://127.0.0.1:$CP" "proxy_order = random"
for seed in 1 2 3 4; do
	run_httpget "$T/random$seed.out" -c "$T/good-ca.pem" -s $seed \
	    -P "$T/random.conf" "$URL/" || fail "random order, seed $seed"
done
cat "$T"/random?.out | grep -q '^attempt 0 1 http://127.0.0.1:'"$CP"' E000$' ||
    fail "random order never started with the second proxy"

note "healthcheck routes: direct only, or one given proxy only"
run_httpget "$T/direct.out" -c "$T/good-ca.pem" -P "$T/closed.conf" -D \
    "$URL/" || fail "direct route used the proxies"
expect_result "$T/direct.out" 'status=200 error=E000 proxy=direct attempts=1'
run_httpget "$T/only2.out" -c "$T/good-ca.pem" -P "$T/failover.conf" -V 2 \
    "$URL/" || fail "route through proxy 2 failed"
expect_result "$T/only2.out" "proxy=http://127.0.0.1:$CP attempts=1"
assert_fails run_httpget "$T/only1.out" -c "$T/good-ca.pem" \
    -P "$T/open.conf" -V 1 "$URL/"
expect_result "$T/only1.out" 'error=E301 proxy=direct attempts=1'
assert_fails run_httpget "$T/only9.out" -c "$T/good-ca.pem" \
    -P "$T/open.conf" -V 9 "$URL/"
assert_grep "$T/only9.out.log" 'no proxy number 9'

note "no_proxy: matching hosts go direct"
proxy_conf noproxy "https_proxy = http://127.0.0.1:$DEAD1" \
    "no_proxy = example.org, .localhost, 10.0.0.0/8"
run_httpget "$T/noproxy.out" -c "$T/good-ca.pem" -P "$T/noproxy.conf" \
    "$URL/" || fail "no_proxy host did not go direct"
expect_result "$T/noproxy.out" 'status=200 error=E000 proxy=direct attempts=1'

note "no proxy file: https_proxy from the environment"
https_proxy="http://127.0.0.1:$CP" run_httpget "$T/env.out" \
    -c "$T/good-ca.pem" -P "$T/absent.conf" "$URL/" ||
    fail "environment proxy failed"
expect_result "$T/env.out" "proxy=http://127.0.0.1:$CP "
HTTPS_PROXY="127.0.0.1:$CP" NO_PROXY=localhost run_httpget "$T/env2.out" \
    -c "$T/good-ca.pem" -e "$URL/" || fail "NO_PROXY from the environment"
expect_result "$T/env2.out" 'proxy=direct attempts=1'

note "the installed proxy.conf example (no proxy named): the environment's"
https_proxy="http://127.0.0.1:$CP" run_httpget "$T/example.out" \
    -c "$T/good-ca.pem" -P "$abs_top_srcdir/dist/proxy.conf.example" \
    "$URL/" || fail "the example proxy.conf turned the environment off"
expect_result "$T/example.out" "proxy=http://127.0.0.1:$CP "

note "a password in a file others can read is refused"
proxy_conf open644 "https_proxy = http://agent:s3cret@127.0.0.1:$CP"
chmod 644 "$T/open644.conf"
assert_fails run_httpget "$T/open644.out" -c "$T/good-ca.pem" \
    -P "$T/open644.conf" "$URL/"
expect_result "$T/open644.out" 'error=E304 '
assert_grep "$T/open644.out.log" "open644.conf: holds a proxy password .*chmod 600"
exit 0
