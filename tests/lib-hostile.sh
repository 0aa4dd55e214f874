# tests/lib-hostile.sh: helpers for the hostile-server tests (sourced after
# tests/lib.sh and tests/lib-platform.sh). tests/tools/hostile-platform.py
# stands between the agent and a real platform with the platform's own
# certificate, as a TLS-inspecting proxy would: it forwards every request
# to the platform unless a rule of $RULES answers it in its place, and
# logs one line per request to $HLOG.

HOSTILE="$abs_top_srcdir/tests/tools/hostile-platform.py"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
command -v openssl >/dev/null 2>&1 || skip "openssl not installed"

# start_hostile: the hostile server in front of the platform of PDIR/URL,
# with no rule yet. Sets HPORT, HURL, RULES, HLOG.
start_hostile() {
	HPORT=$(free_port)
	HURL="https://localhost:$HPORT"
	RULES="$T/rules.json"
	HLOG="$T/hostile-requests.txt"
	: > "$HLOG"
	python3 "$HOSTILE" "$HPORT" "$PDIR/server.pem" "$PDIR/server.key" \
	    "$URL" "$PDIR/ca.pem" "$RULES" "$HLOG" 2>"$T/hostile.stderr" &
	_hpid=$!
	at_exit "kill $_hpid 2>/dev/null; wait $_hpid 2>/dev/null"
	wait_for 10 port_open "$HPORT" ||
	    fail "hostile-platform.py did not start: $(cat "$T/hostile.stderr")"
}

# hostile_setup DIR: a platform (started unless PDIR is set), the hostile
# server forwarding everything, and an agent activated through it with its
# first inventory and its three manifests in. Sets what start_platform,
# start_hostile and hostile_agent set, and AID.
hostile_setup() {
	[ -n "${PDIR:-}" ] || start_platform "$T/p"
	start_hostile
	hostile_rules '[]'
	hostile_agent "$1"
	wait_activated
	wait_inventory 60 ">= 1"
	wait_for 20 manifests_in ||
	    fail "manifests not downloaded: $(ls "$1/state/manifests")"
}

# manifests_in: the agent of $CONF holds the three manifests.
manifests_in() {
	for _m in inventory fim vulnsigs; do
		[ -s "${CONF%/*}/state/manifests/$_m.json" ] || return 1
	done
}

# hostile_rules JSON: replace the rules (atomically; "[]" forwards all).
hostile_rules() {
	printf '%s\n' "$1" > "$RULES.tmp"
	mv "$RULES.tmp" "$RULES"
}

# hostile_agent DIR [LINES]: an agent of the platform that talks to it
# through the hostile server (DIR/outpost.conf, CONF), started.
hostile_agent() {
	platform_agent_conf "$@"
	sed -i "s|^platform_url = .*|platform_url = $HURL|" "$CONF"
	start_agent "$1"
}

# requests METHOD PATH [SINCE]: how many METHOD PATH requests reached the
# hostile server (since the time SINCE, seconds since the epoch).
requests() {
	awk -v m="$1" -v p="$2" -v t="${3:-0}" \
	    '$2 == m && $3 == p && $1 >= t { n++ } END { print n + 0 }' "$HLOG"
}

# now: the time in seconds since the epoch, with a fraction.
now() {
	python3 -c 'import time; print("%.3f" % time.time())'
}

# agent_log_has ERE: the agent's log ($CONF's) matches ERE.
agent_log_has() {
	grep -Eq -- "$1" "${CONF%/*}/log/agent.log"
}

# wait_log SECONDS ERE: wait until the agent's log matches ERE, or fail.
wait_log() {
	wait_for "$1" agent_log_has "$2" ||
	    fail "agent.log never matched /$2/: $(tail -n 5 "${CONF%/*}/log/agent.log")"
}

# assert_hwm MIB: the agent's peak resident set is under MIB MiB (not
# checked in a sanitizer build, whose shadow memory and quarantine make
# it meaningless).
assert_hwm() {
	if nm "$OUTPOSTD" 2>/dev/null | grep -q __asan_init; then
		note "sanitizer build: VmHWM $(vm_hwm "$AGENT_PID") KiB not checked"
		return 0
	fi
	_hwm=$(vm_hwm "$AGENT_PID")
	note "VmHWM ${_hwm} KiB"
	[ -n "$_hwm" ] && [ "$_hwm" -lt $(($1 * 1024)) ] ||
	    fail "VmHWM ${_hwm} KiB, not under $1 MiB"
}

# assert_log_size KIB: agent.log (with its archives) is under KIB KiB.
assert_log_size() {
	_sz=$(du -sk "${CONF%/*}/log" | cut -f1)
	note "log directory ${_sz} KiB"
	[ "$_sz" -lt "$1" ] || fail "the logs take ${_sz} KiB, not under $1 KiB"
}

# assert_running: the agent is still running.
assert_running() {
	kill -0 "$AGENT_PID" 2>/dev/null || fail "outpostd is gone"
}

# sign_manifest TYPE VERSION BODYFILE OUT: a manifest as served, its body
# signed with the platform's manifest key (docs/protocol.md 5).
sign_manifest() {
	{ printf 'outpost-manifest-v1\n%s\n%s\n' "$1" "$2"; cat "$3"; } \
	    > "$T/sign.msg"
	openssl pkeyutl -sign -inkey "$PDIR/manifest.key" -rawin \
	    -in "$T/sign.msg" -out "$T/sign.sig" 2>"$T/sign.err" ||
	    fail "cannot sign: $(cat "$T/sign.err")"
	python3 - "$1" "$2" "$3" "$T/sign.sig" "$4" <<'PY'
import base64, json, sys
t, v, body, sig, out = sys.argv[1:6]
with open(body) as f:
    b = f.read()
with open(sig, "rb") as f:
    s = base64.b64encode(f.read()).decode()
with open(out, "w") as f:
    json.dump({"type": t, "version": int(v), "created_at": 1, "body": b,
               "signature": s}, f)
PY
}

# poke_until SECONDS ERE: ask for a check-in every second until the agent's
# log matches ERE, or fail.
poke_until() {
	_end=$(($(date +%s) + $1))
	while [ "$(date +%s)" -lt "$_end" ]; do
		agent_log_has "$2" && return 0
		"$OUTPOSTCTL" -c "$CONF" heartbeat >/dev/null 2>&1
		agent_log_has "$2" && return 0
		sleep 1
	done
	fail "agent.log never matched /$2/: $(tail -n 5 "${CONF%/*}/log/agent.log")"
}
