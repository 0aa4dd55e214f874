#!/bin/sh
# agent.log rotation under load: archive names, gzip -t, retention, and
# every line exactly once across archives and the current file.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

SOCK="$T/a/run/outpostd.sock"
NAME_RE='^agent-[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}\.[0-9]{3}(-[0-9]+)?\.log\.gz$'

# Part 1: retention. 64K files, 5 archives kept, far more written.
write_agent_conf "$T/a" "log_max_size = 64K" "log_rotations = 5"
start_agent "$T/a"
ctl_flood "$SOCK" 6000
"$OUTPOSTCTL" -c "$T/a/outpost.conf" rotate-logs > "$T/rot.out" || fail "rotate-logs"
stop_agent
n=0
for f in "$T"/a/log/*; do
	b=$(basename "$f")
	case "$b" in
	agent.log|agentid.log|agentid-*) continue ;;	# agentid: its own test
	esac
	echo "$b" | grep -Eq "$NAME_RE" || fail "unexpected file in log dir: $b"
	gzip -t "$f" || fail "$b fails gzip -t"
	n=$((n + 1))
done
[ "$n" -ge 1 ] && [ "$n" -le 5 ] || fail "$n archives (want 1..5)"
[ "$(stat -c %s "$T/a/log/agent.log")" -le 65536 ] || fail "agent.log over 64K"

# Part 2: nothing lost or duplicated (keep every archive).
write_agent_conf "$T/b" "log_max_size = 64K" "log_rotations = 100"
start_agent "$T/b"
ctl_flood "$T/b/run/outpostd.sock" 6000
stop_agent
archives=$(ls "$T/b/log" | grep -E "$NAME_RE" | sort)
[ "$(echo "$archives" | wc -l)" -ge 5 ] || fail "expected several rotations"
{
	for a in $archives; do gzip -dc "$T/b/log/$a"; done
	cat "$T/b/log/agent.log"
} > "$T/all.log"
grep -o 'command status (request [0-9]*)' "$T/all.log" |
    sed 's/.*request \([0-9]*\))/\1/' > "$T/seq"
# Every request is numbered by the daemon: the numbers must run without a
# gap or a repeat from the first to the last (start_agent's own status
# probes come first).
[ "$(wc -l < "$T/seq")" -ge 6000 ] || fail "$(wc -l < "$T/seq") request lines, want >= 6000"
seq "$(head -n 1 "$T/seq")" "$(tail -n 1 "$T/seq")" | cmp -s - "$T/seq" ||
    fail "request lines out of order, lost or duplicated"
[ "$(head -n 1 "$T/seq")" -eq 1 ] || fail "first request line lost"
exit 0
