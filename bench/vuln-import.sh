#!/bin/sh
# bench/vuln-import.sh [BUILDDIR]: import and detection at the size of the
# real feeds.
#
# Generates, from the shapes of the committed real extracts
# (tests/data/vuln), a Debian Security Tracker document of the real one's
# size ($PACKAGES source packages with $CVES CVEs each, five releases per
# CVE, the tracker's mix of resolved, open, not-affected and undetermined
# entries; about 80 MB by default) and an OSV zip of $OSV_RECORDS records,
# imports both with "outpost-platform vulnsigs import" under
# /usr/bin/time -v, and prints the import time and peak RSS of each next
# to those of a reference that only parses the same document whole
# (python3 json.load), with their ratio. Then it starts the platform,
# uploads the inventory of one Debian 12 agent with 2,000 packages (1,000
# of them sources of the feed, below their fixes), and times the first
# read of its vulnerabilities (the detection run) and a second one, and
# measures the vulnsigs manifest an agent downloads. Last, the same
# document is served by a local HTTPS server and added as a scheduled
# feed (SIGHUP): the latency of admin requests while the platform fetches
# and imports it shows the event loop is not held. Targets (from the issue that asked for it):
# import within 60 s and 512 MB, manifest under 4 KB.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
builddir=${1:-${abs_top_builddir:-$here/../build}}
PACKAGES=${PACKAGES:-10000}
CVES=${CVES:-20}
OSV_RECORDS=${OSV_RECORDS:-60000}
P="$builddir/outpost-platform"
T=$(mktemp -d /tmp/outpost-bench.XXXXXX)
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

# timed NAME COMMAND...: run COMMAND under /usr/bin/time -v; set
# NAME_s (wall seconds) and NAME_mb (peak RSS in MB).
timed() {
	_n=$1
	shift
	/usr/bin/time -v "$@" >"$T/$_n.out" 2>"$T/$_n.time" ||
	    { cat "$T/$_n.out" "$T/$_n.time" >&2; exit 1; }
	eval "${_n}_s=\$(awk -F': ' '/Elapsed \\(wall clock\\)/ {
	    n = split(\$2, a, \":\"); s = 0
	    for (i = 1; i <= n; i++) s = s * 60 + a[i]; printf \"%.2f\", s }' \
	    \"$T/$_n.time\")"
	eval "${_n}_mb=\$(awk -F': ' '/Maximum resident/ {
	    printf \"%.1f\", \$2 / 1024 }' \"$T/$_n.time\")"
}

echo "generating the feeds ($PACKAGES packages x $CVES CVEs, $OSV_RECORDS OSV records)"
python3 - "$T" "$PACKAGES" "$CVES" "$OSV_RECORDS" <<'EOF'
import json, random, sys, zipfile
out, npkg, ncve, nosv = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(22)
words = ("buffer overflow in the parser allows remote attackers to cause a "
         "denial of service or possibly execute arbitrary code via a crafted "
         "file use after free integer signedness error heap read").split()
rels = [("buster", "deb10u"), ("bullseye", "deb11u"), ("bookworm", "deb12u"),
        ("trixie", None), ("sid", None)]
urg = ["not yet assigned", "unimportant", "low", "medium", "high", "low**",
       "end-of-life"]
cve_no = 0
with open(out + "/tracker.json", "w") as f:
    f.write("{")
    for p in range(npkg):
        name = "src%05d" % p
        cves = {}
        for c in range(ncve):
            cve_no += 1
            releases = {}
            for rel, suffix in rels:
                r = rnd.random()
                base = "%d.%d-%d" % (p % 9 + 1, c % 7, rnd.randint(1, 4))
                e = {"repositories": {rel: base}, "urgency": rnd.choice(urg)}
                if r < 0.70:
                    e["status"] = "resolved"
                    e["fixed_version"] = base + ("+%s%d" % (suffix, rnd.randint(1, 5)) if suffix else "")
                elif r < 0.85:
                    e["status"] = "open"
                elif r < 0.95:
                    e["status"] = "resolved"
                    e["fixed_version"] = "0"
                else:
                    e["status"] = "undetermined"
                releases[rel] = e
            cves["CVE-%d-%d" % (2000 + cve_no % 26, cve_no)] = {
                "description": " ".join(rnd.choice(words) for _ in range(rnd.randint(8, 30))),
                "scope": "remote", "releases": releases}
        f.write("%s%s: %s" % ("," if p else "", json.dumps(name), json.dumps(cves)))
    f.write("}\n")
with zipfile.ZipFile(out + "/osv.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(nosv):
        eco = ["Debian:11", "Debian:12", "Ubuntu:22.04:LTS", "AlmaLinux:9"][i % 4]
        rec = {"schema_version": "1.6.0", "id": "BENCH-%06d" % i,
               "summary": "Moderate: " + " ".join(rnd.choice(words) for _ in range(6)),
               "upstream": ["CVE-2024-%d" % i], "affected": []}
        for b in range(rnd.randint(1, 6)):
            rec["affected"].append({"package": {"ecosystem": eco, "name": "pkg%05d-%d" % (i % 20000, b)},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"},
                {"fixed": "%d.%d-%d.el9" % (i % 5 + 1, b, rnd.randint(1, 9))}]}]})
        z.writestr("BENCH-%06d.json" % i, json.dumps(rec, indent=2))
