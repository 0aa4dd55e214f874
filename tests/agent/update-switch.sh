#!/bin/sh
# Self-update, the good path, with real builds: this build again with a
# higher version string (make agent-release), published on a real
# platform, and a running agent with update policy "latest" (heartbeat
# every 10 s), going through a CONNECT proxy with the platform's key
# pinned. It moves to the release within two heartbeats, in the same
# process, reports the new version on the platform, keeps its identity
# and its spool's numbering; its state is "done" in outpostctl status,
# the platform's agent detail and the rollout summary. A download cut
# short is resumed with a Range request from where it stopped. A restart
# runs the installed version again (the launcher), and the new version
# does not re-download anything. SIGUSR2 stops it with status 75.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-http.sh"
. "$abs_top_srcdir/tests/lib-update.sh"

release_key release
V2="$AGENT_VERSION.1"
build_release "$V2" "$T/v2.tar"
mkdir "$T/v2"
tar -xf "$T/v2.tar" -C "$T/v2"
[ "$("$T/v2/outpostd" -V)" = "outpostd $V2" ] ||
    fail "the release's outpostd says $("$T/v2/outpostd" -V)"
"$OUTPOSTD" -V | grep -qx "outpostd $AGENT_VERSION" || fail "the build changed"

start_platform "$T/p"
update_profile up '{"policy":"latest","deadline":60}'
start_connect_proxy proxy ok
mkdir -p "$T/a"
proxy_conf a/proxy "https_proxy = http://127.0.0.1:$PROXY_PORT"
update_agent "$T/a" "pin_sha256 = $(spki_pin "$PDIR/server.pem")"
wait_activated 20
wait_for 20 status_check ".platform.profile.id == $PROF" ||
    fail "profile $PROF never came: $(status_value -c .platform.profile)"
wait_agent_update 20 '.state == "none" and .current_version == "'"$AGENT_VERSION"'"'
status_check '.update.state == "none" and .update.release_key == true and .update.policy == "latest"' ||
    fail "status: $(status_value -c .update)"
"$OUTPOSTCTL" -c "$CONF" status > "$T/status0.txt"
assert_grep "$T/status0.txt" "^update: +none"
PID0=$AGENT_PID
CRED0=$(jq -r .credential "$T/a/state/state.json")
SEQ0=$(status_value .spool.next_sequence)
[ "$SEQ0" -ge 1 ] || fail "no spool sequence: $(status_value -c .spool)"
grep -c 'CONNECT' "$T/proxy.log" > /dev/null || fail "the proxy carried nothing"

# A download cut short: the manifest and the first MiB of outpostd are
# on disk already; only the rest is asked for.
mkdir -p "$T/a/state/versions/.download-$V2"
cp "$T/v2/release.json" "$T/v2/release.sig" "$T/a/state/versions/.download-$V2/"
head -c 1048576 "$T/v2/outpostd" > "$T/a/state/versions/.download-$V2/outpostd.part"

# Publish; the next heartbeat offers it.
T0=$(date +%s)
add_release "$T/v2.tar"
wait_for 40 admin_check "/api/v1/agents/$AID" ".agent_version == \"$V2\"" ||
    fail "the agent never reported $V2: $(admin_json "/api/v1/agents/$AID" -c '{agent_version, update}')"
T1=$(date +%s)
note "published at $T0, version $V2 reported at $T1: $((T1 - T0)) s (heartbeat every 10 s)"
# Two heartbeats: the one that brings the offer (10 s, +-10 %), then the
# new version's first; the switch itself takes a second or two.
[ $((T1 - T0)) -le 23 ] || fail "took $((T1 - T0)) s, more than two heartbeats"

# The same process, the same identity, the spool's numbers go on.
[ "$(agent_pid)" = "$PID0" ] || fail "pid $(agent_pid), was $PID0"
kill -0 "$AGENT_PID" || fail "the agent's process is gone"
wait_for 20 status_check ".version == \"$V2\" and .update.state == \"done\"" ||
    fail "status: $(status_value -c '{version, update}')"
status_check ".pid == $PID0 and .update.previous == \"$AGENT_VERSION\" and .update.current == \"$V2\"" ||
    fail "status: $(status_value -c '{pid, update}')"
