#!/bin/sh
# bench/inventory.sh [BUILDDIR]: the inventory's collection time and the
# size of a full snapshot against a one-package delta.
#
# 1. Times a full collection of this machine by all the agent's collectors
#    (tests/invdump /, which steps them the way outpostd does) against the
#    equivalent commands (dpkg-query -W, ip -j addr, ss -tulpn, getent
#    passwd, getent group, cat /proc/modules, os-release, cpuinfo,
#    meminfo), $REPS times each (default 31) in turn after a few warm-up
#    runs, and prints both sides' median and best (the same statistic of
#    both, so the ratio is not one side's noise) and the ratios (target:
#    ours <= commands); then the time of each of our collectors (the
#    median of invdump's own figures).
# 2. Starts a private platform and an outpostd whose inventory_root is a
#    copy of this machine's dpkg status (the rest linked to /etc, /proc,
#    /sys, /usr), lets it upload its full snapshot, changes one package's
#    version in the copy, and takes the one-package delta the agent spools
#    (the platform stopped with SIGSTOP, so the record stays in the spool
#    while the host's listening sockets stay the same); then makes
#    it spool a full snapshot the same way. Prints both records' sizes,
#    plain and gzip'd, and the ratio (target: delta <= 2 % of the full).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
builddir=${1:-${abs_top_builddir:-$here/../build}}
REPS=${REPS:-31}
T=$(mktemp -d /tmp/outpost-bench.XXXXXX)
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; kill -CONT "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

[ -x "$builddir/tests/invdump" ] || make -C "$builddir" tests/invdump >/dev/null
for c in dpkg-query ip ss getent jq curl gzip python3; do
	command -v "$c" >/dev/null || { echo "bench/inventory.sh: needs $c" >&2; exit 1; }
done

# 1. Collection time, ours and the commands alternately, medians.
cat >"$T/commands.sh" <<'EOF'
dpkg-query -W -f '${Package} ${Version} ${Architecture}\n' >/dev/null
ip -j addr >/dev/null
ss -tulpn >/dev/null 2>&1
getent passwd >/dev/null
getent group >/dev/null
cat /proc/modules /etc/os-release /proc/cpuinfo /proc/meminfo >/dev/null 2>&1 || true
EOF
python3 - "$builddir/tests/invdump" "$T/commands.sh" "$REPS" <<'EOF'
import json, statistics, subprocess, sys, time
invdump, commands, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
def run(argv):
    t0 = time.monotonic()
    out = subprocess.run(argv, stdout=subprocess.PIPE, check=True).stdout
    return (time.monotonic() - t0) * 1000.0, out
ours, theirs, per = [], [], {}
for _ in range(3):					# warm the caches
    run([invdump, "/"]); run(["sh", commands])
for _ in range(reps):
    ms, out = run([invdump, "/"])
    ours.append(ms)
    for name, c in json.loads(out)["stats"]["collectors"].items():
        per.setdefault(name, []).append(c["ms"])
    theirs.append(run(["sh", commands])[0])
o, t = statistics.median(ours), statistics.median(theirs)
print("full collection, %d runs each: outpost collectors median %.1f ms "
      "(best %.1f), commands median %.1f ms (best %.1f)" %
      (reps, o, min(ours), t, min(theirs)))
print("ratio ours/commands: %.2f median, %.2f best (target <= 1)" %
      (o / t, min(ours) / min(theirs)))
print("per collector, median ms: " + ", ".join("%s %.2f" %
      (n, statistics.median(v)) for n, v in per.items()))
EOF
"$builddir/tests/invdump" / | jq -r '"sections: " + (.sections | to_entries | map("\(.key) \(.value | if type == "array" then length else 1 end)") | join(", "))'

