#!/bin/sh
# quickstart.sh: install what is missing, build, and run outpost.
#
#   ./dist/quickstart.sh          build, then run the agent in the foreground
#                                 from ./quickstart/ and show its status
#   ./dist/quickstart.sh test     build, then run the test suite, plain and
#                                 with AddressSanitizer + UBSan
#
# Builds go to ./build (and ./build-asan); nothing is installed system-wide
# except missing build dependencies, through the system's package manager.
set -eu

mode=${1:-run}
case "$mode" in
run|test) ;;
*) echo "usage: $0 [test]" >&2; exit 2 ;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

# Build and test dependencies, as Debian/Ubuntu packages.
DEB_BUILD="build-essential autoconf automake libtool pkg-config libevent-dev
libssl-dev libjson-c-dev zlib1g-dev libcurl4-openssl-dev libnl-3-dev
libnl-route-3-dev libsqlite3-dev libcmocka-dev"
DEB_RUN="ca-certificates curl jq python3 iproute2 procps gzip openssl"
DEB_TEST="valgrind mandoc clang libclang-rt-14-dev rpm python3-rpm nmap libauparse-dev
chromium chromium-driver python3-selenium libnss3-tools"
# Daemons some tests start themselves; their system services are stopped.
DEB_SERVICES="tinyproxy squid nginx-light auditd"

# Install the Debian packages of "$@" that are missing.
install_deb() {
	missing=""
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q "install ok installed"; then
			missing="$missing $p"
		fi
	done
	[ -z "$missing" ] && return 0
	echo "quickstart: installing$missing"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing
	for s in $DEB_SERVICES; do
		case " $missing " in
		*" $s "*) $sudo service "$s" stop >/dev/null 2>&1 || true ;;
		esac
	done
}

install_deps() {
	if command -v apt-get >/dev/null 2>&1; then
		pkgs="$DEB_BUILD $DEB_RUN"
		[ "$mode" = test ] && pkgs="$pkgs $DEB_TEST $DEB_SERVICES"
		# shellcheck disable=SC2086
		install_deb $pkgs
	elif command -v dnf >/dev/null 2>&1; then
		echo "quickstart: on Fedora/RHEL install: dnf install gcc make" \
		    "autoconf automake libtool pkgconf libevent-devel" \
		    "openssl-devel json-c-devel zlib-devel libcurl-devel" \
		    "libnl3-devel sqlite-devel libcmocka-devel jq python3"
	elif command -v pkg >/dev/null 2>&1; then
		echo "quickstart: on FreeBSD install: pkg install autoconf" \
		    "automake libtool pkgconf libevent json-c curl sqlite3" \
		    "cmocka jq python3 (netlink parts are configured out)"
	elif command -v brew >/dev/null 2>&1; then
		echo "quickstart: on macOS install: brew install autoconf" \
		    "automake libtool pkg-config libevent openssl@3 json-c" \
		    "curl sqlite cmocka jq"
	else
		echo "quickstart: unknown package manager; see README.md for" \
		    "the libraries to install" >&2
	fi
}

# Configure (once) and build in directory $1 with configure flags $2...
build() {
	dir=$1
	shift
	[ -x configure ] || autoreconf -fi
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ]; then
		(cd "$dir" && ../configure "$@")
	fi
	make -C "$dir" -j"$jobs"
}

install_deps
build build

if [ "$mode" = test ]; then
	status=0
	make -C build -j"$jobs" check || status=1
	build build-asan --enable-sanitizers
	ASAN_OPTIONS=detect_leaks=1 make -C build-asan -j"$jobs" check ||
	    status=1
	exit $status
fi

# A platform under ./quickstart/platform (made once), then the agent from
# ./quickstart/ activated against it.
qs="$top/quickstart"
mkdir -p "$qs"
pdir="$qs/platform"
if [ ! -f "$pdir/platform.conf" ]; then
	build/outpost-platform init "$pdir" > "$qs/platform-init.out"
	cat "$qs/platform-init.out"
fi
# The console from this source tree (outpost-platform(8), console_dir).
grep -q '^console_dir' "$pdir/platform.conf" ||
    echo "console_dir = $top/console" >> "$pdir/platform.conf"
customer=$(sed -n 's/^customer_id: //p' "$qs/platform-init.out")
activation=$(sed -n 's/^activation_id: //p' "$qs/platform-init.out")
listen=$(sed -n 's/^listen *= *//p' "$pdir/platform.conf")
url="https://$listen"
case "$listen" in
0.0.0.0:*) url="https://127.0.0.1:${listen##*:}" ;;
esac
build/outpost-platform -f -c "$pdir/platform.conf" >"$qs/platform.stderr" 2>&1 &
platform=$!
agent=""
trap 'kill $agent $platform 2>/dev/null; wait $agent $platform 2>/dev/null' EXIT INT TERM
admin() {
	curl -sS --cacert "$pdir/ca.pem" \
	    -H "Authorization: Bearer $(cat "$pdir/admin.token")" "$url$1"
}
i=0
until admin /api/v1/agents >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $platform 2>/dev/null; then
		echo "quickstart: outpost-platform did not start:" >&2
		tail -n 5 "$qs/platform.stderr" >&2
		exit 1
	fi
	sleep 0.1
done

if [ ! -f "$qs/outpost.conf" ]; then
	cat > "$qs/outpost.conf" <<CONF
# The quick start agent: everything under $qs.
platform_url = $url
activation_id = $activation
customer_id = $customer
ca_file = $pdir/ca.pem
state_dir = $qs/state
log_dir = $qs/log
run_dir = $qs/run
proxy_file = $qs/proxy.conf
log_level = info
CONF
fi
conf="$qs/outpost.conf"
build/outpostd -n -c "$conf"
build/outpostd -f -c "$conf" &
agent=$!
i=0
until build/outpostctl -c "$conf" status --json 2>/dev/null |
    grep -q '"activation":"activated"\|"activation": *"activated"'; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $agent 2>/dev/null; then
		echo "quickstart: the agent did not activate; see" \
		    "$qs/log/agent.log" >&2
		build/outpostctl -c "$conf" status >&2 || true
		exit 1
	fi
	sleep 0.1
done
echo
build/outpostctl -c "$conf" status
echo
echo "The platform's agent list (GET $url/api/v1/agents):"
admin /api/v1/agents | jq '.agents[] | {agent_id, hostname, status, online, last_checkin, agent_version}'
echo
echo "The console: $url/"
echo "  sign in as admin with the password in $pdir/admin.password;"
echo "  the browser must trust $pdir/ca.pem, the platform's CA."
echo
if [ -t 0 ]; then
	echo "quickstart: outpost-platform (pid $platform) and outpostd" \
	    "(pid $agent) run in the foreground; try:"
	echo "  build/outpostctl -c $conf status"
	echo "Ctrl-C stops both."
	wait $agent
else
	echo "quickstart: not on a terminal; stopping the agent and the platform."
fi
