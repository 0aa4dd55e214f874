#!/bin/sh
# A full disk under the log directory: the daemon keeps running, status
# names the write error, and logging resumes once there is room again.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to mount a small tmpfs"
mkdir -p "$T/a/log"
mount -t tmpfs -o size=256k outpost-test "$T/a/log" || skip "cannot mount tmpfs"
at_exit "umount -l $T/a/log"
write_agent_conf "$T/a" "log_max_size = 1M"
CONF="$T/a/outpost.conf"
start_agent "$T/a"

# Fill the file system, then make the daemon log.
dd if=/dev/zero of="$T/a/log/filler" bs=4k 2>/dev/null
ctl_flood "$T/a/run/outpostd.sock" 50
status_json > "$T/st.json" || fail "status while full"
jq -e '.log_files[] | select(.name == "agent") | .error != null' "$T/st.json" \
    >/dev/null || fail "status shows no write error: $(jq -c .log_files "$T/st.json")"
grep -q "agent.log" "$T/a/outpostd.stderr" || fail "nothing said on stderr"
kill -0 "$AGENT_PID" || fail "daemon died on a full disk"

# Make room: the daemon writes again (the held lines too) and clears the error.
rm -f "$T/a/log/filler"
"$OUTPOSTCTL" -c "$CONF" repair >/dev/null
wait_for 15 status_check '.log_files[] | select(.name == "agent") | .error == null' ||
    fail "write error not cleared after freeing space"
"$OUTPOSTCTL" -c "$CONF" status >/dev/null
wait_for 10 grep -q "control: command status (request 5[0-9])" "$T/a/log/agent.log" ||
    fail "lines logged while full did not reach agent.log"
stop_agent
[ "$AGENT_RC" -eq 0 ] || fail "exit status $AGENT_RC"
exit 0
