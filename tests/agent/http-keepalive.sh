#!/bin/sh
# The agent keeps one connection from one heartbeat to the next while the
# platform's agent_keepalive_timeout lasts (libcurl reuses it), past the
# shorter keepalive_timeout other clients get; once the platform closed it,
# the next heartbeat opens a new connection that resumes the agent's TLS
# session. Read from the platform's GET /api/v1/status: each status request
# is one connection of its own (curl), counted in "accepted" too.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

init_platform "$T/p"
cat >>"$PDIR/platform.conf" <<EOF
keepalive_timeout = 2
agent_keepalive_timeout = 12
EOF
run_platform
platform_agent "$T/a"
wait_activated 20
# A quiet agent: its first inventory delivered and nothing spooled.
wait_for 60 status_check \
    '(.inventory.inventory_version // 0) >= 1 and .spool.depth == 0' ||
    fail "the first inventory was not delivered: $(status_value -c .inventory)"

accepted() {
	platform_status .connections.accepted
}
beat() {
	"$OUTPOSTCTL" -c "$CONF" heartbeat >/dev/null ||
	    fail "outpostctl heartbeat failed"
}

# Within agent_keepalive_timeout: no new connection for the heartbeat after
# 5 s idle. The agent may open a second connection for a request of its
# own running alongside, so a window that saw one is tried again.
reused=0
for try in 1 2 3; do
	beat
	a0=$(accepted)
	sleep 5
	[ "$(platform_status .connections.by_state.agent_idle)" -ge 1 ] ||
	    fail "no agent connection kept past keepalive_timeout: $(platform_status -c .connections)"
	beat
	a1=$(accepted)
	# Two status requests in between, one connection each.
	note "try $try: $((a1 - a0 - 2)) new connections for the heartbeat after 5 s idle"
	if [ "$((a1 - a0))" -eq 2 ]; then
		reused=1
		break
	fi
done
[ "$reused" = 1 ] ||
    fail "every heartbeat after 5 s idle opened a new connection"

# Past agent_keepalive_timeout the platform closed it: a new connection,
# resuming the TLS session.
r0=$(platform_status .connections.tls_handshakes.resumed)
no_agent_conn() {
	[ "$(platform_status .connections.by_state.agent_idle)" = 0 ]
}
wait_for 20 no_agent_conn ||
    fail "the agent's connection outlived agent_keepalive_timeout: $(platform_status -c .connections)"
[ "$(platform_status .connections.closed.agent_keepalive_timeout)" -ge 1 ] ||
    fail "agent_keepalive_timeout closing not counted"
a0=$(accepted)
beat
a1=$(accepted)
[ "$((a1 - a0))" -ge 2 ] ||
    fail "the heartbeat after agent_keepalive_timeout opened no connection ($a0 -> $a1)"
r1=$(platform_status .connections.tls_handshakes.resumed)
# The status requests (curl, one process each) never resume.
[ "$r1" -gt "$r0" ] || fail "the new connection did not resume the TLS session ($r0 -> $r1)"
note "after agent_keepalive_timeout: a new connection, TLS resumed ($r0 -> $r1)"
exit 0
