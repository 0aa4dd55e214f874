#!/bin/sh
# Hostile bodies (tests/tools/hostile-platform.py in front of a real
# platform): 16 MiB of empty JSON objects, plain or gzip'd to a few KiB,
# in the answer of every endpoint the agent calls (heartbeat, profile,
# the three manifests, inventory and error uploads), manifests that are
# not flat, not signed, or signed but over the parse budget: each is
# refused with its real cause (E405, E410, E601), nothing in force
# changes, and the agent stays under 64 MB (VmHWM) with a small log.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-hostile.sh"
SPOOLFILL="$abs_top_builddir/tests/tools/spoolfill"
[ -x "$SPOOLFILL" ] || fail "$SPOOLFILL not built"
MIB16=16777216

hostile_setup "$T/a"
stop_agent
cp -a "$T/a/state/manifests" "$T/manifests.before"
cp "$T/a/state/profile.json" "$T/profile.before"
"$SPOOLFILL" "$T/a/state/spool" 2 big-answer >/dev/null
rm -f "$T/a/state/inventory.json"

# rule METHOD PATH GZIP HEAD TAIL: 16 MiB of {}, between HEAD and TAIL.
rule() {
	printf '{"method":"%s","path":"%s","status":200,"gzip":%s,"repeat":{"head":"%s","unit":"{},","tail":"{}%s","size":%d}}' \
	    "$1" "$2" "$3" "$4" "$5" "$MIB16"
}

note "16 MiB of {} answering the heartbeat and the uploads"
hostile_rules "[$(rule POST /agent/v1/heartbeat false '[' ']'),
 $(rule POST /agent/v1/errors true '{\"a\":[' ']}')]"
start_agent "$T/a"
wait_log 10 'E405 .*/agent/v1/heartbeat via direct: response larger than 65536 bytes'
wait_log 30 'upload: errors record [0-9]+ not delivered .*E405 .*/agent/v1/errors via direct: response larger than 65536 bytes'
[ "$(grep -l big-answer "$T/a/state/spool"/*.rec | wc -l)" = 2 ] ||
    fail "records left the spool"
# The spool is sent oldest first: the errors go through, then the
# inventory snapshot meets the big answer.
hostile_rules "[$(rule POST /agent/v1/heartbeat false '[' ']'),
 $(rule POST /agent/v1/inventory false '[' ']')]"
wait_log 60 'upload: inventory record [0-9]+ not delivered .*E405 .*/agent/v1/inventory via direct: response larger than 65536 bytes'
admin_json "/api/v1/agents/$AID/errors?limit=100" \
    '[.errors[] | select(.message | startswith("big-answer "))] | length' \
    > "$T/n" || fail "cannot list errors"
[ "$(cat "$T/n")" = 2 ] || fail "$(cat "$T/n") of 2 spooled records stored"

note "16 MiB of {} answering the profile and the manifests (gzip'd)"
hostile_rules "[{\"method\":\"POST\",\"path\":\"/agent/v1/heartbeat\",\"forward\":true,
 \"set\":{\"profile_version\":99,\"manifests\":{\"inventory\":99,\"fim\":99,\"vulnsigs\":99}}},
 $(rule GET /agent/v1/profile true '{\"a\":[' ']}'),
 $(rule GET /agent/v1/manifests/inventory true '{\"a\":[' ']}'),
 $(rule GET /agent/v1/manifests/fim true '{\"a\":[' ']}'),
 $(rule GET /agent/v1/manifests/vulnsigs true '{\"a\":[' ']}')]"
poke_until 30 'E405 .*/agent/v1/profile via direct: response larger than 1048576 bytes'
poke_until 30 'cannot download the inventory manifest: E405 .*response larger than 262144 bytes'
poke_until 30 'cannot download the fim manifest: E405 .*response larger than 2097152 bytes'
poke_until 60 'E410 .*vulnsigs manifest refused: not a manifest: offset 5: member "a": a manifest is a flat object'

