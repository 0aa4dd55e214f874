#!/bin/sh
# fresh-check.sh: outpost on a fresh Debian 12 system, from the packages and
# from the quick start, run by .ci/run.
#
#   dist/fresh-check.sh [BUILD_DIR]
#
# 1. Builds the Debian packages twice with "make deb" in BUILD_DIR (default
#    ./build, configured if need be): as they are, and again as a higher
#    version for the upgrade.
# 2. Makes a minimal Debian 12 (mmdebstrap --variant=minbase bookworm,
#    with systemd as its init, as on any Debian 12 host) in
#    a temporary directory BUILD_DIR/fresh.XXXXXX, removed at the end.
# 3. In that system, chrooted, in a network namespace of its own where
#    only loopback exists (the package archive, and nothing else, is
#    reached through an HTTP relay to the archive host on a UNIX socket):
#    a. apt-get install ./outpost-*.deb (dependencies from the archive);
#       the agent is neither started nor enabled; "systemd-analyze verify"
#       and "security --offline=true" (platform at most 2.0) on the
#       installed units; outpost-platform init,
#       the platform started by its init script as its own user; an agent
#       configured, started, activated against it; outpostctl status;
#       with the kernel audit system usable here (root, auditctl, nobody
#       holding the audit pid) FIM is switched on so the agent owns the
#       audit pid and installs rules; the upgrade to the higher version
#       keeps the configuration and the state (same agent); apt-get
#       remove stops the agent, which lets go of the audit pid and its
#       rules, and keeps configuration and state; purge removes them.
#    b. the same packages under a running systemd (the system booted with
#       systemd-nspawn, skipped where nspawn cannot run): the units are
#       Type=notify (started means serving), hardened as their comments
#       say (user, capabilities, no new privileges, system call filter),
#       the upgrade restarts both, an agent the platform uninstalled
#       exits 3 and is not restarted, remove and purge.
#    c. the README's first quick-start command from a clean copy of the
#       source (the tracked files of the git checkout): it installs its
#       build dependencies with apt itself and shows the agent activated.
#
# No init system runs in the chroot of (a), so the services are started by
# their SysV scripts and invoke-rc.d (which acts only with a known
# runlevel) restarts nothing after the upgrade: the check restarts both by
# hand; (b) checks the restart.
# Needs root, the archive, and mmdebstrap, socat, debhelper, lintian and
# the build dependencies (installed with apt-get when missing).
# MIRROR=http://... changes the archive (HTTP only); FRESH_REUSE_DEBS=1
# takes the packages of an earlier run instead of building them again.
set -eu

