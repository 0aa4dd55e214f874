#!/bin/sh
# log-rotate.sh: benchmark of the rotating logger (issue 2, item 10).
#
# Writes 200 MiB of agent-like log lines through the logger (max_size 10M,
# compression level 6, from a libevent loop), then the same lines with
# plain fprintf(3) to a file whose 10 MiB chunks are piped through gzip -6,
# and prints lines/s of both, their ratio (target >= 0.9) and the longest
# event-loop stall while a rotated file was being compressed (target
# <= 50 ms).
#
# usage: bench/log-rotate.sh [MiB]
# The build directory is $BUILDDIR, else ./build, else the one beside this
# script; bench/logbench is built there if needed. Temporary files go to
# $TMPDIR (default /tmp) and are removed at exit.

set -eu

mib=${1:-200}
top=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${BUILDDIR:-}" ]; then
	build=$BUILDDIR
elif [ -f ./build/Makefile ]; then
	build=./build
else
	build=$top/build
fi
[ -f "$build/Makefile" ] || {
	echo "log-rotate.sh: no configured build in $build (set BUILDDIR)" >&2
	exit 1
}
command -v gzip >/dev/null || {
	echo "log-rotate.sh: gzip not found" >&2
	exit 1
}

make -C "$build" -s bench/logbench >/dev/null
tmp=$(mktemp -d "${TMPDIR:-/tmp}/outpost-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

cpus=$(nproc 2>/dev/null || echo ?)
echo "# bench/log-rotate.sh: $mib MiB, max_size 10M, gzip level 6, $cpus CPUs"
"$build/bench/logbench" -d "$tmp" -m "$mib" -s 10485760 -z 6
n=0
for f in "$tmp"/agent-*.log.gz; do
	[ -f "$f" ] || continue
	gzip -t "$f" || { echo "log-rotate.sh: $f fails gzip -t" >&2; exit 1; }
	n=$((n + 1))
done
echo "logger archives:           $n, all pass gzip -t"
