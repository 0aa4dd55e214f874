#!/bin/sh
# Operator traps: the systemd unit does not restart an agent the platform
# deleted (exit status 3; the exit itself: lifecycle-uninstall.sh); the
# proxy example is installed as such, and as shipped it does not take the
# environment's proxy away; a
# relative -c works for reload and healthcheck of a daemon; -n checks the
# CA file and the proxy URLs' percent-escapes; errors about a file never
# quote its contents, even through a symlink.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-http.sh"

# The unit: restarted on failure, but not after exit status 3.
UNIT="$abs_top_builddir/dist/outpostd.service"
[ -f "$UNIT" ] || make -C "$abs_top_builddir" dist/outpostd.service >/dev/null ||
    fail "no unit file"
assert_grep "$UNIT" "^Restart=on-failure$"
assert_grep "$UNIT" "^RestartPreventExitStatus=3$"
for s in init rc; do
	f="$abs_top_builddir/dist/outpostd.$s"
	[ -f "$f" ] || make -C "$abs_top_builddir" "dist/outpostd.$s" >/dev/null
	sh -n "$f" || fail "$f: syntax"
	grep -v '^#' "$f" | grep -Eq 'respawn|while .*DAEMON|until ' &&
	    fail "$f restarts outpostd"
done
if command -v systemd-analyze >/dev/null 2>&1; then
	sed "s|^ExecStart\\(Pre\\)\\?=[^ ]*|ExecStart\\1=$OUTPOSTD|" "$UNIT" \
	    > "$T/outpostd.service"
	systemd-analyze verify "$T/outpostd.service" > "$T/verify" 2>&1 ||
	    note "systemd-analyze verify: $(cat "$T/verify")"
	grep -qi 'RestartPreventExitStatus' "$T/verify" &&
	    fail "systemd does not take RestartPreventExitStatus: $(cat "$T/verify")"
fi

# make install puts the proxy example beside outpost.conf as
# proxy.conf.example, never as proxy.conf (which would take the
# environment's proxy away), and keeps an existing outpost.conf.
make -s -C "$abs_top_builddir" install-data-local DESTDIR="$T/inst" \
    > "$T/inst.out" 2>&1 || fail "install-data-local: $(cat "$T/inst.out")"
ETC=$(find "$T/inst" -type d -name outpost -path '*etc*' | head -n 1)
[ -f "$ETC/proxy.conf.example" ] || fail "no proxy.conf.example in $ETC"
[ -e "$ETC/proxy.conf" ] && fail "make install made a proxy.conf"
echo "# mine" > "$ETC/outpost.conf"
make -s -C "$abs_top_builddir" install-data-local DESTDIR="$T/inst" \
    > "$T/inst.out" 2>&1 || fail "install-data-local again"
[ "$(cat "$ETC/outpost.conf")" = "# mine" ] || fail "outpost.conf overwritten"

# -n: the CA file must be a readable file of certificates.
write_agent_conf "$T/n" "ca_file = $T/none.pem"
"$OUTPOSTD" -n -c "$T/n/outpost.conf" > "$T/n.out" 2>&1 && fail "-n passed a missing CA file"
assert_grep "$T/n.out" "ca_file $T/none.pem: No such file or directory"
mkdir "$T/cadir"
write_agent_conf "$T/n" "ca_file = $T/cadir"
"$OUTPOSTD" -n -c "$T/n/outpost.conf" > "$T/n.out" 2>&1 && fail "-n passed a CA directory"
assert_grep "$T/n.out" "ca_file $T/cadir is a directory, not a file of PEM certificates"
printf 'not a certificate, secret-ca-text\n' > "$T/junk.pem"
write_agent_conf "$T/n" "ca_file = $T/junk.pem"
"$OUTPOSTD" -n -c "$T/n/outpost.conf" > "$T/n.out" 2>&1 && fail "-n passed a CA file without certificates"
assert_grep "$T/n.out" "ca_file $T/junk.pem holds no PEM certificate"
grep -q secret-ca-text "$T/n.out" && fail "the CA file's contents were quoted"
# ... and the agent refuses to start with it, as -n said.
"$OUTPOSTD" -f -c "$T/n/outpost.conf" > "$T/n.start" 2>&1 && fail "started with a bad CA file"
make_ca good
write_agent_conf "$T/n" "ca_file = $T/good-ca.pem"
"$OUTPOSTD" -n -c "$T/n/outpost.conf" > "$T/n.out" 2>&1 || fail "-n refused a good CA: $(cat "$T/n.out")"