MIRROR=${MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
PORT=8443

# say MESSAGE: a progress line with the seconds since the start.
say() {
	echo "fresh-check [$(($(date +%s) - ${FRESH_T0:-$(date +%s)}))s]: $*"
}

# die MESSAGE: fail the check.
die() {
	echo "fresh-check: FAIL: $*" >&2
	exit 1
}

# ---- Inside the chroot's namespaces (run as "$0 --inside ROOT WORK") ----

# in_root COMMAND...: run COMMAND in the fresh system, with a clean
# environment (no proxy or path of the host leaks in).
in_root() {
	chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
	    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    DEBIAN_FRONTEND=noninteractive "$@"
}

# wait_until SECONDS COMMAND...: poll COMMAND every 0.2 s. Fails on timeout.
wait_until() {
	n=$(($1 * 5))
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.2
	done
}

# agent_json: the agent's status --json.
agent_json() {
	in_root outpostctl status --json
}

# agent_activated: the agent says it is activated.
agent_activated() {
	agent_json | jq -e '.platform.activation == "activated"'
}

# admin PATH [curl args...]: an admin API request to the platform.
admin() {
	_p=$1
	shift
	curl -sSf --cacert "$root/var/lib/outpost-platform/ca.pem" \
	    -H "Authorization: Bearer $(cat "$root/var/lib/outpost-platform/admin.token")" \
	    "$@" "https://127.0.0.1:$PORT$_p"
}

# pid_of FILE: the live process of pid file FILE (in the fresh system).
pid_of() {
	_pid=$(cat "$root$1" 2>/dev/null) || return 1
	[ -n "$_pid" ] && kill -0 "$_pid" 2>/dev/null || return 1
	echo "$_pid"
}

# configure_agent INIT_OUTPUT: point /etc/outpost/outpost.conf of the
# fresh system at the platform whose "init" printed INIT_OUTPUT.
configure_agent() {
	cat >>"$root/etc/outpost/outpost.conf" <<CONF

# fresh-check: this agent reports to the platform of the same system.
platform_url = https://127.0.0.1:$PORT
activation_id = $(sed -n 's/^activation_id: //p' "$1")
customer_id = $(sed -n 's/^customer_id: //p' "$1")
ca_file = /var/lib/outpost-platform/ca.pem
CONF
}

# proc_field PID FIELD: a field of /proc/PID/status (host pid).
proc_field() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# audit_rules: how many kernel audit rules carry an outpost key.
audit_rules() {
	auditctl -l 2>/dev/null | grep -c 'key=outpost\|-k outpost' || true
}

# audit_pid: the pid holding the kernel audit socket (0: none).
audit_pid() {
	auditctl -s 2>/dev/null | awk '$1 == "pid" { print $2 }'
}

# Stop what runs in the fresh system, unmount. Runs at exit, also on failure.
inside_cleanup() {
	set +e
	if [ -n "${nspawn_pid:-}" ]; then
		kill -TERM "$nspawn_pid" 2>/dev/null
		sleep 3
		kill -KILL "$nspawn_pid" 2>/dev/null
	fi
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] || continue
		kill -TERM "${p#/proc/}" 2>/dev/null
	done
	sleep 1
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] || continue
		kill -KILL "${p#/proc/}" 2>/dev/null
	done
	[ -n "${relay_in:-}" ] && kill "$relay_in" 2>/dev/null
	if [ -n "${audit_used:-}" ]; then
		auditctl -D -k outpost-fim >/dev/null 2>&1
		[ "$(audit_pid)" = 0 ] ||
		    echo "fresh-check: WARNING: audit pid $(audit_pid) still set" >&2
	fi
	chroot_umounts
}

# The chroot's /proc, /sys (of its network namespace) and a private
# /dev/pts (for apt's terminal log).
chroot_mounts() {
	mount -t proc proc "$root/proc"
	mount -t sysfs sysfs "$root/sys"
	mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
}

# Undo chroot_mounts.
chroot_umounts() {
	umount "$root/dev/pts" 2>/dev/null
	umount "$root/sys" 2>/dev/null
	umount "$root/proc" 2>/dev/null
}

# FIM on: a profile with one rule under /srv/fim, the agent owns the
# audit pid and has its rule in the kernel. Returns 1 (skipped) when the
# audit system cannot be used here.
fim_on() {
	command -v auditctl >/dev/null || { say "no auditctl: FIM not checked"; return 1; }
	auditctl -s >/dev/null 2>&1 || { say "kernel audit not usable: FIM not checked"; return 1; }
	# One audit user at a time on this machine (tests/lib-fim.sh's lock).
	exec 9>"/tmp/outpost-fim-tests.lock"
	flock -w 300 9 || { say "audit lock busy: FIM not checked"; return 1; }
	[ "$(audit_pid)" = 0 ] || { say "pid $(audit_pid) holds the audit pid: FIM not checked"; return 1; }
	[ "$(audit_rules)" = 0 ] || { say "outpost audit rules already present: FIM not checked"; return 1; }
	audit_used=1
	mkdir -p "$root/srv/fim"
	prof=$(admin /api/v1/profiles -X POST -d '{"name":"fresh-fim","heartbeat_interval":10,"fim":{"enabled":true,"rules":[{"path":"/srv/fim","recursive":true}]}}' | jq -r .id)
	admin "/api/v1/activation-keys/$activation" -X PATCH \
	    -d "{\"profile_id\":$prof,\"apply_to_all_agents\":true}" >/dev/null
	in_root outpostctl heartbeat >/dev/null || true
	wait_until 60 sh -c "[ \"\$(auditctl -s | awk '\$1 == \"pid\" { print \$2 }')\" = $agent_pid ]" ||
	    die "the agent (pid $agent_pid) did not take the audit pid: $(agent_json | jq -c .fim); $(grep -i 'fim\|audit' "$root/var/log/outpost/agent.log" | tail -n 20)"
	wait_until 30 sh -c "auditctl -l | grep -q outpost" ||
	    die "no outpost audit rule in the kernel: $(auditctl -l)"
	say "FIM on: the agent owns the audit pid, $(audit_rules) outpost rule(s) in the kernel"
}

