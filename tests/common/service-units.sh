#!/bin/sh
# service-units.sh: the systemd units of dist/systemd pass
# "systemd-analyze verify"; "systemd-analyze security --offline=true"
# rates outpost-platform.service at most 2.0 and each unit exactly as its
# comment and README.md say; the agent's unit keeps the "uninstalled" exit
# status from restarting. The agent's SysV script (dist/init.d) starts a configured
# agent, reports it, and at stop waits until it has exited. Needs
# systemd-analyze (systemd 250 or newer), not a running systemd.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
systemd-analyze security --help 2>/dev/null | grep -q -- --offline ||
    skip "systemd-analyze has no --offline (systemd < 250)"

# The units as make install writes them, the programs taken from the
# build tree (verify checks that ExecStart= names an executable).
mkdir -p "$T/units" "$T/etc/outpost" "$T/man/man5" "$T/man/man8"
for u in outpostd outpost-platform; do
	sed -e "s|@sbindir@|$abs_top_builddir|g" -e "s|@sysconfdir@|$T/etc|g" \
	    -e "s|@runstatedir@|$T/run|g" -e "s|@localstatedir@|$T/var|g" \
	    "$abs_top_srcdir/dist/systemd/$u.service.in" >"$T/units/$u.service"
done
# Documentation= pages must exist: the source tree's.
for m in "$abs_top_srcdir"/man/*.5; do ln -s "$m" "$T/man/man5/"; done
for m in "$abs_top_srcdir"/man/*.8; do ln -s "$m" "$T/man/man8/"; done

cd "$T/units" || fail "no $T/units"
MANPATH="$T/man" systemd-analyze verify ./outpostd.service \
    ./outpost-platform.service >"$T/verify.out" 2>&1 ||
    fail "systemd-analyze verify: $(cat "$T/verify.out")"
[ ! -s "$T/verify.out" ] || fail "systemd-analyze verify: $(cat "$T/verify.out")"

# exposure UNIT: print the overall exposure systemd-analyze gives UNIT.
exposure() {
	systemd-analyze security --offline=true "./$1" >"$T/$1.security" 2>&1
	sed -n "s/^.*Overall exposure level for $1: \([0-9.]*\) .*/\1/p" \
	    "$T/$1.security"
}
# stated UNIT: the exposure the unit's comment states.
stated() {
	sed -n 's/^#.*rates \(it\|this unit\) \([0-9.]*\) .*/\2/p' "$1"
}
for u in outpost-platform.service outpostd.service; do
	e=$(exposure "$u")
	[ -n "$e" ] || fail "no exposure for $u: $(cat "$T/$u.security")"
	note "$u: exposure $e"
	[ "$e" = "$(stated "$u")" ] ||
	    fail "$u is rated $e but its comment says $(stated "$u")"
done
# README.md states the same figures.
grep -q "rates \`outpost-platform.service\` $(stated outpost-platform.service) and \`outpostd.service\` $(stated outpostd.service)" \
    "$abs_top_srcdir/README.md" || fail "README.md does not give the units' exposure"
systemd-analyze security --offline=true --threshold=20 \
    ./outpost-platform.service >/dev/null 2>&1 ||
    fail "outpost-platform.service exposure above 2.0: $(exposure outpost-platform.service)"
grep -q '^User=outpost-platform$' outpost-platform.service || fail "the platform does not run as its own user"
grep -q '^CapabilityBoundingSet=$' outpost-platform.service ||
    fail "the platform keeps capabilities"
grep -q '^Type=notify$' outpostd.service || fail "outpostd.service: not Type=notify"
grep -q '^Type=notify$' outpost-platform.service ||
    fail "outpost-platform.service: not Type=notify"
grep -q '^RestartPreventExitStatus=3$' outpostd.service ||
    fail "outpostd.service restarts an uninstalled agent"
grep -q '^#define AGENT_EXIT_UNINSTALLED[[:space:]]*3$' \
    "$abs_top_srcdir/src/agent/agent.h" ||
    fail "AGENT_EXIT_UNINSTALLED is no longer 3: update the units and scripts"
# Every capability the agent keeps is explained in the unit's comment.
for cap in $(sed -n 's/^CapabilityBoundingSet=//p' outpostd.service); do
	grep -Eq "^#[[:space:]]+$cap[[:space:]]+[A-Za-z]" outpostd.service ||
	    fail "outpostd.service keeps $cap without saying why"
done

# The agent's SysV script, on a private configuration (and never handed
# to a running systemd by /lib/lsb/init-functions).
sed -e "s|@sbindir@|$abs_top_builddir|g" -e "s|@sysconfdir@|$T/etc|g" \
    -e "s|/lib/lsb/init-functions|$T/no-init-functions|g" \
    -e "s|@runstatedir@|$T/run|g" -e "s|@localstatedir@|$T/var|g" \
    "$abs_top_srcdir/dist/init.d/outpostd.in" >"$T/outpostd.init"
cat >"$T/etc/outpost/outpost.conf" <<CONF
state_dir = $T/var/lib/outpost
log_dir = $T/var/log/outpost
run_dir = $T/run/outpost
CONF
for f in "$abs_top_srcdir"/dist/init.d/*.in "$abs_top_srcdir"/dist/rc.d/*.in; do
	sh -n "$f" || fail "$f: syntax"
done
sh "$T/outpostd.init" status >"$T/status0" 2>&1
[ $? -eq 3 ] || fail "status of a stopped agent is not 3: $(cat "$T/status0")"
sh "$T/outpostd.init" start >"$T/start" 2>&1 || fail "start: $(cat "$T/start")"
pid=$(cat "$T/run/outpost/outpostd.pid") || fail "no pid file"
at_exit "kill $pid 2>/dev/null"
sh "$T/outpostd.init" status >"$T/status1" 2>&1 ||
    fail "status of a running agent: $(cat "$T/status1")"
assert_grep "$T/status1" "outpostd is running \\(pid $pid\\)"
sh "$T/outpostd.init" stop >"$T/stop" 2>&1 || fail "stop: $(cat "$T/stop")"
kill -0 "$pid" 2>/dev/null && fail "stop returned while the agent ($pid) runs"
# A bad configuration is refused before starting.
echo "log_level = loud" >>"$T/etc/outpost/outpost.conf"
assert_fails sh "$T/outpostd.init" start >"$T/start2" 2>&1
[ ! -e "$T/run/outpost/outpostd.pid" ] || fail "started with a bad configuration"
exit 0
