#!/bin/sh
# Connection deadlines and limits, one at a time, with short settings: a
# connection that sends nothing is closed at handshake_timeout, a request
# header sent a byte at a time at header_timeout (however busy the
# client), a body at request_timeout, an idle keep-alive connection at
# keepalive_timeout (an agent's at agent_keepalive_timeout), a client that
# does not read its answer at write_timeout (and, after a reload, at
# max_output_size); past
# max_connections_per_source a connection is cut before its handshake;
# at max_connections the oldest idle connection makes room for a new
# client. Each is counted in GET /api/v1/status. Then, with a descriptor
# limit of 48, descriptors run out: accepting pauses with a back-off
# instead of spinning, the log stays short, and the platform serves again
# once the connections go.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
command -v prlimit >/dev/null 2>&1 || skip "prlimit (util-linux) is not installed"
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.7", 0))' ||
    skip "cannot bind 127.0.0.7"

PROBE="python3 $abs_top_srcdir/tests/tools/conn-probe.py"
init_platform "$T/p"
cat >>"$PDIR/platform.conf" <<EOF
handshake_timeout = 1
header_timeout = 2
request_timeout = 3
keepalive_timeout = 2
agent_keepalive_timeout = 5
write_timeout = 2
max_connections = 6
max_connections_per_source = 3
EOF
run_platform
activate web-01

# between VALUE LOW HIGH: LOW <= VALUE < HIGH (decimals).
between() {
	[ "$(echo "$1 >= $2 && $1 < $3" | bc)" = 1 ]
}
# counted FILTER: the status counter FILTER is at least 1.
counted() {
	[ "$(platform_status "$1")" -ge 1 ]
}
value() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
probe() {
	$PROBE "$@" --port "$PORT" --ca "$PDIR/ca.pem"
}

r=$(probe idle-tcp --source 127.0.0.2)
note "idle TCP: $r"
between "$(value "$r" closed)" 0.9 3 || fail "handshake_timeout: $r"
counted .connections.closed.handshake_timeout || fail "not counted"

r=$(probe slow-header --source 127.0.0.2)
note "slow header: $r"
between "$(value "$r" closed)" 1.9 4 || fail "header_timeout: $r"
counted .connections.closed.header_timeout || fail "not counted"

r=$(probe slow-body --source 127.0.0.2 --token "$CRED" --path /agent/v1/heartbeat)
note "slow body: $r"
between "$(value "$r" closed)" 2.9 5 || fail "request_timeout: $r"
counted .connections.closed.request_timeout || fail "not counted"

r=$(probe keepalive --source 127.0.0.2 --token "$TOKEN")
note "keep-alive: $r"
[ "$(value "$r" status)" = 200 ] || fail "keep-alive request: $r"
between "$(value "$r" closed)" 1.4 4 || fail "keepalive_timeout: $r"
counted .connections.closed.keepalive_timeout || fail "not counted"

# An agent's connection idles agent_keepalive_timeout after an answer to
# its authenticated request; a refused credential gets keepalive_timeout.
r=$(probe keepalive --source 127.0.0.2 --token "$CRED" --path /agent/v1/profile)
note "agent keep-alive: $r"
[ "$(value "$r" status)" = 200 ] || fail "agent keep-alive request: $r"
between "$(value "$r" closed)" 4.4 7 || fail "agent_keepalive_timeout: $r"
counted .connections.closed.agent_keepalive_timeout || fail "not counted"
r=$(probe keepalive --source 127.0.0.2 --token "not-$CRED" --path /agent/v1/profile)
note "refused agent keep-alive: $r"
[ "$(value "$r" status)" = 401 ] || fail "bad credential: $r"
between "$(value "$r" closed)" 1.4 4 || fail "keepalive_timeout (401): $r"

# A big answer for a client that does not read: a 12 MB inventory.
python3 -c 'import json; print(json.dumps({"type": "full", "data": {"blob": "a" * 12000000}}))' |
    gzip -c >"$T/big.gz"
expect 200 agent POST /agent/v1/inventory -H 'Content-Encoding: gzip' \
    --data-binary "@$T/big.gz"
# slow_reader COUNTER: a client asks for the big answer and never reads;
# the platform must close it, counting it in COUNTER.
slow_reader() {
	$PROBE slow-reader --port "$PORT" --ca "$PDIR/ca.pem" \
	    --source 127.0.0.3 --token "$TOKEN" \
	    --path "/api/v1/agents/$AGENT_ID/inventory" >"$T/reader" &
	_reader=$!
	at_exit "kill $_reader 2>/dev/null"
	wait_for 10 counted ".connections.closed.$1" ||
	    fail "a client not reading was not closed by $1: $(platform_status -c .connections)"
	kill "$_reader"
	wait "$_reader" 2>/dev/null
}
slow_reader write_timeout
# The same, after a reload with a small output cap and long deadlines.
sed -i -e 's/^write_timeout = 2$/write_timeout = 60/' \
    -e 's/^keepalive_timeout = 2$/keepalive_timeout = 60/' "$PDIR/platform.conf"
echo "max_output_size = 1M" >>"$PDIR/platform.conf"
kill -HUP "$PLATFORM_PID"
wait_for 10 grep -q reloaded "$PDIR/log/platform.log" || fail "no reload"
slow_reader max_output_size

