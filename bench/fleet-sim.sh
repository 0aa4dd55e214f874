#!/bin/sh
# bench/fleet-sim.sh [BUILDDIR]: how many agents one outpost-platform node
# carries on the documented mix, and how its cost grows with the fleet.
#
# Inits a private platform (SQLite, the configuration init writes) on a
# free loopback port and drives it with bench/fleet-sim: simulated agents
# that activate, heartbeat every $HEARTBEAT (60) s +-10 %, upload a full
# inventory of $PACKAGES (400) packages, then $DELTAS_PER_HOUR (1)
# inventory delta per hour ($CHURN (5) packages upgraded, one replaced),
# $FIM_PER_HOUR (6) FIM batches of $FIM_EVENTS (20) events per hour and
# $ERRORS_PER_HOUR (0.1) error reports per hour, as outpostd does on the
# wire (TLS, keep-alive, gzip: bench/fleet-sim.c). The fleet grows in
# $STEPS (1000,10000,50000,100000,200000); each step's new agents are
# activated at $ACTIVATE_RATE (500) per second, then after $WARMUP (70) s
# the step is measured for $STEP_TIME (60) s.
#
# Prints one line per step: requests per second by kind, p50/p99 latency,
# errors, the platform's CPU (from /proc/PID/stat) in percent of a core
# and in ms per agent per minute, its RSS, the simulator's own CPU (so a
# reader sees it did not starve the platform: both share the machine),
# then the largest fleet sustained with p99 < 100 ms, no errors and the
# offered heartbeat rate achieved, on the platform's one event-loop core.
# The agents come from $SOURCES (64) loopback addresses (127.1.0.1, ...),
# as a fleet comes from many: the platform's max_connections_per_source
# (2,048 with its default 20,000 descriptors) holds for each.
# The platform is pinned to CPU 0 and the simulator to CPU 1 when the
# machine has two or more ($PIN=0 turns that off).
#
# A short run: STEPS=500,1000 WARMUP=15 STEP_TIME=20 bench/fleet-sim.sh
# Environment: STEPS, STEP_TIME, WARMUP, HEARTBEAT, DELTAS_PER_HOUR,
# FIM_PER_HOUR, FIM_EVENTS, ERRORS_PER_HOUR, PACKAGES, CHURN,
# ACTIVATE_RATE, SOURCES, TLS_RESUME (1, as outpostd; 0: a full TLS
# handshake for every new connection, as outpostd before it kept its TLS
# sessions), KEEPALIVE (the platform's agent_keepalive_timeout), PIN,
# KEEP_BENCH_DIR.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
builddir=${1:-${abs_top_builddir:-$here/../build}}
platform=$builddir/outpost-platform
sim=$builddir/bench/fleet-sim
STEPS=${STEPS:-1000,10000,50000,100000,200000}
STEP_TIME=${STEP_TIME:-60}
WARMUP=${WARMUP:-70}
HEARTBEAT=${HEARTBEAT:-60}
DELTAS_PER_HOUR=${DELTAS_PER_HOUR:-1}
FIM_PER_HOUR=${FIM_PER_HOUR:-6}
FIM_EVENTS=${FIM_EVENTS:-20}
ERRORS_PER_HOUR=${ERRORS_PER_HOUR:-0.1}
PACKAGES=${PACKAGES:-400}
CHURN=${CHURN:-5}
ACTIVATE_RATE=${ACTIVATE_RATE:-500}
TLS_RESUME=${TLS_RESUME:-1}
PIN=${PIN:-1}
SOURCES=${SOURCES:-64}

for tool in curl; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "bench: $tool is not installed" >&2
		exit 77
	}
done
for f in "$platform" "$sim"; do
	[ -x "$f" ] || {
		echo "bench: $f not built (give the build directory)" >&2
		exit 1
	}
done

D=$(mktemp -d "${TMPDIR:-/tmp}/outpost-fleet.XXXXXX")
platform_pid=
cleanup() {
	[ -n "$platform_pid" ] && kill "$platform_pid" 2>/dev/null || :
	wait 2>/dev/null || :
	[ -n "${KEEP_BENCH_DIR:-}" ] || rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pin_platform=
pin_sim=
if [ "$PIN" = 1 ] && command -v taskset >/dev/null 2>&1 &&
    [ "$(nproc)" -ge 2 ]; then
	pin_platform="taskset -c 0"
	pin_sim="taskset -c 1"
fi

pport=$(free_port)
"$platform" init "$D/platform" --listen "127.0.0.1:$pport" >"$D/init.out"
# KEEPALIVE sets the platform's agent_keepalive_timeout (default 90 s):
# below the heartbeat interval, every heartbeat opens a new connection.
[ -n "${KEEPALIVE:-}" ] &&
    echo "agent_keepalive_timeout = $KEEPALIVE" >>"$D/platform/platform.conf"
# Each kept connection is a descriptor on both sides: the limits in force.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || :
ACTIVATION_ID=$(sed -n 's/^activation_id: //p' "$D/init.out")
CUSTOMER_ID=$(sed -n 's/^customer_id: //p' "$D/init.out")
TOKEN=$(cat "$D/platform/admin.token")
$pin_platform "$platform" -f -c "$D/platform/platform.conf" \
    >"$D/platform.stderr" 2>&1 &
platform_pid=$!
i=0
until curl -sf --cacert "$D/platform/ca.pem" -o /dev/null \
    -H "Authorization: Bearer $TOKEN" \
    "https://localhost:$pport/api/v1/settings"; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { echo "bench: platform did not start" >&2; exit 1; }
	sleep 0.1
done
echo "# outpost-platform pid $platform_pid ${pin_platform:+(CPU 0)}, SQLite in $D/platform; simulator ${pin_sim:+on CPU 1}; $(nproc) CPUs; descriptor limit $(ulimit -n) per process; agent_keepalive_timeout ${KEEPALIVE:-90} s"

resume=
[ "$TLS_RESUME" = 0 ] && resume=--full-handshakes
$pin_sim "$sim" --url "https://localhost:$pport" --ca "$D/platform/ca.pem" \
    --activation-id "$ACTIVATION_ID" --customer-id "$CUSTOMER_ID" \
    --platform-pid "$platform_pid" --steps "$STEPS" \
    --step-time "$STEP_TIME" --warmup "$WARMUP" --heartbeat "$HEARTBEAT" \
    --deltas-per-hour "$DELTAS_PER_HOUR" --fim-per-hour "$FIM_PER_HOUR" \
    --fim-events "$FIM_EVENTS" --errors-per-hour "$ERRORS_PER_HOUR" \
    --packages "$PACKAGES" --churn "$CHURN" \
    --activate-rate "$ACTIVATE_RATE" --sources "$SOURCES" $resume

# What the platform says about itself after the run.
curl -sf --cacert "$D/platform/ca.pem" -H "Authorization: Bearer $TOKEN" \
    "https://localhost:$pport/metrics" >"$D/metrics.prom" || :
printf '# platform after the run: %s agents, %s online; TLS handshakes %s full, %s resumed; database %s\n' \
    "$(awk '$1 == "outpost_platform_agents" { print $2 }' "$D/metrics.prom")" \
    "$(awk '$1 == "outpost_platform_agents_online" { print $2 }' "$D/metrics.prom")" \
    "$(awk '$1 == "outpost_platform_tls_handshakes_total{session=\"full\"}" { print $2 }' "$D/metrics.prom")" \
    "$(awk '$1 == "outpost_platform_tls_handshakes_total{session=\"resumed\"}" { print $2 }' "$D/metrics.prom")" \
    "$(du -sh "$D/platform" | cut -f1)"
