#!/bin/sh
# Signed manifests on the agent: downloaded when the platform names a newer
# version, verified, cached, reported per agent (S5); a tampered manifest is
# refused with E601 and the previous version stays; while data collection
# is paused the fim manifest is not downloaded, and it is once resumed (S7).
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
command -v python3 >/dev/null || skip "python3 is not installed"

start_platform "$T/p"
platform_agent "$T/a"
wait_for 10 status_check '.manifests.vulnsigs.version == 1 and .manifests.fim.version == 1 and .manifests.inventory.version == 1' ||
    fail "init's manifests not in force: $(status_value -c .manifests)"
AID=$(status_value .platform.agent_id)
for t in inventory fim vulnsigs; do
	[ -f "$T/a/state/manifests/$t.json" ] || fail "$t manifest not cached"
	[ "$(stat -c %a "$T/a/state/manifests/$t.json")" = 600 ] || fail "$t mode"
done
assert_grep "$T/a/log/agent.log" "vulnsigs manifest version 1 verified and in force"

# S5: a new vulnsigs version reaches the agent, and the platform shows it.
expect 201 admin POST /api/v1/manifests -d '{"type":"vulnsigs","body":{"signatures":[]}}'
assert_json .version 2
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 10 status_check '.manifests.vulnsigs.version == 2' ||
    fail "vulnsigs 2 not downloaded"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
expect 200 admin GET "/api/v1/agents/$AID"
assert_json .manifest_versions.vulnsigs 2
assert_json .manifest_versions.fim 1
jq -e '.version == 2 and .type == "vulnsigs"' "$T/a/state/manifests/vulnsigs.json" >/dev/null ||
    fail "cached vulnsigs is not version 2"

# A manifest tampered with on the platform side (its body changed after
# signing) is refused; version 2 stays in force; E601 reaches the platform.
expect 201 admin POST /api/v1/manifests -d '{"type":"vulnsigs","body":{"signatures":[]}}'
python3 - "$PDIR" <<'PY' || fail "cannot tamper with the database"
import glob, sqlite3, sys
db = [p for p in glob.glob(sys.argv[1] + "/*.db") + glob.glob(sys.argv[1] + "/*.sqlite*") if not p.endswith(("-wal", "-shm"))][0]
c = sqlite3.connect(db)
c.execute("UPDATE manifests SET body = ? WHERE type = 'vulnsigs' AND version = 3",
          ('{"signatures":[{"id":"EVIL"}]}',))
c.commit()
PY
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 10 status_check '.manifests.vulnsigs.refused == 1' ||
    fail "tampered manifest not refused: $(status_value -c .manifests)"
[ "$(status_value .manifests.vulnsigs.version)" = 2 ] || fail "version 2 did not stay in force"
assert_grep "$T/a/log/agent.log" "E601 .*vulnsigs manifest refused: Ed25519 signature over vulnsigs version 3 does not verify"
status_value '.platform.errors | map(.code) | index("E601")' | grep -qv null ||
    fail "E601 not in status"
wait_for 10 platform_has_error "$AID" E601 ||
    fail "E601 not reported to the platform"
# ... and is one of the agent's current errors there (the heartbeat's
# current_errors), which the agent list filters by.
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 10 admin_check "/api/v1/agents/$AID" \
    '.current_errors | map(.code) | index("E601") != null' ||
    fail "E601 is not a current error on the platform: $(admin_json "/api/v1/agents/$AID" -c .current_errors)"
admin_check "/api/v1/agents?error=E601" ".agents | map(.agent_id) | index(\"$AID\") != null" ||
    fail "the agent list does not find the agent by its current error E601"

# S7: paused -> the fim manifest is not downloaded; resumed -> it is.
expect 201 admin POST /api/v1/profiles -d '{"name":"paused","heartbeat_interval":60,"data_collection_paused":true}'
PROF=$(jout .id)
expect 200 admin GET "/api/v1/agents/$AID/manifest-downloads?type=fim&outcome=served"
SERVED=$(jout .count)
[ "$SERVED" -ge 1 ] || fail "the fim manifest downloaded at activation is not in the record"
expect 200 admin PATCH "/api/v1/agents/$AID" -d "{\"profile_id\":$PROF}"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 10 status_check '.manifests.data_collection_paused == true' ||
    fail "pause not in force"
expect 201 admin POST /api/v1/manifests -d '{"type":"fim","body":{"note":"v2"}}'
assert_json .version 2
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
[ "$(status_value .manifests.fim.version)" = 1 ] || fail "fim manifest downloaded while paused"
# The platform's record agrees: since the pause, no fim manifest went out.
expect 200 admin GET "/api/v1/agents/$AID/manifest-downloads?type=fim&outcome=served"
assert_json .count "$SERVED"
[ "$(status_value .manifests.fim.platform_version)" = 2 ] || fail "platform's fim version not seen"
assert_grep "$T/a/log/agent.log" "not downloading the fim manifest: data collection is paused"
expect 200 admin PATCH "/api/v1/profiles/$PROF" -d '{"data_collection_paused":false}'
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 10 status_check '.manifests.fim.version == 2' ||
    fail "fim manifest not downloaded after resume: $(status_value -c .manifests)"
jq -e ".body | fromjson | .profile_id == $PROF" "$T/a/state/manifests/fim.json" >/dev/null ||
    fail "fim manifest does not carry the agent's profile"
expect 200 admin GET "/api/v1/agents/$AID/manifest-downloads?type=fim&outcome=served"
assert_json .count "$((SERVED + 1))"
assert_json .downloads[0].version 2

# A cached manifest tampered with on disk is refused at start and fetched
# again.
stop_agent
python3 - "$T/a/state/manifests/inventory.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["body"] = d["body"].replace("os", "xx", 1)
json.dump(d, open(sys.argv[1], "w"))
PY
start_agent "$T/a"
assert_grep "$T/a/log/agent.log" "E601 .*cached .*inventory.json: Ed25519 signature over inventory version 1 does not verify"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
wait_for 10 status_check '.manifests.inventory.version == 1' ||
    fail "inventory manifest not fetched again"
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc.txt" || true
assert_grep "$T/hc.txt" "PASS  manifests .*verified and in force: inventory 1, fim 2, vulnsigs 2"
stop_agent
[ "$AGENT_RC" = 0 ] || fail "outpostd exited with $AGENT_RC"
exit 0
