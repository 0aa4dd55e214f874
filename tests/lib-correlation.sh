# tests/lib-correlation.sh: helpers for the correlation ID tests. Source
# after tests/lib.sh.

command -v jq >/dev/null 2>&1 || skip "jq is not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"

# A fixed identity for agents that run without a platform.
OFFLINE_CID=5b0e2a7c9d1f4e3a8b6c0d2e4f6a8b1c

# write_offline_agent DIR CORRELATION_JSON [conf lines...]: an agent
# configuration with an identity (state.json, correlation id $OFFLINE_CID)
# and a cached profile whose "correlation" member is CORRELATION_JSON, for
# an agent that never reaches its platform (it keeps retrying; the service
# runs on the cached profile).
write_offline_agent() {
	_od=$1
	_oc=$2
	shift 2
	write_agent_conf "$_od" "platform_url = https://127.0.0.1:9" \
	    "activation_id = 6a1d2c4e-0f3b-4b7a-8e51-2f9d7c3b1a60" \
	    "customer_id = c0d9e8f7-1a2b-4c3d-9e8f-7a6b5c4d3e2f" \
	    "proxy_file = $_od/no-proxy.conf" "$@"
	mkdir -p "$_od/state"
	cat > "$_od/state/state.json" <<JSON
{"version":1,"agent_id":"3f0c8a4e-5d7b-4c1e-9a2f-0b6d1e8c7a55",
 "credential":"3f0c8a4e-5d7b-4c1e-9a2f-0b6d1e8c7a55.0000000000000000000000000000000000000000000000000000000000000000",
 "correlation_id":"$OFFLINE_CID",
 "customer_id":"c0d9e8f7-1a2b-4c3d-9e8f-7a6b5c4d3e2f",
 "activation_id":"6a1d2c4e-0f3b-4b7a-8e51-2f9d7c3b1a60",
 "platform_url":"https://127.0.0.1:9","manifest_public_key":"none",
 "activated_at":1732180000}
JSON
	chmod 0600 "$_od/state/state.json"
	cat > "$_od/state/profile.json" <<JSON
{"id":1,"name":"offline","version":1,"heartbeat_interval":3600,
 "inventory_interval":3600,"data_collection_paused":false,
 "correlation":$_oc,"log_level":"debug"}
JSON
}

# Commands below run as "$NSX python3 ...": set NSX (for instance to
# "ip netns exec NAME") to run the clients inside a network namespace.
NSX=""

cat > "$T/cid_check.py" <<'PY'
import socket, sys
host, port, cid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
src = sys.argv[4] if len(sys.argv) > 4 else None
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam)
s.settimeout(5)
if src:
    s.bind((src, 0))
s.connect((host, port))
data = b""
while True:
    b = s.recv(256)
    if not b:
        break
    data += b
want = ("OUTPOST-CID/1 %s\r\n" % cid).encode()
if data != want:
    sys.stderr.write("%s:%d sent %r, expected %r\n" % (host, port, data, want))
    sys.exit(1)
PY

cat > "$T/port_refused.py" <<'PY'
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam)
s.settimeout(3)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
except ConnectionRefusedError:
    sys.exit(0)
sys.exit(1)
PY

# cid_check HOST PORT CID [SOURCE]: connect (from SOURCE if given), read
# until the service closes, and fail unless exactly the correlation line
# of CID came. Says what came on failure.
cid_check() {
	$NSX python3 "$T/cid_check.py" "$@"
}

# port_refused HOST PORT: succeed when nothing listens on HOST:PORT.
port_refused() {
	$NSX python3 "$T/port_refused.py" "$@"
}

# corr_status JQ_FILTER: status_check (tests/lib.sh) over the correlation
# section of the agent configured in $CONF.
corr_status() {
	status_check ".correlation | $1"
}

# corr_listeners: the listeners of that agent, sorted, comma-separated.
corr_listeners() {
	status_value '.correlation.listeners | sort | join(",")'
}

# hold_port ADDRESS PORT: listen on ADDRESS:PORT in the background (a
# program taking a correlation port; the address need not exist yet).
# Sets HOLD_PID.
hold_port() {
	$NSX python3 -c '
import socket, sys, time
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam)
if fam == socket.AF_INET6:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
if sys.platform.startswith("linux"):
    s.setsockopt(socket.IPPROTO_IP, 15, 1)  # IP_FREEBIND
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(5)
print("ready", flush=True)
time.sleep(3600)
' "$1" "$2" > "$T/hold.$2" 2>&1 &
	HOLD_PID=$!
	at_exit "kill $HOLD_PID 2>/dev/null"
	wait_for 10 grep -q ready "$T/hold.$2" ||
	    fail "cannot hold $1:$2: $(cat "$T/hold.$2")"
}
