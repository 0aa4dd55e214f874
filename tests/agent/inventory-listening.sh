#!/bin/sh
# The listening collector on this machine: a process of the test holds
# listening TCP and bound UDP sockets (v4, and v6 where the host has it),
# an established TCP connection and a connected UDP socket; a child it
# forks shares the TCP listener. invdump on "/" (sock_diag netlink) and on
# a root whose proc is a link to /proc (the /proc/net files) must both list
# exactly the listening ones, each with the parent (the lowest pid) and
# its name.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

command -v jq >/dev/null 2>&1 || skip "jq is not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
[ "$(uname -s)" = Linux ] || skip "not Linux"
[ -r /proc/net/tcp ] || skip "no /proc/net/tcp"
INVDUMP="$abs_top_builddir/tests/tools/invdump"

python3 - "$T/ports" <<'PY' >"$T/holder.log" 2>&1 &
import os, socket, sys, time
def bound(family, kind, host):
    s = socket.socket(family, kind)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((host, 0))
    return s
tcp = bound(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1"); tcp.listen(8)
udp = bound(socket.AF_INET, socket.SOCK_DGRAM, "127.0.0.1")
# Not listening: a connected UDP socket, both ends of a connection.
cu = bound(socket.AF_INET, socket.SOCK_DGRAM, "127.0.0.1")
cu.connect(udp.getsockname())
cli = socket.create_connection(tcp.getsockname()); srv, _ = tcp.accept()
ports = ["tcp %d" % tcp.getsockname()[1], "udp %d" % udp.getsockname()[1],
    "no %d" % cu.getsockname()[1], "no %d" % cli.getsockname()[1]]
try:
    tcp6 = bound(socket.AF_INET6, socket.SOCK_STREAM, "::1"); tcp6.listen(8)
    udp6 = bound(socket.AF_INET6, socket.SOCK_DGRAM, "::1")
    ports += ["tcp6 %d" % tcp6.getsockname()[1],
        "udp6 %d" % udp6.getsockname()[1]]
except OSError:
    pass
child = os.fork()
if child == 0:
    time.sleep(600)
    os._exit(0)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("pid %d\nchild %d\n" % (os.getpid(), child))
    f.write("\n".join(ports) + "\n")
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
try:
    time.sleep(600)
finally:
    os.kill(child, 9)
PY
holder=$!
at_exit "kill $holder 2>/dev/null; wait $holder 2>/dev/null"
wait_for 10 test -s "$T/ports" || fail "the socket holder did not start: $(cat "$T/holder.log")"
pid=$(sed -n 's/^pid //p' "$T/ports")
[ "$pid" = "$holder" ] || fail "holder pid $pid, expected $holder"
child=$(sed -n 's/^child //p' "$T/ports")
at_exit "kill $child 2>/dev/null"
comm=$(cat "/proc/$pid/comm")

# What must be listed: our listening ports, each held by the parent.
expected=$(awk -v pid="$pid" -v comm="$comm" '
    $1 == "tcp" || $1 == "udp" { a = "127.0.0.1" }
    $1 == "tcp6" || $1 == "udp6" { a = "::1" }
    $1 ~ /^(tcp|udp)6?$/ { printf "{\"protocol\":\"%s\",\"address\":\"%s\",\"port\":%s,\"pid\":%s,\"process\":\"%s\"}\n",
	$1, a, $2, pid, comm }' "$T/ports" | jq -c -s 'sort_by(.protocol, .address, .port)')
# Our ports, listed or not.
ports=$(awk '$1 != "pid" && $1 != "child" { printf "%s%s", sep, $2; sep = "," }' "$T/ports")
ours() {
	jq -c "[.sections.listening[] | select(.port as \$p | [$ports] | index(\$p) != null)]" "$1"
}

mkdir -p "$T/root"
for d in etc proc sys usr; do ln -s "/$d" "$T/root/$d"; done
"$INVDUMP" -n -c listening / >"$T/host.json" 2>"$T/host.err" ||
    fail "invdump /: $(cat "$T/host.err") $(jq -c .errors "$T/host.json")"
"$INVDUMP" -n -c listening "$T/root" >"$T/files.json" 2>"$T/files.err" ||
    fail "invdump $T/root: $(cat "$T/files.err") $(jq -c .errors "$T/files.json")"
got=$(ours "$T/host.json")
[ "$got" = "$expected" ] || fail "sock_diag: $got, expected $expected"
got=$(ours "$T/files.json")
[ "$got" = "$expected" ] || fail "/proc/net: $got, expected $expected"
note "$(awk '$1 ~ /^(tcp|udp)6?$/' "$T/ports" | wc -l) listening sockets of pid $pid ($comm) found both ways"

# The host's sockets come from sock_diag, not from /proc/net.
if command -v strace >/dev/null 2>&1 &&
    strace -f -e trace=socket,openat -o "$T/strace.out" \
    "$INVDUMP" -n -c listening / >/dev/null 2>&1; then
	grep -q NETLINK_SOCK_DIAG "$T/strace.out" ||
	    fail "no sock_diag socket: $(grep socket "$T/strace.out")"
	grep -q '/proc/net/' "$T/strace.out" &&
	    fail "/proc/net read on the host: $(grep /proc/net "$T/strace.out")"
fi
exit 0
