#!/bin/sh
# The console in headless Chromium, as a reader: on a platform with an
# agent that reported errors, FIM state, listeners, an inventory, FIM
# events and manifest downloads, a merged scan, several profiles and keys,
# the reader signs in and opens every page: none offers a control that
# changes state (pressing every button sends nothing but GETs), none shows
# an error, every control is labelled, every page fits a phone's width,
# and the browser console shows no CSP violation or script error. The
# Agent summary shows the current error with its hint, the listeners, the
# inventory and the merged scan.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-console.sh"

start_platform "$T/p"
add_user bob reader 'bob-reads-only-1'
NOW=$(date +%s)

activate web-01
expect 200 heartbeat "{\"status\":\"running\",\"agent_version\":\"0.1.0\",
  \"manifest_versions\":{\"inventory\":1,\"fim\":1,\"vulnsigs\":1},
  \"current_errors\":[{\"code\":\"E701\",\"message\":\"audit pid held by pid 812 (auditd)\",\"time\":$NOW}],
  \"fim\":{\"state\":\"multicast\",\"holder_pid\":812,\"holder_comm\":\"auditd\",\"rules\":3},
  \"correlation\":{\"listeners\":[\"192.0.2.10:10001\"]}}"
PACKAGES=$(jq -nc '[range(30) | {name: "pkg\(.)", version: "1.\(.)-1", arch: "amd64", ecosystem: "deb"}]')
expect 200 agent POST /agent/v1/inventory -d "{\"type\":\"full\",\"data\":{
  \"os\":{\"name\":\"Debian GNU/Linux\",\"version\":\"12\"},
  \"packages\":$PACKAGES,
  \"interfaces\":[{\"name\":\"eth0\",\"addresses\":[{\"address\":\"192.0.2.10\",\"prefix\":24}]}],
  \"listening\":[{\"protocol\":\"tcp\",\"address\":\"0.0.0.0\",\"port\":22}]}}"
expect 200 agent POST /agent/v1/fim-events -d "{\"sequence\":1,\"events\":[
  {\"time\":$NOW,\"path\":\"/etc/passwd\",\"action\":\"modify\",\"user\":\"root\",\"exe\":\"/usr/sbin/usermod\",
   \"sha256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"},
  {\"time\":$NOW,\"path\":\"/etc/hosts.new\",\"action\":\"create\"}]}"
expect 200 agent POST /agent/v1/errors -d "{\"errors\":[{\"code\":\"E302\",\"message\":\"proxy 10.0.0.1:3128 answered 407\",\"time\":$((NOW - 3600))}]}"
expect 200 agent GET /agent/v1/manifests/vulnsigs
AGENT=$AGENT_ID
expect 200 admin PATCH /api/v1/settings -d '{"accept_correlation_id":true}'
expect 201 admin POST /api/v1/scans -d "{\"target\":\"web-01\",\"address\":\"192.0.2.10\",
  \"correlation_id\":\"$CORRELATION_ID\",\"scanner\":\"outpost-scan/0.1.0@scan-01\",
  \"ports\":[{\"port\":10001,\"protocol\":\"tcp\",\"service\":\"outpost-correlation\"},{\"port\":22,\"protocol\":\"tcp\"}]}"
expect 201 admin POST /api/v1/scans -d '{"target":"192.0.2.99","address":"192.0.2.99"}'
expect 201 admin POST /api/v1/profiles -d '{"name":"strict","heartbeat_interval":30,
  "fim":{"enabled":true,"rules":[{"path":"/etc","excludes":["/etc/mtab"]}]},
  "correlation":{"enabled":true,"bind_all":true,"approved_networks":["10.0.0.0/8"]}}'
expect 201 admin POST /api/v1/activation-keys -d '{"name":"lab","tags":["lab"]}'
KEY=$(jout .activation_id)
AUDIT_BEFORE=$(admin_json /api/v1/audit '.entries | length')

console_browser reader bob 'bob-reads-only-1' --agent-id "$AGENT" --key-id "$KEY" \
    --expect-text "E701 audit_netlink_held" \
    --expect-text "auditd or another audit client owns the audit pid" \
    --expect-text "E302 proxy_auth_required" \
    --expect-text "192.0.2.10:10001" --expect-text "outpost-scan/0.1.0@scan-01" \
    --expect-text "10001/tcp outpost-correlation" --expect-text "packages (30)" \
    --expect-text "/etc/passwd" --expect-text "multicast"

# The reader changed nothing: the only writes recorded are bob's sign-in
# and sign-out.
admin_check /api/v1/audit "[.entries[] | select(.actor == \"bob\") |
    .method + \" \" + .resource] | sort == [\"DELETE /api/v1/session\",
    \"POST /api/v1/session\"]" ||
    fail "the reader's writes: $(jq -c '[.entries[] | select(.actor == "bob")]' "$T/admin-get.json")"
[ "$(admin_json /api/v1/audit '.entries | length')" -eq $((AUDIT_BEFORE + 2)) ] ||
    fail "the audit trail grew by more than the reader's sign-in and sign-out"
rmdir "$CONSOLE_ARTIFACTS" 2>/dev/null
exit 0
