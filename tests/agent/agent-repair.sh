#!/bin/sh
# S11: required directories removed under a running daemon are recreated
# by "outpostctl repair" (and at start), and the daemon keeps logging.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

write_agent_conf "$T/a"
CONF="$T/a/outpost.conf"
start_agent "$T/a"
assert_grep "$T/a/log/agent.log" "repaired required directory $T/a/state/spool at start: created"
for d in state state/spool state/manifests state/correlation/manifests; do
	[ "$(stat -c %a "$T/a/$d")" = 700 ] || fail "$d mode"
done

# An OS upgrade removes the directories.
rm -rf "$T/a/state" "$T/a/log"
"$OUTPOSTCTL" -c "$CONF" repair > "$T/repair.out" || fail "repair failed"
cat "$T/repair.out" >&2
assert_grep "$T/repair.out" "repaired $T/a/state: created"
assert_grep "$T/repair.out" "repaired $T/a/state/spool: created"
assert_grep "$T/repair.out" "repaired $T/a/state/manifests: created"
assert_grep "$T/repair.out" "repaired $T/a/log: created"
for d in state/spool state/manifests state/correlation/manifests log; do
	[ -d "$T/a/$d" ] || fail "$d not recreated"
done

# The daemon logs into the recreated directory.
"$OUTPOSTCTL" -c "$CONF" status >/dev/null
wait_for 10 grep -q "control: command status" "$T/a/log/agent.log" ||
    fail "no logging after repair"
assert_grep "$T/a/log/agent.log" "repaired required directory $T/a/log: created"

# A wrong mode is put right and reported.
chmod 0777 "$T/a/state/spool"
"$OUTPOSTCTL" -c "$CONF" repair --json 2>/dev/null && fail "repair takes no --json"
"$OUTPOSTCTL" -c "$CONF" repair > "$T/repair2.out"
assert_grep "$T/repair2.out" "spool: mode 0777 -> 0700"
[ "$(stat -c %a "$T/a/state/spool")" = 700 ] || fail "mode not fixed"
"$OUTPOSTCTL" -c "$CONF" repair > "$T/repair3.out"
assert_grep "$T/repair3.out" "all required directories in place"
[ "$(status_value .directories.repairs_total)" -ge 12 ] ||
    fail "repairs_total"
stop_agent
exit 0
