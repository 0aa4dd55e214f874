#!/bin/sh
# Run one libFuzzer target over its seed corpus and for a short while
# beyond it: FUZZ_TARGET=name (built with --enable-fuzzing CC=clang).
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

target=${FUZZ_TARGET:-$(basename "$0" .sh | sed 's/^fuzz-//')}
bin="$abs_top_builddir/tests/fuzz/fuzz_$target"
[ -x "$bin" ] || skip "fuzz_$target not built (configure --enable-fuzzing CC=clang)"
mkdir -p "$T/corpus"
seeds="$abs_top_srcdir/tests/fuzz/corpus/$target"
[ -d "$seeds" ] && cp "$seeds"/* "$T/corpus/" 2>/dev/null
"$bin" -max_total_time="${FUZZ_SECONDS:-20}" -max_len=65536 \
    -rss_limit_mb=1024 -print_final_stats=1 "$T/corpus" > "$T/fuzz.out" 2>&1
rc=$?
tail -n 25 "$T/fuzz.out" >&2
[ "$rc" -eq 0 ] || fail "fuzz_$target found a problem (exit $rc)"
exit 0
