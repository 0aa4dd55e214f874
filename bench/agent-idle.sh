#!/bin/sh
# bench/agent-idle.sh [BUILDDIR]: the idle agent's memory and wake-ups.
#
# Inits a private platform on a free loopback port, starts outpostd
# activated against it with a profile whose heartbeat_interval is
# $INTERVAL (default 60), waits until it is idle, then prints its RSS, PSS,
# private and anonymous memory with the biggest mappings, and counts the
# times its event loop woke up (voluntary context switches) over $WATCH
# seconds (default 2 intervals) against the timers due in that time.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
builddir=${1:-${abs_top_builddir:-$here/../build}}
INTERVAL=${INTERVAL:-60}
WATCH=${WATCH:-$((2 * INTERVAL))}
T=$(mktemp -d /tmp/outpost-bench.XXXXXX)
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$builddir/outpost-platform" init "$T/p" --listen "127.0.0.1:$port" > "$T/init.out"
cid=$(sed -n 's/^customer_id: //p' "$T/init.out")
kid=$(sed -n 's/^activation_id: //p' "$T/init.out")
"$builddir/outpost-platform" -f -c "$T/p/platform.conf" > "$T/p.log" 2>&1 &
PIDS="$PIDS $!"
tok=$(cat "$T/p/admin.token")
api() { curl -sS --cacert "$T/p/ca.pem" -H "Authorization: Bearer $tok" "$@"; }
for _ in $(seq 50); do api "https://localhost:$port/api/v1/settings" >/dev/null 2>&1 && break; sleep 0.1; done
api -X PATCH "https://localhost:$port/api/v1/profiles/1" \
    -d "{\"heartbeat_interval\":$INTERVAL}" >/dev/null
mkdir -p "$T/a"
cat > "$T/a/outpost.conf" <<CONF
platform_url = https://localhost:$port
activation_id = $kid
customer_id = $cid
ca_file = $T/p/ca.pem
state_dir = $T/a/state
log_dir = $T/a/log
run_dir = $T/a/run
proxy_file = $T/a/none
CONF
"$builddir/outpostd" -f -c "$T/a/outpost.conf" > "$T/a.err" 2>&1 &
apid=$!
PIDS="$PIDS $apid"
for _ in $(seq 100); do
	"$builddir/outpostctl" -c "$T/a/outpost.conf" status --json 2>/dev/null |
	    grep -q '"activation":"activated"' && break
	sleep 0.1
done
sleep 5
echo "outpostd $apid, idle after activation, profile and manifests:"
grep -E '^(VmRSS|VmHWM)' "/proc/$apid/status"
grep -E '^(Pss|Pss_Anon|Pss_File|Private_Clean|Private_Dirty|Shared_Clean):' \
    "/proc/$apid/smaps_rollup"
echo "largest mappings (RSS kB):"
awk '/^[0-9a-f]+-[0-9a-f]+ /{n=$6} /^Rss:/{r[n]+=$2} END{for(k in r) print r[k], k}' \
    "/proc/$apid/smaps" | sort -rn | head -8 | sed 's/^/  /'
before=$(awk '/^voluntary_ctxt_switches/{print $2}' "/proc/$apid/status")
sleep "$WATCH"
after=$(awk '/^voluntary_ctxt_switches/{print $2}' "/proc/$apid/status")
echo "wake-ups in $WATCH s: $((after - before)) (heartbeat every $INTERVAL s +-10 %: about $((WATCH / INTERVAL)) check-ins due, each a few wake-ups for its I/O)"
grep -E '^VmRSS' "/proc/$apid/status" | sed 's/^/after watching: /'
