#!/bin/sh
# C11: the correlation ID service logs to its own agentid.log through the
# shared rotating log module: start, the listeners, each connection (at
# debug level, with source and port), stop. When the file would pass
# log_max_size it is rolled over, gzip-compressed and archived as
# agentid-YYYY-MM-DDTHH-MM-SS.mmm.log.gz (UTC); log_rotations archives are
# kept (5 by default). outpostctl rotate-logs rotates it too. The active
# correlation profile is stored under state_dir/correlation/manifests/.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-correlation.sh"
command -v gzip >/dev/null 2>&1 || skip "gzip is not installed"

CP=$(free_port)
write_offline_agent "$T/a" "{\"enabled\":true,\"ports\":[$CP]}" \
    "log_max_size = 64K"
CONF="$T/a/outpost.conf"
LOGDIR="$T/a/log"
start_agent "$T/a"
wait_for 10 corr_status ".listeners | index(\"0.0.0.0:$CP\") != null" ||
    fail "not listening on $CP"
assert_grep "$LOGDIR/agentid.log" "info: agentid service started"
assert_grep "$LOGDIR/agentid.log" "info: listener 0\.0\.0\.0:$CP opened"
M="$T/a/state/correlation/manifests/correlation.json"
[ -f "$M" ] || fail "the active correlation profile is not stored in $M"
jq -e ".enabled == true and .ports == [$CP] and .correlation_id == \"$OFFLINE_CID\" and .profile_id == 1" \
    "$M" >/dev/null || fail "stored profile: $(cat "$M")"
[ "$(stat -c %a "$M")" = 600 ] || fail "mode of $M"

# Connections from many sources (each within its limits) fill the log.
python3 - "$CP" "$OFFLINE_CID" <<'PY' || fail "clients failed"
import socket, sys
port, cid = int(sys.argv[1]), sys.argv[2]
want = ("OUTPOST-CID/1 %s\r\n" % cid).encode()
for i in range(10, 250):
    for j in range(22):
        s = socket.socket()
        s.bind(("127.0.0.%d" % i, 0))
        s.settimeout(5)
        s.connect(("127.0.0.1", port))
        data = b""
        while True:
            b = s.recv(256)
            if not b:
                break
            data += b
        s.close()
        if data != want:
            sys.exit("127.0.0.%d got %r" % (i, data))
PY
assert_grep "$LOGDIR/agentid.log" "debug: connection from 127\.0\.0\.[0-9]+:[0-9]+ to 0\.0\.0\.0:$CP\$"
wait_for 20 status_check '.log_files | map(select(.name == "agentid"))[0] | .pending_compressions == 0 and .archives == 5' ||
    fail "agentid.log not rotated to 5 archives: $(status_value -c '.log_files')"
n=0
for f in "$LOGDIR"/agentid-*.log.gz; do
	basename "$f" | grep -Eq '^agentid-[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}\.[0-9]{3}\.log\.gz$' ||
	    fail "archive name $(basename "$f")"
	gzip -t "$f" || fail "$f is not a good gzip file"
	n=$((n + 1))
done
[ "$n" = 5 ] || fail "$n archives kept, expected 5"
# Every archive holds connection lines and stays under the limit.
for f in "$LOGDIR"/agentid-*.log.gz; do
	size=$(gzip -dc "$f" | wc -c)
	[ "$size" -le 65536 ] || fail "$f holds $size bytes"
	gzip -dc "$f" | grep -q "connection from 127\.0\.0\." ||
	    fail "$f holds no connection lines"
done
[ "$(wc -c < "$LOGDIR/agentid.log")" -le 65536 ] || fail "agentid.log too large"
# agent.log is a separate file: no connection lines there.
grep -q "connection from 127\.0\.0\." "$LOGDIR/agent.log" &&
    fail "connection lines went to agent.log"

# outpostctl rotate-logs rotates agentid.log with the others, once it
# holds a tenth of log_max_size (a nearly empty one is left as it is).
# A batch of 100 connections fills a tenth; one more batch if the file
# was rolled over by size during the first (it may have been nearly full).
agentid_filled() {
	status_check '.log_files | map(select(.name == "agentid"))[0] | .size >= 6554'
}
for batch in 1 2 3; do
	python3 - "$CP" <<'PY' || fail "clients failed"
import socket, sys
for i in range(10, 110):
    s = socket.socket()
    s.bind(("127.0.0.%d" % i, 0))
    s.connect(("127.0.0.1", int(sys.argv[1])))
    while s.recv(256):
        pass
    s.close()
PY
	wait_for 5 agentid_filled && break
done
agentid_filled || fail "agentid.log did not grow: $(status_value -c '.log_files')"
before=$(ls "$LOGDIR"/agentid-*.log.gz)
sleep 0.01
"$OUTPOSTCTL" -c "$CONF" rotate-logs > "$T/rot.txt" || fail "rotate-logs failed"
assert_grep "$T/rot.txt" "agentid\.log"
grep -q "agentid.log not rotated" "$T/rot.txt" && fail "agentid.log not rotated: $(cat "$T/rot.txt")"
wait_for 10 sh -c "[ \"\$(ls '$LOGDIR'/agentid-*.log.gz)\" != \"$before\" ]" ||
    fail "rotate-logs made no new agentid archive"
# Right after, both files are small: rotate-logs leaves them, and says so.
"$OUTPOSTCTL" -c "$CONF" rotate-logs > "$T/rot2.txt" || fail "rotate-logs failed"
assert_grep "$T/rot2.txt" "agentid\.log not rotated: .*, under 6\.4 KiB \(a tenth of log_max_size\)"
after=$(ls "$LOGDIR"/agentid-*.log.gz)
sleep 1
[ "$(ls "$LOGDIR"/agentid-*.log.gz)" = "$after" ] || fail "a small agentid.log was archived"
stop_agent
assert_grep "$LOGDIR/agentid.log" "info: listener 0\.0\.0\.0:$CP closed: the agent is stopping"
assert_grep "$LOGDIR/agentid.log" "info: agentid service stopped \([0-9]+ connections served\)"
exit 0
