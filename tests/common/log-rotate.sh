#!/bin/sh
# log-rotate.sh: size rotation under load from an event loop. The log
# directory holds agent.log plus at most `rotations` archives named
# agent-YYYY-MM-DDTHH-MM-SS.mmm.log.gz, each passing gzip -t; with a
# retention that keeps everything, archives (by name) + agent.log give
# every numbered line exactly once, in order. A rotated file left by a
# crash is compressed at the next start.

. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

STRESS="$abs_top_builddir/tests/tools/logstress"
[ -x "$STRESS" ] || skip "tests/tools/logstress not built"
command -v gzip >/dev/null || skip "gzip not found"

D2='[0-9]{2}'
ARCHIVE_RE="^agent-[0-9]{4}-$D2-${D2}T$D2-$D2-$D2\\.[0-9]{3}\\.log\\.gz\$"
LINES=200000
MAX=65536

# check_dir DIR MAXARCHIVES: only agent.log and well-named, valid archives,
# each no bigger than MAX uncompressed. Prints the archive count.
check_dir() {
	_n=0
	for _f in $(ls -A "$1"); do
		[ "$_f" = agent.log ] && continue
		echo "$_f" | grep -Eq "$ARCHIVE_RE" ||
		    fail "unexpected file in log directory: $_f"
		gzip -t "$1/$_f" || fail "$_f does not pass gzip -t"
		_size=$(gzip -dc "$1/$_f" | wc -c)
		[ "$_size" -le "$MAX" ] || fail "$_f holds $_size bytes > $MAX"
		_n=$((_n + 1))
	done
	[ "$_n" -le "$2" ] || fail "$_n archives, at most $2 expected"
	echo "$_n"
}

# all_lines DIR: archives oldest first, then agent.log, on stdout.
all_lines() {
	for _f in $(ls "$1" | grep -E "$ARCHIVE_RE" | LC_ALL=C sort); do
		gzip -dc "$1/$_f"
	done
	cat "$1/agent.log"
}

# check_seq FILE FIRST LAST: the seq= numbers of FILE are FIRST..LAST, each
# once, in order.
check_seq() {
	grep -o 'seq=[0-9]*' "$1" | cut -d= -f2 |
	    awk -v first="$2" -v last="$3" '
		BEGIN { want = first }
		$1 + 0 != want {
			printf "seq %d where %d expected\n", $1, want
			bad = 1
			exit 1
		}
		{ want++ }
		END {
			if (!bad && want != last + 1) {
				printf "ended at %d, %d expected\n", want - 1, last
				exit 1
			}
		}' ||
	    fail "numbered lines in $1 are not $2..$3 exactly once in order"
}

# 1. Retention large enough to keep every archive: nothing lost or doubled.
mkdir "$T/all"
"$STRESS" -d "$T/all" -s $MAX -r 100000 -l $LINES load >"$T/all.out" ||
    fail "logstress load failed"
note "$(cat "$T/all.out")"
n=$(check_dir "$T/all" 100000) || exit 1
[ "$n" -ge 100 ] || fail "only $n rotations for $LINES lines at $MAX bytes"
note "$n archives"
all_lines "$T/all" >"$T/all.txt"
check_seq "$T/all.txt" 0 $((LINES - 1))
# Every line is whole: prefix, level, message.
LINE_RE="^[0-9]{4}-$D2-${D2}T$D2:$D2:$D2\\.[0-9]{3}Z logstress\\[[0-9]+\\] (debug|info): "
bad=$(grep -Evc "$LINE_RE" "$T/all.txt")
[ "$bad" -eq 0 ] || fail "$bad malformed lines"
assert_grep "$T/all.txt" 'info: chatter: heartbeat'

# 2. Five rotations kept: exactly the five newest, contiguous up to the end.
mkdir "$T/five"
"$STRESS" -d "$T/five" -s $MAX -r 5 -l $LINES load >"$T/five.out" ||
    fail "logstress load failed"
n=$(check_dir "$T/five" 5) || exit 1
[ "$n" -eq 5 ] || fail "$n archives kept, 5 expected"
all_lines "$T/five" >"$T/five.txt"
first=$(grep -o 'seq=[0-9]*' "$T/five.txt" | head -n 1 | cut -d= -f2)
check_seq "$T/five.txt" "$(expr "$first" + 0)" $((LINES - 1))

# 3. A rotated file left by a crash and a half-written archive: at the next
# start the first is compressed under its name, the second removed.
mkdir "$T/crash"
stamp=2020-01-02T03-04-05.678
printf 'left over line %s\n' 1 2 3 >"$T/crash/.agent-$stamp.log.rotating"
echo garbage >"$T/crash/.agent-$stamp.log.gz.tmp"
"$STRESS" -d "$T/crash" -s $MAX -r 100 -l 1000 load >/dev/null ||
    fail "logstress load failed"
n=$(check_dir "$T/crash" 100) || exit 1
[ -f "$T/crash/agent-$stamp.log.gz" ] ||
    fail "left-over rotated file not compressed"
[ "$(gzip -dc "$T/crash/agent-$stamp.log.gz" | wc -l)" -eq 3 ] ||
    fail "left-over archive does not hold its 3 lines"

exit 0
