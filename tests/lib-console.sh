# tests/lib-console.sh: helpers for the console's browser tests
# (tests/platform/console-*.sh): headless Chromium driven by
# tests/tools/console-browser.py through python3-selenium. Source after
# tests/lib.sh and tests/lib-platform.sh. A test skips, saying why, where
# Debian's chromium, chromium-driver or python3-selenium are absent.

# Debian's python3, with Debian's selenium (not a python earlier on PATH).
CONSOLE_PYTHON=/usr/bin/python3
[ -x "$CONSOLE_PYTHON" ] || skip "no /usr/bin/python3"
"$CONSOLE_PYTHON" -c 'import selenium' 2>/dev/null ||
    skip "python3-selenium is not installed (apt-get install python3-selenium)"
[ -x /usr/lib/chromium/chromium ] || command -v chromium >/dev/null 2>&1 ||
    skip "chromium is not installed (apt-get install chromium)"
command -v chromedriver >/dev/null 2>&1 ||
    skip "chromedriver is not installed (apt-get install chromium-driver)"

# Where a failing test leaves its screenshots: beside its log in the build
# tree ($T is removed at exit).
CONSOLE_ARTIFACTS="$abs_top_builddir/tests/platform/$(basename "$0" .sh).artifacts"
rm -rf "$CONSOLE_ARTIFACTS"

# console_browser SCENARIO USER PASSWORD [OPTIONS...]: run a scenario of
# console-browser.py against the platform of PDIR; fails the test when it
# fails, skips when it skips.
console_browser() {
	_scenario=$1
	_user=$2
	_password=$3
	shift 3
	mkdir -p "$T/browser-$_scenario"
	"$CONSOLE_PYTHON" "$abs_top_srcdir/tests/tools/console-browser.py" \
	    "$_scenario" --url "$URL" --ca "$PDIR/ca.pem" \
	    --workdir "$T/browser-$_scenario" \
	    --artifacts "$CONSOLE_ARTIFACTS" \
	    --user "$_user" --password "$_password" "$@"
	_rc=$?
	[ "$_rc" -eq 77 ] && exit 77
	[ "$_rc" -eq 0 ] || fail "console $_scenario scenario failed (screenshots: $CONSOLE_ARTIFACTS)"
}
