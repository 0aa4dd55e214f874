#!/bin/sh
# A flood of connections cannot starve the agent: while two clients open
# thousands of connections a second (holding hundreds open, never reading),
# heartbeats keep their schedule, the control socket answers, and a
# client from another source address still gets its line (limits per
# source). Then a crowd of sources hits the total limit. The limits are
# counted, logged in agentid.log and reported as E802 only now and then;
# slow peers are timed out.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-correlation.sh"

CP=$(free_port)
start_platform "$T/p"
expect 200 admin PATCH /api/v1/profiles/1 \
    -d "{\"heartbeat_interval\":10,\"correlation\":{\"enabled\":true,\"ports\":[$CP],\"bind_all\":true}}"
platform_agent "$T/a"
ALOG="$T/a/log/agentid.log"
wait_for 10 corr_status ".listeners | index(\"0.0.0.0:$CP\") != null" ||
    fail "agent not listening on $CP"
CID=$(status_value .platform.correlation_id)
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
    skip "cannot use 127.0.0.2 as a source address"

cat > "$T/flood.py" <<'PY'
import socket, sys, time
host, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
held, n = [], 0
end = time.monotonic() + secs
while time.monotonic() < end:
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect((host, port))
    except BlockingIOError:
        pass
    except OSError:
        s.close()
        time.sleep(0.001)
        continue
    n += 1
    if len(held) < 300:
        held.append(s)
    else:
        s.close()
    # Thousands a second: a flood for the agent's limits (4 a second per
    # source), without taking the machine from other tests.
    time.sleep(0.0003)
print(n)
PY

beats() {
	grep -c "POST /agent/v1/heartbeat -> 200" "$PDIR/log/platform.log"
}
HB0=$(beats)
python3 "$T/flood.py" 127.0.0.1 "$CP" 25 > "$T/flood1.out" 2>&1 &
F1=$!
python3 "$T/flood.py" 127.0.0.1 "$CP" 25 > "$T/flood2.out" 2>&1 &
F2=$!
at_exit "kill $F1 $F2 2>/dev/null"
sleep 1
i=0
while [ "$i" -lt 10 ]; do
	cid_check 127.0.0.1 "$CP" "$CID" 127.0.0.2 ||
	    fail "another source was starved during the flood"
	"$OUTPOSTCTL" -c "$CONF" status > /dev/null ||
	    fail "the control socket did not answer during the flood"
	sleep 2
	i=$((i + 1))
done
wait "$F1" "$F2"
HB1=$(beats)
note "flood: $(cat "$T/flood1.out") + $(cat "$T/flood2.out") connection attempts, $((HB1 - HB0)) heartbeats meanwhile"
[ $((HB1 - HB0)) -ge 2 ] ||
    fail "heartbeats did not keep their 10 s schedule during the flood ($HB0 -> $HB1)"
corr_status '.refused_source_limit > 0 and .refused_rate_limit > 0' >/dev/null ||
    fail "limits not hit: $(status_value -c .correlation)"
wait_for 15 corr_status '.open_connections == 0' || fail "connections not timed out"
corr_status '.timeouts >= 16' >/dev/null ||
    fail "held connections were not timed out: $(status_value -c .correlation)"
assert_grep "$ALOG" "limit hit: refused the connection from 127\.0\.0\.1:[0-9]+ to 0\.0\.0\.0:$CP \(the limit of 16 open connections per source address\)"

# A crowd: one held connection from each of 191 sources passes the total.
python3 - "$CP" <<'PY'
import socket, sys, time
port, held = int(sys.argv[1]), []
for i in range(10, 201):
    s = socket.socket()
    s.bind(("127.0.0.%d" % i, 0))
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    held.append(s)
time.sleep(3)
PY
corr_status '.refused_total_limit > 0' >/dev/null ||
    fail "total limit not hit: $(status_value -c .correlation)"
assert_grep "$ALOG" "limit hit: refused the connection from 127\.0\.0\.[0-9]+:[0-9]+ to 0\.0\.0\.0:$CP \(the limit of 128 open connections in total\)"

# E802: reported, but rarely (per source per minute, at most every 5 s).
n802=$(grep -c "E802 " "$T/a/log/agent.log")
[ "$n802" -ge 1 ] && [ "$n802" -le 10 ] || fail "$n802 E802 lines in agent.log"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
AID=$(status_value .platform.agent_id)
platform_has_error "$AID" E802 || fail "E802 not reported to the platform"

# Afterwards the service is whole again.
wait_for 15 corr_status '.open_connections == 0' || fail "connections left open"
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc.txt" || true
assert_grep "$T/hc.txt" "^PASS +correlation\.listener 0\.0\.0\.0:$CP: answers"
stop_agent
[ "$AGENT_RC" -eq 0 ] || fail "exit status $AGENT_RC"
exit 0
