#!/bin/sh
# GET /metrics: the Prometheus text format, for the admin API's principals
# only, accepted by promtool check metrics, and its figures move with the
# load: heartbeats, an inventory, a FIM batch and an error report from
# curl, then (when bench/fleet-sim is built) a few seconds of simulated
# agents. promtool (Debian's prometheus package) is optional: without it
# everything else is checked and the test then skips, saying so.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"
activate web-01

# scrape NAME: GET /metrics into $T/NAME.prom; fails unless 200.
scrape() {
	expect 200 admin GET /metrics -D "$T/$1.headers"
	cp "$OUT" "$T/$1.prom"
}

# value FILE SERIES: the value of the series (name with its labels, as
# written) in a scrape, or 0 when absent.
value() {
	awk -v s="$2" '$1 == s { v = $2 } END { print v == "" ? 0 : v }' "$1"
}

# promcheck FILE: promtool's verdict on a scrape, when promtool is here.
promcheck() {
	command -v promtool >/dev/null 2>&1 || return 0
	promtool check metrics <"$1" >"$T/promtool.out" 2>&1 ||
	    fail "promtool check metrics refused $1: $(cat "$T/promtool.out")"
}

# Protected like the admin API: no credential, an agent's, a wrong token.
expect 401 http GET /metrics ""
assert_json .error invalid_token
expect 401 http GET /metrics "$CRED"
expect 401 http GET /metrics "not-the-token"
# Other methods are refused.
expect 405 admin POST /metrics -d '{}'

scrape before
grep -qi '^content-type: text/plain; version=0.0.4' "$T/before.headers" ||
    fail "content type: $(cat "$T/before.headers")"
promcheck "$T/before.prom"
for m in outpost_platform_build_info outpost_platform_requests_total \
    outpost_platform_request_duration_seconds_bucket \
    outpost_platform_store_commit_duration_seconds_count \
    outpost_platform_connections_open \
    outpost_platform_connections_refused_total \
    outpost_platform_agents_online outpost_platform_answers_waiting \
    outpost_platform_worker_queue process_cpu_seconds_total \
    process_resident_memory_bytes; do
	grep -q "^$m" "$T/before.prom" || fail "no $m in $(cat "$T/before.prom")"
done
grep -Eq '^outpost_platform_build_info\{version="[^"]+"\} 1$' \
    "$T/before.prom" || fail "build_info: $(grep build_info "$T/before.prom")"
[ "$(value "$T/before.prom" outpost_platform_agents)" = 1 ] ||
    fail "agents: $(grep agents "$T/before.prom")"
[ "$(value "$T/before.prom" outpost_platform_agents_online)" = 0 ] ||
    fail "online before any heartbeat: $(grep agents "$T/before.prom")"

# Load from curl: 20 heartbeats, one full inventory, a FIM batch, an error.
hb='outpost_platform_requests_total{method="POST",endpoint="/agent/v1/heartbeat",code="200"}'
hbn='outpost_platform_request_duration_seconds_count{method="POST",endpoint="/agent/v1/heartbeat"}'
commits=outpost_platform_store_commit_duration_seconds_count
i=0
while [ "$i" -lt 20 ]; do
	expect 200 heartbeat
	i=$((i + 1))
done
expect 200 agent POST /agent/v1/inventory -d \
    '{"type":"full","data":{"packages":[{"name":"openssl","version":"3.0.11-1~deb12u2","arch":"amd64","ecosystem":"deb"}]}}'
expect 200 agent POST /agent/v1/fim-events \
    -d '{"sequence":1,"events":[{"time":1000,"path":"/etc/passwd","action":"modify"}]}'
expect 200 agent POST /agent/v1/errors \
    -d '{"errors":[{"code":"E101","message":"test","time":1000}]}'
expect 401 http POST /agent/v1/heartbeat "" -d '{}'
scrape after
promcheck "$T/after.prom"

moved() {
	_b=$(value "$T/$1.prom" "$3")
	_a=$(value "$T/$2.prom" "$3")
	[ "$(echo "$_a - $_b >= $4" | bc)" = 1 ] ||
	    fail "$3 went from $_b to $_a, expected +$4"
	note "$3: $_b -> $_a"
}
moved before after "$hb" 20
moved before after "$hbn" 20
moved before after "$commits" 20
moved before after \
    'outpost_platform_requests_total{method="POST",endpoint="/agent/v1/inventory",code="200"}' 1
moved before after \
    'outpost_platform_requests_total{method="POST",endpoint="/agent/v1/fim-events",code="200"}' 1
moved before after \
    'outpost_platform_requests_total{method="POST",endpoint="/agent/v1/errors",code="200"}' 1
moved before after \
    'outpost_platform_requests_total{method="POST",endpoint="/agent/v1/heartbeat",code="401"}' 1
moved before after outpost_platform_connections_accepted_total 24
[ "$(value "$T/after.prom" outpost_platform_agents_online)" = 1 ] ||
    fail "online after heartbeats: $(grep agents "$T/after.prom")"
# Each bucket series is cumulative and ends at the count.
inf=$(value "$T/after.prom" \
    'outpost_platform_request_duration_seconds_bucket{method="POST",endpoint="/agent/v1/heartbeat",le="+Inf"}')
[ "$inf" = "$(value "$T/after.prom" "$hbn")" ] || fail "+Inf bucket $inf"

# Load from the fleet simulator, when it is built.
SIM=$abs_top_builddir/bench/fleet-sim
if [ -x "$SIM" ]; then
	"$SIM" --url "$URL" --ca "$PDIR/ca.pem" \
	    --activation-id "$ACTIVATION_ID" --customer-id "$CUSTOMER_ID" \
	    --steps 200 --warmup 3 --step-time 4 --heartbeat 2 \
	    --deltas-per-hour 1800 --fim-per-hour 1800 --packages 50 \
	    >"$T/sim.out" 2>"$T/sim.err" ||
	    fail "fleet-sim: $(cat "$T/sim.err")"
	note "fleet-sim: $(grep '^step' "$T/sim.out")"
	grep -q '^step agents=200 .* errors=0 ' "$T/sim.out" ||
	    fail "fleet-sim: $(cat "$T/sim.out" "$T/sim.err")"
	scrape sim
	promcheck "$T/sim.prom"
	moved after sim "$hb" 200
	moved after sim \
	    'outpost_platform_requests_total{method="POST",endpoint="/agent/v1/activate",code="201"}' 200
	moved after sim \
	    'outpost_platform_requests_total{method="POST",endpoint="/agent/v1/inventory",code="200"}' 200
	moved after sim \
	    'outpost_platform_requests_total{method="POST",endpoint="/agent/v1/fim-events",code="200"}' 1
	moved after sim 'outpost_platform_tls_handshakes_total{session="full"}' 200
	moved after sim process_cpu_seconds_total 0.01
	online=$(value "$T/sim.prom" outpost_platform_agents_online)
	[ "$online" -ge 200 ] || fail "agents online after the simulator: $online"
else
	note "bench/fleet-sim is not built: the simulator's part not run"
fi

command -v promtool >/dev/null 2>&1 ||
    skip "promtool (Debian package prometheus) is not installed: the format was not checked; every other check passed"
exit 0
