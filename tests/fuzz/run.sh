#!/bin/sh
# tests/fuzz/run.sh: the one wrapper of the libFuzzer smoke tests. The
# automake harness runs it on tests/fuzz/NAME.fuzz: the target is
# tests/fuzz/fuzz_NAME (built with --enable-fuzzing CC=clang), its seed
# corpus tests/fuzz/corpus/NAME, and the .fuzz file's lines that are not
# comments are extra libFuzzer flags (a dictionary, a longer input). It
# runs the seeds and then fuzzes for FUZZ_SECONDS (default 20).
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

spec=${1:?usage: run.sh tests/fuzz/NAME.fuzz}
[ -f "$spec" ] || spec="$abs_top_srcdir/$spec"
[ -f "$spec" ] || fail "no fuzz spec $1"
name=$(basename "$spec" .fuzz)
bin="$abs_top_builddir/tests/fuzz/fuzz_$name"
[ -x "$bin" ] || skip "fuzz_$name not built (configure --enable-fuzzing CC=clang)"
mkdir -p "$T/corpus"
seeds="$abs_top_srcdir/tests/fuzz/corpus/$name"
[ -d "$seeds" ] && cp "$seeds"/* "$T/corpus/" 2>/dev/null
# The spec's flags, with @srcdir@ standing for the source tree.
flags=$(grep -v '^[[:space:]]*#' "$spec" | sed "s|@srcdir@|$abs_top_srcdir|g")
# shellcheck disable=SC2086
"$bin" -max_total_time="${FUZZ_SECONDS:-20}" -max_len=65536 \
    -rss_limit_mb=1024 -print_final_stats=1 $flags "$T/corpus" \
    > "$T/fuzz.out" 2>&1
rc=$?
tail -n 25 "$T/fuzz.out" >&2
[ "$rc" -eq 0 ] || fail "fuzz_$name found a problem (exit $rc)"
exit 0
