#!/bin/sh
# Self-update, releases the agent must refuse: one signed with another key
# than its release_key, one whose file was altered in the platform's
# store after it was added (as a compromised platform would), and one
# older than the running version. Each program would leave a marker file
# if it ran: none does; each is "failed" with its code (E605, E606, E607)
# on the platform, nothing of it stays under state_dir/versions, and the
# agent runs on. An older version pinned by the profile is installed (a
# real build with a lower version string).
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-update.sh"

release_key release
release_key other
V2="$AGENT_VERSION.1"
V3="$AGENT_VERSION.2"
LOW="0~low"
PINNED="0~pinned"
MARK="touch '$T/ran-\$(basename \$(dirname \$0))'; exec '$OUTPOSTD' \"\$@\""
script_release "$V2" "$T/badsig.tar" other "$MARK"
script_release "$V3" "$T/altered.tar" release "$MARK"
script_release "$LOW" "$T/low.tar" release "$MARK"
build_release "$PINNED" "$T/pinned.tar"

start_platform "$T/p"
update_profile up '{"policy":"latest","deadline":60}'
update_agent "$T/a"
wait_activated 20
wait_agent_update 20 '.state == "none"'
PID0=$AGENT_PID

# refused VERSION CODE: the agent refused VERSION with CODE, ran nothing.
refused() {
	wait_agent_update 30 ".state == \"failed\" and .target_version == \"$1\" and .error.code == \"$2\""
	status_check ".version == \"$AGENT_VERSION\" and .update.state == \"failed\" and .update.error.code == \"$2\"" ||
	    fail "agent: $(status_value -c .update)"
	wait_for 10 platform_has_error "$AID" "$2" || fail "$2 not on the platform"
	[ "$(agent_pid)" = "$PID0" ] && kill -0 "$PID0" || fail "the agent changed"
	ls "$T"/ran-* >/dev/null 2>&1 && fail "a refused release ran: $(ls "$T"/ran-*)"
	[ ! -e "$T/a/state/versions/$1" ] && [ ! -e "$T/a/state/versions/.download-$1" ] ||
	    fail "kept: $(ls -a "$T/a/state/versions")"
	rollout "$1"
	assert_json '.states.failed' 1
}

# Signed with another key.
add_release "$T/badsig.tar"
refused "$V2" E605
assert_grep "$T/a/log/agent.log" "E605 .*version $V2 refused: the Ed25519 signature of its manifest does not verify with release_key"

# A file altered in the platform's store: the manifest and signature are
# good, outpostd is not. The policy is off meanwhile, so the agent sees
# the release only once it is altered.
expect 200 admin PATCH "/api/v1/profiles/$PROF" -d '{"update":{"policy":"off"}}'
"$OUTPOSTCTL" -c "$CONF" heartbeat >/dev/null
add_release "$T/altered.tar"
/usr/bin/python3 - "$PDIR/platform.db" <<'PY' || fail "cannot alter the store"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
rowid, data = db.execute(
    "SELECT f.id, f.data FROM release_files f JOIN releases r"
    " ON r.id = f.release_id WHERE f.name = 'outpostd' ORDER BY r.id DESC"
    " LIMIT 1").fetchone()
data = bytearray(data)
data[-2] ^= 0x20
db.execute("UPDATE release_files SET data = ? WHERE id = ?", (bytes(data), rowid))
db.commit()
PY
expect 200 admin PATCH "/api/v1/profiles/$PROF" -d '{"update":{"policy":"latest"}}'
"$OUTPOSTCTL" -c "$CONF" heartbeat >/dev/null
refused "$V3" E606
assert_grep "$T/a/log/agent.log" "E606 .*version $V3 refused: outpostd: .* bytes with SHA-256 .*, the signed manifest says"

# Older than the running version, offered as the newest there is.
expect 200 admin DELETE "/api/v1/releases/$V2"
expect 200 admin DELETE "/api/v1/releases/$V3"
add_release "$T/low.tar"
"$OUTPOSTCTL" -c "$CONF" heartbeat >/dev/null
refused "$LOW" E607
assert_grep "$T/a/log/agent.log" "E607 .*version $LOW refused: version $LOW is older than the running $AGENT_VERSION and the profile does not pin it"

# Pinned, an older version is installed. (Pinned before it is published:
# published first, a heartbeat in between could offer it under "latest",
# where it is rightly refused as older.)
expect 200 admin PATCH "/api/v1/profiles/$PROF" \
    -d "{\"update\":{\"policy\":\"pinned\",\"version\":\"$PINNED\"}}"
"$OUTPOSTCTL" -c "$CONF" heartbeat >/dev/null
add_release "$T/pinned.tar"
"$OUTPOSTCTL" -c "$CONF" heartbeat >/dev/null
wait_for 40 status_check ".version == \"$PINNED\" and .update.state == \"done\"" ||
    fail "the pinned version was not installed: $(status_value -c '{version, update}')"
wait_agent_update 20 ".state == \"done\" and .current_version == \"$PINNED\""
[ "$(agent_pid)" = "$PID0" ] || fail "the pid changed"
ls "$T"/ran-* >/dev/null 2>&1 && fail "a refused release ran: $(ls "$T"/ran-*)"
exit 0
