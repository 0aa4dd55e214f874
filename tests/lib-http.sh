# tests/lib-http.sh: helpers for the HTTPS client tests (sourced after
# tests/lib.sh). Every peer runs from $T on a free loopback port with a
# private configuration and is stopped at exit.

HTTPGET="$abs_top_builddir/tests/tools/httpget"
HTTPS_ECHO="$abs_top_srcdir/tests/tools/https-echo.py"
CONNECT_PROXY="$abs_top_srcdir/tests/tools/connect-proxy.py"

[ -x "$HTTPGET" ] || fail "$HTTPGET not built"
command -v openssl >/dev/null 2>&1 || skip "openssl not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"

# make_ca NAME: a CA in $T/NAME-ca.pem and $T/NAME-ca.key.
make_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/$1-ca.key" -out "$T/$1-ca.pem" -days 2 \
	    -subj "/CN=outpost test CA $1" >/dev/null 2>&1 ||
	    fail "cannot make CA $1"
}

# make_server_cert CA NAME: $T/NAME.pem and $T/NAME.key for localhost and
# 127.0.0.1, signed by CA (made by make_ca).
make_server_cert() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/$2.key" -out "$T/$2.csr" -subj "/CN=localhost" \
	    >/dev/null 2>&1 || fail "cannot make the key of $2"
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$T/$2.ext"
	openssl x509 -req -in "$T/$2.csr" -CA "$T/$1-ca.pem" \
	    -CAkey "$T/$1-ca.key" -CAcreateserial -out "$T/$2.pem" -days 2 \
	    -extfile "$T/$2.ext" >/dev/null 2>&1 ||
	    fail "cannot sign the certificate of $2"
}

# spki_pin CERT [hex|base64]: the SHA-256 of the certificate's public key.
spki_pin() {
	if [ "${2:-hex}" = hex ]; then
		openssl x509 -in "$1" -pubkey -noout |
		    openssl pkey -pubin -outform der |
		    openssl dgst -sha256 -hex | sed 's/.*= *//'
	else
		openssl x509 -in "$1" -pubkey -noout |
		    openssl pkey -pubin -outform der |
		    openssl dgst -sha256 -binary | openssl base64 -A
	fi
}

# start_https_echo NAME: serve tests/tools/https-echo.py with $T/NAME.pem on a
# free port. Sets ECHO_PORT; requests are logged to $T/NAME-echo.log.
start_https_echo() {
	ECHO_PORT=$(free_port)
	: > "$T/$1-echo.log"
	python3 "$HTTPS_ECHO" "$ECHO_PORT" "$T/$1.pem" "$T/$1.key" \
	    "$T/$1-echo.log" 2>"$T/$1-echo.stderr" &
	_pid=$!
	at_exit "kill $_pid 2>/dev/null; wait $_pid 2>/dev/null"
	wait_for 10 port_open "$ECHO_PORT" ||
	    fail "https-echo did not start: $(cat "$T/$1-echo.stderr")"
}

# start_test_platform: CA "good", a server certificate "server" signed by
# it, and https-echo serving it. Sets ECHO_PORT and URL.
start_test_platform() {
	make_ca good
	make_server_cert good server
	start_https_echo server
	URL="https://localhost:$ECHO_PORT"
}

# proxy_conf NAME LINES...: write the proxy file $T/NAME.conf (mode 0600).
proxy_conf() {
	_f="$T/$1.conf"
	shift
	: > "$_f"
	chmod 600 "$_f"
	for _l in "$@"; do
		echo "$_l" >> "$_f"
	done
}

# start_connect_proxy NAME MODE: tests/tools/connect-proxy.py (ok, NNN, close,
# silent) on a free port. Sets PROXY_PORT; CONNECT heads in $T/NAME.log.
start_connect_proxy() {
	PROXY_PORT=$(free_port)
	: > "$T/$1.log"
	python3 "$CONNECT_PROXY" "$PROXY_PORT" "$2" "$T/$1.log" \
	    2>"$T/$1.stderr" &
	_pid=$!
	at_exit "kill $_pid 2>/dev/null; wait $_pid 2>/dev/null"
	wait_for 10 port_open "$PROXY_PORT" ||
	    fail "connect-proxy did not start: $(cat "$T/$1.stderr")"
	# port_open made one connection without a request; forget it.
	sleep 0.2
	: > "$T/$1.log"
}

