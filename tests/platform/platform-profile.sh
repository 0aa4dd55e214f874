#!/bin/sh
# Configuration profiles: ETag and If-None-Match, version bumps on change,
# validation errors naming the field, profile assignment, apply-to-all
# (seed S12), and signed manifests with their ETags.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"
activate web-01

# ETag and 304.
expect 200 agent GET /agent/v1/profile -D "$T/h"
etag=$(sed -n 's/^ETag: //Ip' "$T/h" | tr -d '\r')
[ "$etag" = '"p1v1"' ] || fail "ETag is $etag"
assert_json .version 1
assert_json .heartbeat_interval 60
rm -f "$OUT"
expect 304 agent GET /agent/v1/profile -H "If-None-Match: $etag"
[ ! -s "$OUT" ] || fail "304 with a body"
expect 200 agent GET /agent/v1/profile -H 'If-None-Match: "p1v0"'

# A change bumps the version; the heartbeat says so; the old ETag misses.
expect 200 admin PATCH /api/v1/profiles/1 \
    -d '{"heartbeat_interval":30,"fim":{"enabled":true,"rules":[{"path":"/etc"}]}}'
assert_json .version 2
assert_json .heartbeat_interval 30
assert_json '.fim.rules[0].recursive' true
assert_json '.fim.rules[0].events | length' 5
assert_json '.correlation.ports | length' 5
expect 200 heartbeat
assert_json .profile_version 2
assert_json .heartbeat_interval 30
expect 200 agent GET /agent/v1/profile -H "If-None-Match: $etag"
assert_json .version 2
# The same values again: no new version.
expect 200 admin PATCH /api/v1/profiles/1 -d '{"heartbeat_interval":30}'
assert_json .version 2
# Partial merge of nested objects.
expect 200 admin PATCH /api/v1/profiles/1 -d '{"correlation":{"enabled":true}}'
assert_json .version 3
assert_json '.correlation.ports | join(",")' 10001,10002,10003,10004,10005
assert_json .fim.enabled true

# Validation names the field; nothing changes.
expect 400 admin PATCH /api/v1/profiles/1 -d '{"heartbeat_interval":1}'
assert_json .field heartbeat_interval
expect 400 admin PATCH /api/v1/profiles/1 -d '{"fim":{"rules":[{"path":"etc"}]}}'
assert_json .field 'fim.rules[0].path'
expect 400 admin PATCH /api/v1/profiles/1 -d '{"fim":{"rules":[{"path":"/etc","events":["chmod"]}]}}'
assert_json .field 'fim.rules[0].events[0]'
expect 400 admin PATCH /api/v1/profiles/1 -d '{"correlation":{"ports":[10001,10001]}}'
assert_json .field 'correlation.ports[1]'
expect 400 admin PATCH /api/v1/profiles/1 -d '{"correlation":{"ports":[0]}}'
assert_json .field 'correlation.ports[0]'
expect 400 admin PATCH /api/v1/profiles/1 -d '{"correlation":{"approved_networks":["10.0.0.0/33"]}}'
assert_json .field 'correlation.approved_networks[0]'
expect 400 admin PATCH /api/v1/profiles/1 -d '{"log_level":"loud"}'
assert_json .field log_level
expect 400 admin PATCH /api/v1/profiles/1 -d '{"colour":"blue"}'
assert_json .field colour
expect 400 admin PATCH /api/v1/profiles/1 -d '{"data_collection_paused":"yes"}'
assert_json .field data_collection_paused
expect 200 admin GET /api/v1/profiles/1
assert_json .version 3
expect 404 admin GET /api/v1/profiles/99
expect 404 admin PATCH /api/v1/profiles/abc -d '{}'

# Create profiles; names are unique.
expect 201 admin POST /api/v1/profiles \
    -d '{"name":"strict","heartbeat_interval":15,"correlation":{"enabled":true,"bind_all":true,"approved_networks":["10.0.0.0/8","2001:db8::/32"]}}'
