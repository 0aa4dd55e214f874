#!/bin/sh
# The correctness corpus of vulnerability feeds (tests/data/vuln/README):
# hosts whose inventories trip other tools (backports ~deb11u1 and
# +deb12u1, epochs, binary names that differ from the source, binNMUs,
# multi-arch, a package pinned from another release, a CVE fixed in one
# release and open in another, not-affected and end-of-life entries,
# last_affected ranges, rpm epochs) against the real extracts, once with
# the Debian tracker importer and once with the OSV importer (a directory,
# then the same records zipped), each with the exact expected findings;
# every finding explains itself, the fleet list filters, an import of the
# same content publishes nothing, and what agents download stays small.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

DATA="$abs_top_srcdir/tests/data/vuln"

# host NAME OS_ID VERSION_ID PACKAGES: activate NAME and upload a full
# inventory whose packages are PACKAGES lines "name version arch eco
# source source_version". Sets HOST_<NAME>=agent id.
host() {
	activate "$1"
	printf '%s\n' "$4" | grep . | sort -k1,1 -k3,3 |
	    jq -R -s --arg id "$2" --arg ver "$3" '{type: "full", data: {
	    os: {id: $id, version_id: $ver}, host: {hostname: "h"},
	    packages: [split("\n")[] | select(. != "") | split(" ") |
	    {name: .[0], version: .[1], arch: .[2], ecosystem: .[3],
	     source: .[4], source_version: .[5]}]}}' >"$T/inv.json"
	expect 200 agent POST /agent/v1/inventory --data-binary "@$T/inv.json"
	eval "HOST_$(echo "$1" | tr - _)=\$AGENT_ID"
}

# findings NAME: one line per detection of host NAME: "id package arch
# installed fixed status release matched_on severity".
findings() {
	eval "_id=\$HOST_$(echo "$1" | tr - _)"
	expect 200 admin GET "/api/v1/agents/$_id/vulnerabilities"
	jq -r '.vulnerabilities[] | [.id, .package, .arch, .installed_version,
	    (.fixed_version // .last_affected // "-"), .status, .release,
	    .matched_on, .severity] | join(" ")' "$OUT" | sort
}

# expect_findings NAME EXPECTED: the findings of host NAME are EXPECTED
# (with P standing for the id prefix of this round).
expect_findings() {
	_want=$(printf '%s\n' "$2" | grep . | sed "s/^P/$P/" | sort)
	_got=$(findings "$1")
	[ "$_got" = "$_want" ] || fail "$ROUND: host $1 has:
$_got
expected:
$_want"
}

# The Debian hosts, the same for both importers.
debian_hosts() {
	# Debian 12: the source is below the bookworm backport (+deb12u1) on
	# two architectures; busybox (epoch) has no fix; apparmor's
	# CVE-2016-1585 is open in bookworm (fixed in trixie) and its
	# CVE-2014-1424 never affected Debian; chromium is pinned from sid,
	# newer than bookworm's fix.
	host deb12 debian 12 '
libsope1 5.8.0-1 amd64 deb sope 5.8.0-1
libsope1 5.8.0-1 i386 deb sope 5.8.0-1
busybox-static 1:1.35.0-4 amd64 deb busybox 1:1.35.0-4
libapparmor1 3.0.8-3 amd64 deb apparmor 3.0.8-3
chromium 99.0.4844.51-1 amd64 deb chromium 99.0.4844.51-1
prototypejs 1.7.1-3 all deb prototypejs 1.7.1-3'
	# Debian 12, patched: at bookworm's fixed version; a binNMU whose
	# binary version is below the fix but whose source is at it; an
	# unfixed CVE is found whatever the version, and a not-affected one
	# never.
	host deb12-patched debian 12 '
libsope1 5.8.0-1+deb12u1 amd64 deb sope 5.8.0-1+deb12u1
sope4.9-stx 5.8.0-1+b1 amd64 deb sope 5.8.0-1+deb12u1
chromium 98.0.4758.80-1 amd64 deb chromium 98.0.4758.80-1
busybox 9:99.0-1 amd64 deb busybox 9:99.0-1
apparmor 0.1-1 amd64 deb apparmor 0.1-1'
	# Debian 11 at bullseye's fixed versions (+deb11u1, ~deb11u1): none,
	# though bookworm's fixes are higher; an older chromium-common and
	# the open entries are found.
	host deb11 debian 11 '
libsope1 5.0.1-2+deb11u1 amd64 deb sope 5.0.1-2+deb11u1
chromium 98.0.4758.80-1~deb11u1 amd64 deb chromium 98.0.4758.80-1~deb11u1
chromium-common 90.0.4430.212-1 amd64 deb chromium 90.0.4430.212-1
busybox 1:1.30.1-6 amd64 deb busybox 1:1.30.1-6
apparmor 2.13.6-10 amd64 deb apparmor 2.13.6-10'
	# Debian 13: apparmor at trixie's fix.
	host deb13 debian 13 '
apparmor 3.0.12-1 amd64 deb apparmor 3.0.12-1
libsope1 5.12.1-2 amd64 deb sope 5.12.1-2'
}