# The packages: install, init, activate, upgrade, remove, purge.
check_packages() {
	v1=$(ls "$root"/root/debs/v1/outpost-agent_*.deb | sed 's|^.*outpost-agent_\(.*\)_.*\.deb$|\1|')
	v2=$(ls "$root"/root/debs/v2/outpost-agent_*.deb | sed 's|^.*outpost-agent_\(.*\)_.*\.deb$|\1|')
	say "packages: apt-get install ./outpost-*_$v1.deb"
	in_root apt-get update -qq
	in_root sh -c 'cd /root/debs/v1 && apt-get install -y -q ./outpost-agent_*.deb ./outpost-platform_*.deb ./outpost-scan_*.deb' ||
	    die "apt-get install of the packages"
	in_root dpkg-query -W -f='${Package} ${Version} ${Status}\n' \
	    outpost-agent outpost-platform outpost-scan

	# Installed, not started, not enabled; the platform's user and directory.
	[ ! -e "$root/run/outpost/outpostd.pid" ] || die "the agent was started by the installation"
	ls "$root"/etc/rc[2345].d/S*outpostd >/dev/null 2>&1 && die "the agent was enabled by the installation"
	in_root getent passwd outpost-platform >/dev/null || die "no outpost-platform user"
	[ "$(in_root stat -c '%U %a' /var/lib/outpost-platform)" = "outpost-platform 750" ] ||
	    die "/var/lib/outpost-platform: $(in_root stat -c '%U %a' /var/lib/outpost-platform)"
	# The proxy file is the operator's to write; only its example ships.
	[ ! -e "$root/etc/outpost/proxy.conf" ] || die "the package installed proxy.conf"
	in_root dpkg-query -W -f='${Conffiles}\n' outpost-agent >"$work/conffiles"
	for f in /etc/outpost/outpost.conf /etc/outpost/proxy.conf.example /etc/default/outpostd; do
		grep -q " $f " "$work/conffiles" || die "$f is not a conffile"
	done
	# systemd (installed, not running): the platform's unit is enabled,
	# the agent's is not; both pass the offline checks.
	[ -L "$root/etc/systemd/system/multi-user.target.wants/outpost-platform.service" ] ||
	    die "outpost-platform.service is not enabled"
	[ ! -L "$root/etc/systemd/system/multi-user.target.wants/outpostd.service" ] ||
	    die "outpostd.service was enabled by the installation"
	# (No man(1) here: the Documentation= pages are checked as files.)
	for m in man5/outpost.conf.5 man8/outpostd.8 man8/outpostctl.8 \
	    man8/outpost-platform.8 man1/outpost-scan.1; do
		[ -f "$root/usr/share/man/$m.gz" ] || die "no man page $m"
	done
	in_root systemd-analyze verify --man=no outpostd.service \
	    outpost-platform.service >"$work/verify" 2>&1 ||
	    die "systemd-analyze verify of the installed units: $(cat "$work/verify")"
	for u in outpost-platform outpostd; do
		in_root systemd-analyze security --offline=true \
		    "/lib/systemd/system/$u.service" 2>&1 |
		    sed -n 's/^.*Overall exposure level for /fresh-check: installed: /p'
	done
	in_root systemd-analyze security --offline=true --threshold=20 \
	    /lib/systemd/system/outpost-platform.service >/dev/null 2>&1 ||
	    die "outpost-platform.service exposure above 2.0"

	say "packages: outpost-platform init, started by its init script"
	in_root outpost-platform init /var/lib/outpost-platform \
	    --listen "127.0.0.1:$PORT" >"$work/init.out" || die "outpost-platform init"
	cat "$work/init.out"
	activation=$(sed -n 's/^activation_id: //p' "$work/init.out")
	[ -z "$(in_root find /var/lib/outpost-platform ! -user outpost-platform)" ] ||
	    die "init left files that outpost-platform does not own"
	in_root service outpost-platform start || die "service outpost-platform start"
	platform_pid=$(pid_of /var/lib/outpost-platform/platform.pid) || die "the platform does not run"
	[ "$(proc_field "$platform_pid" Uid)" = "$(in_root id -u outpost-platform)" ] ||
	    die "the platform does not run as outpost-platform"
	admin /api/v1/agents >/dev/null || die "the admin API does not answer"

	say "packages: an agent configured, enabled and started"
	configure_agent "$work/init.out"
	in_root update-rc.d outpostd enable >/dev/null
	in_root service outpostd start || die "service outpostd start"
	wait_until 60 agent_activated || die "the agent did not activate: $(agent_json | jq -c .platform)"
	in_root outpostctl status | sed -n '1p;/^platform:/,/^collection:/p'
	agent_pid=$(pid_of /run/outpost/outpostd.pid) || die "no agent pid"
	agent_id=$(agent_json | jq -r .platform.agent_id)
	[ "$(admin /api/v1/agents | jq -r '.agents | map(.agent_id) | join(" ")')" = "$agent_id" ] ||
	    die "the platform does not list agent $agent_id"
	fim_on || audit_used=""

	say "packages: upgrade to $v2"
	echo "# fresh-check: kept across the upgrade" >>"$root/etc/outpost/outpost.conf"
	conf_sum=$(md5sum <"$root/etc/outpost/outpost.conf")
	db_sum=$(in_root sh -c 'ls -i /var/lib/outpost-platform/platform.db')
	in_root sh -c 'cd /root/debs/v2 && apt-get install -y -q ./outpost-agent_*.deb ./outpost-platform_*.deb ./outpost-scan_*.deb' ||
	    die "apt-get install of the higher version"
	for p in outpost-agent outpost-platform outpost-scan; do
		[ "$(in_root dpkg-query -W -f='${Version}' "$p")" = "$v2" ] || die "$p is not at $v2"
	done
	[ "$(md5sum <"$root/etc/outpost/outpost.conf")" = "$conf_sum" ] ||
	    die "the upgrade changed /etc/outpost/outpost.conf"
	[ "$(in_root sh -c 'ls -i /var/lib/outpost-platform/platform.db')" = "$db_sum" ] ||
	    die "the upgrade replaced the platform's database"
	# No init system: restart both on the new binaries by hand.
	in_root service outpost-platform restart || die "service outpost-platform restart"
	in_root service outpostd restart || die "service outpostd restart"
	wait_until 60 agent_activated || die "the upgraded agent is not activated"
	[ "$(agent_json | jq -r .platform.agent_id)" = "$agent_id" ] ||
	    die "the upgraded agent is not agent $agent_id any more"
	[ "$(admin /api/v1/agents | jq '.agents | length')" = 1 ] ||
	    die "the upgrade made another agent: $(admin /api/v1/agents | jq -c '[.agents[].agent_id]')"
	agent_pid=$(pid_of /run/outpost/outpostd.pid) || die "no agent pid after the upgrade"
	platform_pid=$(pid_of /var/lib/outpost-platform/platform.pid) || die "no platform after the upgrade"
	in_root outpostd -V
	if [ -n "$audit_used" ]; then
		wait_until 60 sh -c "[ \"\$(auditctl -s | awk '\$1 == \"pid\" { print \$2 }')\" = $agent_pid ]" ||
		    die "the upgraded agent does not own the audit pid"
	fi

	say "packages: apt-get remove"
	in_root apt-get remove -y -q outpost-agent outpost-platform outpost-scan ||
	    die "apt-get remove"
	kill -0 "$agent_pid" 2>/dev/null && die "the agent still runs after its removal"
	kill -0 "$platform_pid" 2>/dev/null && die "the platform still runs after its removal"
	if [ -n "$audit_used" ]; then
		[ "$(audit_pid)" = 0 ] || die "the audit pid is still $(audit_pid) after the removal"
		[ "$(audit_rules)" = 0 ] || die "outpost audit rules left: $(auditctl -l)"
		say "removal: audit pid released, no outpost rule left"
	fi
	for f in /var/lib/outpost/state.json /etc/outpost/outpost.conf \
	    /var/lib/outpost-platform/platform.db; do
		[ -e "$root$f" ] || die "the removal deleted $f"
	done
	[ ! -e "$root/usr/sbin/outpostd" ] || die "outpostd is still installed"

	say "packages: apt-get purge"
	# (outpost-scan has no conffiles: the removal took all of it.)
	in_root apt-get purge -y -q outpost-agent outpost-platform ||
	    die "apt-get purge"
	for f in /var/lib/outpost /var/log/outpost /etc/outpost /etc/default/outpostd \
	    /etc/init.d/outpostd /var/lib/outpost-platform /etc/init.d/outpost-platform; do
		[ ! -e "$root$f" ] || die "the purge left $f"
	done
	in_root dpkg -l | grep -q ' outpost' && die "dpkg still knows a package: $(in_root dpkg -l | grep outpost)"
	say "packages: OK"
}