strict=$(jout .id)
assert_json .version 1
assert_json .inventory_interval 3600
assert_json .correlation.bind_all true
expect 409 admin POST /api/v1/profiles -d '{"name":"strict"}'
assert_json .error conflict
expect 400 admin POST /api/v1/profiles -d '{"heartbeat_interval":15}'
assert_json .field name
expect 201 admin POST /api/v1/profiles -d '{"name":"paused","data_collection_paused":true}'
paused=$(jout .id)
expect 200 admin GET /api/v1/profiles
assert_json .count 3

# Assign a profile to one agent.
expect 200 admin PATCH "/api/v1/agents/$AGENT_ID" -d "{\"profile_id\":$strict,\"tags\":[\"web\"]}"
assert_json .profile_id "$strict"
expect 400 admin PATCH "/api/v1/agents/$AGENT_ID" -d '{"profile_id":999}'
assert_json .field profile_id
expect 200 heartbeat
assert_json .profile_id "$strict"
assert_json .heartbeat_interval 15

# Apply to all agents (S12): two agents of key k, one of the default key.
expect 201 admin POST /api/v1/activation-keys -d '{"name":"fleet","tags":["a"]}'
k=$(jout .activation_id)
assert_json .profile_id 1
activate fleet-1 "$k"
c1=$CRED
activate fleet-2 "$k"
c2=$CRED
activate other-1
c3=$CRED
expect 200 admin PATCH "/api/v1/activation-keys/$k" \
    -d "{\"profile_id\":$strict,\"tags\":[\"b\"]}"
assert_json .profile_id "$strict"
CRED=$c1
expect 200 heartbeat
assert_json .profile_id 1
expect 200 admin PATCH "/api/v1/activation-keys/$k" -d '{"apply_to_all_agents":true}'
assert_json .applied_to 2
for c in "$c1" "$c2"; do
	CRED=$c
	expect 200 heartbeat
	assert_json .profile_id "$strict"
	assert_json .profile_version 1
	expect 200 agent GET /agent/v1/profile
	assert_json .name strict
done
CRED=$c3
expect 200 heartbeat
assert_json .profile_id 1
expect 200 admin GET /api/v1/agents
[ "$(jout '[.agents[] | select(.tags == ["b"])] | length')" = 2 ] ||
    fail "tags were not applied: $(cat "$OUT")"
expect 200 admin GET /api/v1/activation-keys
assert_json ".activation_keys[] | select(.activation_id == \"$k\") | .agents" 2

# Signed manifests: verify with OpenSSL exactly as protocol.md says.
command -v openssl >/dev/null 2>&1 || skip "openssl is not installed"
verify_manifest() {
	jout .signature | base64 -d >"$T/sig"
	{
		printf 'outpost-manifest-v1\n%s\n%s\n' "$(jout .type)" "$(jout .version)"
		jq -j .body "$OUT"
	} >"$T/msg"
	openssl pkeyutl -verify -pubin -inkey "$PDIR/manifest.pub" -rawin \
	    -in "$T/msg" -sigfile "$T/sig" >/dev/null ||
	    fail "manifest signature does not verify: $(cat "$OUT")"
}
CRED=$c3
expect 200 agent GET /agent/v1/manifests/vulnsigs -D "$T/h"
assert_json .type vulnsigs
assert_json .version 1
verify_manifest
metag=$(sed -n 's/^ETag: //Ip' "$T/h" | tr -d '\r')
expect 304 agent GET /agent/v1/manifests/vulnsigs -H "If-None-Match: $metag"
expect 201 admin POST /api/v1/manifests -d '{"type":"vulnsigs","body":{"signatures":[{"id":"OUTPOST-1","title":"test","severity":"low","package":"openssl","ecosystem":"deb","fixed_version":"3.0.13-1"}]}}'
assert_json .version 2
expect 200 heartbeat
assert_json .manifests.vulnsigs 2
expect 200 agent GET /agent/v1/manifests/vulnsigs -H "If-None-Match: $metag"
assert_json .version 2
verify_manifest
# What agents download is the summary, not the signatures.
assert_json '.body | fromjson | .signatures' 1
assert_json '.body | fromjson | .feeds[0].name' manual
# A tampered body fails verification.
jq '.body = "{\"signatures\":[]}"' "$OUT" >"$T/tampered" && cp "$T/tampered" "$OUT"
if (verify_manifest) 2>/dev/null; then
	fail "a tampered manifest verified"
