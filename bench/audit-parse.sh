#!/bin/sh
# bench/audit-parse.sh [BUILDDIR]: the agent's audit record parser and
# assembler (src/agent/fim-record.c, fim-assemble.c, fim-change.c) against
# libauparse.
#
# bench/audit-sample.log is a real capture: a private auditd (log_format
# RAW) while a watch rule (-p wa -k outpost-fim) covered a directory in
# which touch, echo >, >>, chmod, chown, mv, cp, ln, ln -s, truncate,
# mkdir, rmdir, sed -i, rm and *at() calls from python3 ran; auditd's own
# DAEMON_* lines were left out and the EOE record the kernel sends at the
# end of each event (auditd does not log it) was put back. The script
# repeats the sample with renumbered serials and shifted times up to
# $RECORDS (default 1,000,000) records and times both sides on it, $RUNS
# (default 3) runs each, keeping the best (process CPU time):
#
#   ours     bench/audit-parse-ours: each record as netlink hands it to the
#            agent (type number and text), through fim_asm_add(), each
#            event through fim_syscall_decode() and fim_changes();
#   auparse  bench/audit-parse-ref: the log lines through
#            auparse_feed() (AUSOURCE_FEED, 64 KiB pieces), each event's
#            every field visited (name and value).
#
# Both must count the same number of events. Prints records/s for both
# and the ratio ours/auparse (target >= 5). Needs libauparse-dev at
# configure time (bench/audit-parse-ref is built only then).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
builddir=${1:-${abs_top_builddir:-$here/../build}}
RECORDS=${RECORDS:-1000000}
RUNS=${RUNS:-3}
sample=$here/audit-sample.log

make -C "$builddir" -s bench/audit-parse-ours >/dev/null
make -C "$builddir" -s bench/audit-parse-ref >/dev/null 2>&1 || {
	echo "audit-parse.sh: bench/audit-parse-ref not built:" \
	    "install libauparse-dev and run configure again" >&2
	exit 77
}
T=$(mktemp -d /tmp/outpost-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

# The corpus: copy k of the sample gets serials shifted by k times the
# sample's serial span and times by k times its duration (+1 s).
awk -v want="$RECORDS" '
{
	line[NR] = $0
	match($0, /msg=audit\([0-9]+\.[0-9]+:[0-9]+\)/)
	s = substr($0, RSTART + 10, RLENGTH - 11)
	split(s, a, /[.:]/)
	sec[NR] = a[1]; ms[NR] = a[2]; ser[NR] = a[3]
	pre[NR] = substr($0, 1, RSTART + 9)
	post[NR] = substr($0, RSTART + RLENGTH - 1)
	if (NR == 1 || ser[NR] < smin) smin = ser[NR]
	if (NR == 1 || ser[NR] > smax) smax = ser[NR]
	if (NR == 1 || sec[NR] < tmin) tmin = sec[NR]
	if (NR == 1 || sec[NR] > tmax) tmax = sec[NR]
}
END {
	n = 0
	# Whole copies only: every event keeps its EOE.
	for (k = 0; n < want; k++) {
		for (i = 1; i <= NR; i++) {
			printf "%s%d.%s:%d%s\n", pre[i],
			    sec[i] + k * (tmax - tmin + 1), ms[i],
			    ser[i] - smin + 1 + k * (smax - smin + 1), post[i]
			n++
		}
	}
}' "$sample" > "$T/corpus.log"
records=$(wc -l < "$T/corpus.log")
events=$(grep -c '^type=EOE ' "$T/corpus.log")
echo "# bench/audit-parse.sh: $records records, $events events" \
    "($(du -m "$T/corpus.log" | cut -f1) MiB), best of $RUNS runs," \
    "$(nproc) CPUs"

"$builddir/bench/audit-parse-ours" -r "$RUNS" "$T/corpus.log" > "$T/ours"
"$builddir/bench/audit-parse-ref" -r "$RUNS" "$T/corpus.log" > "$T/ref"

# best FILE: the fastest run's line (least CPU time).
best() {
	awk '{ for (i = 1; i < NF; i += 2) v[$i] = $(i + 1) }
	    NR == 1 || v["cpu_s"] < b { b = v["cpu_s"]; line = $0 }
	    END { print line }' "$1"
}
field() {
	echo "$1" | awk -v f="$2" '{ for (i = 1; i < NF; i += 2)
	    if ($i == f) print $(i + 1) }'
}
o=$(best "$T/ours")
r=$(best "$T/ref")
o_ev=$(field "$o" events)
r_ev=$(field "$r" events)
if [ "$o_ev" != "$events" ] || [ "$r_ev" != "$events" ]; then
	echo "audit-parse.sh: event counts differ: corpus $events," \
	    "ours $o_ev, auparse $r_ev" >&2
	exit 1
fi
o_cpu=$(field "$o" cpu_s)
r_cpu=$(field "$r" cpu_s)
o_rate=$(echo "$records / $o_cpu" | bc)
r_rate=$(echo "$records / $r_cpu" | bc)
ratio=$(echo "scale=2; $r_cpu / $o_cpu" | bc)
printf '%-9s %10d records/s  %7.3f s CPU (%.3f s wall)  %d events, %d file changes\n' \
    ours "$o_rate" "$o_cpu" "$(field "$o" wall_s)" "$o_ev" "$(field "$o" changes)"
printf '%-9s %10d records/s  %7.3f s CPU (%.3f s wall)  %d events, %d fields\n' \
    auparse "$r_rate" "$r_cpu" "$(field "$r" wall_s)" "$r_ev" "$(field "$r" fields)"
verdict=ok
[ "$(echo "$ratio >= 5" | bc)" = 1 ] || verdict="below target"
echo "ratio ours/auparse: ${ratio}x (target >= 5x: $verdict)"
