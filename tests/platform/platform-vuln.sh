#!/bin/sh
# Vulnerability detections: an agent uploads a full inventory of 300
# packages as outpostd would (gzip, over the agent API); a vulnsigs
# manifest crafted against it gives exactly the expected detections ('~',
# epochs, revisions, ranges, multiarch, rpm); a delta past a fixed version
# removes one, a new vulnsigs version recomputes them, and invalid
# manifests and package lists are refused with the field named.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"
activate web-01

# vulns: the detections of the last answer, one "id package arch
# installed fixed severity" line each, in the order given.
vulns() {
	jq -r '.vulnerabilities[] | [.id, .package, (.arch // "-"),
	    .installed_version, (.fixed_version // "-"), .severity] |
	    join(" ")' "$OUT"
}

# expect_vulns EXPECTED: the detections of agent $AGENT_ID are EXPECTED.
expect_vulns() {
	expect 200 admin GET "/api/v1/agents/$AGENT_ID/vulnerabilities"
	_got=$(vulns)
	[ "$_got" = "$1" ] || fail "detections:
$_got
expected:
$1"
	assert_json .count "$(printf '%s\n' "$1" | grep -c .)"
}

# No inventory yet: nothing detected, nothing to compute from.
expect 200 admin GET "/api/v1/agents/$AGENT_ID/vulnerabilities"
assert_json .count 0
assert_json .inventory_version null
assert_json .vulnsigs_version 1
assert_json .agent_id "$AGENT_ID"
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
assert_json .last_inventory null
assert_json .vulnerability_count 0
expect 404 admin GET /api/v1/agents/00000000-0000-4000-8000-000000000000/vulnerabilities
assert_json .error not_found
expect 404 admin GET /api/v1/agents/nope/vulnerabilities
expect 401 http GET "/api/v1/agents/$AGENT_ID/vulnerabilities" ""
expect 405 admin POST "/api/v1/agents/$AGENT_ID/vulnerabilities" -d '{}'

# The prepared inventory: 282 filler packages and 18 that the signatures
# aim at, sorted by name and architecture as the agent sends them.
{
	awk 'BEGIN { for (i = 1; i <= 282; i++)
	    printf "pkg%03d 1.%d-%d amd64 deb\n", i, i % 7, i % 3 + 1 }'
	cat <<'EOF'
openssl 3.0.11-1~deb12u2 amd64 deb
libssl3 3.0.11-1~deb12u2 amd64 deb
libc6 2.36-9+deb12u4 amd64 deb
libc6 2.36-9+deb12u4 i386 deb
tilde-pre 1.0~rc1-1 all deb
tilde-equal 2.0~beta1 all deb
tilde-after 1.0-1 all deb
epoch-high 1:0.9-1 amd64 deb
epoch-low 0.9-1 amd64 deb
revision-zero 1.0 amd64 deb
range-below 2.5-1 amd64 deb
range-inside 3.1-1 amd64 deb
unfixed 0.1-1 all deb
no-ecosystem 1.0-1 amd64 -
kernel 5.14.0-362.8.1.el9_3 x86_64 rpm
openssl-libs 1:3.0.7-24.el9 x86_64 rpm
rpm-caret 1.0^git1-1 noarch rpm
rpm-tilde 1.0~rc1-1 noarch rpm
EOF
} | sort -k1,1 -k3,3 | awk 'BEGIN { printf "{\"type\":\"full\",\"data\":{" \
    "\"os\":{\"name\":\"Debian GNU/Linux\",\"id\":\"debian\",\"version_id\":\"12\"}," \
    "\"host\":{\"hostname\":\"web-01\"},\"packages\":[" }
    { printf "%s{\"name\":\"%s\",\"version\":\"%s\",\"arch\":\"%s\"", \
      (NR > 1 ? "," : ""), $1, $2, $3
      if ($4 != "-") printf ",\"ecosystem\":\"%s\"", $4
      printf "}" }
    END { printf "]}}\n" }' >"$T/full.json"
[ "$(jq '.data.packages | length' "$T/full.json")" -eq 300 ] ||
    fail "the prepared inventory is not 300 packages"
