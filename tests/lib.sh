# tests/lib.sh: helpers for outpost's black-box shell tests.
#
# Each test sources this file, gets a private temp directory ($T), and
# starts its own daemons on free ports there; everything is torn down on
# exit. Exit 77 means "skipped" to the automake harness.

set -u

: "${abs_top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${abs_top_srcdir:=$abs_top_builddir}"
export abs_top_builddir abs_top_srcdir

OUTPOSTD="$abs_top_builddir/outpostd"
OUTPOSTCTL="$abs_top_builddir/outpostctl"
PLATFORM="$abs_top_builddir/outpost-platform"
SCAN="$abs_top_builddir/outpost-scan"

T=$(mktemp -d "${TMPDIR:-/tmp}/outpost-test.XXXXXX")
chmod 0755 "$T"
_cleanup_cmds=""

# Run "$@" at exit (last registered runs first).
at_exit() {
	_cleanup_cmds="$*; $_cleanup_cmds"
}

_lib_exit() {
	rc=$?
	set +e
	eval "$_cleanup_cmds"
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		echo "--- test failed (rc=$rc); logs under $T:" >&2
		for f in $(find "$T" -name '*.log' -type f 2>/dev/null); do
			# The polls of the test itself left out.
			echo "--- $f (last 120 lines but polls)" >&2
			grep -Ev 'control: check-in requested|(POST /agent/v1/heartbeat|GET /api/v1/agents/[^ ]*) -> 200' \
			    "$f" | tail -n 120 >&2
		done
	fi
	if [ -z "${KEEP_TEST_DIR:-}" ]; then
		rm -rf "$T"
	else
		echo "test directory kept: $T" >&2
	fi
	exit "$rc"
}
trap _lib_exit EXIT
trap 'exit 130' INT TERM

# Print a message and fail the test.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Print a message and skip the test.
skip() {
	echo "SKIP: $*" >&2
	exit 77
}

# Print a progress line.
note() {
	echo "# $*" >&2
}

# Print a TCP port nobody listens on, below the kernel's ephemeral range
# (ip_local_port_range), so that no outgoing connection of a test running
# alongside can take it before it is used; never one this test was given
# already (listed in $T/.ports), never 10001-10005.
free_port() {
	python3 - "$T/.ports" <<'PY' 2>/dev/null || free_port_shell
import random, socket, sys
given = set()
try:
    given = set(int(l) for l in open(sys.argv[1]))
except OSError:
    pass
try:
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError):
    low = 32768
low = max(low, 12000)
while True:
    p = random.randrange(11000, low)
    if p in given:
        continue
    taken = False
    for family, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        try:
            s = socket.socket(family)
        except OSError:
            continue  # no IPv6 here
        try:
            if family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((addr, p))
        except OSError:
            taken = True
        finally:
            s.close()
    if taken:
        continue
    open(sys.argv[1], "a").write("%d\n" % p)
    print(p)
    break
PY
}

