#!/bin/sh
# bench/fim-e2e.sh [BUILDDIR]: file integrity monitoring end to end, the
# agent against auditd.
#
# A private platform on a free loopback port, a profile whose fim rule
# watches a temporary directory, outpostd activated against it (owner of
# the audit pid, log_level info). bench/fim-load then creates $FILES
# (default 50,000) files in the directory and deletes them, as fast as it
# can. The agent's events are counted on the platform
# (GET /api/v1/agents/{id}/fim-events, by action and path prefix so no
# answer reaches the 10,000 limit) against the ground truth of 2 x $FILES,
# once the agent has every event acknowledged and the count is stable.
# The agent's CPU time is utime + stime (/proc/PID/stat) from just before
# the load until then; its peak RSS is VmHWM.
#
# In the same run, the reference: the agent is stopped, the directory made
# anew (empty, same path), a private auditd (its own configuration and log
# in the temporary directory, flush = none, log_format = RAW) takes the
# audit pid, the kernel rules the agent had installed are put back with
# auditctl, the backlog settings the agent uses as owner (backlog_limit
# 65536, backlog_wait_time 0) are set, and the same load runs; its events
# are the SYSCALL records with the rule's key in its log, its CPU time and
# VmHWM are measured the same way.
#
# Prints captured % for both, the CPU ratio agent/auditd and both RSS
# (targets: 100 % captured, CPU <= auditd's, RSS <= 8 MB), and the
# agent's VmRSS idle (before the load) and after it, each split into
# anonymous memory and file pages (the mapped shared libraries: libcurl,
# OpenSSL and what they pull in, about 11 MB here). The kernel's
# lost counter and the agent's lost_kernel count records (about five per
# event), its other loss counters events. Needs root, the kernel audit
# system (not in a container), auditd, jq, curl and flock; takes the FIM
# tests' lock and puts the kernel's audit state back at exit
# (tests/lib-fim.sh). Exits 77 where it cannot run.
set -u

here=$(cd "$(dirname "$0")" && pwd)
builddir=$(cd "${1:-${abs_top_builddir:-$here/../build}}" && pwd)
FILES=${FILES:-50000}
abs_top_builddir=$builddir
abs_top_srcdir=$(cd "$here/.." && pwd)
export abs_top_builddir abs_top_srcdir

make -C "$builddir" -s outpostd outpostctl outpost-platform bench/fim-load \
    >/dev/null || exit 1
# The test helpers, in a bench directory of our own.
. "$abs_top_srcdir/tests/lib.sh"
rmdir "$T"
T=$(mktemp -d /tmp/outpost-bench.XXXXXX)
chmod 0755 "$T"
. "$abs_top_srcdir/tests/lib-platform.sh"
. "$abs_top_srcdir/tests/lib-fim.sh"
fim_require
command -v auditd >/dev/null 2>&1 || skip "auditd is not installed"

W=$T/w
mkdir -p "$W"
total=$((2 * FILES))

# cpu_ticks PID: utime + stime of a process, in clock ticks.
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
# hwm_kb PID: peak resident set size (VmHWM), in kB.
hwm_kb() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"
}
# rss_split PID: "VmRSS N kB (anon N, file N)".
rss_split() {
	awk '/^(VmRSS|RssAnon|RssFile):/ { v[$1] = $2 }
	    END { printf "VmRSS %d kB (anon %d, file %d)", v["VmRSS:"],
	    v["RssAnon:"], v["RssFile:"] }' "/proc/$1/status"
}
hz=$(getconf CLK_TCK)
# stable SECONDS TIMES COMMAND: run COMMAND every 0.5 s until it prints the
# same thing TIMES times in a row; prints that. Fails after SECONDS.
stable() {
	_n=$(($1 * 2))
	_times=$2
	shift 2
	_prev=
	_same=0
	while [ "$_n" -gt 0 ]; do
		_cur=$("$@")
		if [ "$_cur" = "$_prev" ]; then
			_same=$((_same + 1))
			[ "$_same" -ge $((_times - 1)) ] && { echo "$_cur"; return 0; }
		else
			_same=0
		fi
		_prev=$_cur
		sleep 0.5
		_n=$((_n - 1))
	done
	return 1
}

# ---- The agent ----
start_platform "$T/p"
fim_profile bench "[{\"path\":\"$W\",\"recursive\":true}]"
mkdir -p "$T/a"
cat > "$T/a/outpost.conf" <<EOF
state_dir = $T/a/state
log_dir = $T/a/log
run_dir = $T/a/run
log_level = info
platform_url = $URL
activation_id = $ACTIVATION_ID
customer_id = $CUSTOMER_ID
ca_file = $PDIR/ca.pem
proxy_file = $T/a/no-proxy.conf
EOF
CONF=$T/a/outpost.conf
start_agent "$T/a"
fim_wait 30 '.fim.state == "owner" and .fim.rules_installed == 1'
AID=$(status_value .platform.agent_id)
auditctl -l | grep -E -- "$FIM_KEY" > "$T/rules"
lost0=$(fim_state lost)

echo "# bench/fim-e2e.sh: $FILES creates then $FILES deletes in a watched" \
    "directory, $(nproc) CPUs; kernel rules:"