gzip -c "$T/full.json" >"$T/full.gz"
expect 200 agent POST /agent/v1/inventory -H 'Content-Encoding: gzip' \
    --data-binary "@$T/full.gz"
assert_json .inventory_version 1
# Published before the manifest: detections against vulnsigs 1 (empty).
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
assert_json .vulnerability_count 0
[ "$(jout .last_inventory)" -gt 0 ] || fail "no last_inventory: $(cat "$OUT")"

cat >"$T/sigs2.json" <<'EOF'
{"type": "vulnsigs", "body": {"signatures": [
 {"id": "CVE-2024-0001", "title": "openssl: key recovery", "severity": "high",
  "package": "openssl", "ecosystem": "deb", "fixed_version": "3.0.13-1~deb12u1",
  "description": "crafted for the prepared inventory",
  "references": ["https://security-tracker.debian.org/tracker/CVE-2024-0001"]},
 {"id": "CVE-2024-0001", "title": "openssl: key recovery", "severity": "high",
  "package": "libssl3", "ecosystem": "deb",
  "affected": {"introduced": "3.0.0", "fixed": "3.0.13-1~deb12u1"}},
 {"id": "CVE-2024-0002", "title": "glibc: overflow", "severity": "critical",
  "package": "libc6", "ecosystem": "deb", "fixed_version": "2.36-9+deb12u7"},
 {"id": "CVE-2024-0003", "title": "rc before release", "severity": "medium",
  "package": "tilde-pre", "ecosystem": "deb", "fixed_version": "1.0-1"},
 {"id": "CVE-2024-0004", "title": "fixed in the beta itself", "severity": "low",
  "package": "tilde-equal", "ecosystem": "deb", "fixed_version": "2.0~beta1"},
 {"id": "CVE-2024-0005", "title": "fixed in an rc", "severity": "low",
  "package": "tilde-after", "ecosystem": "deb", "fixed_version": "1.0~rc1-1"},
 {"id": "CVE-2024-0006", "title": "epoch 1 is newer than 2.0", "severity": "high",
  "package": "epoch-high", "ecosystem": "deb", "fixed_version": "2.0-1"},
 {"id": "CVE-2024-0007", "title": "epoch 2 fixes", "severity": "high",
  "package": "epoch-high", "ecosystem": "deb", "fixed_version": "2:0.1-1"},
 {"id": "CVE-2024-0008", "title": "no epoch is 0", "severity": "medium",
  "package": "epoch-low", "ecosystem": "deb", "fixed_version": "0:1.0-1"},
 {"id": "CVE-2024-0009", "title": "1.0 is 1.0-0", "severity": "low",
  "package": "revision-zero", "ecosystem": "deb", "fixed_version": "1.0-0"},
 {"id": "CVE-2024-0010", "title": "range", "severity": "medium",
  "package": "range-below", "ecosystem": "deb",
  "affected": {"introduced": "3.0", "fixed": "3.2-1"}},
 {"id": "CVE-2024-0010", "title": "range", "severity": "medium",
  "package": "range-inside", "ecosystem": "deb",
  "affected": {"introduced": "3.0", "fixed": "3.2-1"}},
 {"id": "CVE-2024-0011", "title": "no fix yet", "severity": "low",
  "package": "unfixed", "ecosystem": "deb"},
 {"id": "CVE-2024-0012", "title": "not an agent package", "severity": "low",
  "package": "no-ecosystem", "ecosystem": "deb"},
 {"id": "CVE-2024-0013", "title": "openssl on rpm", "severity": "critical",
  "package": "openssl", "ecosystem": "rpm", "fixed_version": "1:3.0.7-27.el9"},
 {"id": "RHSA-2024:0014", "title": "kernel", "severity": "critical",
  "package": "kernel", "ecosystem": "rpm", "fixed_version": "5.14.0-362.13.1.el9_3"},
 {"id": "RHSA-2024:0015", "title": "openssl-libs", "severity": "medium",
  "package": "openssl-libs", "ecosystem": "rpm", "fixed_version": "1:3.0.7-27.el9"},
 {"id": "RHSA-2024:0016", "title": "epoch-less fix is older", "severity": "low",
  "package": "openssl-libs", "ecosystem": "rpm", "fixed_version": "3.1.0-1.el9"},
 {"id": "RHSA-2024:0017", "title": "caret after release", "severity": "low",
  "package": "rpm-caret", "ecosystem": "rpm", "fixed_version": "1.0-1"},
 {"id": "RHSA-2024:0018", "title": "tilde before release", "severity": "low",
  "package": "rpm-tilde", "ecosystem": "rpm", "fixed_version": "1.0-1"},
 {"id": "CVE-2024-0019", "title": "no such package here", "severity": "high",
  "package": "pkg999", "ecosystem": "deb", "fixed_version": "1.0"}
]}}
EOF
expect 201 admin POST /api/v1/manifests --data-binary "@$T/sigs2.json"
assert_json .version 2
assert_json '.body | fromjson | .signatures' 21
# The list does not recompute: the stored count is for vulnsigs 1.
expect 200 admin GET /api/v1/agents
assert_json '.agents[0].vulnerability_count' null