# The expected findings of the Debian hosts.
debian_expected() {
	expect_findings deb12 '
PCVE-2025-53603 libsope1 amd64 5.8.0-1 5.8.0-1+deb12u1 fixed debian:12 source unknown
PCVE-2025-53603 libsope1 i386 5.8.0-1 5.8.0-1+deb12u1 fixed debian:12 source unknown
PCVE-2018-1000500 busybox-static amd64 1:1.35.0-4 - open debian:12 source low
PCVE-2016-1585 libapparmor1 amd64 3.0.8-3 - open debian:12 source low'
	expect_findings deb12-patched '
PCVE-2018-1000500 busybox amd64 9:99.0-1 - open debian:12 source low
PCVE-2016-1585 apparmor amd64 0.1-1 - open debian:12 source low'
	expect_findings deb11 '
PCVE-2022-0456 chromium-common amd64 90.0.4430.212-1 98.0.4758.80-1~deb11u1 fixed debian:11 source unknown
PCVE-2018-1000500 busybox amd64 1:1.30.1-6 - open debian:11 source low
PCVE-2016-1585 apparmor amd64 2.13.6-10 - open debian:11 source low'
	expect_findings deb13 ''
}

# One finding, every field (the first libsope1 of deb12).
check_explained() {
	eval "_id=\$HOST_deb12"
	expect 200 admin GET "/api/v1/agents/$_id/vulnerabilities"
	jq -e --arg id "${P}CVE-2025-53603" --arg url "$1" --arg feed "$2" \
	    --arg sev "$3" '[.vulnerabilities[] | select(.id == $id and
	    .arch == "amd64")][0] | .comparator == "dpkg" and
	    .package == "libsope1" and .source == "sope" and
	    .compared_version == "5.8.0-1" and .record_url == $url and
	    .feed == $feed and .severity_source == $sev and
	    .matched_on == "source" and .release == "debian:12" and
	    (.title | length) > 20' "$OUT" >/dev/null ||
	    fail "$ROUND: the finding does not explain itself: $(cat "$OUT")"
}

# --- Round 1: the Debian tracker's JSON -----------------------------------
ROUND="debian-tracker"
P=""
init_platform "$T/p1"
"$PLATFORM" vulnsigs import -c "$PDIR/platform.conf" --format debian-tracker \
    "$DATA/debian-tracker.json" >"$T/import1.out" 2>"$T/import1.err" ||
    fail "import: $(cat "$T/import1.err")"
assert_grep "$T/import1.out" "^vulnsigs version 2 published \\(feed debian-tracker, debian-tracker\\)"
assert_grep "$T/import1.out" "^10 records, 24 signatures; not affected 7, undetermined 0, skipped 9, refused 0"
# The same content again: nothing is published.
"$PLATFORM" vulnsigs import -c "$PDIR/platform.conf" --format debian-tracker \
    "$DATA/debian-tracker.json" >"$T/import1b.out" 2>&1 || fail "re-import"
assert_grep "$T/import1b.out" "^feed debian-tracker unchanged: vulnsigs version 2 stays in force"
# A broken file publishes nothing, and says where.
printf '{"sope": {"CVE-1": {"releases": {' >"$T/broken.json"
assert_fails "$PLATFORM" vulnsigs import -c "$PDIR/platform.conf" \
    --format debian-tracker "$T/broken.json"
