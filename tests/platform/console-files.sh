#!/bin/sh
# The console's files as outpost-platform serves them (no browser needed):
# every file of console/ with its Content-Type, a strong ETag and 304, the
# security headers on every answer (200, 304, 404, 405, HEAD), nothing
# outside the files read (traversal however spelt, dot files, symbolic
# links, files added later), the APIs untouched, SIGHUP reading the files
# again, a console_dir that cannot be read leaving the console off; and
# the files themselves: no inline script or style, nothing from another
# origin, every module they import present and preloaded, every file
# installed by am/platform.am, the error hints of
# console/js/errors.js the agent's own table (tests/tools/errtable).
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

SRC="$abs_top_srcdir/console"
CSP="default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"

# get PATH [curl args...]: GET the path as is; headers in $T/h, body in $OUT;
# prints the status.
get() {
	_gp=$1
	shift
	rm -f "$OUT"
	curl -sS --path-as-is --cacert "$PDIR/ca.pem" -D "$T/h" -o "$OUT" \
	    -w '%{http_code}' "$@" "$URL$_gp"
}

# header NAME: the value of header NAME of the last answer.
header() {
	tr -d '\r' <"$T/h" | sed -n "s/^$1: //Ip" | head -n 1
}

# secure: the last answer carries every security header.
secure() {
	[ "$(header Content-Security-Policy)" = "$CSP" ] ||
	    fail "CSP of the last answer: $(header Content-Security-Policy)"
	[ "$(header X-Content-Type-Options)" = nosniff ] || fail "no nosniff"
	[ "$(header Referrer-Policy)" = same-origin ] || fail "Referrer-Policy"
	[ "$(header X-Frame-Options)" = DENY ] || fail "X-Frame-Options"
}

# present FILE REF WHAT: REF, a path relative to FILE, is a file.
present() {
	[ -f "$(dirname "$1")/$2" ] || fail "$1 $3 $2, which is missing"
}

# The files themselves.
cd "$SRC" || fail "no console in $SRC"
FILES=$(find . -type f ! -name '.*' | sed 's|^\./||' | sort)
[ -n "$FILES" ] || fail "no console files"
for f in $(echo "$FILES" | grep '\.html$'); do
	# Scripts come from files; no style element or attribute, no handler.
	grep -Eqi '<script([^>]*[^>c]|)>[^<]' "$f" && fail "$f: inline script"
	grep -Eq '<script' "$f" && ! grep -Eq '<script type="module" src="[^"]+"></script>' "$f" &&
	    fail "$f: a script without src"
	grep -Eqi '<style|[[:space:]]style=|[[:space:]]on[a-z]+=' "$f" &&
	    fail "$f: inline style or event handler"
	grep -Eqi '(src|href)="(https?:)?//' "$f" && fail "$f: another origin"
	for r in $(sed -n 's/.*\(src\|href\)="\([^"#][^"]*\)".*/\2/p' "$f"); do
		present "$f" "$r" "refers to"
	done
done
# Every file is installed (am/platform.am lists it).
for f in $FILES; do
	grep -q "console/$f\b" "$abs_top_srcdir/am/platform.am" ||
	    fail "am/platform.am does not install console/$f"
done
# Every module is preloaded with the page, so none waits for another.
for m in $(echo "$FILES" | grep '^js/.*\.js$'); do
	grep -q "<link rel=\"modulepreload\" href=\"$m\">" index.html ||
	    fail "index.html does not preload $m"
done
for f in $(echo "$FILES" | grep '\.js$'); do
	grep -Eq 'innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|setAttribute\("style"|\.style\.' "$f" &&
	    fail "$f: builds markup or style from strings"
	grep -Eq '(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/' "$f" && fail "$f: another origin"
	# Every module imported is a file of the console.
	for m in $(sed -n 's/^import .* from "\(\.[^"]*\)";$/\1/p; s/^} from "\(\.[^"]*\)";$/\1/p' "$f"); do
		present "$f" "$m" imports
	done
done
cd - >/dev/null || exit 1

# errors.js holds the agent's table, word for word.
"$abs_top_builddir/tests/tools/errtable" |
    python3 "$abs_top_srcdir/tests/tools/console-errors.py" >"$T/errors.want" ||
    fail "errtable"
sed -n '/^\/\/ errors table: made by/,/^\/\/ end of errors table/p' \
    "$SRC/js/errors.js" | sed '1d;$d' >"$T/errors.have"
diff -u "$T/errors.want" "$T/errors.have" >&2 ||
    fail "console/js/errors.js differs from the agent's error table; run tests/tools/console-errors.py"