V2='CVE-2024-0002 libc6 amd64 2.36-9+deb12u4 2.36-9+deb12u7 critical
CVE-2024-0002 libc6 i386 2.36-9+deb12u4 2.36-9+deb12u7 critical
RHSA-2024:0014 kernel x86_64 5.14.0-362.8.1.el9_3 5.14.0-362.13.1.el9_3 critical
CVE-2024-0001 libssl3 amd64 3.0.11-1~deb12u2 3.0.13-1~deb12u1 high
CVE-2024-0001 openssl amd64 3.0.11-1~deb12u2 3.0.13-1~deb12u1 high
CVE-2024-0007 epoch-high amd64 1:0.9-1 2:0.1-1 high
CVE-2024-0003 tilde-pre all 1.0~rc1-1 1.0-1 medium
CVE-2024-0008 epoch-low amd64 0.9-1 0:1.0-1 medium
CVE-2024-0010 range-inside amd64 3.1-1 3.2-1 medium
RHSA-2024:0015 openssl-libs x86_64 1:3.0.7-24.el9 1:3.0.7-27.el9 medium
CVE-2024-0011 unfixed all 0.1-1 - low
RHSA-2024:0018 rpm-tilde noarch 1.0~rc1-1 1.0-1 low'
expect_vulns "$V2"
assert_json .inventory_version 1
assert_json .vulnsigs_version 2
[ "$(jout .computed_at)" -gt 0 ] || fail "no computed_at"
jq -e '.vulnerabilities[0] | .title == "glibc: overflow" and
    .ecosystem == "deb"' "$OUT" >/dev/null || fail "detection fields: $(cat "$OUT")"
# Now computed, the list and the detail show the count.
expect 200 admin GET /api/v1/agents
assert_json '.agents[0].vulnerability_count' 12
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
assert_json .vulnerability_count 12

# A delta upgrading openssl past its fixed version: that detection goes,
# in the upload's own transaction (the list shows it without a read).
jq -c '{type: "delta", base_version: 1, set: {packages: [.data.packages[] |
    if .name == "openssl" then .version = "3.0.13-1~deb12u1" else . end]}}' \
    "$T/full.json" >"$T/delta.json"
expect 200 agent POST /agent/v1/inventory --data-binary "@$T/delta.json"
assert_json .inventory_version 2
expect 200 admin GET /api/v1/agents
assert_json '.agents[0].vulnerability_count' 11
V2B=$(printf '%s\n' "$V2" | grep -v ' openssl amd64 ')
expect_vulns "$V2B"
assert_json .inventory_version 2
# A delta that leaves the packages alone carries the detections over.
expect 200 agent POST /agent/v1/inventory \
    -d '{"type":"delta","base_version":2,"set":{"host":{"hostname":"web-02"}}}'
assert_json .inventory_version 3
expect 200 admin GET /api/v1/agents
assert_json '.agents[0].vulnerability_count' 11
expect_vulns "$V2B"
assert_json .inventory_version 3