"$PLATFORM" vulnsigs import -c "$PDIR/platform.conf" --format debian-tracker \
    "$T/broken.json" >"$T/broken.out" 2>&1
assert_grep "$T/broken.out" "import of feed debian-tracker failed: .*broken.json: byte 33: the document ends inside its top-level value; nothing was published"
run_platform
expect 200 admin GET /api/v1/manifests/vulnsigs
assert_json .version 2
assert_json '.body | fromjson | .signatures' 24
debian_hosts
debian_expected
check_explained "https://security-tracker.debian.org/tracker/CVE-2025-53603" \
    debian-tracker 'debian-tracker urgency "not yet assigned"'
# The fleet, by CVE, package, severity and release.
expect 200 admin GET "/api/v1/vulnerabilities?cve=CVE-2025-53603"
assert_json .count 2
assert_json .stale_agents 0
assert_json '[.vulnerabilities[].agent_id] | unique | length' 1
expect 200 admin GET "/api/v1/vulnerabilities?package=busybox"
assert_json .count 3
expect 200 admin GET "/api/v1/vulnerabilities?severity=low&release=debian:11"
assert_json '[.vulnerabilities[].id] | join(",")' "CVE-2016-1585,CVE-2018-1000500"
expect 400 admin GET "/api/v1/vulnerabilities?severity=bad"
expect 200 admin GET /api/v1/feeds
assert_json '.feeds[0].name' debian-tracker
assert_json '.feeds[0].signatures' 24
assert_json '.feeds[0].last_outcome' failed
assert_json '.feeds[0].last_error | test("byte 33: the document ends")' true
assert_json '.feeds[0].last_success > 0' true
# What an agent downloads stays small.
activate agent-download
curl -sS --cacert "$PDIR/ca.pem" -H "Authorization: Bearer $CRED" \
    -o "$T/manifest.json" "$URL/agent/v1/manifests/vulnsigs"
size=$(wc -c <"$T/manifest.json")
[ "$size" -lt 4096 ] || fail "the vulnsigs manifest is $size bytes"
note "round 1: the vulnsigs manifest an agent downloads is $size bytes"
stop_platform

# --- Round 2: OSV records (real extracts, and the Debian records in OSV's
# shape), first as directories while the platform runs, then zipped. ----
ROUND="osv"
P="DEBIAN-"
init_platform "$T/p2"
run_platform
"$PLATFORM" vulnsigs import -c "$PDIR/platform.conf" --format osv \
    --name osv-distros "$DATA/osv" "$DATA/osv-derived" >"$T/import2.out" \
    2>"$T/import2.err" || fail "import: $(cat "$T/import2.err")"
assert_grep "$T/import2.out" "^vulnsigs version 2 published \\(feed osv-distros, osv\\)"
# The running platform takes the new version without a restart.
wait_for 10 admin_check /api/v1/feeds '.vulnsigs_version == 2' ||
    fail "the running platform did not take vulnsigs 2"
debian_hosts
debian_expected
check_explained "https://osv.dev/vulnerability/DEBIAN-CVE-2025-53603" \
    osv-distros 'osv debian urgency "not yet assigned"'
