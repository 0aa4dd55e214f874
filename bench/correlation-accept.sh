#!/bin/sh
# bench/correlation-accept.sh [BUILDDIR]: connections served per second by
# the agent's correlation ID service against a minimal epoll server (issue
# 7, item 9), and the agent's memory with idle connections held open.
#
# Both servers listen on loopback and are driven by the same client,
# bench/cid-load: $CONC (default 64) connections in flight, each read to
# the server's close, checked to be exactly "OUTPOST-CID/1 <id>\r\n"
# (any other answer fails the run), then closed by the client first with
# SO_LINGER 0, a reset: no connection is left in TIME_WAIT on either side,
# so the ephemeral ports never run out, identically for both servers.
#
#   outpostd   the service on the agent's event base, with an offline
#              identity and a cached profile (tests/lib-correlation.sh's
#              way), log level info. Its limits (128 connections in total,
#              16 per source, 32 at once then 4 a second per source) are
#              compile-time constants (src/agent/correlation.h) that would
#              throttle one loopback client to a few connections a second,
#              so this figure comes from bench/outpostd-nolimits: outpostd
#              built from the same sources with those four limits raised
#              so that they do not bind. Everything else (accept batches of
#              16, the admission path, the per-connection events, the 5 s
#              timeout) is as shipped.
#   cid-epoll  bench/cid-epoll: one thread, level-triggered epoll,
#              accept4 until EAGAIN, write the line, close. The practical
#              limit.
#
# $ROUNDS (default 6) rounds of $SECS (default 2) seconds each, the order
# alternating, summed per server; prints both rates and the ratio (target
# >= 0.8), and each server's own CPU time per connection (user + system,
# /proc/PID/stat): with two CPUs the client, which does more system calls
# per connection than either server, can be what limits both rates, and
# then the CPU figures tell the servers apart. Then the shipped outpostd with its default limits for $SECS
# seconds (served and refused a second). Finally $HOLD (default 1000)
# connections opened against a fresh outpostd-nolimits and held without
# reading: its VmRSS before and with them, its VmHWM, and how many it holds
# (outpostctl status: correlation.open_connections; the service closes a
# connection after 5 s, so this is measured at once).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
builddir=${1:-${abs_top_builddir:-$here/../build}}
ROUNDS=${ROUNDS:-6}
SECS=${SECS:-2}
CONC=${CONC:-64}
HOLD=${HOLD:-1000}
CID=5b0e2a7c9d1f4e3a8b6c0d2e4f6a8b1c

make -C "$builddir" -s outpostd outpostctl bench/outpostd-nolimits \
    bench/cid-epoll bench/cid-load >/dev/null
LOAD=$builddir/bench/cid-load
CTL=$builddir/outpostctl
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

T=$(mktemp -d /tmp/outpost-bench.XXXXXX)
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port: a TCP port nobody listens on (loopback), not 10001-10005.
free_port() {
	python3 -c '
import socket
while True:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
    if not 10001 <= p <= 10005:
        print(p); break'
}

# start_agent BINARY DIR PORT: an agent that never reaches its platform,
# serving $CID on PORT from a cached profile. Sets AGENT_PID.
start_agent() {
	_d=$2
	mkdir -p "$_d/state"
	cat > "$_d/outpost.conf" <<CONF
state_dir = $_d/state
log_dir = $_d/log
run_dir = $_d/run
platform_url = https://127.0.0.1:9
activation_id = 6a1d2c4e-0f3b-4b7a-8e51-2f9d7c3b1a60
customer_id = c0d9e8f7-1a2b-4c3d-9e8f-7a6b5c4d3e2f
proxy_file = $_d/no-proxy.conf
CONF
	cat > "$_d/state/state.json" <<JSON
{"version":1,"agent_id":"3f0c8a4e-5d7b-4c1e-9a2f-0b6d1e8c7a55",
 "credential":"3f0c8a4e-5d7b-4c1e-9a2f-0b6d1e8c7a55.0000000000000000000000000000000000000000000000000000000000000000",
 "correlation_id":"$CID",
 "customer_id":"c0d9e8f7-1a2b-4c3d-9e8f-7a6b5c4d3e2f",
 "activation_id":"6a1d2c4e-0f3b-4b7a-8e51-2f9d7c3b1a60",
 "platform_url":"https://127.0.0.1:9","manifest_public_key":"none",
 "activated_at":1732180000}
JSON
	chmod 0600 "$_d/state/state.json"
	cat > "$_d/state/profile.json" <<JSON
{"id":1,"name":"bench","version":1,"heartbeat_interval":3600,
 "inventory_interval":3600,"data_collection_paused":false,
 "correlation":{"enabled":true,"ports":[$3],"bind_all":true},
 "log_level":"info"}
JSON
	"$1" -f -c "$_d/outpost.conf" > "$_d/stderr" 2>&1 &
	AGENT_PID=$!
	PIDS="$PIDS $AGENT_PID"
	for _ in $(seq 100); do
		corr "$_d" '.listeners | index("0.0.0.0:'"$3"'") != null' \
		    >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "correlation-accept.sh: $1 not listening on $3:" >&2
	tail -n 20 "$_d/stderr" >&2
	exit 1
}

# corr DIR JQ_FILTER: jq -e over the correlation status of the agent in DIR.
corr() {
	"$CTL" -c "$1/outpost.conf" status --json | jq -e ".correlation | $2"
}