# in_ct COMMAND...: run COMMAND in the booted container.
in_ct() {
	nsenter -t "$ct_pid" -a /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
	    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    DEBIAN_FRONTEND=noninteractive "$@"
}

# ct_admin PATH [curl args...]: an admin API request, in the container's
# network namespace.
ct_admin() {
	_p=$1
	shift
	nsenter -t "$ct_pid" --net curl -sSf \
	    --cacert "$root/var/lib/outpost-platform/ca.pem" \
	    -H "Authorization: Bearer $(cat "$root/var/lib/outpost-platform/admin.token")" \
	    "$@" "https://127.0.0.1:$PORT$_p"
}

# unit_prop UNIT PROPERTY: one property of a unit in the container.
unit_prop() {
	in_ct systemctl show -p "$2" --value "$1"
}

# host_pid UNIT: the main pid of UNIT as this (the host's) pid namespace
# numbers it.
host_pid() {
	_cp=$(unit_prop "$1" MainPID)
	for _h in /proc/[0-9]*; do
		[ "$(awk '$1 == "NSpid:" { print $NF }' "$_h/status" 2>/dev/null)" = "$_cp" ] || continue
		[ "$(readlink "$_h/ns/pid")" = "$(readlink "/proc/$ct_pid/ns/pid")" ] || continue
		echo "${_h#/proc/}"
		return 0
	done
	return 1
}