EOF
tracker_mb=$(du -m "$T/tracker.json" | cut -f1)
osvzip_mb=$(du -m "$T/osv.zip" | cut -f1)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$P" init "$T/p" --listen "127.0.0.1:$port" >"$T/init.out"
conf="$T/p/platform.conf"

timed ref python3 -c 'import json, sys; json.load(open(sys.argv[1]))' \
    "$T/tracker.json"
timed imp "$P" vulnsigs import -c "$conf" --format debian-tracker \
    "$T/tracker.json"
sigs=$(sed -n 's/^.* records, \([0-9]*\) signatures.*/\1/p' "$T/imp.out")
records=$(sed -n 's/^\([0-9]*\) records,.*/\1/p' "$T/imp.out")
timed again "$P" vulnsigs import -c "$conf" --format debian-tracker \
    "$T/tracker.json"
timed osv "$P" vulnsigs import -c "$conf" --format osv "$T/osv.zip"
osv_sigs=$(sed -n 's/^.* records, \([0-9]*\) signatures.*/\1/p' "$T/osv.out")

"$P" -f -c "$conf" >"$T/p.log" 2>&1 &
ppid=$!
PIDS="$PIDS $ppid"
tok=$(cat "$T/p/admin.token")
cid=$(sed -n 's/^customer_id: //p' "$T/init.out")
kid=$(sed -n 's/^activation_id: //p' "$T/init.out")
api() { curl -sS --cacert "$T/p/ca.pem" "$@"; }
for _ in $(seq 100); do
	api -H "Authorization: Bearer $tok" "https://localhost:$port/api/v1/settings" >/dev/null 2>&1 && break
	sleep 0.1
done
api -d "{\"activation_id\":\"$kid\",\"customer_id\":\"$cid\",\"host\":{\"hostname\":\"bench\",\"os\":\"Debian GNU/Linux\",\"os_version\":\"12\",\"arch\":\"x86_64\",\"agent_version\":\"0.1.0\",\"ip_addresses\":[\"192.0.2.1\"]}}" \
    "https://localhost:$port/agent/v1/activate" >"$T/act.json"
