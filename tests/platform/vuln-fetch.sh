#!/bin/sh
# Scheduled feeds: a feed served by a local HTTPS server (its certificate
# verified against the CA feed_ca_file names) is fetched on its interval;
# the ETag goes back and a 304 publishes nothing; a changed feed publishes
# the next vulnsigs version and the detections follow; bytes that change
# but signatures that do not publish nothing, nor do the same bytes from a
# server without validators; a 503, a broken document and
# a server that is gone each keep the last good version, with the reason
# in the log and in GET /api/v1/feeds.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
DATA="$abs_top_srcdir/tests/data/vuln"
init_platform "$T/p"
FPORT=$(free_port)
mkdir -p "$T/www"
cp "$DATA/debian-tracker.json" "$T/www/feed.json"

# The feed server: GET /feed.json with a strong ETag (the content's
# SHA-256) and Last-Modified; If-None-Match gives 304; a file "fail" in
# the directory makes it answer 503. Each request is logged as "status
# if-none-match".
cat >"$T/server.py" <<'EOF'
import hashlib, http.server, os, ssl, sys, time
root, port, cert, key, log = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_GET(self):
        inm = self.headers.get("If-None-Match", "-")
        path = os.path.join(root, "feed.json")
        if os.path.exists(os.path.join(root, "fail")) or self.path != "/feed.json":
            status = 503 if self.path == "/feed.json" else 404
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            data = open(path, "rb").read()
            etag = '"%s"' % hashlib.sha256(data).hexdigest()[:32]
            noetag = os.path.exists(os.path.join(root, "noetag"))
            if inm == etag and not noetag:
                status = 304
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
            else:
                status = 200
                self.send_response(200)
                if not noetag:
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", self.date_time_string(os.stat(path).st_mtime))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
        with open(log, "a") as f:
            f.write("%d %s\n" % (status, inm))
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
EOF
start_server() {
	python3 "$T/server.py" "$T/www" "$FPORT" "$PDIR/server.pem" \
	    "$PDIR/server.key" "$T/requests.log" 2>"$T/server.err" &
	SERVER_PID=$!
	at_exit "kill $SERVER_PID 2>/dev/null"
	wait_for 10 curl -sS --cacert "$PDIR/ca.pem" -o /dev/null \
	    "https://localhost:$FPORT/feed.json" ||
	    fail "the feed server did not start: $(cat "$T/server.err")"
	: >"$T/requests.log"
}
start_server
cat >>"$PDIR/platform.conf" <<EOF
feed = debian debian-tracker https://localhost:$FPORT/feed.json 1s
feed_ca_file = $PDIR/ca.pem
EOF
"$PLATFORM" -n -c "$PDIR/platform.conf" >/dev/null || fail "feed lines refused"
run_platform

# feed_is FILTER: GET /api/v1/feeds's first feed satisfies FILTER.
feed_is() {
	admin_check /api/v1/feeds "$1"
}
# requests_with STATUS: how many requests the server answered STATUS.
requests_with() {
	grep -c "^$1 " "$T/requests.log"
}

# The first fetch publishes version 2, the next ones send the ETag back.
wait_for 20 feed_is '.vulnsigs_version == 2 and .feeds[0].last_outcome != null' ||
    fail "no first fetch: $(admin_get /api/v1/feeds)"
wait_for 20 sh -c "grep -q '^304 \"' '$T/requests.log'" ||
    fail "no conditional request: $(cat "$T/requests.log")"
assert_grep "$PDIR/log/platform.log" "feed debian: vulnsigs version 2 published from https://localhost:$FPORT/feed.json: 24 signatures from 10 records"
assert_grep "$PDIR/log/platform.log" "feed debian: https://localhost:$FPORT/feed.json not modified \\(304\\); vulnsigs version 2 stays in force"
feed_is '.feeds[0] | .name == "debian" and .format == "debian-tracker" and
    .signatures == 24 and .last_error == null and (.etag | length) > 10' ||
    fail "feed status: $(admin_get /api/v1/feeds)"
[ "$(requests_with 200)" = 1 ] || fail "fetched whole more than once: $(cat "$T/requests.log")"

# An agent on Debian 12 with sope below bookworm's fix.
activate web-01
expect 200 agent POST /agent/v1/inventory -d '{"type":"full","data":{"os":{"id":"debian","version_id":"12"},"packages":[{"name":"libsope1","version":"5.8.0-1+deb12u1","arch":"amd64","ecosystem":"deb","source":"sope","source_version":"5.8.0-1+deb12u1"}]}}'
expect 200 admin GET "/api/v1/agents/$AGENT_ID/vulnerabilities"
assert_json .count 0