# A new vulnsigs version: recomputed on the next read.
cat >"$T/sigs3.json" <<'EOF'
{"type": "vulnsigs", "body": {"signatures": [
 {"id": "CVE-2024-0020", "title": "filler", "severity": "medium",
  "package": "pkg150", "ecosystem": "deb", "fixed_version": "1.3-1.1"},
 {"id": "CVE-2024-0002", "title": "glibc: overflow", "severity": "critical",
  "package": "libc6", "ecosystem": "deb", "fixed_version": "2.36-9+deb12u4"}
]}}
EOF
expect 200 admin GET "/api/v1/agents/$AGENT_ID/inventory"
assert_json '.data.packages[] | select(.name == "pkg150") | .version' 1.3-1
expect 201 admin POST /api/v1/manifests --data-binary "@$T/sigs3.json"
assert_json .version 3
expect 200 admin GET /api/v1/agents
assert_json '.agents[0].vulnerability_count' null
expect_vulns 'CVE-2024-0020 pkg150 amd64 1.3-1 1.3-1.1 medium'
assert_json .vulnsigs_version 3
expect 200 admin GET /api/v1/agents
assert_json '.agents[0].vulnerability_count' 1

# Invalid manifests are refused, naming the field; nothing is published.
bad() {
	expect 400 admin POST /api/v1/manifests \
	    -d "{\"type\":\"vulnsigs\",\"body\":$1}"
	assert_json .error invalid_field
	assert_json .field "$2"
	if [ $# -gt 2 ]; then
		assert_json .message "$3"
	fi
}
# one ECOSYSTEM [MEMBERS]: a body with one signature of package a1, plus
# MEMBERS (',"key":value...').
one() {
	printf '{"signatures":[{"id":"X-1","title":"t","severity":"low",'
	printf '"package":"a1","ecosystem":"%s"%s}]}' "$1" "${2:-}"
}
bad '{}' body.signatures required
bad '{"signatures":{}}' body.signatures "expected an array"
bad '{"signatures":[],"extra":1}' body.extra "unknown field"
bad '{"signatures":[1]}' 'body.signatures[0]' "expected an object"
bad "{\"signatures\":[$(one deb | jq -c '.signatures[0]'),
    $(one apk | jq -c '.signatures[0]')]}" \
    'body.signatures[1].ecosystem' 'expected "deb" or "rpm"'
bad '{"signatures":[{"id":"X","title":"t","severity":"low","package":"a1"}]}' \
    'body.signatures[0].ecosystem' required
bad '{"signatures":[{"title":"t","severity":"low","package":"a1",
    "ecosystem":"deb"}]}' 'body.signatures[0].id' required
bad '{"signatures":[{"id":"X 1","title":"t","severity":"low","package":"a1",
    "ecosystem":"deb"}]}' 'body.signatures[0].id'
bad '{"signatures":[{"id":"X","title":"t","severity":3,"package":"a1",
    "ecosystem":"deb"}]}' 'body.signatures[0].severity' "expected a string"
bad '{"signatures":[{"id":"X","title":"t","severity":"urgent","package":"a1",
    "ecosystem":"deb"}]}' 'body.signatures[0].severity' \
    "expected low, medium, high or critical"
bad '{"signatures":[{"id":"X","title":"t","severity":"low",
    "package":"OpenSSL","ecosystem":"deb"}]}' 'body.signatures[0].package'
bad "$(one deb ',"fixed_version":"1.0-"')" 'body.signatures[0].fixed_version' \
    "invalid Debian version: revision number is empty"
bad "$(one deb ',"fixed_version":"a:1.0"')" \
    'body.signatures[0].fixed_version' \
    "invalid Debian version: epoch in version is empty"
bad "$(one deb ',"fixed_version":"abc"')" 'body.signatures[0].fixed_version' \
    "invalid Debian version: version number does not start with digit"
bad "$(one deb ',"fixed_version":" 1.0"')" 'body.signatures[0].fixed_version'
bad "$(one rpm ',"affected":{"fixed":"1.0-1-1"}')" \
    'body.signatures[0].affected.fixed'