sed 's/^/#   /' "$T/rules"
a_cpu0=$(cpu_ticks "$AGENT_PID")
a_idle=$(rss_split "$AGENT_PID")
"$builddir/bench/fim-load" -n "$FILES" "$W" > "$T/load.agent"
# Every event spooled and acknowledged, and the counters still.
acked() {
	"$OUTPOSTCTL" -c "$CONF" heartbeat >/dev/null 2>&1
	status_value '[.fim.events_sent, .fim.events_acked, .fim.lost_total,
	    .fim.events_sent == .fim.events_acked] | @tsv'
}
stable 300 6 acked > "$T/acked" || fail "the agent's events never settled"
a_cpu1=$(cpu_ticks "$AGENT_PID")
a_hwm=$(hwm_kb "$AGENT_PID")
a_after=$(rss_split "$AGENT_PID")
a_lost_kernel=$(($(fim_state lost) - lost0))
status_value .fim > "$T/agent-fim.json"

# platform_count: events of the agent in W on the platform.
platform_count() {
	_sum=0
	for _action in create delete; do
		_p=0
		while [ "$_p" -lt 100 ]; do
			_pre=$(printf '%s/f%02d' "$W" "$_p")
			expect 200 admin GET "/api/v1/agents/$AID/fim-events?limit=10000&action=$_action&path=$_pre"
			_c=$(jout '.events | length')
			[ "$_c" -lt 10000 ] || fail "prefix $_pre: 10000 events"
			_sum=$((_sum + _c))
			_p=$((_p + 1))
		done
	done
	echo "$_sum"
}
got=$(stable 60 2 platform_count) || fail "the platform's count never settled"
dups=$(expect 200 admin GET "/api/v1/agents/$AID/fim-events?limit=10000&path=$W/f0000"; jout '[.events[] | .path + .action] | length - (unique | length)')
stop_agent
AGENT_PID=

# ---- auditd ----
# A fresh directory at the same path: a directory that once held 50,000
# entries makes the creates slower, which would spare auditd the burst.
rmdir "$W" || fail "$W is not empty after the load"
mkdir "$W"
fim_start_auditd none 1024
auditctl -b 65536 >/dev/null
auditctl --backlog_wait_time 0 >/dev/null
while read -r rule; do
	# shellcheck disable=SC2086
	auditctl $rule >/dev/null || fail "auditctl $rule"
done < "$T/rules"
lost0=$(fim_state lost)
d_cpu0=$(cpu_ticks "$FIM_AUDITD_PID")
"$builddir/bench/fim-load" -n "$FILES" "$W" > "$T/load.auditd"
# auditd_count: SYSCALL records of our rule for files in W.
auditd_count() {
	grep -Ec "^type=SYSCALL .*key=\"$FIM_KEY\"" "$T/auditd/audit.log" ||
	    true
}
d_got=$(stable 120 4 auditd_count) || fail "auditd's log never settled"
d_cpu1=$(cpu_ticks "$FIM_AUDITD_PID")
d_hwm=$(hwm_kb "$FIM_AUDITD_PID")
d_lost_kernel=$(($(fim_state lost) - lost0))

# ---- Figures ----
a_cpu=$(echo "scale=3; ($a_cpu1 - $a_cpu0) / $hz" | bc)
d_cpu=$(echo "scale=3; ($d_cpu1 - $d_cpu0) / $hz" | bc)
pct() { echo "scale=2; 100 * $1 / $total" | bc; }
echo "load (agent run):  $(cat "$T/load.agent")"
echo "load (auditd run): $(cat "$T/load.auditd")"
printf 'outpostd: %6d of %d events on the platform (%s %%), %s s CPU, VmHWM %d kB\n' \
    "$got" "$total" "$(pct "$got")" "$a_cpu" "$a_hwm"
echo "          memory: idle $a_idle; after the load $a_after"
echo "          losses: $(jq -c '{lost_total, lost_kernel, lost_gaps, lost_socket, lost_queue, lost_spool}' "$T/agent-fim.json"), kernel lost counter +$a_lost_kernel, duplicates in a sample: $dups"
printf 'auditd:   %6d of %d events in its log (%s %%), %s s CPU, VmHWM %d kB; kernel lost counter +%d\n' \
    "$d_got" "$total" "$(pct "$d_got")" "$d_cpu" "$d_hwm" "$d_lost_kernel"
if [ "$(echo "$d_cpu > 0" | bc)" = 1 ]; then
	ratio=$(echo "scale=2; $a_cpu / $d_cpu" | bc)
else
	ratio="inf"
fi
ok() { [ "$(echo "$1" | bc)" = 1 ] && echo ok || echo "missed"; }
echo "captured: $(pct "$got") % (target 100 %: $(ok "$got >= $total"));" \
    "CPU agent/auditd: ${ratio}x (target <= 1: $(ok "$a_cpu <= $d_cpu"));" \
    "agent RSS $((a_hwm / 1024)).$(((a_hwm % 1024) * 10 / 1024)) MB" \
    "(target <= 8 MB: $(ok "$a_hwm <= 8192")), auditd RSS" \
    "$((d_hwm / 1024)).$(((d_hwm % 1024) * 10 / 1024)) MB"