# Per source and in total. One idle keep-alive connection from 127.0.0.6
# (the oldest); three from 127.0.0.4 and a fourth cut at once
# (max_connections_per_source); two from 127.0.0.5 fill max_connections
# (six). A new client from 127.0.0.6 still gets in: the oldest idle
# connection, its own source's only one, is closed to make room.
# hold N SOURCE FILE: hold N idle keep-alive connections; sets HOLD_PID.
hold() {
	$PROBE hold-idle --port "$PORT" --ca "$PDIR/ca.pem" --source "$2" \
	    --token "$TOKEN" --count "$1" >"$3" &
	HOLD_PID=$!
	at_exit "kill $HOLD_PID 2>/dev/null"
	wait_for 5 grep -q held= "$3" || fail "hold-idle did not report"
}
hold 1 127.0.0.6 "$T/hold6"
hold6=$HOLD_PID
hold 4 127.0.0.4 "$T/hold4"
hold4=$HOLD_PID
note "127.0.0.4: $(cat "$T/hold4")"
grep -q 'held=3 refused=1' "$T/hold4" || fail "per source: $(cat "$T/hold4")"
counted .connections.refused.max_connections_per_source || fail "not counted"
hold 2 127.0.0.5 "$T/hold5"
hold5=$HOLD_PID
grep -q 'held=2 refused=0' "$T/hold5" || fail "127.0.0.5: $(cat "$T/hold5")"
r=$(curl -sS --max-time 1 --interface 127.0.0.6 --cacert "$PDIR/ca.pem" \
    -o "$OUT" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    "$URL/api/v1/status")
[ "$r" = 200 ] || fail "a new client did not get in at max_connections: $r"
jq -e '.connections.evicted.idle >= 1 and .connections.open <= 6' "$OUT" \
    >/dev/null || fail "no idle connection closed: $(jq -c .connections "$OUT")"
kill "$hold6" "$hold4" "$hold5"
wait "$hold6" "$hold4" "$hold5" 2>/dev/null
note "after: 127.0.0.6 $(tail -n 1 "$T/hold6"), 127.0.0.4 $(tail -n 1 "$T/hold4"), 127.0.0.5 $(tail -n 1 "$T/hold5")"
grep -q 'alive=0' "$T/hold6" || fail "the oldest idle (127.0.0.6) was not the one closed"
grep -q 'alive=3' "$T/hold4" || fail "127.0.0.4 lost a connection"
kill -0 "$PLATFORM_PID" || fail "the platform died"

# When every connection is busy (six sending bodies slowly), there is
# nothing to close: a new client is refused at once, and counted. (The
# status is polled with five: a sixth would leave no room for the poll.)
slow_body() {
	probe slow-body --source "$1" --token "$CRED" \
	    --path /agent/v1/heartbeat >/dev/null &
	at_exit "kill $! 2>/dev/null"
}
for src in 127.0.0.4 127.0.0.4 127.0.0.4 127.0.0.5 127.0.0.5; do
	slow_body "$src"
done
busy() {
	[ "$(platform_status .connections.by_state.body)" -ge 5 ]
}
wait_for 2 busy || fail "the slow bodies did not start: $(platform_status -c .connections)"
refused_before=$(platform_status .connections.refused.max_connections)
slow_body 127.0.0.5
sleep 0.5
start=$(date +%s.%N)
r=$(curl -sS --max-time 2 --interface 127.0.0.6 --cacert "$PDIR/ca.pem" \
    -o /dev/null -w '%{http_code}' "$URL/api/v1/settings" 2>&1)
took=$(echo "$(date +%s.%N) - $start" | bc)
note "a client when all are busy: $r, after $took s"
case $r in
*200) fail "served while every connection was busy" ;;
esac
[ "$(echo "$took < 1" | bc)" = 1 ] || fail "the refusal took $took s (it must be at once)"
refused_now() {
	[ "$(platform_status .connections.refused.max_connections)" -gt "$refused_before" ]
}
wait_for 10 refused_now || fail "the refusal was not counted"
stop_platform

# Descriptors run out (a limit of 48): no spin, a short log, and back to
# serving once the connections go.
init_platform "$T/q"
echo "handshake_timeout = 30" >>"$PDIR/platform.conf"
PLATFORM_PREFIX="prlimit --nofile=48:48"
run_platform
python3 "$abs_top_srcdir/tests/tools/conn-hold.py" --port "$PORT" \
    --count 45 --reopen 1 --duration 60 --status "$T/emfile.status" \
    --sources 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6 &
holder=$!
at_exit "kill $holder 2>/dev/null"
wait_for 10 grep -q 'accept: Too many open files' "$PDIR/log/platform.log" ||
    fail "descriptors did not run out: $(cat "$T/emfile.status")"
before=$(cpu_ticks "$PLATFORM_PID")
sleep 5
ticks=$(( $(cpu_ticks "$PLATFORM_PID") - before ))
note "out of descriptors: $ticks ticks of CPU in 5 s; $(cat "$T/emfile.status")"
[ "$ticks" -lt "$(( $(getconf CLK_TCK) / 2 ))" ] || fail "the platform spins: $ticks ticks in 5 s"
lines=$(grep -c 'accept: ' "$PDIR/log/platform.log")
[ "$lines" -le 10 ] || fail "$lines accept warnings in the log"
kill "$holder"
wait "$holder" 2>/dev/null
wait_for 10 curl -sSf --max-time 1 --cacert "$PDIR/ca.pem" -o "$OUT" \
    -H "Authorization: Bearer $TOKEN" "$URL/api/v1/status" ||
    fail "not serving after the connections went"
jq -e '.connections.accept_errors >= 1' "$OUT" >/dev/null ||
    fail "accept errors not counted: $(jq -c .connections "$OUT")"
exit 0