# kb PID FIELD: a /proc/PID/status figure in kB.
kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# ticks PID: the user and system CPU time of PID so far, in clock ticks.
ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# run NAME PORT PID: one round of the client against PORT served by PID,
# appended to $T/NAME with the server's CPU ticks in it.
run() {
	_t0=$(ticks "$3")
	"$LOAD" -c "$CONC" -d "$SECS" 127.0.0.1 "$2" "$CID" > "$T/out" || {
		echo "correlation-accept.sh: the client failed against $1:" >&2
		cat "$T/out" >&2
		exit 1
	}
	echo "$(cat "$T/out") ticks $(( $(ticks "$3") - _t0 ))" >> "$T/$1"
}

# sum NAME: "served bad seconds rate us-of-CPU-per-connection cpu-share"
# summed over the rounds in $T/NAME.
sum() {
	awk -v hz="$(getconf CLK_TCK)" '{ n += $2; b += $6; s += $8; t += $12 }
	    END { printf "%d %d %.2f %.0f %.1f %.0f\n", n, b, s, n / s,
	    t / hz * 1e6 / n, t / hz / s * 100 }' "$T/$1"
}

command -v jq >/dev/null || { echo "correlation-accept.sh: jq not found" >&2; exit 1; }

# The memory figure first, on a fresh agent, so VmHWM means these connections.
AP=$(free_port)
start_agent "$builddir/bench/outpostd-nolimits" "$T/a" "$AP"
apid=$AGENT_PID
sleep 1
rss0=$(kb "$apid" VmRSS)
"$LOAD" -H "$HOLD" -d 30 127.0.0.1 "$AP" > "$T/hold" &
hpid=$!
PIDS="$PIDS $hpid"
for _ in $(seq 40); do
	grep -q held "$T/hold" 2>/dev/null &&
	    corr "$T/a" ".open_connections >= $HOLD" >/dev/null 2>&1 && break
	sleep 0.1
done
rss1=$(kb "$apid" VmRSS)
hwm1=$(kb "$apid" VmHWM)
held=$(corr "$T/a" .open_connections)
kill "$hpid"
wait "$hpid" 2>/dev/null || true
for _ in $(seq 50); do
	corr "$T/a" '.open_connections == 0' >/dev/null 2>&1 && break
	sleep 0.1
done

# The reference, then alternating rounds.
EP=$(free_port)
"$builddir/bench/cid-epoll" "$EP" "$CID" > "$T/epoll.out" 2>&1 &
epid=$!
PIDS="$PIDS $epid"
for _ in $(seq 50); do grep -q ready "$T/epoll.out" && break; sleep 0.1; done
: > "$T/agent"
: > "$T/epoll"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	if [ $((r % 2)) -eq 1 ]; then
		run agent "$AP" "$apid"
		run epoll "$EP" "$epid"
	else
		run epoll "$EP" "$epid"
		run agent "$AP" "$apid"
	fi
	r=$((r + 1))
done
set -- $(sum agent)
a_n=$1 a_bad=$2 a_s=$3 a_rate=$4 a_us=$5 a_cpu=$6
set -- $(sum epoll)
e_n=$1 e_bad=$2 e_s=$3 e_rate=$4 e_us=$5 e_cpu=$6
accepted=$(corr "$T/a" .accepted)

# The shipped agent with its default limits, one source address: the
# connections it holds (before the load empties the source's bucket),
# then its rate.
DP=$(free_port)
start_agent "$builddir/outpostd" "$T/d" "$DP"
"$LOAD" -H "$HOLD" -d 30 127.0.0.1 "$DP" > "$T/dhold" &
hpid=$!
PIDS="$PIDS $hpid"
for _ in $(seq 40); do grep -q held "$T/dhold" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
dheld=$(corr "$T/d" .open_connections)
dreset=$(awk '{ print $4 }' "$T/dhold")
kill "$hpid"
wait "$hpid" 2>/dev/null || true
sleep 0.5
"$LOAD" -r -c "$CONC" -d "$SECS" 127.0.0.1 "$DP" "$CID" > "$T/default" || {
	echo "correlation-accept.sh: the client failed against outpostd:" >&2
	cat "$T/default" >&2
	exit 1
}
set -- $(cat "$T/default")
d_n=$2 d_ref=$4 d_s=$8

echo "# bench/correlation-accept.sh: $ROUNDS rounds x $SECS s per server, alternating;"
echo "# $CONC connections in flight from 127.0.0.1, the client resets after the line; $(nproc) CPUs"
printf 'outpostd (limits raised): %7d conn/s  %5.1f us CPU each, %3d%% of a CPU  (%d served in %s s, %d bad; agent counted %s)\n' \
    "$a_rate" "$a_us" "$a_cpu" "$a_n" "$a_s" "$a_bad" "$accepted"
printf 'cid-epoll (reference):    %7d conn/s  %5.1f us CPU each, %3d%% of a CPU  (%d served in %s s, %d bad)\n' \
    "$e_rate" "$e_us" "$e_cpu" "$e_n" "$e_s" "$e_bad"
awk -v a="$a_rate" -v e="$e_rate" -v au="$a_us" -v eu="$e_us" 'BEGIN {
	r = a / e
	printf "ratio outpostd/cid-epoll: %7.2f  (target >= 0.8: %s); CPU per connection cid-epoll/outpostd: %.2f\n",
	    r, (r >= 0.8) ? "met" : "NOT met", eu / au }'
awk -v n="$d_n" -v f="$d_ref" -v s="$d_s" 'BEGIN { printf "outpostd, default limits: %9.1f conn/s served, %.0f/s refused by the limits (one source)\n", n / s, f / s }'
echo "outpostd, limits raised, $HOLD idle connections: holds $held;" \
    "VmRSS $rss0 kB before, $rss1 kB with them" \
    "($(( (rss1 - rss0) * 1024 / HOLD )) B each), VmHWM $hwm1 kB"
echo "outpostd, default limits, $HOLD connections from one source: holds $dheld, $dreset reset by the limits"