# Ubuntu: source wayland below 22.04's fix; at it; a release the record
# does not name; an open entry of 16.04.
host jammy ubuntu 22.04 '
libwayland-client0 1.20.0-1 amd64 deb wayland 1.20.0-1
libwayland-server0 1.20.0-1 i386 deb wayland 1.20.0-1'
host jammy-patched ubuntu 22.04 '
libwayland-client0 1.20.0-1ubuntu0.1 amd64 deb wayland 1.20.0-1ubuntu0.1'
host noble ubuntu 24.04 '
libwayland-client0 1.22.0-2.1build1 amd64 deb wayland 1.22.0-2.1build1'
host xenial ubuntu 16.04 '
gitlab 8.5.1+dfsg-4 all deb gitlab 8.5.1+dfsg-4'
expect_findings jammy '
UBUNTU-CVE-2021-3782 libwayland-client0 amd64 1.20.0-1 1.20.0-1ubuntu0.1 fixed ubuntu:22.04 source medium
UBUNTU-CVE-2021-3782 libwayland-server0 i386 1.20.0-1 1.20.0-1ubuntu0.1 fixed ubuntu:22.04 source medium'
expect_findings jammy-patched ''
expect_findings noble ''
expect_findings xenial '
UBUNTU-CVE-2026-1403 gitlab all 8.5.1+dfsg-4 - open ubuntu:16.04 source medium'
# rpm: binary names, VERSION_ID 9.3 is release 9, last_affected ranges,
# "0:" epochs, and another release untouched.
host alma9 almalinux 9.3 '
avahi-libs 0.8-12.el9 x86_64 rpm avahi 0.8-12.el9
avahi 0.8-20.el9 x86_64 rpm avahi 0.8-20.el9
libtiff 4.2.0-3.el9 x86_64 rpm libtiff 4.2.0-3.el9
libtiff-tools 4.4.0-2.el9 x86_64 rpm libtiff 4.4.0-2.el9'
host alma8 almalinux 8.9 '
avahi-libs 0.7-20.el8 x86_64 rpm avahi 0.7-20.el8'
host rocky9 rocky 9.4 '
ruby 3.3.0-1.module+el9.4.0+100+abcdef12 x86_64 rpm ruby 3.3.0-1.module+el9.4.0+100+abcdef12
rubygem-pg 1.5.4-1.module+el9.4.0+20787+4c237fd3 x86_64 rpm ruby 3.3.1-2.module+el9.4.0+20787+4c237fd3'
expect_findings alma9 '
ALSA-2024:2433 avahi-libs x86_64 0.8-12.el9 0.8-20.el9 fixed almalinux:9 binary medium
ALSA-2022:8194 libtiff x86_64 4.2.0-3.el9 4.2.0-3.el9 fixed almalinux:9 binary medium'
expect_findings alma8 ''
expect_findings rocky9 '
RLSA-2024:3671 ruby x86_64 3.3.0-1.module+el9.4.0+100+abcdef12 0:3.3.1-2.module+el9.4.0+20787+4c237fd3 fixed rocky:9 binary medium'
eval "_id=\$HOST_alma9"
expect 200 admin GET "/api/v1/agents/$_id/vulnerabilities"
jq -e '.vulnerabilities[] | select(.package == "libtiff") |
    .last_affected == "4.2.0-3.el9" and .fixed_version == null and
    .comparator == "rpm" and .severity_source == "osv summary rating \"Moderate\""' \
    "$OUT" >/dev/null || fail "last_affected finding: $(cat "$OUT")"
# The fleet finds DEBIAN-CVE-2025-53603 by its CVE alias.
expect 200 admin GET "/api/v1/vulnerabilities?cve=CVE-2025-53603"
assert_json .count 2
# Zipped, the same records are the same content: nothing is published.
python3 - "$T/osv.zip" "$DATA/osv" "$DATA/osv-derived" <<'EOF' ||
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for d in sys.argv[2:]:
        for n in sorted(os.listdir(d)):
            z.write(os.path.join(d, n), n)
EOF
    fail "cannot zip the records"
"$PLATFORM" vulnsigs import -c "$PDIR/platform.conf" --format osv \
    --name osv-distros "$T/osv.zip" >"$T/import3.out" 2>&1 ||
    fail "zip import: $(cat "$T/import3.out")"
assert_grep "$T/import3.out" "^feed osv-distros unchanged: vulnsigs version 2 stays in force"
# The tracker as a second feed: both feeds' signatures are in force.
"$PLATFORM" vulnsigs import -c "$PDIR/platform.conf" --format debian-tracker \
    "$DATA/debian-tracker.json" >"$T/import4.out" 2>&1 || fail "second feed"
assert_grep "$T/import4.out" "^vulnsigs version 3 published"
wait_for 10 admin_check /api/v1/feeds '.vulnsigs_version == 3' ||
    fail "the running platform did not take vulnsigs 3"
expect 200 admin GET "/api/v1/vulnerabilities?cve=CVE-2025-53603"
assert_json .count 4
expect 200 admin GET /api/v1/manifests/vulnsigs
assert_json '.body | fromjson | .signatures' 56
assert_json '.body | fromjson | [.feeds[].name] | join(",")' \
    "debian-tracker,osv-distros"
stop_platform
exit 0
