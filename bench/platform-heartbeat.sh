#!/bin/sh
# bench/platform-heartbeat.sh [BUILDDIR]: heartbeat throughput of
# outpost-platform against nginx serving a static 200, side by side.
#
# Inits a private platform on a free loopback port, activates $AGENTS
# (10,000) agents through the real activation endpoint (wrk +
# platform-activate.lua), then drives POST /agent/v1/heartbeat with wrk
# for $DURATION seconds, rotating the agents' credentials
# (platform-heartbeat.lua). The same wrk run (same script, same
# connections, same TLS certificate) then goes against nginx with its own
# configuration in the private directory, answering a static 200.
# Prints requests/s and p99 latency for both and the ratio.
#
# The two take turns, $ROUNDS (3) times, and the ratio is that of each
# turn; the median of the rounds is the figure, so a machine shared with
# other work (which slows one run and not the next) moves it less. The
# platform runs with its connection limits and deadlines on (the defaults
# init writes), as in production.
# outpost-platform is one event loop on one core by design, so nginx runs
# with $NGINX_WORKERS=1 worker by default: one event loop against one.
# The platform runs with the configuration init writes (sync_acks = no:
# answers after the WAL commit); unless SYNC_ACKS_RUN=0, one more run with
# sync_acks = yes (answers after fdatasync of the WAL) is printed for
# information.
# Environment: AGENTS, DURATION (s), ROUNDS, THREADS, CONNECTIONS,
# NGINX_WORKERS, SYNC_ACKS_RUN.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
builddir=${1:-${abs_top_builddir:-$here/../build}}
platform=$builddir/outpost-platform
AGENTS=${AGENTS:-10000}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-1}
CONNECTIONS=${CONNECTIONS:-64}
NGINX_WORKERS=${NGINX_WORKERS:-1}
SYNC_ACKS_RUN=${SYNC_ACKS_RUN:-1}

for tool in wrk nginx curl jq; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "bench: $tool is not installed" >&2
		exit 77
	}
done
[ -x "$platform" ] || {
	echo "bench: $platform not built (give the build directory)" >&2
	exit 1
}

D=$(mktemp -d "${TMPDIR:-/tmp}/outpost-bench.XXXXXX")
platform_pid=
nginx_pid=
cleanup() {
	[ -n "$platform_pid" ] && kill "$platform_pid" 2>/dev/null || :
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || :
	wait 2>/dev/null || :
	[ -n "${KEEP_BENCH_DIR:-}" ] || rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pport=$(free_port)
"$platform" init "$D/platform" --listen "127.0.0.1:$pport" >"$D/init.out"
ACTIVATION_ID=$(sed -n 's/^activation_id: //p' "$D/init.out")
CUSTOMER_ID=$(sed -n 's/^customer_id: //p' "$D/init.out")
TOKEN=$(cat "$D/platform/admin.token")
export ACTIVATION_ID CUSTOMER_ID AGENTS
"$platform" -f -c "$D/platform/platform.conf" >"$D/platform.stderr" 2>&1 &
platform_pid=$!
i=0
until curl -sf --cacert "$D/platform/ca.pem" -o /dev/null \
    -H "Authorization: Bearer $TOKEN" \
    "https://localhost:$pport/api/v1/settings"; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { echo "bench: platform did not start" >&2; exit 1; }
	sleep 0.1
done

echo "activating $AGENTS agents through POST /agent/v1/activate ..."
start=$(date +%s.%N)
CREDS_FILE=$D/creds wrk -t1 -c16 -d300s -s "$here/platform-activate.lua" \
    "https://localhost:$pport" >"$D/activate.out" 2>&1
end=$(date +%s.%N)
n=$(wc -l <"$D/creds")
[ "$n" -ge "$AGENTS" ] || {
	echo "bench: only $n agents activated" >&2
	cat "$D/activate.out" >&2
	exit 1
}
printf 'activated %d agents in %.1f s\n' "$n" "$(echo "$end - $start" | bc)"
curl -sf --cacert "$D/platform/ca.pem" -H "Authorization: Bearer $TOKEN" \
    "https://localhost:$pport/api/v1/agents" | jq -e ".count >= $AGENTS" \
    >/dev/null || { echo "bench: the admin API does not list them" >&2; exit 1; }

# nginx: private prefix and configuration, same certificate and key.
nport=$(free_port)
mkdir -p "$D/nginx/logs" "$D/nginx/body"
cat >"$D/nginx/nginx.conf" <<NGINX
worker_processes $NGINX_WORKERS;
daemon off;
pid $D/nginx/nginx.pid;
error_log $D/nginx/logs/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $D/nginx/body;
	keepalive_requests 100000000;
	server {
		listen 127.0.0.1:$nport ssl;
		ssl_certificate $D/platform/server.pem;
		ssl_certificate_key $D/platform/server.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		location / {
			default_type application/json;
			return 200 '{"ok":true}\n';
		}
	}
}
NGINX
nginx -p "$D/nginx" -c "$D/nginx/nginx.conf" &
nginx_pid=$!
i=0
until curl -sf --cacert "$D/platform/ca.pem" -o /dev/null \
    "https://localhost:$nport/"; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { echo "bench: nginx did not start" >&2; exit 1; }
	sleep 0.1