[ "$(jq -r .credential "$T/a/state/state.json")" = "$CRED0" ] || fail "credential changed"
status_check ".platform.agent_id == \"$AID\"" || fail "agent id changed"
[ "$(admin_json /api/v1/agents .count)" = 1 ] || fail "a second agent appeared"
SEQ1=$(status_value .spool.next_sequence)
[ "$SEQ1" -ge "$SEQ0" ] || fail "spool sequence went back: $SEQ0 -> $SEQ1"
wait_agent_update 20 ".state == \"done\" and .current_version == \"$V2\" and .previous_version == \"$AGENT_VERSION\" and .error == null"
rollout "$V2"
assert_json '.states.done' 1
assert_json '.total' 1
assert_json '.builds[0].os' "$RELEASE_OS"
assert_json '.agents[0].agent_id' "$AID"
assert_json '.agents[0].state' done
"$OUTPOSTCTL" -c "$CONF" status > "$T/status1.txt"
assert_grep "$T/status1.txt" "^update: +done .*$V2"
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc.txt" || true
assert_grep "$T/hc.txt" "self-update +version $V2, done"

# Installed side by side; the installed program untouched.
[ -x "$T/a/state/versions/$V2/outpostd" ] || fail "not installed under versions/"
[ ! -e "$T/a/state/versions/.download-$V2" ] || fail "the download was left behind"
cmp -s "$T/a/state/versions/$V2/outpostd" "$T/v2/outpostd" || fail "installed file differs"
"$OUTPOSTD" -V | grep -qx "outpostd $AGENT_VERSION" || fail "the installed program changed"
jq -e ".state == \"done\" and .active.version == \"$V2\" and .base.version == \"$AGENT_VERSION\"" \
    "$T/a/state/update.json" >/dev/null || fail "update.json: $(cat "$T/a/state/update.json")"
# The resumed download asked for the rest of outpostd only: one request
# per MiB after the first.
size=$(stat -c %s "$T/v2/outpostd")
want=$(( (size - 1048576 + 1048575) / 1048576 ))
# (Counted in the platform's debug log: the profile puts the agent at info.)
n=$(grep -c "GET /agent/v1/releases/$V2/files/outpostd -> 206 " "$PDIR/stderr.log")
[ "$n" = "$want" ] || fail "$n requests for outpostd of $size bytes, expected $want (resumed after 1 MiB)"
assert_grep "$T/a/log/agent.log" "update: version $V2 verified and installed"
assert_grep "$T/a/log/agent.log" "update: version $V2 started and checked in"
# Through the proxy, pinned, like every other request.
[ "$(grep -c "^CONNECT localhost:$PORT" "$T/proxy.log")" -ge 2 ] ||
    fail "the proxy did not carry the agent: $(cat "$T/proxy.log")"

# A restart: the installed program runs the selected version.
stop_agent
start_agent "$T/a"
wait_for 20 status_check ".version == \"$V2\"" ||
    fail "after a restart: $(status_value -c '{version, update}')"
assert_grep "$T/a/outpostd.stderr" "running version $V2 .* that the self-update installed"
"$OUTPOSTCTL" -c "$CONF" heartbeat >/dev/null
status_check '.update.state == "done"' || fail "after restart: $(status_value -c .update)"
n=$(grep -c "GET /agent/v1/releases/$V2 -> 200 " "$PDIR/stderr.log")
[ "$n" = 1 ] || fail "the release was fetched $n times"

# Policy off: nothing more happens.
expect 200 admin PATCH "/api/v1/profiles/$PROF" -d '{"update":{"policy":"off"}}'
"$OUTPOSTCTL" -c "$CONF" heartbeat >/dev/null
wait_for 10 status_check '.update.policy == "off"' || fail "policy off not applied"
status_check ".version == \"$V2\" and .update.state == \"done\"" ||
    fail "after off: $(status_value -c .update)"

# SIGUSR2 (what the watchdog stops a silent new version with): a clean
# stop with status 75, which a service manager restarts.
kill -USR2 "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
[ "$rc" = 75 ] || fail "exit status $rc after SIGUSR2"
assert_grep "$T/a/log/agent.log" "outpostd stopped \(SIGUSR2\)"
[ ! -e "$T/a/run/outpostd.pid" ] || fail "pid file left"
exit 0
