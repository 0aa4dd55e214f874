#!/bin/sh
# http-tls.sh: direct HTTPS with certificate verification, SPKI pins,
# gzip both ways, HTTP errors, the response size cap and a stopped
# platform, through tests/tools/httpget on one event loop.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-http.sh"

start_test_platform
make_ca other

note "right CA: OK, body, ETag and Date, gzip response decoded"
run_httpget "$T/ok.out" -c "$T/good-ca.pem" -o "$T/ok.body" "$URL/" ||
    fail "request with the right CA failed: $(cat "$T/ok.out")"
expect_result "$T/ok.out" 'status=200 error=E000 proxy=direct attempts=1'
assert_grep "$T/ok.body" '^hello from https-echo$'
assert_grep "$T/ok.out" '^header 0 etag "v1"$'
assert_grep "$T/ok.out" '^header 0 date [A-Z][a-z][a-z], '
assert_grep "$T/server-echo.log" '^GET / .*accept-encoding=.*gzip'

note "certificate details on request (fresh handshake)"
run_httpget "$T/cert.out" -c "$T/good-ca.pem" -I "$URL/" "$URL/" ||
    fail "certificate request failed"
assert_grep "$T/cert.out" '^peer 0 subject CN ?= ?localhost$'
assert_grep "$T/cert.out" '^peer 0 issuer CN ?= ?outpost test CA good$'
assert_grep "$T/cert.out" '^peer 0 not_after [A-Z][a-z][a-z] '
assert_grep "$T/cert.out" '^peer 1 subject CN ?= ?localhost$'
grep -q '^peer' "$T/ok.out" && fail "certificate details without -I"

note "IP literal in the certificate's names"
run_httpget "$T/ip.out" -c "$T/good-ca.pem" "https://127.0.0.1:$ECHO_PORT/" ||
    fail "request to 127.0.0.1 failed"

note "wrong CA: TLS verification error E201"
assert_fails run_httpget "$T/ca.out" -c "$T/other-ca.pem" "$URL/"
expect_result "$T/ca.out" 'status=0 error=E201 '
assert_grep "$T/ca.out" "^detail 0 $URL/ via direct: certificate verification failed"

note "system trust store does not know the test CA: E201"
assert_fails run_httpget "$T/sys.out" "$URL/"
expect_result "$T/sys.out" 'error=E201 '

note "right pin (hex and base64): OK"
PIN_HEX=$(spki_pin "$T/server.pem" hex)
PIN_B64=$(spki_pin "$T/server.pem" base64)
run_httpget "$T/pin.out" -c "$T/good-ca.pem" -p "$PIN_HEX" "$URL/" ||
    fail "right hex pin refused: $(cat "$T/pin.out")"
run_httpget "$T/pin64.out" -c "$T/good-ca.pem" -p "$PIN_B64" "$URL/" ||
    fail "right base64 pin refused: $(cat "$T/pin64.out")"

note "wrong pin: E202"
WRONG=$(spki_pin "$T/good-ca.pem" hex)
assert_fails run_httpget "$T/badpin.out" -c "$T/good-ca.pem" -p "$WRONG" \
    "$URL/"
expect_result "$T/badpin.out" 'status=0 error=E202 '

note "malformed pin: the client refuses to start"
assert_fails run_httpget "$T/junkpin.out" -c "$T/good-ca.pem" -p nothex "$URL/"
assert_grep "$T/junkpin.out.log" 'pin_sha256 "nothex" is neither'

note "gzip request body arrives and is decoded by the server"
python3 -c 'print("outpost inventory record " * 400)' > "$T/payload"
run_httpget "$T/gz.out" -c "$T/good-ca.pem" -X POST -z \
    -H "Content-Type: application/octet-stream" \
    -d "$(cat "$T/payload")" -o "$T/gz.body" "$URL/echo" ||
    fail "gzip POST failed: $(cat "$T/gz.out")"
expect_result "$T/gz.out" 'status=200 error=E000 '
size=$(wc -c < "$T/payload")
assert_grep "$T/server-echo.log" "^POST /echo encoding=gzip raw=[0-9]+ decoded=$((size - 1)) "
raw=$(sed -n 's/^POST \/echo encoding=gzip raw=\([0-9]*\) .*/\1/p' \
    "$T/server-echo.log")
[ "$raw" -lt $((size / 4)) ] || fail "body of $size bytes not compressed ($raw)"
printf '%s' "$(cat "$T/payload")" | cmp -s - "$T/gz.body" ||
    fail "echoed body differs from what was sent"

note "plain POST body arrives unchanged"
run_httpget "$T/post.out" -c "$T/good-ca.pem" -X POST -d 'abc=1' \
    -o "$T/post.body" "$URL/echo" || fail "POST failed"
assert_grep "$T/server-echo.log" '^POST /echo encoding=identity raw=5 decoded=5 '
assert_grep "$T/post.body" '^abc=1$'

note "HTTP error status: E401 with the status"
assert_fails run_httpget "$T/503.out" -c "$T/good-ca.pem" "$URL/status/503"
expect_result "$T/503.out" 'status=503 error=E401 '
assert_grep "$T/503.out" '^detail 0 .*HTTP error 503'

note "response larger than the cap: E405"
assert_fails run_httpget "$T/big.out" -c "$T/good-ca.pem" -m 1000 \
    "$URL/big?n=5000"
expect_result "$T/big.out" 'error=E405 '
run_httpget "$T/big2.out" -c "$T/good-ca.pem" -m 1000 "$URL/big?n=1000" ||
    fail "response at the cap refused"

note "parallel requests on one loop"
run_httpget "$T/par.out" -c "$T/good-ca.pem" -n 20 "$URL/" ||
    fail "parallel requests failed"
[ "$(grep -c '^result .* status=200 error=E000' "$T/par.out")" -eq 20 ] ||
    fail "not 20 results"
assert_grep "$T/par.out" '^pending 0$'

note "platform down: E102 connect refused"
DEAD=$(free_port)
assert_fails run_httpget "$T/down.out" -c "$T/good-ca.pem" \
    "https://127.0.0.1:$DEAD/"
expect_result "$T/down.out" 'status=0 error=E102 '
assert_grep "$T/down.out" "^detail 0 https://127.0.0.1:$DEAD/ via direct: connection refused"

note "unknown host: E101"
assert_fails run_httpget "$T/dns.out" -c "$T/good-ca.pem" \
    "https://no-such-host.invalid/"
expect_result "$T/dns.out" 'error=E101 '

note "only https:// URLs"
assert_fails run_httpget "$T/plain.out" "http://localhost:$ECHO_PORT/"
assert_grep "$T/plain.out.log" 'is not an https:// URL'
exit 0