done

run_wrk() {
	CREDS_FILE=$D/creds wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" \
	    --timeout 5s -s "$here/platform-heartbeat.lua" "$1" 2>&1 |
	    tee "$D/wrk.$2" | sed -n 's/^RESULT //p'
}
field() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# median: the middle of the numbers on stdin.
median() {
	sort -n | awk '{ v[NR] = $1 }
	    END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print m }'
}

echo "wrk: $THREADS thread(s), $CONNECTIONS connections, ${DURATION} s each, $ROUNDS rounds"
: >"$D/rounds"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	p=$(run_wrk "https://localhost:$pport/agent/v1/heartbeat" platform)
	ng=$(run_wrk "https://localhost:$nport/agent/v1/heartbeat" nginx)
	[ -n "$p" ] && [ -n "$ng" ] || {
		echo "bench: wrk failed" >&2
		cat "$D/wrk.platform" "$D/wrk.nginx" >&2
		exit 1
	}
	p_bad=$(field "$p" non2xx)
	[ "$p_bad" -eq 0 ] || {
		echo "bench: $p_bad heartbeats were not answered 2xx" >&2
		exit 1
	}
	ratio=$(echo "scale=3; $(field "$p" rps) / $(field "$ng" rps)" | bc)
	printf 'round %d: outpost-platform %8.0f req/s (p99 %6.2f ms), nginx %8.0f req/s (p99 %6.2f ms): %.2fx\n' \
	    "$r" "$(field "$p" rps)" "$(field "$p" p99_ms)" "$(field "$ng" rps)" \
	    "$(field "$ng" p99_ms)" "$ratio"
	echo "$(field "$p" rps) $(field "$p" p99_ms) $(field "$ng" rps) $(field "$ng" p99_ms) $ratio" \
	    >>"$D/rounds"
	r=$((r + 1))
done
p_rps=$(cut -d' ' -f1 "$D/rounds" | median)
p_p99=$(cut -d' ' -f2 "$D/rounds" | median)
n_rps=$(cut -d' ' -f3 "$D/rounds" | median)
n_p99=$(cut -d' ' -f4 "$D/rounds" | median)
online=$(curl -sf --cacert "$D/platform/ca.pem" \
    -H "Authorization: Bearer $TOKEN" \
    "https://localhost:$pport/api/v1/agents?online=true" | jq .count)
ratio=$(cut -d' ' -f5 "$D/rounds" | median)
printf '%-18s %10.0f req/s   p99 %7.2f ms   (median of %d)\n' outpost-platform \
    "$p_rps" "$p_p99" "$ROUNDS"
printf '%-18s %10.0f req/s   p99 %7.2f ms   (median of %d)\n' "nginx (static 200)" \
    "$n_rps" "$n_p99" "$ROUNDS"
printf 'agents online after the run: %s of %s\n' "$online" "$n"
verdict=ok
[ "$(echo "$ratio >= 0.5" | bc)" = 1 ] || verdict="below target"
p99ok=ok
[ "$(echo "$p_p99 < 50" | bc)" = 1 ] || p99ok="above target"
printf 'ratio outpost-platform/nginx: %.2fx, the median of the rounds (target >= 0.5x: %s); p99 < 50 ms: %s\n' \
    "$ratio" "$verdict" "$p99ok"

if [ "$SYNC_ACKS_RUN" != 0 ]; then
	kill "$platform_pid"
	wait "$platform_pid" 2>/dev/null || :
	echo 'sync_acks = yes' >>"$D/platform/platform.conf"
	"$platform" -f -c "$D/platform/platform.conf" >>"$D/platform.stderr" 2>&1 &
	platform_pid=$!
	i=0
	until curl -sf --cacert "$D/platform/ca.pem" -o /dev/null \
	    -H "Authorization: Bearer $TOKEN" \
	    "https://localhost:$pport/api/v1/settings"; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || { echo "bench: restart failed" >&2; exit 1; }
		sleep 0.1
	done
	s=$(run_wrk "https://localhost:$pport/agent/v1/heartbeat" sync)
	printf '%-18s %10.0f req/s   p99 %7.2f ms   (%.2fx nginx; sync_acks = yes, for information)\n' \
	    outpost-platform "$(field "$s" rps)" "$(field "$s" p99_ms)" \
	    "$(echo "scale=3; $(field "$s" rps) / $n_rps" | bc)"
fi
