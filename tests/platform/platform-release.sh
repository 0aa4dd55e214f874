#!/bin/sh
# Agent releases on the platform: "outpost-platform release add" stores an
# archive made by dist/agent-release.sh and refuses one that is not a
# release or whose files differ from its manifest; the admin API lists,
# shows and deletes them (readers may not; every change is in the audit
# trail); the agent API serves a release's manifest byte for byte and its
# files in ranges (206, Content-Range, 416); the heartbeat offers the
# release the profile's update policy picks (off, latest by version order,
# pinned, rollout percentage, maintenance window) and keeps the state the
# agent reports, shown in the agent's detail and the rollout summary. The
# profile's update member is validated.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
command -v openssl >/dev/null 2>&1 || skip "openssl is not installed"
TOOL="$abs_top_srcdir/dist/agent-release.sh"

openssl genpkey -algorithm ed25519 -out "$T/release.key" 2>/dev/null
openssl pkey -in "$T/release.key" -pubout -out "$T/release.pub"
mkdir "$T/files"
head -c 5000000 /dev/urandom > "$T/files/outpostd"
chmod 0755 "$T/files/outpostd"
printf 'a small file\n' > "$T/files/README"
# mkrel VERSION OS ARCH: $T/VERSION-OS.tar of $T/files.
mkrel() {
	sh "$TOOL" -v "$1" -o "$2" -a "$3" -k "$T/release.key" \
	    -f "$T/$1-$2.tar" "$T/files/outpostd" "$T/files/README" \
	    >"$T/tool.out" 2>&1 || fail "agent-release.sh $1: $(cat "$T/tool.out")"
}
mkrel 1.0.0 testos testarch
mkrel 1.1.0 testos testarch
mkrel 2.0.0 otheros testarch
# The tool refuses what cannot be a release.
assert_fails sh "$TOOL" -v "1.0-" -o testos -a testarch -k "$T/release.key" \
    -f "$T/x.tar" "$T/files/outpostd" 2>"$T/err"
assert_grep "$T/err" 'not ending in -'
assert_fails sh "$TOOL" -v 1.0 -o testos -a testarch -k "$T/release.key" \
    -f "$T/x.tar" "$T/files/README" 2>"$T/err"
assert_grep "$T/err" 'a release has a file named outpostd'

start_platform "$T/p"
rel_add() {
	"$PLATFORM" release add "$1" -c "$PDIR" >"$T/add.out" 2>&1
}
rel_add "$T/1.0.0-testos.tar" || fail "release add: $(cat "$T/add.out")"
assert_grep "$T/add.out" '^release 1.0.0 for testos/testarch added: 2 files'
assert_fails rel_add "$T/1.0.0-testos.tar"
assert_grep "$T/add.out" 'release 1.0.0 for testos/testarch exists; delete it first'
printf 'not a tar' > "$T/junk.tar"
assert_fails rel_add "$T/junk.tar"
assert_grep "$T/add.out" 'junk.tar: truncated archive.*nothing added'
# A file that differs from the manifest, and an extra file.
mkdir "$T/bad"
tar -xf "$T/1.1.0-testos.tar" -C "$T/bad"
printf 'x' >> "$T/bad/README"
(cd "$T/bad" && tar -cf "$T/bad.tar" --format=ustar release.json release.sig outpostd README)
assert_fails rel_add "$T/bad.tar"
assert_grep "$T/add.out" 'README: 14 bytes with SHA-256 [0-9a-f]+, the manifest says 13 bytes'
tar -xf "$T/1.1.0-testos.tar" -C "$T/bad"
printf 'extra' > "$T/bad/extra"
(cd "$T/bad" && tar -cf "$T/bad.tar" --format=ustar release.json release.sig outpostd README extra)
assert_fails rel_add "$T/bad.tar"
assert_grep "$T/add.out" 'the archive holds extra, which the manifest does not name'
rel_add "$T/1.1.0-testos.tar" || fail "release add: $(cat "$T/add.out")"
rel_add "$T/2.0.0-otheros.tar" || fail "release add: $(cat "$T/add.out")"
"$PLATFORM" release list -c "$PDIR" > "$T/list" || fail "release list"
assert_grep "$T/list" '^1\.0\.0 +testos +testarch +2 +5000013 +[0-9T:-]+Z +cli:'
[ "$(grep -c . "$T/list")" = 4 ] || fail "release list: $(cat "$T/list")"

# The admin API.
expect 200 admin GET /api/v1/releases
assert_json .count 3
expect 200 admin GET /api/v1/releases/1.0.0
assert_json .count 1
assert_json '.releases[0].files | map(.name) | sort | join(",")' README,outpostd
assert_json '.releases[0].files | map(select(.name == "outpostd"))[0].mode' 0755
assert_json '.releases[0].size' 5000013
expect 404 admin GET /api/v1/releases/9.9.9
expect 200 admin GET '/api/v1/audit?resource=/api/v1/releases'
assert_json '[.entries[] | select(.method == "CLI" and .outcome == "success")] | length' 3
assert_json '.entries[-1].summary | test("^release add .*1.0.0-testos.tar: testos/testarch, 2 files, 5000013 bytes$")' true

