#!/bin/sh
# outpostd -n: every mistake of a configuration file reported with its line.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

cat > "$T/bad.conf" <<CONF
# three mistakes
log_level = chatty
log_max_size = 10Q

nonsense_key = yes
log_rotations = 5
CONF
"$OUTPOSTD" -n -c "$T/bad.conf" > "$T/out" 2>&1 && fail "-n accepted a bad file"
cat "$T/out" >&2
assert_grep "$T/out" "bad.conf:2: log_level: \"chatty\" is not one of"
assert_grep "$T/out" "bad.conf:3: log_max_size: \"10Q\" is not a size"
assert_grep "$T/out" "bad.conf:5: unknown key \"nonsense_key\""
assert_grep "$T/out" "3 errors"

write_agent_conf "$T/good" "log_max_size = 512K" "log_rotations = 3" \
    "platform_url = https://127.0.0.1:8443"
assert_ok "$OUTPOSTD" -n -c "$T/good/outpost.conf"
"$OUTPOSTD" -n -c "$T/nonexistent.conf" 2>"$T/out2" && fail "missing file accepted"
assert_grep "$T/out2" "nonexistent.conf: cannot open"

# A bad file refuses to start, naming the problem.
"$OUTPOSTD" -f -c "$T/bad.conf" 2>"$T/out3" && fail "started with a bad file"
assert_grep "$T/out3" "bad.conf:2:"

"$OUTPOSTD" -V | grep -Eq '^outpostd [0-9]+\.[0-9]+' || fail "-V"
"$OUTPOSTD" -x 2>/dev/null && fail "unknown option accepted"
exit 0
