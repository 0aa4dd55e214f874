#!/bin/sh
# SIGHUP reloads the configuration; a bad new file keeps the old one.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

write_agent_conf "$T/a"
CONF="$T/a/outpost.conf"
sed -i 's/^log_level = .*/log_level = info/' "$CONF"
start_agent "$T/a"
[ "$(status_value .log_level)" = info ] ||
    fail "initial level"

# A good change is applied.
sed -i 's/^log_level = .*/log_level = debug/' "$CONF"
kill -HUP "$AGENT_PID"
wait_for 10 status_check '.log_level == "debug"' ||
    fail "reload did not apply log_level"
assert_grep "$T/a/log/agent.log" "configuration reloaded"

# A bad file: every error logged with file:line, the old values stay.
cat >> "$CONF" <<CONF
log_level = whisper
bogus = 1
CONF
kill -HUP "$AGENT_PID"
wait_for 10 grep -q "keeping the previous configuration" "$T/a/log/agent.log" ||
    fail "bad reload not reported"
assert_grep "$T/a/log/agent.log" "reload: .*outpost.conf:[0-9]+: .*given more than once|reload: .*outpost.conf:[0-9]+: log_level"
assert_grep "$T/a/log/agent.log" "reload: .*outpost.conf:[0-9]+: unknown key \"bogus\""
status_json > "$T/st.json"
[ "$(jq -r .log_level "$T/st.json")" = debug ] || fail "level changed by bad file"
[ "$(jq -r .reloads "$T/st.json")" = 1 ] || fail "reload count"
kill -0 "$AGENT_PID" || fail "daemon died on a bad reload"
stop_agent
[ "$AGENT_RC" -eq 0 ] || fail "exit status $AGENT_RC"
exit 0