# 2. A root: this machine, with a dpkg status of our own.
R="$T/root"
mkdir -p "$R/var/lib/dpkg"
for d in etc proc sys usr; do ln -s "/$d" "$R/$d"; done
cp /var/lib/dpkg/status "$R/var/lib/dpkg/status"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$builddir/outpost-platform" init "$T/p" --listen "127.0.0.1:$port" >"$T/init.out" 2>&1
cid=$(sed -n 's/^customer_id: //p' "$T/init.out")
kid=$(sed -n 's/^activation_id: //p' "$T/init.out")
start_platform() {
	"$builddir/outpost-platform" -f -c "$T/p/platform.conf" >>"$T/p.log" 2>&1 &
	ppid=$!
	PIDS="$PIDS $ppid"
	for _ in $(seq 50); do api "/api/v1/settings" >/dev/null 2>&1 && return; sleep 0.1; done
	echo "the platform did not start: $(cat "$T/p.log")" >&2
	exit 1
}
tok=$(cat "$T/p/admin.token")
api() {
	_path=$1; shift
	curl -sS --fail --cacert "$T/p/ca.pem" -H "Authorization: Bearer $tok" "https://localhost:$port$_path" "$@"
}
start_platform
api /api/v1/manifests -d '{"type":"inventory","body":{"collectors":["os","host","cpu","memory","interfaces","packages","services","users","groups","kernel_modules"]}}' >/dev/null
mkdir -p "$T/a"
cat >"$T/a/outpost.conf" <<CONF
platform_url = https://localhost:$port
activation_id = $kid
customer_id = $cid
ca_file = $T/p/ca.pem
state_dir = $T/a/state
log_dir = $T/a/log
run_dir = $T/a/run
proxy_file = $T/a/none
inventory_root = $R
CONF
ctl() { "$builddir/outpostctl" -c "$T/a/outpost.conf" "$@"; }
start_agent() {
	"$builddir/outpostd" -f -c "$T/a/outpost.conf" >"$T/a.err" 2>&1 &
	apid=$!
	PIDS="$PIDS $apid"
}
# wait_for SECONDS JQ-FILTER: until the agent's status matches.
wait_status() {
	for _ in $(seq $(($1 * 10))); do
		ctl status --json >"$T/status.json" 2>/dev/null &&
		    [ -s "$T/status.json" ] &&
		    jq -e "$2" "$T/status.json" >/dev/null 2>&1 && return
		sleep 0.1
	done
	echo "agent status never matched $2: $(ctl status --json | jq -c .inventory)" >&2
	tail -20 "$T/a/log/agent.log" >&2
	exit 1
}
# The body of the one inventory record in the spool, into $1.
spooled() {
	rec=$(grep -l '"kind":"inventory"' "$T/a/state/spool"/* | head -1)
	tail -n +3 "$rec" >"$1"
}
start_agent
wait_status 30 '.inventory.inventory_version == 1 and .inventory.pending == null and .inventory.state == "idle"'
# The platform stops answering (SIGSTOP: its socket stays, so the host's
# listening sockets do not change): records stay in the spool.
kill -STOP "$ppid"

# One package's version changed: the delta.
pkg=$(awk '/^Package: /{p=$2} /^Version: /{if (p != "") {print p; exit}}' "$R/var/lib/dpkg/status")
awk -v p="$pkg" '/^Package: /{cur=$2} /^Version: / && cur == p && !done {print $0 "+bench1"; done=1; next} {print}' \
    "$R/var/lib/dpkg/status" >"$R/var/lib/dpkg/status.new"
mv "$R/var/lib/dpkg/status.new" "$R/var/lib/dpkg/status"
ctl inventory-scan --json >"$T/scan.json"
[ "$(jq -r .upload.upload "$T/scan.json")" = delta ] || {
	echo "no delta: $(jq -c .upload "$T/scan.json")" >&2
	tail -20 "$T/a/log/agent.log" >&2
	exit 1; }
spooled "$T/delta.json"

# The same agent's full snapshot: forget the base, drop the delta.
kill "$apid"; wait "$apid" 2>/dev/null || true
rm -f "$rec"
jq '.acked.inventory_version = 0 | .pending = null' "$T/a/state/inventory.json" >"$T/inv.json"
cp "$T/inv.json" "$T/a/state/inventory.json"
start_agent
wait_status 30 '.inventory.pending.type == "full"'
spooled "$T/full.json"

full=$(wc -c <"$T/full.json")
delta=$(wc -c <"$T/delta.json")
fullz=$(gzip -c "$T/full.json" | wc -c)
deltaz=$(gzip -c "$T/delta.json" | wc -c)
echo "one-package change ($pkg): $(jq -c .upload.items "$T/scan.json")"
echo "full snapshot: $full bytes, gzip'd $fullz bytes"
echo "one-package delta: $delta bytes, gzip'd $deltaz bytes"
awk -v d="$deltaz" -v f="$fullz" 'BEGIN { printf "ratio delta/full (gzip'\''d): %.2f %% (target <= 2 %%)\n", 100 * d / f }'