# The packages under a running systemd: the same system booted with
# systemd-nspawn (its own pid and network namespaces, loopback only).
check_systemd() {
	command -v systemd-nspawn >/dev/null || { say "systemd: no systemd-nspawn, not checked"; return 0; }
	chroot_umounts
	if ! systemd-nspawn -q -D "$root" --register=no --keep-unit \
	    --private-network /bin/true >"$work/nspawn-try" 2>&1; then
		say "systemd: systemd-nspawn cannot run here, not checked: $(head -n 3 "$work/nspawn-try")"
		chroot_mounts
		return 0
	fi
	say "systemd: booting the fresh system with systemd-nspawn"
	systemd-nspawn -q -b -D "$root" --register=no --keep-unit \
	    --private-network --console=pipe >"$work/nspawn.log" 2>&1 </dev/null &
	nspawn_pid=$!
	# The container's PID 1 (systemd), a descendant of nspawn.
	ct_pid=""
	n=0
	while [ -z "$ct_pid" ] && [ $n -lt 100 ]; do
		for c in $(pgrep -P "$nspawn_pid"); do
			for g in $(pgrep -P "$c") "$c"; do
				[ "$(cat "/proc/$g/comm" 2>/dev/null)" = systemd ] && ct_pid=$g
			done
		done
		n=$((n + 1))
		[ -n "$ct_pid" ] || sleep 0.1
	done
	[ -n "$ct_pid" ] || die "the container did not start systemd: $(cat "$work/nspawn.log")"
	wait_until 60 sh -c "nsenter -t $ct_pid -a systemctl is-system-running | grep -Eq 'running|degraded'" ||
	    die "systemd did not come up: $(in_ct systemctl is-system-running)"

	say "systemd: install $v1"
	in_ct sh -c 'cd /root/debs/v1 && apt-get install -y -q ./outpost-agent_*.deb ./outpost-platform_*.deb ./outpost-scan_*.deb' \
	    >"$work/ct-install.log" 2>&1 || die "install under systemd: $(tail -n 20 "$work/ct-install.log")"
	[ "$(in_ct systemctl is-enabled outpostd.service)" = disabled ] || die "outpostd.service enabled by the installation"
	[ "$(in_ct systemctl is-enabled outpost-platform.service)" = enabled ] || die "outpost-platform.service not enabled"
	[ "$(unit_prop outpostd ActiveState)" = inactive ] || die "outpostd started by the installation"
	[ "$(unit_prop outpost-platform ConditionResult)" = no ] ||
	    die "outpost-platform.service ran before init: $(unit_prop outpost-platform ActiveState)"

	# Type=notify: "systemctl start" returns once the daemon serves.
	in_ct outpost-platform init /var/lib/outpost-platform \
	    --listen "127.0.0.1:$PORT" >"$work/ct-init.out" || die "init under systemd"
	in_ct systemctl start outpost-platform || die "systemctl start outpost-platform: $(in_ct journalctl -u outpost-platform --no-pager | tail -n 20)"
	ct_admin /api/v1/agents >/dev/null || die "the platform did not serve when its start returned"
	pp=$(host_pid outpost-platform) || die "no platform process"
	[ "$(proc_field "$pp" Uid)" = "$(in_ct id -u outpost-platform)" ] || die "the platform's uid is $(proc_field "$pp" Uid)"
	[ "$(proc_field "$pp" CapEff)" = 0000000000000000 ] || die "the platform has capabilities $(proc_field "$pp" CapEff)"
	[ "$(proc_field "$pp" NoNewPrivs)" = 1 ] && [ "$(proc_field "$pp" Seccomp)" = 2 ] ||
	    die "the platform runs without NoNewPrivileges or its system call filter"
	configure_agent "$work/ct-init.out"
	in_ct systemctl enable --now outpostd >/dev/null 2>&1 || die "systemctl enable --now outpostd: $(in_ct journalctl -u outpostd --no-pager | tail -n 20)"
	in_ct outpostctl status >/dev/null || die "the agent did not answer when its start returned"
	wait_until 60 sh -c "nsenter -t $ct_pid -a outpostctl status --json | jq -e '.platform.activation == \"activated\" and .inventory.scans >= 1'" ||
	    die "the agent under systemd did not activate and scan: $(in_ct outpostctl status --json | jq -c '.platform, .inventory.failures')"
	[ "$(in_ct outpostctl status --json | jq -c .inventory.failures)" = "{}" ] ||
	    die "inventory collectors failed under the unit's hardening: $(in_ct outpostctl status --json | jq -c .inventory.failures)"
	ap=$(host_pid outpostd) || die "no agent process"
	[ "$(proc_field "$ap" NoNewPrivs)" = 1 ] && [ "$(proc_field "$ap" Seccomp)" = 2 ] ||
	    die "the agent runs without NoNewPrivileges or its system call filter"
	# Only the four capabilities of the unit (bits 2, 19, 30, 37).
	[ $((0x$(proc_field "$ap" CapBnd) & ~0x2040080004)) -eq 0 ] ||
	    die "the agent's capability bounding set is $(proc_field "$ap" CapBnd)"
	say "systemd: both units active; platform uid $(proc_field "$pp" Uid) CapEff 0, agent CapBnd $(proc_field "$ap" CapBnd), both NoNewPrivs and seccomp"
	agent_id=$(in_ct outpostctl status --json | jq -r .platform.agent_id)

	say "systemd: upgrade to $v2 restarts both"
	a1=$(unit_prop outpostd MainPID)
	p1=$(unit_prop outpost-platform MainPID)
	in_ct sh -c 'cd /root/debs/v2 && apt-get install -y -q ./outpost-agent_*.deb ./outpost-platform_*.deb ./outpost-scan_*.deb' \
	    >"$work/ct-upgrade.log" 2>&1 || die "upgrade under systemd: $(tail -n 20 "$work/ct-upgrade.log")"
	[ "$(unit_prop outpostd ActiveState)" = active ] && [ "$(unit_prop outpostd MainPID)" != "$a1" ] ||
	    die "the upgrade did not restart the agent (pid $a1): $(tail -n 12 "$work/ct-upgrade.log"; in_ct systemctl status outpostd --no-pager | head -n 12)"
	[ "$(unit_prop outpost-platform ActiveState)" = active ] && [ "$(unit_prop outpost-platform MainPID)" != "$p1" ] ||
	    die "the upgrade did not restart the platform"
	wait_until 30 sh -c "nsenter -t $ct_pid -a outpostctl status --json | jq -e '.platform.agent_id == \"$agent_id\"'" ||
	    die "after the upgrade the agent is not $agent_id"

	say "systemd: the platform uninstalls the agent: exit 3, not restarted"
	ct_admin "/api/v1/agents/$agent_id" -X DELETE >/dev/null || die "DELETE the agent"
	in_ct outpostctl heartbeat >/dev/null 2>&1 || true
	wait_until 30 sh -c "[ \"\$(nsenter -t $ct_pid -a systemctl show -p ExecMainStatus --value outpostd)\" = 3 ]" ||
	    die "the agent did not exit 3: $(in_ct systemctl status outpostd --no-pager | tail -n 5)"
	sleep 12	# longer than RestartSec=10
	[ "$(unit_prop outpostd NRestarts)" = 0 ] && [ "$(unit_prop outpostd ActiveState)" != active ] ||
	    die "systemd restarted the uninstalled agent"

	say "systemd: remove, purge"
	in_ct apt-get remove -y -q outpost-agent outpost-platform outpost-scan >/dev/null || die "remove under systemd"
	[ "$(unit_prop outpost-platform ActiveState)" = inactive ] || die "the platform still runs after its removal"
	[ -e "$root/etc/outpost/outpost.conf" ] && [ -e "$root/var/lib/outpost-platform/platform.db" ] ||
	    die "the removal under systemd deleted configuration or state"
	in_ct apt-get purge -y -q outpost-agent outpost-platform >/dev/null || die "purge under systemd"
	for f in /etc/outpost /var/lib/outpost /var/log/outpost /var/lib/outpost-platform; do
		[ ! -e "$root$f" ] || die "the purge under systemd left $f"
	done
	kill -TERM "$nspawn_pid"
	wait_until 30 sh -c "! kill -0 $nspawn_pid 2>/dev/null" || kill -KILL "$nspawn_pid"
	wait "$nspawn_pid" 2>/dev/null || true
	nspawn_pid=""
	chroot_mounts
	say "systemd: OK"
}

