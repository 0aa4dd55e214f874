#!/bin/sh
# The control socket: mode, versioned protocol, peer check, bad requests.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

write_agent_conf "$T/a"
CONF="$T/a/outpost.conf"
SOCK="$T/a/run/outpostd.sock"
start_agent "$T/a"

[ "$(stat -c %a "$SOCK")" = 600 ] || fail "socket mode $(stat -c %a "$SOCK")"

# status --json carries what the issue lists.
"$OUTPOSTCTL" -s "$SOCK" status --json > "$T/st.json" || fail "status -s"
for k in version pid uptime config_file log_files directories control_version; do
	jq -e "has(\"$k\")" "$T/st.json" >/dev/null || fail "status lacks $k"
done
[ "$(jq -r .config_file "$T/st.json")" = "$CONF" ] || fail "config_file"
jq -e '.log_files | map(.path) | index("'"$T/a/log/agent.log"'") != null' \
    "$T/st.json" >/dev/null || fail "agent.log not listed"
"$OUTPOSTCTL" -c "$CONF" status > "$T/st.txt"
assert_grep "$T/st.txt" "^outpostd [0-9.]+ running \(pid $AGENT_PID\)"
assert_grep "$T/st.txt" "agent.log"

# ctl_refused REQUEST FILTER: REQUEST is refused with an answer matching
# the jq FILTER.
ctl_refused() {
	ctl_raw "$SOCK" "$1" > "$T/r"
	jq -e ".ok == false and ($2)" "$T/r" >/dev/null ||
	    fail "$1: $(cat "$T/r")"
}

# Protocol errors get clear answers; the daemon survives them.
ctl_refused '{"version":99,"command":"status"}' '.error | test("version")'
ctl_refused '{"version":1,"command":"launch-missiles"}' \
    '.error | test("unknown command")'
ctl_refused 'not json at all' '.error | test("bad request")'
ctl_refused '{"version":1}' true
python3 - "$SOCK" <<'PY' || fail "oversized request not refused"
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
try:
    s.sendall(b"x" * (200 * 1024))
except OSError:
    pass
data = s.recv(65536)
assert b"too long" in data or data == b"", data
PY
# Arguments: unknown ones and wrong types are refused, and nothing runs.
ctl_refused '{"version":1,"command":"uninstall","args":{"deregister":"yes"}}' \
    '.error == "uninstall: argument \"deregister\" must be a boolean"'
ctl_refused '{"version":1,"command":"uninstall","args":{"deregister":true,"force":1}}' \
    '.error == "uninstall takes no argument \"force\""'
ctl_refused '{"version":1,"command":"status","args":{"json":true}}' \
    '.error | test("status takes no argument")'
ctl_refused '{"version":1,"command":"uninstall","args":["deregister"]}' \
    '.error | test("must be an object")'
kill -0 "$AGENT_PID" || fail "the daemon ran an uninstall it refused"
[ -d "$T/a/state/spool" ] || fail "state removed by a refused uninstall"
ctl_raw "$SOCK" '{"version":1,"command":"status","args":{}}' > "$T/r9"
jq -e '.ok == true' "$T/r9" >/dev/null || fail "empty args refused: $(cat "$T/r9")"
"$OUTPOSTCTL" -c "$CONF" bogus 2>"$T/e" && fail "outpostctl bogus"
assert_grep "$T/e" "unknown command"

# A user other than root/the daemon's is refused even if the socket is open.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	chmod 0666 "$SOCK"
	chmod 0755 "$T/a/run"
	cat > "$T/asnobody.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
try:
    s.sendall(b'{"version":1,"command":"status"}\n')
    data = s.recv(100)
except OSError:
    data = b""
print("refused" if data == b"" else "answered: %r" % data)
PY
	chmod 0644 "$T/asnobody.py"
	out=$(su -s /bin/sh nobody -c "python3 $T/asnobody.py $SOCK" 2>&1)
	[ "$out" = refused ] || fail "uid nobody: $out"
	assert_grep "$T/a/log/agent.log" "refused connection from uid"
	chmod 0600 "$SOCK"
fi
kill -0 "$AGENT_PID" || fail "daemon died"
stop_agent
[ "$AGENT_RC" -eq 0 ] || fail "exit status $AGENT_RC"
exit 0
