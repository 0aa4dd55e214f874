#!/bin/sh
# outpost-platform init and start: the directory it makes, the ids it
# prints, TLS >= 1.2 with the right SANs, a fresh platform with zero
# agents, daemon mode with a pid file refusing a second instance,
# SIGHUP reload and a clean SIGTERM shutdown; as root in a directory of
# another user (a service account), init gives that user what it makes.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

port=$(free_port)
"$PLATFORM" init "$T/p" --listen "127.0.0.1:$port" --name platform.example \
    --name 192.0.2.7 >"$T/init.out" 2>&1 || fail "init failed: $(cat "$T/init.out")"
assert_grep "$T/init.out" '^customer_id: [0-9a-f-]{36}$'
assert_grep "$T/init.out" '^activation_id: [0-9a-f-]{36}$'
assert_grep "$T/init.out" "^ca_file: $T/p/ca.pem\$"
assert_grep "$T/init.out" "^admin_token_file: $T/p/admin.token\$"
for f in ca.pem server.pem server.key manifest.key manifest.pub admin.token \
    platform.conf platform.db; do
	[ -s "$T/p/$f" ] || fail "init did not create $f"
done
[ "$(stat -c %a "$T/p/admin.token")" = 600 ] || fail "admin.token is not 0600"
[ "$(stat -c %a "$T/p/server.key")" = 600 ] || fail "server.key is not 0600"
assert_grep "$T/p/platform.conf" "^listen = 127.0.0.1:$port\$"
[ "$(sqlite3 "$T/p/platform.db" 'PRAGMA journal_mode' 2>/dev/null || echo wal)" = wal ] ||
    fail "database is not in WAL mode"

# The certificate chain verifies and carries every SAN.
command -v openssl >/dev/null 2>&1 || skip "openssl is not installed"
openssl verify -CAfile "$T/p/ca.pem" "$T/p/server.pem" >/dev/null ||
    fail "server certificate does not verify against ca.pem"
openssl x509 -in "$T/p/server.pem" -noout -ext subjectAltName >"$T/san" 2>&1
for n in 'DNS:localhost' 'IP Address:127.0.0.1' 'IP Address:0:0:0:0:0:0:0:1' \
    'DNS:platform.example' 'IP Address:192.0.2.7'; do
	grep -q "$n" "$T/san" || fail "SAN $n missing: $(cat "$T/san")"
done
openssl x509 -in "$T/p/ca.pem" -noout -text | grep -q 'prime256v1' ||
    fail "CA key is not P-256"

# Refuse to overwrite.
assert_fails "$PLATFORM" init "$T/p" 2>"$T/again"
assert_grep "$T/again" 'refusing to overwrite'

# Configuration check.
"$PLATFORM" -n -c "$T/p/platform.conf" >/dev/null || fail "-n rejects a good file"
printf 'bogus_key = 1\n' >>"$T/p/platform.conf"
assert_fails "$PLATFORM" -n -c "$T/p/platform.conf" 2>"$T/bad"
assert_grep "$T/bad" 'platform.conf:[0-9]+: unknown key "bogus_key"'
sed -i '/^bogus_key/d' "$T/p/platform.conf"

# Fresh platform: zero agents.
PDIR="$T/p"
PORT=$port
URL="https://localhost:$port"
TOKEN=$(cat "$T/p/admin.token")
run_platform
expect 200 admin GET /api/v1/agents
assert_json .count 0
assert_json '.agents | length' 0

# TLS 1.1 is refused; TLS 1.2 works.
if curl -sS --cacert "$PDIR/ca.pem" --tls-max 1.1 "$URL/api/v1/agents" \
    -o /dev/null 2>/dev/null; then
	fail "TLS 1.1 accepted"
fi
curl -sS --cacert "$PDIR/ca.pem" --tlsv1.2 --tls-max 1.2 -o /dev/null \
    -H "Authorization: Bearer $TOKEN" "$URL/api/v1/agents" ||
    fail "TLS 1.2 refused"
# The logger wrote platform.log.
wait_for 5 grep -q 'serving https://' "$PDIR/log/platform.log" ||
    fail "no platform.log"

# SIGHUP reloads (a broken file is refused and the old one kept).
printf 'log_level = nonsense\n' >>"$PDIR/platform.conf"
kill -HUP "$PLATFORM_PID"
wait_for 5 grep -q 'keeping the running configuration' "$PDIR/log/platform.log" ||
    fail "a broken reload was not refused"
sed -i '/nonsense/d' "$PDIR/platform.conf"
kill -HUP "$PLATFORM_PID"
wait_for 5 grep -q 'reloaded' "$PDIR/log/platform.log" || fail "no reload"
expect 200 admin GET /api/v1/agents

stop_platform TERM
[ "$PLATFORM_RC" = 0 ] || fail "SIGTERM exit status $PLATFORM_RC"
assert_grep "$PDIR/log/platform.log" 'shutting down'
[ ! -e "$PDIR/platform.pid" ] || fail "pid file left behind"

# Daemon mode: pid file, second instance refused, SIGTERM stops it.
"$PLATFORM" -c "$PDIR/platform.conf" || fail "daemon did not start"
[ -s "$PDIR/platform.pid" ] || fail "no pid file"
dpid=$(cat "$PDIR/platform.pid")
at_exit "kill -KILL $dpid 2>/dev/null"
kill -0 "$dpid" || fail "daemon pid $dpid is not running"
expect 200 admin GET /api/v1/agents
assert_fails "$PLATFORM" -c "$PDIR/platform.conf" 2>"$T/second"
assert_grep "$T/second" "already running \\(pid $dpid"
kill -TERM "$dpid"
wait_for 10 sh -c "! kill -0 $dpid 2>/dev/null" || fail "daemon did not stop"
[ ! -e "$PDIR/platform.pid" ] || fail "daemon left its pid file"

# root running init in a directory of a service account (the packages'
# outpost-platform user): everything made there is that user's, and the
# platform runs as that user alone.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	svc=$(id -u nobody) || skip "no user nobody"
	mkdir "$T/svc"
	chown nobody "$T/svc"
	init_platform "$T/svc"
	assert_grep "$T/init.out" "^owner: uid $svc "
	others=$(find "$T/svc" ! -user nobody)
	[ -z "$others" ] || fail "not given to the owner: $others"
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	    "$PLATFORM" -f -c "$PDIR/platform.conf" >>"$T/svc.stderr" 2>&1 &
	PLATFORM_PID=$!
	at_exit "kill -KILL $PLATFORM_PID 2>/dev/null"
	wait_for 20 curl -sSf --cacert "$PDIR/ca.pem" \
	    -H "Authorization: Bearer $TOKEN" "$URL/api/v1/settings" ||
	    fail "the platform did not run as its owner: $(cat "$T/svc.stderr")"
	stop_platform TERM
	[ "$PLATFORM_RC" = 0 ] || fail "SIGTERM exit status $PLATFORM_RC"
	# A directory of root's own stays root's.
	init_platform "$T/rootdir"
	grep -q '^owner:' "$T/init.out" && fail "owner changed for root's directory"
fi
exit 0
