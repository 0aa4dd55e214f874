#!/bin/sh
# bench/platform-agent-list.sh [BUILDDIR]: the console's Agents page
# queries (GET /api/v1/agents with paging, sort and filters) on a fleet of
# $AGENTS (10,000) agents, with the schema's indexes for the list (ours)
# and on the same database without them (the reference: what the list
# costs without them), side by side.
#
# Inits a private platform on a free loopback port, makes the fleet
# through the activation API (tests/tools/activate-many.py: half check
# in, one in ten of those with a current error E701), then times each
# query $RUNS (21) times with curl over TLS and prints the median of
# each, with and without the indexes, and the ratio. Needs curl, jq,
# sqlite3 and Debian's python3.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
builddir=${1:-${abs_top_builddir:-$here/../build}}
platform=$builddir/outpost-platform
AGENTS=${AGENTS:-10000}
RUNS=${RUNS:-21}

for tool in curl jq sqlite3 /usr/bin/python3; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "bench: $tool is not installed" >&2
		exit 77
	}
done
[ -x "$platform" ] || {
	echo "bench: no $platform (build first)" >&2
	exit 1
}
T=$(mktemp -d "${TMPDIR:-/tmp}/outpost-bench.XXXXXX")
pid=""
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$T"' EXIT INT TERM
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=https://localhost:$port
"$platform" init "$T/p" --listen "127.0.0.1:$port" >"$T/init.out"
token=$(cat "$T/p/admin.token")

# Start the platform and wait for it.
start() {
	"$platform" -f -c "$T/p/platform.conf" >>"$T/stderr.log" 2>&1 &
	pid=$!
	i=0
	until curl -sf --cacert "$T/p/ca.pem" -H "Authorization: Bearer $token" \
	    "$url/api/v1/settings" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 200 ] || { echo "bench: the platform did not start" >&2; exit 1; }
		sleep 0.1
	done
}

# median QUERY: the median time of GET /api/v1/agents?QUERY, in ms.
median() {
	for _ in $(seq "$RUNS"); do
		curl -sS --cacert "$T/p/ca.pem" -H "Authorization: Bearer $token" \
		    -o /dev/null -w '%{time_total}\n' "$url/api/v1/agents?$1"
	done | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p" |
	    awk '{ printf "%.1f", $1 * 1000 }'
}

QUERIES="limit=50&sort=hostname
limit=50&sort=hostname&offset=9950
limit=50&sort=activated_at&order=desc
limit=50&sort=hostname&profile_id=1
limit=50&sort=hostname&status=provisioned
limit=50&sort=hostname&online=true&error=E701&q=fleet-0"

start
/usr/bin/python3 "$here/../tests/tools/activate-many.py" "$url" \
    "$T/p/ca.pem" "$(sed -n 's/^activation_id: //p' "$T/init.out")" \
    "$(sed -n 's/^customer_id: //p' "$T/init.out")" "$AGENTS"
for q in $QUERIES; do
	median "$q" >"$T/ours.$(echo "$q" | cksum | cut -d' ' -f1)"
done
kill "$pid"
wait "$pid" 2>/dev/null || true
sqlite3 "$T/p/platform.db" "DROP INDEX agents_hostname;
    DROP INDEX agents_activated; DROP INDEX agents_profile;"
start
printf '%-62s %9s %9s %7s\n' "GET /api/v1/agents?... ($AGENTS agents)" ours "no index" ratio
for q in $QUERIES; do
	ours=$(cat "$T/ours.$(echo "$q" | cksum | cut -d' ' -f1)")
	ref=$(median "$q")
	printf '%-62s %6s ms %6s ms %6.1fx\n' "$q" "$ours" "$ref" \
	    "$(echo "$ref $ours" | awk '{ print $1 / $2 }')"
done
