#!/bin/sh
# C5 and C7 from a scanner's side: an agent with agent scan merge on and
# Bind All on listens on the default ports 10001-10005; nmap (Debian's,
# with dist/nmap/outpost-correlation.nse) and outpost-scan both report
# its correlation id on each of them; both refuse a line followed by more
# bytes, however they arrive. Runs in a private network
# namespace when root (the default ports are then surely free), else on
# the host's loopback if 10001-10005 are free.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-correlation.sh"

command -v nmap >/dev/null 2>&1 || skip "nmap is not installed (apt-get install nmap)"
[ -x "$SCAN" ] || skip "outpost-scan is not built"
NSE="$abs_top_srcdir/dist/nmap/outpost-correlation.nse"

if [ "$(id -u)" = 0 ] && command -v ip >/dev/null &&
    ip netns add "outpost-n$$" 2>/dev/null; then
	at_exit "ip netns del outpost-n$$"
	ip -n "outpost-n$$" link set lo up
	NSX="ip netns exec outpost-n$$"
else
	for p in 10001 10002 10003 10004 10005; do
		port_refused 127.0.0.1 "$p" ||
		    skip "port $p is in use here and no network namespace"
	done
fi

write_offline_agent "$T/a" '{"enabled":true,"bind_all":true}'
CONF="$T/a/outpost.conf"
$NSX "$OUTPOSTD" -f -c "$CONF" >>"$T/a/outpostd.stderr" 2>&1 &
AGENT_PID=$!
at_exit "kill $AGENT_PID 2>/dev/null; wait $AGENT_PID 2>/dev/null"
wait_for 10 corr_status '.listeners | map(select(startswith("0.0.0.0:"))) | length == 5' ||
    fail "C5: not listening on the five default ports: $(corr_listeners)"
for p in 10001 10002 10003 10004 10005; do
	assert_ok cid_check 127.0.0.1 "$p" "$OFFLINE_CID"
done

# nmap with the NSE script: every port open, each with the id.
$NSX nmap -n -Pn -p 10001-10006 --script "$NSE" 127.0.0.1 > "$T/nmap.txt" 2>&1 ||
    fail "nmap failed: $(cat "$T/nmap.txt")"
cat "$T/nmap.txt" >&2
[ "$(grep -c "^|_  correlation_id: $OFFLINE_CID\$" "$T/nmap.txt")" = 5 ] ||
    fail "nmap did not report the id on the five ports"
assert_grep "$T/nmap.txt" "^10001/tcp +open +outpost-correlation"
assert_grep "$T/nmap.txt" "^10006/tcp +closed"
# Its XML output carries the id as a structured element.
$NSX nmap -n -Pn -p 10003 --script "$NSE" -oX "$T/nmap.xml" 127.0.0.1 >/dev/null 2>&1 ||
    fail "nmap -oX failed"
assert_grep "$T/nmap.xml" "<elem key=\"correlation_id\">$OFFLINE_CID</elem>"
# Custom ports through the script argument.
$NSX nmap -n -Pn -p 10004 --script "$NSE" \
    --script-args outpost-correlation.ports=10004 127.0.0.1 > "$T/nmap2.txt" 2>&1
assert_grep "$T/nmap2.txt" "correlation_id: $OFFLINE_CID"

# The NSE script's rule for the bytes after the line is outpost-scan's:
# a byte after it, even in a later segment, is no correlation line.
XP=$(free_port)
$NSX python3 "$abs_top_srcdir/tests/tools/cid-serve.py" "$XP" "$OFFLINE_CID" \
    extra-late 0.3 2>/dev/null &
XPID=$!
at_exit "kill $XPID 2>/dev/null"
wait_for 10 $NSX python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$XP" ||
    fail "cid-serve.py did not start"
$NSX nmap -n -Pn -p "$XP" --script "$NSE" \
    --script-args outpost-correlation.ports="$XP" 127.0.0.1 > "$T/nmap3.txt" 2>&1
assert_grep "$T/nmap3.txt" "^$XP/tcp +open"
! grep -q "correlation_id" "$T/nmap3.txt" ||
    fail "nmap took a line followed by more bytes: $(cat "$T/nmap3.txt")"

# outpost-scan on its default ports, text and JSON.
$NSX "$SCAN" 127.0.0.1 > "$T/scan.txt" || fail "outpost-scan failed"
assert_grep "$T/scan.txt" "^127\.0\.0\.1: correlation id $OFFLINE_CID; open ports 10001/tcp 10002/tcp 10003/tcp 10004/tcp 10005/tcp \(0 closed, 0 filtered\)\$"
$NSX "$SCAN" --json 127.0.0.0/30 > "$T/scan.json" || fail "outpost-scan --json failed"
jq -e "[.results[] | select(.correlation_id == \"$OFFLINE_CID\")] | length == 2" \
    "$T/scan.json" >/dev/null || fail "range scan: $(cat "$T/scan.json")"

# C7: the agent saw each scanner connection; nothing hit a limit.
corr_status '.accepted >= 17 and .refused_source_limit == 0 and .refused_rate_limit == 0' >/dev/null ||
    fail "counters: $(status_value -c .correlation)"
kill "$AGENT_PID"
wait "$AGENT_PID"
exit 0
