#!/bin/sh
# FIM event batches (gzip bodies): a resent batch is stored once; the
# admin API filters by path prefix, action and time range. Error reports.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"
activate web-01

cat >"$T/batch1.json" <<'JSON'
{"sequence":1,"events":[
 {"time":1000,"path":"/etc/passwd","action":"modify","pid":12,"exe":"/usr/sbin/usermod"},
 {"time":1001,"path":"/etc/shadow","action":"attrib"},
 {"time":1002,"path":"/var/www/index.html","action":"create"},
 {"time":1003,"path":"/etc/ssh/sshd_config","action":"modify"}]}
JSON
gzip -c "$T/batch1.json" >"$T/batch1.gz"
expect 200 agent POST /agent/v1/fim-events -H 'Content-Encoding: gzip' \
    -H 'Content-Type: application/json' --data-binary "@$T/batch1.gz"
assert_json .sequence 1
assert_json .stored 4
assert_json .duplicate false
# The same batch again (the agent lost the answer): stored once.
expect 200 agent POST /agent/v1/fim-events -H 'Content-Encoding: gzip' \
    --data-binary "@$T/batch1.gz"
assert_json .stored 0
assert_json .duplicate true
expect 200 agent POST /agent/v1/fim-events --data-binary "@$T/batch1.json"
assert_json .duplicate true
expect 200 agent POST /agent/v1/fim-events \
    -d '{"sequence":2,"events":[{"time":2000,"path":"/etc/hosts","action":"delete"}]}'
assert_json .stored 1
expect 200 agent POST /agent/v1/fim-events -d '{"sequence":3,"events":[]}'
assert_json .stored 0

expect 200 admin GET "/api/v1/agents/$AGENT_ID/fim-events"
assert_json .count 5
assert_json '[.events[].path] | join(",")' \
    /etc/passwd,/etc/shadow,/var/www/index.html,/etc/ssh/sshd_config,/etc/hosts
assert_json '.events[0].exe' /usr/sbin/usermod
assert_json '.events[0].sequence' 1
expect 200 admin GET "/api/v1/agents/$AGENT_ID/fim-events?path=/etc/ssh"
assert_json .count 1
expect 200 admin GET "/api/v1/agents/$AGENT_ID/fim-events?path=%2Fetc%2F&action=modify"
assert_json .count 2
expect 200 admin GET "/api/v1/agents/$AGENT_ID/fim-events?since=1001&until=1003"
assert_json '[.events[].time] | join(",")' 1001,1002,1003
expect 200 admin GET "/api/v1/agents/$AGENT_ID/fim-events?limit=2"
assert_json .count 2
expect 400 admin GET "/api/v1/agents/$AGENT_ID/fim-events?action=explode"
assert_json .field action
expect 400 admin GET "/api/v1/agents/$AGENT_ID/fim-events?since=yesterday"
assert_json .field since
expect 400 admin GET "/api/v1/agents/$AGENT_ID/fim-events?limit=0"

# Validation names the field; a bad batch stores nothing.
expect 400 agent POST /agent/v1/fim-events \
    -d '{"sequence":4,"events":[{"time":1,"path":"/a","action":"modify"},{"time":1,"path":"/b","action":"boom"}]}'
assert_json .field 'events[1].action'
expect 400 agent POST /agent/v1/fim-events -d '{"sequence":0,"events":[]}'
assert_json .field sequence
expect 400 agent POST /agent/v1/fim-events -d '{"events":[]}'
assert_json .field sequence
expect 400 agent POST /agent/v1/fim-events -d '{"sequence":5,"events":[{"path":"/a","action":"modify"}]}'
assert_json .field 'events[0].time'
expect 200 agent POST /agent/v1/fim-events \
    -d '{"sequence":4,"events":[{"time":3000,"path":"/a","action":"modify"}]}'
assert_json .stored 1
expect 200 admin GET "/api/v1/agents/$AGENT_ID/fim-events"
assert_json .count 6

# Error reports, through their endpoint and the heartbeat.
expect 200 agent POST /agent/v1/errors \
    -d '{"errors":[{"code":"E_PROXY_CONNECT","message":"proxy 10.0.0.1:3128: connection refused","time":1500}]}'
assert_json .stored 1
expect 200 heartbeat '{"status":"running","errors":[{"code":"E_AUDIT_BUSY","message":"audit pid held by 812"}],"fim":{"state":"multicast","holder_pid":812},"manifest_versions":{"inventory":1,"fim":1,"vulnsigs":1},"correlation":{"listeners":["192.0.2.10:10001"]}}'
expect 400 agent POST /agent/v1/errors -d '{"errors":[{"code":"E"}]}'
assert_json .field 'errors[0].message'
expect 200 admin GET "/api/v1/agents/$AGENT_ID/errors"
assert_json .count 2
assert_json '.errors[0].code' E_AUDIT_BUSY
assert_json '.errors[1].code' E_PROXY_CONNECT
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
assert_json '.last_errors | length' 2
assert_json .fim.holder_pid 812
assert_json '.manifest_versions.vulnsigs' 1
assert_json '.correlation_listeners[0]' 192.0.2.10:10001
assert_json .agent_status running

# A loss over a time window (the agent's unclean stop): window and count
# are kept and shown; a window that ends before it starts is refused.
expect 200 agent POST /agent/v1/errors \
    -d '{"errors":[{"code":"E706","message":"unclean stop","time":2000,"window":{"from":1900,"to":1990},"count":7}]}'
expect 400 agent POST /agent/v1/errors \
    -d '{"errors":[{"code":"E706","message":"x","window":{"from":5,"to":4}}]}'
assert_json .field 'errors[0].window.to'
expect 400 agent POST /agent/v1/errors \
    -d '{"errors":[{"code":"E706","message":"x","window":{"from":5}}]}'
assert_json .field 'errors[0].window.to'
expect 400 agent POST /agent/v1/errors \
    -d '{"errors":[{"code":"E706","message":"x","count":-1}]}'
assert_json .field 'errors[0].count'
expect 200 admin GET "/api/v1/agents/$AGENT_ID/errors"
assert_json '.errors[0].window.from' 1900
assert_json '.errors[0].window.to' 1990
assert_json '.errors[0].count' 7
assert_json '.errors[1].window' null
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
assert_json '.last_errors[0].window.to' 1990
assert_json '.last_errors[0].count' 7
assert_json '.last_errors[1] | has("window")' false
exit 0
