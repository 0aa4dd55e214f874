#!/bin/sh
# log-stall.sh: compressing a rotated 10 MiB file runs in slices from the
# event loop. logstress measures the longest gap of a 1 ms timer while the
# archive is made. The contract is 50 ms; on a loaded CI machine a gap can
# come from the scheduler, not the logger, so this test fails above
# 200 ms and only warns above 50 ms (bench/log-rotate.sh reports the
# strict figure).

. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

STRESS="$abs_top_builddir/tests/tools/logstress"
[ -x "$STRESS" ] || skip "tests/tools/logstress not built"
command -v gzip >/dev/null || skip "gzip not found"

"$STRESS" -d "$T" -S 10485760 stall >"$T/out" 2>"$T/err" ||
    fail "logstress stall failed: $(cat "$T/err")"
note "$(cat "$T/out")"
[ ! -s "$T/err" ] || fail "logstress: $(cat "$T/err")"
gap=$(sed -n 's/.*max_gap_ms=\([0-9.]*\).*/\1/p' "$T/out")
took=$(sed -n 's/.*compress_ms=\([0-9.]*\).*/\1/p' "$T/out")
lines=$(sed -n 's/^lines=\([0-9]*\).*/\1/p' "$T/out")
[ -n "$gap" ] && [ -n "$took" ] && [ -n "$lines" ] ||
    fail "unexpected output: $(cat "$T/out")"

# The compression took several slices, and the archive is complete.
set -- "$T"/agent-*.log.gz
[ $# -eq 1 ] && [ -f "$1" ] || fail "expected one archive, got: $*"
gzip -t "$1" || fail "$1 does not pass gzip -t"
size=$(gzip -dc "$1" | wc -c)
[ "$size" -ge 10485760 ] || fail "archive holds $size bytes, not 10 MiB"
[ "$(gzip -dc "$1" | wc -l)" -eq "$lines" ] || fail "archive misses lines"

if awk -v g="$gap" 'BEGIN { exit !(g > 200) }'; then
	fail "event loop stalled $gap ms while compressing (limit 200 ms here)"
fi
if awk -v g="$gap" 'BEGIN { exit !(g > 50) }'; then
	note "WARNING: longest stall $gap ms > 50 ms (machine loaded?)"
fi
note "compressed 10 MiB in $took ms, longest loop stall $gap ms"
exit 0
