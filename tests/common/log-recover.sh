#!/bin/sh
# log-recover.sh: the log directory removed under a running program, then
# recreated: the logger says so once on stderr, reports the error in its
# status, holds the lines meanwhile and writes them to a new agent.log
# after log_retry_failed() (SIGUSR1 to logstress) or on its own retry
# timer. A disk that is full (agent.log a link to /dev/full) is handled the
# same way, and an agent.log renamed under the program is started anew.

. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

STRESS="$abs_top_builddir/tests/tools/logstress"
[ -x "$STRESS" ] || skip "tests/tools/logstress not built"

LOG="$T/log"
STATUS="$T/status.json"

# start_stress: run logstress trickle on $LOG in the background.
start_stress() {
	rm -f "$STATUS"
	"$STRESS" -d "$LOG" -i 2 -j "$STATUS" trickle >"$T/out" 2>"$T/err" &
	STRESS_PID=$!
	at_exit "kill $STRESS_PID 2>/dev/null"
	wait_for 10 test -s "$STATUS" || fail "logstress did not start"
}

# stop_stress: SIGTERM logstress, wait, set LAST to how many lines it wrote.
stop_stress() {
	kill -TERM "$STRESS_PID"
	wait "$STRESS_PID" || fail "logstress exited with $?"
	LAST=$(sed -n 's/^lines=\([0-9]*\).*/\1/p' "$T/out")
	[ -n "$LAST" ] || fail "no line count from logstress"
}

# status_has ERE: ask for the status and check it matches.
status_has() {
	rm -f "$STATUS"
	kill -USR2 "$STRESS_PID"
	wait_for 5 test -s "$STATUS" || return 1
	grep -Eq -- "$1" "$STATUS"
}

# lines_in FILE: how many numbered lines FILE holds.
lines_in() {
	grep -c 'seq=' "$1" 2>/dev/null || echo 0
}

# more_lines FILE N: FILE holds more than N numbered lines.
more_lines() {
	[ "$(lines_in "$1")" -gt "$2" ]
}

# check_seq FILE LAST: the numbers of FILE run without gap or repeat from
# its first one to LAST.
check_seq() {
	grep -o 'seq=[0-9]*' "$1" | cut -d= -f2 | awk -v last="$2" '
		NR == 1 { want = $1 + 0 }
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
	    fail "numbered lines of $1 have a gap or a repeat"
}

# 1. Directory removed, recreated, log_retry_failed().
mkdir "$LOG"
start_stress
wait_for 5 more_lines "$LOG/agent.log" 50 || fail "no lines written"
rm -rf "$LOG"
wait_for 10 status_has '"error":"No such file or directory"' ||
    fail "status does not report the missing directory: $(cat "$STATUS")"
grep -q '"held_lines":[1-9]' "$STATUS" || fail "no lines held: $(cat "$STATUS")"
sleep 1
mkdir "$LOG"
kill -USR1 "$STRESS_PID"
wait_for 5 test -f "$LOG/agent.log" || fail "agent.log not recreated"
wait_for 5 status_has '"error":null' || fail "error not cleared: $(cat "$STATUS")"
n=$(lines_in "$LOG/agent.log")
wait_for 5 more_lines "$LOG/agent.log" "$n" || fail "logging did not resume"
assert_grep "$LOG/agent.log" 'log: .*/agent.log could not be written from .*No such file or directory.*[1-9][0-9]* lines kept, 0 dropped'

# 2. Again, but recovery from the retry timer alone.
rm -rf "$LOG"
wait_for 10 status_has '"error":"No such file' || fail "second failure not seen"
mkdir "$LOG"
wait_for 10 status_has '"error":null' || fail "retry timer did not recover"
stop_stress
check_seq "$LOG/agent.log" $((LAST - 1))
[ "$(grep -c 'cannot write .*agent.log: No such file or directory' "$T/err")" -eq 2 ] ||
    fail "expected one stderr notice per failure: $(cat "$T/err")"
[ "$(grep -c 'writing .*agent.log again' "$T/err")" -eq 2 ] ||
    fail "expected one stderr notice per recovery: $(cat "$T/err")"

# 3. Disk full from the start: every line held, then written in order.
if [ -c /dev/full ]; then
	rm -rf "$LOG"
	mkdir "$LOG"
	ln -s /dev/full "$LOG/agent.log"
	start_stress
	wait_for 10 status_has '"error":"No space left on device"' ||
	    fail "status does not report the full disk: $(cat "$STATUS")"
	rm "$LOG/agent.log"
	kill -USR1 "$STRESS_PID"
	wait_for 5 status_has '"error":null' || fail "not recovered from ENOSPC"
	stop_stress
	check_seq "$LOG/agent.log" $((LAST - 1))
	assert_grep "$LOG/agent.log" 'seq=00000000'
	assert_grep "$LOG/agent.log" 'No space left on device.*lines kept, 0 dropped'
else
	note "no /dev/full: disk-full case not run"
fi

# 4. agent.log renamed under the program (an outside logrotate): a new
# agent.log is started; the old and the new file hold every line once.
rm -rf "$LOG"
mkdir "$LOG"
start_stress
wait_for 5 more_lines "$LOG/agent.log" 50 || fail "no lines written"
mv "$LOG/agent.log" "$LOG/agent.log.1"
wait_for 10 test -s "$LOG/agent.log" || fail "no new agent.log after rename"
n=$(lines_in "$LOG/agent.log")
wait_for 5 more_lines "$LOG/agent.log" "$n" || fail "new agent.log not written"
stop_stress
cat "$LOG/agent.log.1" "$LOG/agent.log" >"$T/both.log"
assert_grep "$T/both.log" 'seq=00000000'
check_seq "$T/both.log" $((LAST - 1))
exit 0