start_platform "$T/p"
# Every file, as served.
for f in $FILES; do
	expect 200 get "/$f"
	secure
	cmp -s "$OUT" "$SRC/$f" || fail "/$f is not the file"
	case "$f" in
	*.html) want="text/html; charset=utf-8" ;;
	*.css) want="text/css; charset=utf-8" ;;
	*.js) want="text/javascript; charset=utf-8" ;;
	*.svg) want="image/svg+xml" ;;
	*) want=unknown ;;
	esac
	[ "$(header Content-Type)" = "$want" ] ||
	    fail "/$f: Content-Type $(header Content-Type), expected $want"
	[ "$(header Cache-Control)" = no-cache ] || fail "/$f: Cache-Control"
	etag=$(header ETag)
	echo "$etag" | grep -Eq '^"[0-9a-f]{16}"$' || fail "/$f: ETag $etag"
	expect 304 get "/$f" -H "If-None-Match: $etag"
	secure
	[ "$(header ETag)" = "$etag" ] || fail "/$f: 304 without its ETag"
	[ -s "$OUT" ] && fail "/$f: 304 with a body"
done
expect 200 get /
cmp -s "$OUT" "$SRC/index.html" || fail "/ is not index.html"
# HEAD: the headers and length, no body.
curl -sS --cacert "$PDIR/ca.pem" -I -o "$T/h" "$URL/js/app.js" ||
    fail "HEAD /js/app.js"
secure
[ "$(header Content-Length)" = "$(wc -c <"$SRC/js/app.js" | tr -d ' ')" ] ||
    fail "HEAD: Content-Length $(header Content-Length)"

# Nothing else, however the path is spelt.
for p in /../platform.conf /js/../../p/platform.conf /%2e%2e/platform.conf \
    /js/%2e%2e/index.html //index.html /./index.html /.git/config \
    /index.html/ /nothing.html /platform.db "/js/app.js%00" /js; do
	expect 404 get "$p"
	secure
	[ "$(header Content-Type)" = "text/plain; charset=utf-8" ] ||
	    fail "$p: $(header Content-Type)"
done
for m in POST PUT DELETE PATCH; do
	expect 405 get /index.html -X "$m" -d x
	secure
	[ "$(header Allow)" = "GET, HEAD" ] || fail "$m: Allow $(header Allow)"
done
# The APIs are theirs: JSON, no console headers needed.
expect 404 get /api/v1/nothing
assert_json .error not_found
expect 401 get /api/v1/agents

# A console of our own: links, dot files and later files are not served;
# SIGHUP reads it again.
mkdir -p "$T/c/js"
cp "$SRC/index.html" "$T/c/"
echo 'export const v = 1;' >"$T/c/js/app.js"
echo secret >"$T/c/.env.js"
ln -s "$PDIR/admin.token" "$T/c/token.js"
ln -s "$PDIR" "$T/c/platform"
stop_platform
sed -i "s|^console_dir = .*|console_dir = $T/c|" "$PDIR/platform.conf"
run_platform
expect 200 get /js/app.js
for p in /.env.js /token.js /platform/admin.token /platform/ca.pem; do
	expect 404 get "$p"
done
echo 'export const v = 2;' >"$T/c/js/app.js"
echo 'body {}' >"$T/c/late.css"
expect 200 get /js/app.js
grep -q 'v = 1' "$OUT" || fail "the console changed before SIGHUP"
expect 404 get /late.css
kill -HUP "$PLATFORM_PID"
wait_for 10 sh -c "curl -sS --cacert '$PDIR/ca.pem' '$URL/js/app.js' | grep -q 'v = 2'" ||
    fail "SIGHUP did not read the console again"
expect 200 get /late.css
assert_grep "$PDIR/log/platform.log" "console: 3 files .* from $T/c"

# An unreadable console_dir on reload keeps the files read before.
sed -i "s|^console_dir = .*|console_dir = $T/none|" "$PDIR/platform.conf"
kill -HUP "$PLATFORM_PID"
wait_for 10 grep -q "console: $T/none: No such file or directory; keeping the files read before" \
    "$PDIR/log/platform.log" || fail "no warning for a missing console_dir"
expect 200 get /late.css
# At start, it leaves the console off (404 saying why); the APIs serve.
stop_platform
run_platform
expect 404 get /
secure
grep -q console_dir "$OUT" || fail "the 404 does not say why: $(cat "$OUT")"
assert_grep "$PDIR/log/platform.log" "console: $T/none: No such file or directory; the console is off"
"$PLATFORM" -n -c "$PDIR/platform.conf" >"$T/n.out" 2>&1 ||
    fail "outpost-platform -n fails without a console: $(cat "$T/n.out")"
grep -q "the console is off" "$T/n.out" || fail "-n does not warn: $(cat "$T/n.out")"
# Empty: off on purpose.
sed -i "s|^console_dir = .*|console_dir =|" "$PDIR/platform.conf"
stop_platform
run_platform
expect 404 get /index.html
assert_grep "$PDIR/log/platform.log" "console: off \\(console_dir is empty\\)"
exit 0
