#!/bin/sh
# Inventory polls (what no kernel notification covers): with the profile's
# inventory_changes.poll_interval at 10 s, a TCP listener opened in the
# agent's network namespace reaches the platform's "listening" section,
# with its process, by a poll (trigger "timer"), without a manual scan;
# polls while nothing changes upload nothing (the sockets' owners kept
# from the last walk of /proc are the same as a walk finds); the listener
# closed, the next poll removes it.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
command -v ip >/dev/null 2>&1 || skip "no ip(8)"
NS="outpost-poll$$"
veth_netns "$NS" no-ll
# The platform, the agent and every request run inside the namespace.
platform_in_netns "$NS"

start_platform "$T/p"
expect 201 admin POST /api/v1/manifests -d '{"type":"inventory","body":{"collectors":["os","services","interfaces"]}}'
expect 200 admin PATCH /api/v1/profiles/1 -d '{"inventory_changes":{"poll_interval":10}}'
platform_agent "$T/a"
wait_for 20 status_check '.inventory.collectors | length == 3' ||
    fail "manifest not in force"
wait_inventory 30 ">= 1"
AID=$(status_value .platform.agent_id)
[ "$(status_value .inventory.changes.poll_interval)" = 10 ] ||
    fail "poll interval: $(status_value -c .inventory.changes)"

PORT=$(free_port)
ip netns exec "$NS" /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
time.sleep(600)' "$PORT" &
LISTENER=$!
at_exit "kill $LISTENER 2>/dev/null"
listed() {
	admin_check "/api/v1/agents/$AID/inventory" \
	    ".data.listening | map(select(.port == $PORT and .process == \"python3\")) | length == 1"
}
wait_for 40 listed ||
    fail "the listener is not on the platform: $(status_value -c .inventory.changes)"
[ "$(status_value .inventory.changes.sections.listening.trigger)" = timer ] ||
    fail "trigger: $(status_value -c .inventory.changes.sections.listening)"

# Two more polls with nothing changed: no upload.
wait_for 20 status_check '.inventory.pending == null and .inventory.state == "idle"' ||
    fail "not idle"
u=$(status_value .inventory.changes.sections.listening.uploads)
p=$(status_value .inventory.changes.polls)
wait_for 45 status_check ".inventory.changes.polls >= $((p + 2)) and .inventory.state == \"idle\"" ||
    fail "no polls: $(status_value -c .inventory.changes)"
[ "$(status_value .inventory.changes.sections.listening.uploads)" = "$u" ] ||
    fail "a poll uploaded an unchanged listening section: $(status_value -c .inventory.last_upload)"

kill "$LISTENER"
wait "$LISTENER" 2>/dev/null
gone() {
	admin_check "/api/v1/agents/$AID/inventory" \
	    ".data.listening | map(select(.port == $PORT)) | length == 0"
}
wait_for 40 gone || fail "the closed listener stays on the platform"
stop_agent
[ "$AGENT_RC" -eq 0 ] || fail "exit status $AGENT_RC"
exit 0