cred=$(jq -r .credential "$T/act.json")
aid=$(jq -r .agent_id "$T/act.json")
python3 - "$PACKAGES" >"$T/inv.json" <<'EOF'
import json, sys
npkg = int(sys.argv[1])
pk = []
for i in range(2000):
    if i < 1000:
        src = "src%05d" % (i * (npkg // 1000))
        pk.append({"name": "lib%s-%d" % (src, i), "version": "0.1-1", "arch": "amd64",
                   "ecosystem": "deb", "source": src, "source_version": "0.1-1"})
    else:
        pk.append({"name": "other%04d" % i, "version": "1.0-1", "arch": "amd64",
                   "ecosystem": "deb", "source": "other%04d" % i, "source_version": "1.0-1"})
pk.sort(key=lambda p: p["name"])
print(json.dumps({"type": "full", "data": {"os": {"id": "debian", "version_id": "12"},
                  "packages": pk}}))
EOF
api -H "Authorization: Bearer $cred" --data-binary "@$T/inv.json" \
    "https://localhost:$port/agent/v1/inventory" >/dev/null
# Make sure the server uses the last version before timing.
for _ in $(seq 100); do
	v=$(api -H "Authorization: Bearer $tok" "https://localhost:$port/api/v1/feeds" | jq -r .vulnsigs_version)
	[ "$v" = 4 ] && break
	sleep 0.1
done
detect=$(api -H "Authorization: Bearer $tok" -o "$T/vulns.json" -w '%{time_total}' \
    "https://localhost:$port/api/v1/agents/$aid/vulnerabilities")
found=$(jq .count "$T/vulns.json")
cached=$(api -H "Authorization: Bearer $tok" -o /dev/null -w '%{time_total}' \
    "https://localhost:$port/api/v1/agents/$aid/vulnerabilities")
manifest=$(api -H "Authorization: Bearer $cred" -o "$T/m.json" -w '%{size_download}' \
    "https://localhost:$port/agent/v1/manifests/vulnsigs")

# The same document as a scheduled feed (a local HTTPS server with the
# platform's own certificate, the feed added by SIGHUP): the latency of
# admin requests while it is fetched and imported, against idle.
latency() {
	api -H "Authorization: Bearer $tok" -o /dev/null -w '%{time_total}\n' \
	    "https://localhost:$port/api/v1/settings"
}
for _ in $(seq 20); do latency; done | sort -n | tail -1 >"$T/idle.lat"
fport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$T" "$fport" "$T/p/server.pem" "$T/p/server.key" <<'EOF2' &
import functools, http.server, ssl, sys
d, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=d)
http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), h)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
EOF2
PIDS="$PIDS $!"
printf 'feed = bench debian-tracker https://localhost:%s/tracker.json 1d\nfeed_ca_file = %s\n' \
    "$fport" "$T/p/ca.pem" >>"$conf"
sleep 1
kill -HUP "$ppid"
: >"$T/busy.lat"
for _ in $(seq 3000); do
	latency >>"$T/busy.lat"
	api -H "Authorization: Bearer $tok" "https://localhost:$port/api/v1/feeds" |
	    jq -e '.feeds[] | select(.name == "bench") | .last_outcome != null' \
	    >/dev/null 2>&1 && break
done
fetch_outcome=$(api -H "Authorization: Bearer $tok" "https://localhost:$port/api/v1/feeds" |
    jq -r '.feeds[] | select(.name == "bench") | "\(.last_outcome) \(.signatures) signatures"')
busy_max=$(sort -n "$T/busy.lat" | tail -1)
busy_n=$(wc -l <"$T/busy.lat")

ok() { awk "BEGIN { exit !($1) }" && echo PASS || echo FAIL; }
echo
printf 'feed: Debian tracker JSON %s MB, %s CVE entries, %s signatures; OSV zip %s MB, %s signatures\n' \
    "$tracker_mb" "$records" "$sigs" "$osvzip_mb" "$osv_sigs"
printf '%-44s %9s %10s\n' "" "seconds" "peak MB"
printf '%-44s %9s %10s\n' "outpost-platform vulnsigs import (tracker)" "$imp_s" "$imp_mb"
printf '%-44s %9s %10s\n' "reference: python3 json.load (parse only)" "$ref_s" "$ref_mb"
printf '%-44s %9s %10s\n' "same tracker again (unchanged, no version)" "$again_s" "$again_mb"
printf '%-44s %9s %10s\n' "outpost-platform vulnsigs import (OSV zip)" "$osv_s" "$osv_mb"
printf 'peak memory ratio ours/reference: %s; time ratio ours/reference: %s\n' \
    "$(awk "BEGIN { printf \"%.2f\", $imp_mb / $ref_mb }")" \
    "$(awk "BEGIN { printf \"%.2f\", $imp_s / $ref_s }")"
printf 'detection, one agent with 2000 packages: %s s (%s findings); read again: %s s\n' \
    "$detect" "$found" "$cached"
printf 'vulnsigs manifest an agent downloads: %s bytes\n' "$manifest"
printf 'scheduled fetch of the tracker document: %s; admin request latency while it ran: max %s s over %s requests (idle: max %s s)\n' \
    "$fetch_outcome" "$busy_max" "$busy_n" "$(cat "$T/idle.lat")"
echo
printf 'target import <= 60 s:       %s\n' "$(ok "$imp_s <= 60 && $osv_s <= 60")"
printf 'target import <= 512 MB:     %s\n' "$(ok "$imp_mb <= 512 && $osv_mb <= 512")"
printf 'target manifest < 4096 B:    %s\n' "$(ok "$manifest < 4096")"
