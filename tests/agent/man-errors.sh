#!/bin/sh
# Every error code of the agent's table is documented in outpostd(8), and
# the man pages pass mandoc -Tlint with nothing worse than style notes.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

"$abs_top_builddir/tests/tools/errtable" > "$T/table" || fail "errtable"
[ "$(wc -l < "$T/table")" -ge 20 ] || fail "error table too short"
while read -r id name rest; do
	name=${name%:}
	grep -q "^\.It Sy $id Pq $name\$" "$abs_top_srcdir/man/outpostd.8" ||
	    fail "$id ($name) is not documented in outpostd(8) ERRORS"
done < "$T/table"
if command -v mandoc >/dev/null; then
	for m in "$abs_top_srcdir"/man/*.[0-9]; do
		# Apart: mandoc writes its messages to standard output in
		# blocks and its database warnings to standard error, which
		# would cut message lines when both go through one pipe.
		mandoc -Tlint "$m" > "$T/lint.out" 2> "$T/lint.err"
		cat "$T/lint.out" "$T/lint.err" | grep -v 'STYLE:' |
		    grep -v 'mandoc.db' > "$T/lint" || true
		[ ! -s "$T/lint" ] || fail "mandoc -Tlint $(basename "$m"): $(cat "$T/lint")"
	done
fi
exit 0