# -n: a proxy URL's percent-escapes are checked.
proxy_conf pbad "https_proxy = http://agent:50%off@127.0.0.1:3128"
write_agent_conf "$T/n" "proxy_file = $T/pbad.conf"
"$OUTPOSTD" -n -c "$T/n/outpost.conf" > "$T/n.out" 2>&1 && fail "-n passed a bad percent-escape"
assert_grep "$T/n.out" "bad percent-escape in the user name or password"
grep -q "50%off" "$T/n.out" && fail "the password was quoted"

# Errors about a file never quote its lines: a proxy_file that is a
# symlink to another file (with secrets in it).
printf 'root:$6$secret-hash-xyz:19000:0:99999:7:::\nTOKEN_SECRET = s3cr3t-value\n' > "$T/secrets"
chmod 600 "$T/secrets"
ln -s "$T/secrets" "$T/plink.conf"
write_agent_conf "$T/n" "proxy_file = $T/plink.conf"
"$OUTPOSTD" -n -c "$T/n/outpost.conf" > "$T/n.out" 2>&1 && fail "-n passed a secrets file"
assert_grep "$T/n.out" "plink.conf:1: expected \"key = value\"$"
assert_grep "$T/n.out" "plink.conf:2: unknown key \\(not shown: not a key name\\)"
grep -Eq 'secret-hash|s3cr3t|TOKEN_SECRET' "$T/n.out" && fail "contents quoted: $(cat "$T/n.out")"

# A relative -c: the daemon (which changes to /) reloads and checks it.
start_platform "$T/p"
platform_agent_conf "$T/r"
(cd "$T" && "$OUTPOSTD" -c r/outpost.conf) || fail "daemon did not start"
wait_for 10 test -s "$T/r/run/outpostd.pid" || fail "no pid file"
DPID=$(cat "$T/r/run/outpostd.pid")
at_exit "kill $DPID 2>/dev/null"
[ "$(status_value .config_file)" = "$T/r/outpost.conf" ] ||
    fail "config_file $(status_value .config_file)"
kill -HUP "$DPID"
wait_for 10 grep -q "configuration reloaded" "$T/r/log/agent.log" ||
    fail "reload: $(grep reload "$T/r/log/agent.log")"
"$OUTPOSTCTL" -c "$CONF" healthcheck > "$T/hc.txt"
assert_grep "$T/hc.txt" "^PASS  config "
kill -TERM "$DPID"
wait_for 10 sh -c "! kill -0 $DPID" || fail "daemon did not stop"

# The shipped proxy example (no https_proxy line) keeps the environment's
# proxy: the check-in goes through it.
start_connect_proxy envproxy ok
platform_agent_conf "$T/e"
cp "$abs_top_srcdir/dist/proxy.conf.example" "$T/e/proxy.conf"
https_proxy="http://127.0.0.1:$PROXY_PORT" start_agent "$T/e"
assert_ok "$OUTPOSTCTL" -c "$CONF" heartbeat
[ "$(status_value .platform.proxy)" = "http://127.0.0.1:$PROXY_PORT" ] ||
    fail "not through the environment's proxy: $(status_value -c .platform)"
status_value .platform.proxy_source | grep -q "no https_proxy line" ||
    fail "proxy source: $(status_value .platform.proxy_source)"
assert_grep "$T/envproxy.log" "CONNECT localhost:$PORT"
stop_agent
exit 0
