# tests/lib-fim.sh: helpers for the FIM tests, which use the real kernel
# audit system. Source after tests/lib.sh and tests/lib-platform.sh.
#
# fim_require skips the test unless audit is usable here (root with
# CAP_AUDIT_CONTROL, auditctl installed, not in a container), takes a lock so
# that audit tests run one at a time, and saves the kernel's audit state
# (enabled flag, backlog limit and wait time, pid, rules); at exit the state
# is put back and checked, also when the test fails.
#
# Note: processes that already ran before auditing was first enabled are
# never audited (the kernel gives them no audit context), so every file
# operation of these tests runs in a fresh process (sh -c, touch, ...).

command -v auditctl >/dev/null 2>&1 ||
    skip "auditctl is not installed (apt-get install auditd)"
# The key of every agent's rules: outpost-fim-<installation id>.
FIM_KEY='outpost-fim-[0-9a-f]{16}'

# fim_state FIELD: one field of `auditctl -s`.
fim_state() {
	auditctl -s 2>/dev/null | awk -v f="$1" '$1 == f { print $2 }'
}

# fim_require: skip unless the audit system can be used; save its state.
fim_require() {
	grep -q '^#define HAVE_NETLINK 1' "$abs_top_builddir/config.h" ||
	    skip "built without netlink: no FIM"
	[ "$(id -u)" = 0 ] || skip "FIM tests need root"
	auditctl -s >/dev/null 2>&1 ||
	    skip "the kernel audit system is not usable here (container?)"
	command -v flock >/dev/null 2>&1 || skip "flock is not installed"
	# One audit test at a time on this machine.
	exec 9>"${TMPDIR:-/tmp}/outpost-fim-tests.lock"
	flock -w 600 9 || skip "another FIM test holds the lock"
	FIM_SAVED_ENABLED=$(fim_state enabled)
	FIM_SAVED_BACKLOG=$(fim_state backlog_limit)
	FIM_SAVED_WAIT=$(fim_state backlog_wait_time)
	FIM_SAVED_PID=$(fim_state pid)
	[ "$FIM_SAVED_ENABLED" = 2 ] &&
	    skip "the audit configuration is locked (enabled 2)"
	[ "$FIM_SAVED_PID" = 0 ] ||
	    skip "pid $FIM_SAVED_PID holds the audit pid; stop it first"
	auditctl -l > "$T/audit-rules.saved" 2>&1
	FIM_OTHER_KEYS=""
	FIM_AUDITD_PID=""
	at_exit fim_restore
}

# fim_restore: put the kernel's audit state back as fim_require found it.
fim_restore() {
	if [ -n "$FIM_AUDITD_PID" ]; then
		kill -TERM "$FIM_AUDITD_PID" 2>/dev/null
		wait "$FIM_AUDITD_PID" 2>/dev/null
	fi
	# An agent still running is stopped first (its own cleanup).
	if [ -n "${AGENT_PID:-}" ]; then
		kill -TERM "$AGENT_PID" 2>/dev/null
		wait "$AGENT_PID" 2>/dev/null
	fi
	for k in $(auditctl -l 2>/dev/null | grep -Eo "key=$FIM_KEY\$" |
	    sed 's/^key=//' | sort -u) outpost-fim; do
		auditctl -D -k "$k" >/dev/null 2>&1
	done
	for k in $FIM_OTHER_KEYS; do
		auditctl -D -k "$k" >/dev/null 2>&1
	done
	auditctl -b "$FIM_SAVED_BACKLOG" >/dev/null 2>&1
	[ -n "$FIM_SAVED_WAIT" ] &&
	    auditctl --backlog_wait_time "$FIM_SAVED_WAIT" >/dev/null 2>&1
	auditctl -e "$FIM_SAVED_ENABLED" >/dev/null 2>&1
	auditctl -l > "$T/audit-rules.now" 2>&1
	if ! cmp -s "$T/audit-rules.saved" "$T/audit-rules.now" ||
	    [ "$(fim_state pid)" != "$FIM_SAVED_PID" ] ||
	    [ "$(fim_state enabled)" != "$FIM_SAVED_ENABLED" ] ||
	    [ "$(fim_state backlog_limit)" != "$FIM_SAVED_BACKLOG" ]; then
		echo "WARNING: the kernel audit state differs from before the" \
		    "test:" >&2
		auditctl -s >&2
		diff "$T/audit-rules.saved" "$T/audit-rules.now" >&2
	fi
}