# The agent API: the manifest byte for byte, the files in ranges.
activate web-01
expect 200 agent GET '/agent/v1/releases/1.0.0?os=testos&arch=testarch'
tar -xOf "$T/1.0.0-testos.tar" release.json > "$T/release.json"
jq -j .manifest "$OUT" > "$T/served.json"
cmp -s "$T/release.json" "$T/served.json" || fail "the manifest was not served as signed"
jq -r .signature "$OUT" | openssl base64 -d -A > "$T/sig.bin"
openssl pkeyutl -verify -pubin -inkey "$T/release.pub" -rawin \
    -in "$T/served.json" -sigfile "$T/sig.bin" >/dev/null 2>&1 ||
    fail "the served signature does not verify"
expect 400 agent GET '/agent/v1/releases/1.0.0?os=testos'
assert_json .field arch
expect 404 agent GET '/agent/v1/releases/1.0.0?os=otheros&arch=testarch'
expect 401 http GET '/agent/v1/releases/1.0.0?os=testos&arch=testarch' ""
# get RANGE NAME: the file NAME of 1.0.0 with Range RANGE ("" for none);
# body in $T/body, headers in $T/headers; prints the status.
get() {
	set -- "$1" "${2:-outpostd}"
	curl -sS --cacert "$PDIR/ca.pem" -H "Authorization: Bearer $CRED" \
	    ${1:+-H "Range: bytes=$1"} -D "$T/headers" -o "$T/body" \
	    -w '%{http_code}' \
	    "$URL/agent/v1/releases/1.0.0/files/$2?os=testos&arch=testarch"
}
[ "$(get 0-99)" = 206 ] || fail "range 0-99: $(cat "$T/headers")"
assert_grep "$T/headers" '^Content-Range: bytes 0-99/5000000'
assert_grep "$T/headers" '^Content-Type: application/octet-stream'
head -c 100 "$T/files/outpostd" | cmp -s - "$T/body" || fail "range 0-99 differs"
[ "$(get 1048576-)" = 206 ] || fail "open range"
assert_grep "$T/headers" '^Content-Range: bytes 1048576-4999999/5000000'
[ "$(stat -c %s "$T/body")" = 3951424 ] || fail "open range: $(stat -c %s "$T/body") bytes"
[ "$(get 0-)" = 206 ] || fail "0-"
assert_grep "$T/headers" '^Content-Range: bytes 0-4194303/5000000'
[ "$(get 5000000-5000010)" = 416 ] || fail "range past the end"
assert_grep "$T/headers" '^Content-Range: bytes \*/5000000'
[ "$(get "")" = 200 ] || fail "no range"
cmp -s "$T/files/outpostd" "$T/body" || fail "the whole file differs"
[ "$(get 0-4 README)" = 206 ] || fail "README"
[ "$(cat "$T/body")" = "a sma" ] || fail "README range: $(cat "$T/body")"
[ "$(get 0-1 nothere)" = 404 ] || fail "a missing file"
# Reassembled from ranges of 1 MiB, as the agent does.
: > "$T/joined"
o=0
while [ "$o" -lt 5000000 ]; do
	[ "$(get "$o-$((o + 1048575))")" = 206 ] || fail "range at $o"
	cat "$T/body" >> "$T/joined"
	o=$((o + 1048576))
done
cmp -s "$T/files/outpostd" "$T/joined" || fail "reassembled file differs"

# The profile's update member.
expect 200 admin GET /api/v1/profiles/1
assert_json .update.policy off
bad() {
	expect 400 admin POST /api/v1/profiles -d "{\"name\":\"bad\",\"update\":$1}"
	assert_json .field "$2"
}
bad '{"policy":"sometimes"}' update.policy
bad '{"policy":"pinned"}' update.version
bad '{"version":"v1"}' update.version
bad '{"window":{"start":"25:00","end":"01:00"}}' update.window.start
bad '{"window":{"start":"01:00"}}' update.window
bad '{"window":{"start":"01:00","end":"01:00"}}' update.window.end
bad '{"rollout_percent":101}' update.rollout_percent
bad '{"deadline":5}' update.deadline
bad '{"when":"now"}' update.when
expect 201 admin POST /api/v1/profiles -d '{"name":"latest","heartbeat_interval":10,"update":{"policy":"latest","deadline":30}}'
LATEST=$(jout .id)
assert_json .update.rollout_percent 100
assert_json .update.window null
expect 200 admin PATCH "/api/v1/agents/$AGENT_ID" -d "{\"profile_id\":$LATEST}"