free_port_shell() {
	while :; do
		p=$(( (RANDOM % 20000) + 11000 ))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

# wait_for SECONDS COMMAND...: retry COMMAND every 0.1 s until it
# succeeds. Returns 1 on timeout.
wait_for() {
	_limit=$(( $1 * 10 ))
	shift
	_i=0
	while [ "$_i" -lt "$_limit" ]; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# port_open PORT: does something accept TCP connections on 127.0.0.1:PORT?
port_open() {
	python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1"
}

# Assert that file $1 contains the extended regular expression $2.
assert_grep() {
	grep -Eq -- "$2" "$1" || fail "$1 does not match /$2/"
}

# Assert that a command succeeds.
assert_ok() {
	"$@" || fail "command failed: $*"
}

# Assert that a command fails.
assert_fails() {
	if "$@"; then
		fail "command unexpectedly succeeded: $*"
	fi
}

# write_agent_conf DIR [extra lines...]: a private agent configuration.
write_agent_conf() {
	_dir=$1
	shift
	mkdir -p "$_dir"
	{
		echo "state_dir = $_dir/state"
		echo "log_dir = $_dir/log"
		echo "run_dir = $_dir/run"
		echo "log_level = debug"
		for _l in "$@"; do
			echo "$_l"
		done
	} > "$_dir/outpost.conf"
}

# start_agent DIR [outpostd flags...]: start outpostd -f with DIR/outpost.conf,
# wait until its control socket answers. Sets AGENT_PID.
start_agent() {
	_dir=$1
	shift
	"$OUTPOSTD" -f -c "$_dir/outpost.conf" "$@" \
	    >>"$_dir/outpostd.stderr" 2>&1 &
	AGENT_PID=$!
	at_exit "kill $AGENT_PID 2>/dev/null; wait $AGENT_PID 2>/dev/null"
	wait_for 10 "$OUTPOSTCTL" -c "$_dir/outpost.conf" status ||
	    fail "outpostd did not come up: $(tail -n 20 "$_dir/outpostd.stderr")"
}

# stop_agent: SIGTERM the agent started by start_agent and wait for it.
stop_agent() {
	kill -TERM "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null
	AGENT_RC=$?
}

# status_json: print the status --json of the agent of outpost.conf $CONF.
status_json() {
	"$OUTPOSTCTL" -c "$CONF" status --json
}

# status_value [JQ OPTIONS] FILTER: print jq -r FILTER over that status.
status_value() {
	status_json | jq -r "$@"
}

# status_check FILTER: succeed when jq -e FILTER holds there (an answer needed).
status_check() {
	_st=$(status_json) || return 1
	[ -n "$_st" ] || return 1
	printf '%s\n' "$_st" | jq -e "$1" >/dev/null
}

# has_error CODE: the agent of outpost.conf $CONF shows error CODE ("E302")
# among its current errors.
has_error() {
	status_check ".platform.errors | map(.code) | index(\"$1\") != null"
}

# veth_netns NAME [no-ll]: a private network namespace NAME (deleted at
# exit) with lo up and a veth pair op0/op1 up in it; with no-ll the pair
# gets no IPv6 link-local addresses. Skips the test when the namespace or
# the pair cannot be made.
veth_netns() {
	ip netns add "$1" || skip "cannot create a network namespace"
	at_exit "ip netns del $1"
	ip -n "$1" link set lo up
	ip -n "$1" link add op0 type veth peer name op1 || skip "no veth links"
	if [ "${2:-}" = no-ll ]; then
		ip -n "$1" link set op0 addrgenmode none
		ip -n "$1" link set op1 addrgenmode none
	fi
	ip -n "$1" link set op1 up
	ip -n "$1" link set op0 up
}

# valgrind_agent DIR: start outpostd -f with DIR/outpost.conf under
# valgrind (report in $T/valgrind.out). Skips without valgrind and in a
# sanitizer build. Sets AGENT_PID.
valgrind_agent() {
	command -v valgrind >/dev/null || skip "valgrind not installed"
	if nm "$OUTPOSTD" 2>/dev/null | grep -q __asan_init; then
		skip "sanitizer build (LeakSanitizer checks leaks there)"
	fi
	valgrind --leak-check=full --errors-for-leak-kinds=definite \
	    --error-exitcode=99 --log-file="$T/valgrind.out" \
	    "$OUTPOSTD" -f -c "$1/outpost.conf" >"$1/outpostd.stderr" 2>&1 &
	AGENT_PID=$!
	at_exit "kill $AGENT_PID 2>/dev/null"
}

# valgrind_agent_stop: SIGTERM the agent of valgrind_agent; fails unless it
# exits 0 with no error and nothing definitely lost.
valgrind_agent_stop() {
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID"
	_vrc=$?
	cat "$T/valgrind.out" >&2
	[ "$_vrc" -eq 0 ] || fail "valgrind exit status $_vrc"
	assert_grep "$T/valgrind.out" "definitely lost: 0 bytes|no leaks are possible"
	assert_grep "$T/valgrind.out" "ERROR SUMMARY: 0 errors"
}

# ctl_raw SOCKET JSON: send one raw control request line, print the reply.
ctl_raw() {
	python3 - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.write(out.decode())
PY
}

# ctl_flood SOCKET COUNT: send COUNT status requests, one connection each.
ctl_flood() {
	python3 - "$1" "$2" <<'PY'
import socket, sys
for i in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(b'{"version":1,"command":"status"}\n')
    while s.recv(65536):
        pass
    s.close()
PY
}