# fim_other_rule PATH KEY: another tool's watch rule (removed at exit).
fim_other_rule() {
	mkdir -p "$1"
	auditctl -w "$1" -p wa -k "$2" || fail "auditctl -w $1 -k $2"
	FIM_OTHER_KEYS="$FIM_OTHER_KEYS $2"
}

# fim_rules_with KEY_RE: how many kernel rules carry a key matching the
# extended regular expression KEY_RE (whole key).
fim_rules_with() {
	auditctl -l 2>/dev/null | grep -Ec -- "(key=|-k )($1)\$"
}

# fim_start_auditd [FLUSH [MAX_LOG_MB]]: a private auditd (own configuration
# and log under $T/auditd; flush DATA and 64 MB unless told) that holds the
# audit pid. Sets FIM_AUDITD_PID.
fim_start_auditd() {
	command -v auditd >/dev/null 2>&1 || skip "auditd is not installed"
	mkdir -p "$T/auditd/plugins.d"
	cat > "$T/auditd/auditd.conf" <<EOF
local_events = yes
write_logs = yes
log_file = $T/auditd/audit.log
log_format = RAW
flush = ${1:-DATA}
max_log_file = ${2:-64}
num_logs = 1
max_log_file_action = IGNORE
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
plugin_dir = $T/auditd/plugins.d
q_depth = 2000
overflow_action = IGNORE
EOF
	chmod 0600 "$T/auditd/auditd.conf"
	auditd -n -s enable -c "$T/auditd" >"$T/auditd/stderr" 2>&1 &
	FIM_AUDITD_PID=$!
	wait_for 10 sh -c "auditctl -s | grep -qx 'pid $FIM_AUDITD_PID'" ||
	    fail "private auditd did not take the audit pid: $(cat "$T/auditd/stderr")"
}

# fim_stop_auditd: stop the private auditd; it lets go of the audit pid.
fim_stop_auditd() {
	kill -TERM "$FIM_AUDITD_PID"
	wait "$FIM_AUDITD_PID" 2>/dev/null
	FIM_AUDITD_PID=""
}

# fim_profile NAME RULES_JSON [EXTRA_JSON]: create a profile with FIM
# enabled and these rules, assign it to the activation key. Sets PROF.
fim_profile() {
	key_profile "$1" ",\"fim\":{\"enabled\":true,\"rules\":$2}${3:-}"
}

# fim_wait SECONDS JQ_CONDITION: wait until the agent's status matches.
fim_wait() {
	wait_for "$1" status_check "$2" ||
	    fail "status never matched $2: $(status_value -c .fim)"
}

# fim_events [QUERY]: the agent's FIM events on the platform into $OUT.
fim_events() {
	expect 200 admin GET "/api/v1/agents/$AID/fim-events?limit=10000${1:+&$1}"
}

# fim_wait_events SECONDS JQ_CONDITION [QUERY]: check in and fetch until the
# events answer matches.
fim_wait_events() {
	_n=$(( $1 * 2 ))
	while [ "$_n" -gt 0 ]; do
		"$OUTPOSTCTL" -c "$CONF" heartbeat >/dev/null 2>&1
		fim_events "${3:-}"
		jq -e "$2" "$OUT" >/dev/null 2>&1 && return 0
		sleep 0.5
		_n=$((_n - 1))
	done
	fail "events never matched $2: $(jq -c '[.events[] | {action,path}]' "$OUT")"
}

# fim_created_once NAME N: the create events in $OUT of the files NAME0 ..
# NAME<N-1> (paths ending in /NAME and digits) are N, none of them twice.
fim_created_once() {
	jq -r '.events[] | select(.action == "create") | .path' "$OUT" |
	    grep "/$1[0-9]*\$" | sort | uniq -c | awk '$1 != 1 { print }' \
	    > "$T/dups.txt"
	[ -s "$T/dups.txt" ] && fail "duplicated events: $(cat "$T/dups.txt")"
	[ "$(jq -r "[.events[] | select(.action == \"create\") | .path | select(test(\"/$1[0-9]+\$\"))] | length" "$OUT")" = "$2" ] ||
	    fail "not every file $1* arrived once"
}

# sha256 of a string.
fim_sha() {
	printf %s "$1" | sha256sum | cut -d' ' -f1
}
