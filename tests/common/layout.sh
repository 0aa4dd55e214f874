#!/bin/sh
# The layout keeps what a newcomer is promised: README's map of src/ is
# the one tests/tools/layout-map.py makes from the files' design comments
# (every file listed with its role), no source file passes 1,500 lines,
# src/common includes nothing from the program folders, the platform no
# agent header, and no comment points at an issue number.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
src="$abs_top_srcdir/src"

python3 "$abs_top_srcdir/tests/tools/layout-map.py" --check \
    "$abs_top_srcdir/README.md" "$src" || fail "README's layout map"

for f in "$src"/*/*.c; do
	n=$(wc -l < "$f")
	[ "$n" -le 1500 ] || fail "${f#$abs_top_srcdir/}: $n lines (at most 1,500)"
done

# Headers a folder may include: its own, src/common's, config.h and the
# system's (<...>).
headers_of() {
	for h in "$src/$1"/*.h; do basename "$h"; done
}
check_includes() {
	folder=$1
	shift
	allowed=$(for d in "$folder" common "$@"; do headers_of "$d"; done)
	for f in "$src/$folder"/*.[ch]; do
		grep -o '^#include "[^"]*"' "$f" | sed 's/^#include "\(.*\)"/\1/' |
		while read -r inc; do
			[ "$inc" = config.h ] && continue
			echo "$allowed" | grep -qx "$inc" ||
			    echo "${f#$abs_top_srcdir/}: includes $inc"
		done
	done
}
bad=$(check_includes common; check_includes platform; check_includes scan;
    check_includes agent)
[ -z "$bad" ] || fail "includes across folders:
$bad"

if grep -rnE '[Ii]ssue [0-9]' "$src" "$abs_top_srcdir/am" >&2; then
	fail "comments point at issue numbers"
fi
exit 0