# start_tinyproxy NAME [USER PASSWORD]: a tinyproxy on a free port, with
# basic auth when USER is given, plus the lines of $TINYPROXY_EXTRA. Sets
# PROXY_PORT; log in $T/NAME/tinyproxy.log.
start_tinyproxy() {
	command -v tinyproxy >/dev/null 2>&1 || skip "tinyproxy not installed"
	_d="$T/$1"
	mkdir -p "$_d"
	chmod 0777 "$_d"
	PROXY_PORT=$(free_port)
	{
		echo "Port $PROXY_PORT"
		echo "Listen 127.0.0.1"
		echo "Timeout 60"
		echo "LogFile \"$_d/tinyproxy.log\""
		echo "LogLevel Info"
		echo "MaxClients 20"
		echo "Allow 127.0.0.1"
		if [ "$(id -u)" = 0 ]; then
			echo "User nobody"
			echo "Group nogroup"
		fi
		if [ $# -ge 3 ]; then
			echo "BasicAuth $2 $3"
		fi
		if [ -n "${TINYPROXY_EXTRA:-}" ]; then
			echo "$TINYPROXY_EXTRA"
		fi
	} > "$_d/tinyproxy.conf"
	tinyproxy -d -c "$_d/tinyproxy.conf" >"$_d/stderr.log" 2>&1 &
	_pid=$!
	at_exit "kill $_pid 2>/dev/null; wait $_pid 2>/dev/null"
	wait_for 10 port_open "$PROXY_PORT" ||
	    fail "tinyproxy did not start: $(cat "$_d/stderr.log")"
}

# start_squid NAME [USER PASSWORD]: a squid on a free port, with basic auth
# (basic_ncsa_auth, htpasswd made with openssl passwd -apr1) when USER is
# given, plus the lines of $SQUID_EXTRA. Sets PROXY_PORT; access log in
# $T/NAME/access.log.
start_squid() {
	command -v squid >/dev/null 2>&1 || skip "squid not installed"
	_helper=/usr/lib/squid/basic_ncsa_auth
	_d="$T/$1"
	mkdir -p "$_d"
	PROXY_PORT=$(free_port)
	{
		echo "http_port 127.0.0.1:$PROXY_PORT"
		echo "pid_filename $_d/squid.pid"
		echo "access_log stdio:$_d/access.log"
		echo "cache_log $_d/cache.log"
		echo "cache_store_log none"
		echo "coredump_dir $_d"
		echo "cache deny all"
		echo "netdb_filename none"
		echo "shutdown_lifetime 0 seconds"
		echo "dns_nameservers 127.0.0.1"
		echo "acl localnet src 127.0.0.1"
		if [ $# -ge 3 ]; then
			[ -x "$_helper" ] || skip "$_helper not installed"
			printf '%s:%s\n' "$2" "$(openssl passwd -apr1 "$3")" \
			    > "$_d/htpasswd"
			echo "auth_param basic program $_helper $_d/htpasswd"
			echo "auth_param basic realm outpost-test"
			echo "acl authed proxy_auth REQUIRED"
			echo "http_access allow localnet authed"
		else
			echo "http_access allow localnet"
		fi
		echo "http_access deny all"
		if [ -n "${SQUID_EXTRA:-}" ]; then
			echo "$SQUID_EXTRA"
		fi
	} > "$_d/squid.conf"
	if [ "$(id -u)" = 0 ]; then
		echo "cache_effective_user proxy" >> "$_d/squid.conf"
		chown -R proxy "$_d" 2>/dev/null || chmod -R a+rwX "$_d"
	fi
	squid -N -f "$_d/squid.conf" >"$_d/stderr.log" 2>&1 &
	_pid=$!
	at_exit "kill $_pid 2>/dev/null; wait $_pid 2>/dev/null"
	wait_for 20 port_open "$PROXY_PORT" ||
	    fail "squid did not start: $(cat "$_d/stderr.log" "$_d/cache.log")"
}

# run_httpget OUT ARGS...: run the driver, stdout to OUT, stderr (its log)
# to OUT.log. Returns the driver's exit status. $HTTPGET_WRAPPER, when
# set, prefixes the command (e.g. "valgrind -q --error-exitcode=99
# --leak-check=full --errors-for-leak-kinds=all"); its exit status 99 fails
# the test.
run_httpget() {
	_out=$1
	shift
	${HTTPGET_WRAPPER:-} "$HTTPGET" "$@" >"$_out" 2>"$_out.log"
	_rc=$?
	[ "$_rc" -ne 99 ] || fail "$HTTPGET_WRAPPER reported errors: $(cat "$_out.log")"
	return "$_rc"
}

# expect_result OUT REGEX: OUT's result line of request 0 matches REGEX.
expect_result() {
	grep -Eq -- "^result 0 .*$2" "$1" || {
		echo "--- $1:" >&2
		cat "$1" "$1.log" >&2
		fail "$1: expected result matching /$2/"
	}
}