# The README's first quick-start command, from the clean copy.
check_quickstart() {
	cmd=$(sed -n '/^## Quick start/,/^## /p' "$root/root/outpost/README.md" |
	    sed -n '/^```sh$/{n;p;q;}')
	[ -n "$cmd" ] || die "no command in the README's Quick start"
	say "quick start: $cmd (in a clean copy of the source)"
	in_root sh -c "cd /root/outpost && $cmd" </dev/null >"$work/quickstart.log" 2>&1 || {
		tail -n 40 "$work/quickstart.log" >&2
		die "the quick start failed"
	}
	grep -E '^(activation|agent id): ' "$work/quickstart.log" ||
	    die "the quick start showed no activated agent"
	grep -q '^activation: *activated$' "$work/quickstart.log" ||
	    die "the quick start's agent is not activated"
	say "quick start: OK"
}

# The part in the private network and mount namespaces.
inside() {
	root=$1
	work=$2
	trap inside_cleanup EXIT
	trap 'exit 130' INT TERM
	ip link set lo up
	chroot_mounts
	# The archive, and nothing else, through the relay on the host.
	socat TCP-LISTEN:3142,bind=127.0.0.1,reuseaddr,fork \
	    "UNIX-CONNECT:$work/archive.sock" &
	relay_in=$!
	echo 'Acquire::http::Proxy "http://127.0.0.1:3142/";' \
	    >"$root/etc/apt/apt.conf.d/00fresh-check-proxy"
	wait_until 10 socat -u /dev/null TCP:127.0.0.1:3142 ||
	    die "the archive relay does not listen"
	audit_used=""
	nspawn_pid=""
	check_packages
	if [ -n "$audit_used" ]; then
		flock -u 9
		audit_used=""
	fi
	check_systemd
	in_root apt-get autoremove --purge -y -q >/dev/null
	check_quickstart
}

