#!/bin/sh
# http-stall.sh: while a server stalls a request, a 50 ms repeating timer
# on the same event loop keeps firing (nothing blocks); the request ends
# with the request-timeout code. Cancelling a stalled call frees it.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-http.sh"

start_test_platform

note "stalled answer: ticks keep coming for 2 s, then E105"
assert_fails run_httpget "$T/stall.out" -c "$T/good-ca.pem" -t 50 -T 2000 \
    "$URL/stall"
expect_result "$T/stall.out" 'status=0 error=E105 '
assert_grep "$T/server-echo.log" '^GET /stall '
# check_ticks OUT MIN_ELAPSED_MS: the 50 ms timer fired all along the loop.
check_ticks() {
	set -- "$1" "$2" $(sed -n 's/^ticks \([0-9]*\) maxgap_ms \([0-9]*\) elapsed_ms \([0-9]*\)$/\1 \2 \3/p' "$1")
	[ $# -eq 5 ] || fail "no ticks line: $(cat "$1")"
	note "ticks=$3 maxgap_ms=$4 elapsed_ms=$5"
	[ "$5" -ge "$2" ] || fail "the loop ended after $5 ms, before $2 ms"
	if [ -n "${HTTPGET_WRAPPER:-}" ]; then
		note "timing not checked under $HTTPGET_WRAPPER"
		return
	fi
	# At least 60 % of the ticks due, and never a gap of 500 ms.
	[ $(( $3 * 50 * 10 )) -ge $(( $5 * 6 )) ] ||
	    fail "only $3 ticks of 50 ms in $5 ms: the loop blocked"
	[ "$4" -lt 500 ] || fail "the loop stalled for $4 ms"
}
check_ticks "$T/stall.out" 1900

note "a silent TLS peer (accepts, never handshakes) stalls the same way"
SILENT=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5)
c = s.accept(); time.sleep(60)' "$SILENT" &
pid=$!
at_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
wait_for 10 port_open "$SILENT" || fail "silent peer did not start"
assert_fails run_httpget "$T/silent.out" -c "$T/good-ca.pem" -t 50 \
    -C 1000 -T 1500 "https://127.0.0.1:$SILENT/"
check_ticks "$T/silent.out" 900
expect_result "$T/silent.out" 'error=E10[35] '

note "cancel a stalled request: no callback, nothing pending"
assert_fails run_httpget "$T/cancel.out" -c "$T/good-ca.pem" -n 3 -k 300 \
    "$URL/stall"
[ "$(grep -c '^cancelled ' "$T/cancel.out")" -eq 3 ] ||
    fail "not 3 cancelled: $(cat "$T/cancel.out")"
grep -q '^result ' "$T/cancel.out" && fail "a cancelled call completed"
assert_grep "$T/cancel.out" '^pending 0$'
exit 0