fi
expect 400 admin POST /api/v1/manifests -d '{"type":"kernel","body":{}}'
assert_json .field type
expect 404 agent GET /agent/v1/manifests/kernel

# The fim manifest carries the agent's profile rules.
expect 200 agent GET /agent/v1/manifests/fim
verify_manifest
assert_json '.body | fromjson | .fim.rules[0].path' /etc
assert_json '.body | fromjson | .profile_version' 3
# Paused data collection: the fim manifest is not served (S7).
expect 200 admin PATCH "/api/v1/agents/$AGENT_ID" -d "{\"profile_id\":$paused}"
expect 200 admin PATCH "/api/v1/activation-keys/$ACTIVATION_ID" \
    -d "{\"profile_id\":$paused,\"apply_to_all_agents\":true}"
expect 409 agent GET /agent/v1/manifests/fim
assert_json .error data_collection_paused
expect 200 agent GET /agent/v1/manifests/inventory
verify_manifest
expect 200 admin PATCH "/api/v1/profiles/$paused" -d '{"data_collection_paused":false}'
expect 200 agent GET /agent/v1/manifests/fim
verify_manifest
expect 200 agent GET /agent/v1/manifests/inventory -D "$T/h"
ETAG=$(sed -n 's/^ETag: //Ip' "$T/h" | tr -d '\r')
[ -n "$ETAG" ] || fail "no ETag on a manifest"
expect 304 agent GET /agent/v1/manifests/inventory -H "If-None-Match: $ETAG"

# The platform's record of manifest downloads, newest first.
expect 200 admin GET "/api/v1/agents/$AGENT_ID/manifest-downloads?type=fim"
assert_json '[.downloads[] | .outcome] | .[0:3] | join(",")' served,paused,served
assert_json '.downloads[1] | "\(.status) \(.version)"' '409 null'
assert_json ".downloads[0] | .version == $(admin_json /api/v1/manifests/fim .version) and .status == 200 and (.time | type) == \"number\"" true
expect 200 admin GET "/api/v1/agents/$AGENT_ID/manifest-downloads?outcome=not_modified"
assert_json '[.downloads[] | .status] | unique | join(",")' 304
assert_json '.downloads[0].type' inventory
expect 200 admin GET "/api/v1/agents/$AGENT_ID/manifest-downloads?limit=2"
assert_json '.downloads | length' 2
assert_json '.downloads[0].outcome' not_modified
expect 200 admin GET "/api/v1/agents/$AGENT_ID/manifest-downloads?since=4000000000"
assert_json '.downloads | length' 0
expect 400 admin GET "/api/v1/agents/$AGENT_ID/manifest-downloads?type=kernel"
assert_json .field type
expect 400 admin GET "/api/v1/agents/$AGENT_ID/manifest-downloads?outcome=stolen"
assert_json .field outcome
expect 404 admin GET "/api/v1/agents/00000000-0000-4000-8000-000000000000/manifest-downloads"

# What agents would refuse as too large is refused here (protocol 7): a
# profile over about 1 MiB, manifests over the agents' caps once served.
python3 - "$T/bigprofile.json" "$T/bigmanifest.json" <<'PY'
import json, sys
rules = [{"path": "/%s/%d" % ("d" * 3000, i), "excludes": ["/%s" % ("x" * 4000)] * 2}
         for i in range(100)]
json.dump({"name": "too-big", "fim": {"rules": rules}}, open(sys.argv[1], "w"))
json.dump({"type": "inventory", "body": {"collectors": ["os"], "pad": "p" * 300000}},
          open(sys.argv[2], "w"))
PY
expect 400 admin POST /api/v1/profiles -d @"$T/bigprofile.json"
assert_json .field fim
assert_json '.message | test("agents accept at most 1044480")' true
expect 200 admin GET /api/v1/profiles
assert_json '[.profiles[].name] | index("too-big")' null
expect 400 admin POST /api/v1/manifests -d @"$T/bigmanifest.json"
assert_json .field body
assert_json '.message | test("agents accept at most 262144")' true
exit 0