if [ "${1:-}" = --inside ]; then
	shift
	inside "$@"
	exit 0
fi

# ---- On the host ----

[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap, chroot, namespaces)"
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" 2>/dev/null && pwd) || build=$top/build
FRESH_T0=$(date +%s)
export FRESH_T0

# What the check needs on this machine.
need=""
for p in mmdebstrap socat debhelper lintian dpkg-dev fakeroot jq curl \
    util-linux iproute2 procps systemd systemd-container; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
	    need="$need $p"
done
if [ -n "$need" ]; then
	say "installing$need"
	apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need
fi
git -C "$top" rev-parse --git-dir >/dev/null 2>&1 ||
    die "$top is not a git checkout (the clean copy is its tracked files)"

# 1. The packages, as they are and as a higher version.
if [ ! -f "$build/Makefile" ]; then
	[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi)
	mkdir -p "$build"
	(cd "$build" && "$top/configure" >/dev/null)
fi
v1=$(sed -n '1s/^outpost (\(.*\)).*/\1/p' "$top/dist/debian/changelog")
v2="$v1+fresh1"
if [ -n "${FRESH_REUSE_DEBS:-}" ] && ls "$build"/deb/*.deb "$build"/deb-up/*.deb >/dev/null 2>&1; then
	say "reusing the packages of $build/deb and $build/deb-up (FRESH_REUSE_DEBS)"
else
	say "make deb ($v1), then DEB_VERSION=$v2"
	make -C "$build" deb >"$build/fresh-deb.log" 2>&1 ||
	    { tail -n 40 "$build/fresh-deb.log" >&2; die "make deb"; }
	sed -n '/^lintian /,/^deb\//p' "$build/fresh-deb.log" | grep -v '^running with root' || true
	make -C "$build" deb DEB_DIR=deb-up DEB_VERSION="$v2" \
	    DEB_BUILD_OPTIONS=nocheck >"$build/fresh-deb-up.log" 2>&1 ||
	    { tail -n 40 "$build/fresh-deb-up.log" >&2; die "make deb DEB_VERSION=$v2"; }
fi

# 2. The fresh system.
work=$(mktemp -d "$build/fresh.XXXXXX")
root=$work/root
relay_out=""
# Remove everything at exit; the mounts lived in the namespace only.
host_cleanup() {
	set +e
	[ -n "$relay_out" ] && kill "$relay_out" 2>/dev/null
	if grep -q " $work/" /proc/self/mounts; then
		echo "fresh-check: $work still has mounts; not removing it" >&2
	else
		rm -rf "$work"
	fi
}
trap host_cleanup EXIT
trap 'exit 130' INT TERM
say "mmdebstrap --variant=minbase $SUITE"
mmdebstrap --quiet --variant=minbase --include=systemd,systemd-sysv "$SUITE" "$root" \
    "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" \
    "deb ${MIRROR%/debian}/debian-security $SUITE-security main" ||
    die "mmdebstrap"
mkdir -p "$root/root/debs/v1" "$root/root/debs/v2" "$root/root/outpost"
cp "$build"/deb/outpost-agent_*.deb "$build"/deb/outpost-platform_*.deb \
    "$build"/deb/outpost-scan_*.deb "$root/root/debs/v1/"
cp "$build"/deb-up/outpost-agent_*.deb "$build"/deb-up/outpost-platform_*.deb \
    "$build"/deb-up/outpost-scan_*.deb "$root/root/debs/v2/"
(cd "$top" && git ls-files -z | tar --null --no-recursion -T - -cf -) |
    tar -C "$root/root/outpost" -xf -

# The archive relay: a UNIX socket to the archive's host, port 80.
archive_host=$(echo "$MIRROR" | sed -n 's|^http://\([^/:]*\).*|\1|p')
[ -n "$archive_host" ] || die "MIRROR must be an http:// URL"
socat "UNIX-LISTEN:$work/archive.sock,fork,mode=600" \
    "TCP:$archive_host:80" &
relay_out=$!

# 3. The checks, in namespaces of their own.
unshare --net --mount --propagation private --fork -- \
    sh "$0" --inside "$root" "$work"
say "OK"