note "a vulnsigs envelope of 16 MiB, not signed"
python3 - "$T/unsigned.json" <<'PY'
import sys
body = "[" + "{}," * ((16777216 - 4096) // 3) + "{}]"
open(sys.argv[1], "w").write('{"type":"vulnsigs","version":99,"body":"%s","signature":"%s"}' % (body, "A" * 86 + "=="))
PY
hostile_rules "[{\"method\":\"POST\",\"path\":\"/agent/v1/heartbeat\",\"forward\":true,
 \"set\":{\"manifests\":{\"inventory\":1,\"fim\":1,\"vulnsigs\":99}}},
 {\"method\":\"GET\",\"path\":\"/agent/v1/manifests/vulnsigs\",\"body_file\":\"$T/unsigned.json\"}]"
poke_until 60 'E601 .*vulnsigs manifest refused: Ed25519 signature over vulnsigs version 99 does not verify'

note "signed manifests over their parse budget"
python3 - "$T/vbody.json" "$T/fbody.json" <<'PY'
import sys
open(sys.argv[1], "w").write('{"signatures":[' + "{}," * ((16777216 - 8192) // 3) + '{}]}')
open(sys.argv[2], "w").write('{"fim":{"enabled":false,"rules":[' + '"x",' * 200000 + '"x"]}}')
PY
sign_manifest vulnsigs 99 "$T/vbody.json" "$T/vsigned.json"
sign_manifest fim 99 "$T/fbody.json" "$T/fsigned.json"
note "signed vulnsigs manifest of $(wc -c < "$T/vsigned.json") bytes"
hostile_rules "[{\"method\":\"POST\",\"path\":\"/agent/v1/heartbeat\",\"forward\":true,
 \"set\":{\"manifests\":{\"inventory\":1,\"fim\":99,\"vulnsigs\":99}}},
 {\"method\":\"GET\",\"path\":\"/agent/v1/manifests/vulnsigs\",\"body_file\":\"$T/vsigned.json\"},
 {\"method\":\"GET\",\"path\":\"/agent/v1/manifests/fim\",\"body_file\":\"$T/fsigned.json\"}]"
poke_until 60 'E410 .*vulnsigs manifest refused: signed body over the parse limits: offset [0-9]+: more than 4194304 objects and arrays'
poke_until 60 'E410 .*fim manifest refused: signed body over the parse limits: offset [0-9]+: more than 98304 values'

note "nothing in force changed; memory and log bounded"
for f in inventory fim vulnsigs; do
	cmp -s "$T/manifests.before/$f.json" "$T/a/state/manifests/$f.json" ||
	    fail "the $f manifest changed"
done
cmp -s "$T/profile.before" "$T/a/state/profile.json" ||
    fail "the cached profile changed"
assert_running
assert_hwm 64

note "a signed vulnsigs manifest near the cap that holds its contract"
python3 - "$T/legit.json" <<'PY'
import json, sys
sigs, size, i = [], 14 * 1048576, 0
while size > 0:
    s = {"id": "CVE-2026-%06d" % i, "title": "synthetic %d" % i,
         "severity": "low", "ecosystem": "deb", "package": "pkg%d" % i,
         "fixed_version": "1.%d-1" % i}
    sigs.append(s)
    size -= len(json.dumps(s)) + 1
    i += 1
open(sys.argv[1], "w").write(json.dumps({"signatures": sigs},
                                        separators=(",", ":")))
PY
sign_manifest vulnsigs 100 "$T/legit.json" "$T/legit-signed.json"
note "signed vulnsigs manifest of $(wc -c < "$T/legit-signed.json") bytes"
hostile_rules "[{\"method\":\"POST\",\"path\":\"/agent/v1/heartbeat\",\"forward\":true,
 \"set\":{\"manifests\":{\"inventory\":1,\"fim\":1,\"vulnsigs\":100}}},
 {\"method\":\"GET\",\"path\":\"/agent/v1/manifests/vulnsigs\",\"body_file\":\"$T/legit-signed.json\"}]"
poke_until 120 'vulnsigs manifest version 100 verified and in force'
cmp -s "$T/legit-signed.json" "$T/a/state/manifests/vulnsigs.json" ||
    fail "the accepted manifest is not what was served"
[ ! -e "$T/a/state/manifests/vulnsigs.json.new" ] || fail "staged file left"
assert_hwm 64
assert_log_size 1024
# The snapshot refused by a big answer stayed spooled and went later.
wait_inventory 60 ">= 2"
stop_agent
[ "$AGENT_RC" = 0 ] || fail "outpostd exited with $AGENT_RC"
exit 0