bad "$(one rpm ',"affected":{"introduced":":1"}')" \
    'body.signatures[0].affected.introduced' \
    "invalid rpm version: epoch is empty"
bad "$(one deb ',"affected":{"introduced":"2.0","fixed":"2.0~rc1"}')" \
    'body.signatures[0].affected.introduced' \
    "must be lower than the fixed version"
bad "$(one deb ',"fixed_version":"2.0","affected":{"fixed":"2.1"}')" \
    'body.signatures[0].affected.fixed' "differs from fixed_version"
bad "$(one deb ',"affected":{"before":"2.0"}')" \
    'body.signatures[0].affected.before' "unknown field"
bad "$(one deb ',"cvss":9')" 'body.signatures[0].cvss' "unknown field"
bad "$(one deb ',"references":[""]')" 'body.signatures[0].references[0]'
expect 200 admin GET /api/v1/manifests/vulnsigs
assert_json .version 3
# An equal fixed_version and affected.fixed (1.0 is 1.0-0) are accepted.
expect 201 admin POST /api/v1/manifests -d "{\"type\":\"vulnsigs\",
    \"body\":$(one deb ',"fixed_version":"1.0","affected":{"fixed":"1.0-0"}')}"
assert_json .version 4

# Packages an agent uploads must be well-formed, or nothing is stored.
expect 400 agent POST /agent/v1/inventory \
    -d '{"type":"full","data":{"packages":[{"name":"a","version":"1"},{"name":"b","version":2}]}}'
assert_json .field 'data.packages[1].version'
expect 400 agent POST /agent/v1/inventory \
    -d '{"type":"delta","set":{"packages":{"name":"a"}}}'
assert_json .field set.packages
expect 400 agent POST /agent/v1/inventory \
    -d '{"type":"full","data":{"packages":[{"name":"a","version":"1","arch":""}]}}'
assert_json .field 'data.packages[0].arch'
expect 200 admin GET "/api/v1/agents/$AGENT_ID/inventory"
assert_json .inventory_version 3

# Detections and their versions survive a restart of the platform.
expect 201 admin POST /api/v1/manifests --data-binary "@$T/sigs3.json"
assert_json .version 5
expect_vulns 'CVE-2024-0020 pkg150 amd64 1.3-1 1.3-1.1 medium'
stop_platform
run_platform
expect 200 admin GET /api/v1/agents
assert_json '.agents[0].vulnerability_count' 1
expect_vulns 'CVE-2024-0020 pkg150 amd64 1.3-1 1.3-1.1 medium'
assert_json .vulnsigs_version 5

# An item-level delta that changes a package recomputes the detections
# in its transaction: pkg150 fixed, then deleted, then back again.
expect 200 agent POST /agent/v1/inventory -d '{"type":"delta","base_version":3,"items":{"packages":{"put":[{"name":"pkg150","version":"1.3-1.1","arch":"amd64","ecosystem":"deb"}]}}}'
assert_json .inventory_version 4
expect 200 admin GET /api/v1/agents
assert_json '.agents[0].vulnerability_count' 0
expect 200 agent POST /agent/v1/inventory -d '{"type":"delta","base_version":4,"items":{"packages":{"delete":[{"name":"pkg150","arch":"amd64","ecosystem":"deb"}]}}}'
assert_json .inventory_version 5
expect 200 agent POST /agent/v1/inventory -d '{"type":"delta","base_version":5,"items":{"packages":{"put":[{"name":"pkg150","version":"1.3-1","arch":"amd64","ecosystem":"deb"}]}}}'
assert_json .inventory_version 6
expect 200 admin GET /api/v1/agents
assert_json '.agents[0].vulnerability_count' 1
expect_vulns 'CVE-2024-0020 pkg150 amd64 1.3-1 1.3-1.1 medium'

# A deleted agent takes its detections along.
expect 200 admin DELETE "/api/v1/agents/$AGENT_ID"
expect 404 admin GET "/api/v1/agents/$AGENT_ID/vulnerabilities"
exit 0