# hb CURRENT [STATE EXTRA]: a heartbeat with the update member.
hb() {
	expect 200 heartbeat "{\"agent_version\":\"$1\",\"update\":{\"state\":\"${2:-none}\",\"current\":\"$1\",\"os\":\"testos\",\"arch\":\"testarch\"${3:-}}}"
}
hb 0.9
assert_json .update.version 1.1.0
assert_json .update.pinned false
assert_json .update.deadline 30
assert_json .update.wait null
hb 1.1.0
assert_json .update null
expect 200 heartbeat '{}'
assert_json .update null
# Pinned: an older version too; a missing one is not offered.
expect 200 admin PATCH "/api/v1/profiles/$LATEST" -d '{"update":{"policy":"pinned","version":"1.0.0"}}'
hb 1.1.0
assert_json .update.version 1.0.0
assert_json .update.pinned true
expect 200 admin PATCH "/api/v1/profiles/$LATEST" -d '{"update":{"version":"3.0.0"}}'
hb 1.1.0
assert_json .update null
# Rollout: nobody at 0 %.
expect 200 admin PATCH "/api/v1/profiles/$LATEST" -d '{"update":{"policy":"latest","rollout_percent":0}}'
hb 0.9
assert_json .update null
# A maintenance window that is not now: the offer says to wait.
start=$(date -u -d '+2 hour' +%H:00)
end=$(date -u -d '+3 hour' +%H:00)
expect 200 admin PATCH "/api/v1/profiles/$LATEST" -d "{\"update\":{\"rollout_percent\":100,\"window\":{\"start\":\"$start\",\"end\":\"$end\"}}}"
hb 0.9
assert_json .update.version 1.1.0
assert_json .update.wait "outside the maintenance window $start-$end UTC"
start=$(date -u -d '-1 hour' +%H:00)
end=$(date -u -d '+1 hour' +%H:00)
expect 200 admin PATCH "/api/v1/profiles/$LATEST" -d "{\"update\":{\"window\":{\"start\":\"$start\",\"end\":\"$end\"}}}"
hb 0.9
assert_json .update.wait null
# Another OS: its own newest release.
expect 200 heartbeat '{"agent_version":"0.9","update":{"current":"0.9","os":"otheros","arch":"testarch"}}'
assert_json .update.version 2.0.0

# The state an agent reports: agent detail, rollout summary.
hb 1.0.0 rolled_back ',"target":"1.1.0","previous":"1.0.0","time":1796000000,"error":{"code":"E609","message":"version 1.1.0 exited before its first check-in"}'
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
assert_json .update.state rolled_back
assert_json .update.target_version 1.1.0
assert_json .update.current_version 1.0.0
assert_json .update.error.code E609
assert_json .update.offered_version 1.1.0
assert_json .update.os testos
expect 400 heartbeat '{"update":{"state":"hopeful"}}'
assert_json .field update.state
expect 400 heartbeat '{"update":[]}'
assert_json .field update
expect 400 heartbeat "{\"update\":{\"note\":\"$(head -c 5000 /dev/zero | tr '\0' x)\"}}"
assert_json .field update
CRED1=$CRED
AID1=$AGENT_ID
activate web-02
expect 200 heartbeat '{"agent_version":"1.1.0"}'
CRED=$CRED1
expect 200 admin GET /api/v1/releases/1.1.0/rollout
assert_json .total 2
assert_json .states.rolled_back 1
assert_json .states.done 1
assert_json .states.none 0
assert_json '.agents | map(.state) | sort | join(",")' done,rolled_back
assert_json ".agents | map(select(.agent_id == \"$AID1\"))[0].error.code" E609
assert_json '.builds[0].arch' testarch
expect 200 admin GET /api/v1/releases/1.0.0/rollout
assert_json .states.done 1
assert_json .states.none 1
expect 404 admin GET /api/v1/releases/7.7.7/rollout

# Deleting: readers may not; admins may, recorded.
add_user bob reader bob-secret-22
expect 201 signin bob bob-secret-22
as_user bob
expect 403 session DELETE /api/v1/releases/2.0.0
expect 404 admin DELETE '/api/v1/releases/2.0.0?os=testos'
expect 200 admin DELETE '/api/v1/releases/2.0.0?os=otheros'
assert_json .deleted 1
expect 404 admin GET /api/v1/releases/2.0.0
expect 200 admin GET '/api/v1/audit?resource=/api/v1/releases/2.0.0'
assert_json '[.entries[] | select(.outcome == "refused" and .actor == "bob")] | length' 1
assert_json '[.entries[] | select(.outcome == "success" and .method == "DELETE")][0].summary' '1 release deleted'
"$PLATFORM" release del 1.0.0 -c "$PDIR" > "$T/del.out" 2>&1 || fail "release del: $(cat "$T/del.out")"
assert_grep "$T/del.out" '^1 release of version 1.0.0 deleted'
assert_fails "$PLATFORM" release del 1.0.0 -c "$PDIR" 2>"$T/err"
assert_grep "$T/err" 'no release 1.0.0 to delete'
[ "$(get 0-9)" = 404 ] || fail "a deleted release is still served"
expect 200 admin GET /api/v1/releases
assert_json .count 1
exit 0