# The feed changes (a later bookworm fix): version 3, and the host that
# was fixed is not any more.
sed 's/"5.8.0-1+deb12u1"/"5.8.0-1+deb12u2"/' "$DATA/debian-tracker.json" \
    >"$T/www/feed.new"
mv "$T/www/feed.new" "$T/www/feed.json"
wait_for 20 feed_is '.vulnsigs_version == 3' ||
    fail "the changed feed was not published: $(admin_get /api/v1/feeds)"
expect 200 admin GET "/api/v1/agents/$AGENT_ID/vulnerabilities"
assert_json .count 1
assert_json '.vulnerabilities[0].fixed_version' 5.8.0-1+deb12u2
assert_json .vulnsigs_version 3

# New bytes, the same signatures: fetched whole, nothing published.
n200=$(requests_with 200)
jq -c . "$T/www/feed.json" >"$T/www/feed.new" && mv "$T/www/feed.new" "$T/www/feed.json"
wait_for 20 sh -c "[ \$(grep -c '^200 ' '$T/requests.log') -gt $n200 ]" ||
    fail "the reformatted feed was not fetched"
wait_for 20 feed_is '.feeds[0].last_outcome == "unchanged"' ||
    fail "no unchanged outcome: $(admin_get /api/v1/feeds)"
assert_grep "$PDIR/log/platform.log" "feed debian: https://localhost:$FPORT/feed.json unchanged in content; vulnsigs version 3 stays in force"
feed_is '.vulnsigs_version == 3' || fail "a version was published for the same content"

# A server without validators sends the same bytes again: not imported.
n200=$(requests_with 200)
touch "$T/www/noetag"
wait_for 20 sh -c "[ \$(grep -c '^200 ' '$T/requests.log') -gt $((n200 + 1)) ]" ||
    fail "no unconditional fetches"
feed_is '.vulnsigs_version == 3 and .feeds[0].last_outcome == "unchanged"' ||
    fail "the same bytes: $(admin_get /api/v1/feeds)"
wait_for 10 grep -q "feed debian: https://localhost:$FPORT/feed.json sent the bytes of the last import again; vulnsigs version 3 stays in force" "$PDIR/log/platform.log" ||
    fail "the same bytes were imported again"
rm "$T/www/noetag"

# Failures keep version 3 and say why, in the log and the status.
touch "$T/www/fail"
wait_for 20 feed_is '.feeds[0].last_outcome == "failed"' ||
    fail "the 503 was not recorded: $(admin_get /api/v1/feeds)"
feed_is ".feeds[0].last_error == \"HTTP status 503 from https://localhost:$FPORT/feed.json\" and .vulnsigs_version == 3 and .feeds[0].last_success < .feeds[0].last_attempt" ||
    fail "failure status: $(admin_get /api/v1/feeds)"
assert_grep "$PDIR/log/platform.log" "feed debian: fetch of https://localhost:$FPORT/feed.json failed: HTTP status 503 from https://localhost:$FPORT/feed.json; the last good vulnsigs version \\(3\\) stays in force"
expect 200 admin GET "/api/v1/agents/$AGENT_ID/vulnerabilities"
assert_json .count 1

# A broken document: the import fails, nothing is published.
rm "$T/www/fail"
printf '{"sope": {"CVE-2025-53603": {"releases": {"bookworm": ' >"$T/www/feed.json"
wait_for 20 feed_is '.feeds[0].last_error != null and (.feeds[0].last_error | startswith("import: "))' ||
    fail "the broken feed was not refused: $(admin_get /api/v1/feeds)"
assert_grep "$PDIR/log/platform.log" "feed debian: fetch of .* failed: import: .*: the document ends inside its top-level value; the last good vulnsigs version \\(3\\) stays in force"
feed_is '.vulnsigs_version == 3' || fail "the broken feed changed the version"

# The server is gone: curl's reason.
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
wait_for 20 sh -c "grep -q 'feed debian: fetch of .* failed: .*[Cc]onnect.*stays in force' '$PDIR/log/platform.log'" ||
    fail "no connection failure logged: $(tail -n 5 "$PDIR/log/platform.log")"
feed_is '.vulnsigs_version == 3 and .feeds[0].last_outcome == "failed"' ||
    fail "status after the server went: $(admin_get /api/v1/feeds)"

# The platform answered all along and stops cleanly with a feed.
expect 200 admin GET /api/v1/settings
stop_platform
[ "$PLATFORM_RC" = 0 ] || fail "the platform exited $PLATFORM_RC"
exit 0
