# tests/lib-update.sh: helpers for the self-update tests (outpostd(8),
# SELF-UPDATE): a release key pair, releases of this build with another
# version string (make agent-release RELEASE_VERSION=..., one small
# compile and two links in a private directory), releases of scripts
# that leave a marker file when they run, profiles with an update policy,
# and the agent whose pid may change when it is rolled back. Source after
# tests/lib.sh and tests/lib-platform.sh.

command -v openssl >/dev/null 2>&1 || skip "openssl is not installed"
command -v make >/dev/null 2>&1 || skip "make is not installed"

AGENT_VERSION=$("$OUTPOSTD" -V | sed 's/^outpostd //')
RELEASE_OS=$(uname -s | tr '[:upper:]' '[:lower:]')
RELEASE_ARCH=$(uname -m)
RELEASE_TOOL="$abs_top_srcdir/dist/agent-release.sh"

# release_key NAME: an Ed25519 key pair $T/NAME.key, $T/NAME.pub.
release_key() {
	openssl genpkey -algorithm ed25519 -out "$T/$1.key" 2>/dev/null &&
	    openssl pkey -in "$T/$1.key" -pubout -out "$T/$1.pub" ||
	    fail "cannot make the key pair $1"
}

# build_release VERSION OUT [KEY]: this build's outpostd and outpostctl as
# release VERSION signed with $T/KEY.key (default "release"), by make
# agent-release in a private work directory. Prints nothing.
build_release() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$abs_top_builddir" \
	    agent-release RELEASE_VERSION="$1" RELEASE_KEY="$T/${3:-release}.key" \
	    RELEASE_WORK="$T/release-work" RELEASE_OUT="$2" \
	    >"$T/release-build.log" 2>&1 ||
	    fail "make agent-release $1: $(tail -n 20 "$T/release-build.log")"
}

# script_release VERSION OUT KEY SCRIPT: a release whose outpostd is the
# shell script SCRIPT, signed with $T/KEY.key.
script_release() {
	_sd="$T/script-$1-$3"
	rm -rf "$_sd"
	mkdir -p "$_sd"
	printf '#!/bin/sh\n%s\n' "$4" > "$_sd/outpostd"
	chmod 0755 "$_sd/outpostd"
	cp "$OUTPOSTCTL" "$_sd/outpostctl"
	sh "$RELEASE_TOOL" -v "$1" -o "$RELEASE_OS" -a "$RELEASE_ARCH" \
	    -k "$T/$3.key" -f "$2" "$_sd/outpostd" "$_sd/outpostctl" \
	    >"$T/release-build.log" 2>&1 ||
	    fail "script release $1: $(cat "$T/release-build.log")"
}

# add_release FILE: outpost-platform release add FILE on the platform of PDIR.
add_release() {
	"$PLATFORM" release add "$1" -c "$PDIR" >"$T/release-add.out" 2>&1 ||
	    fail "release add $1: $(cat "$T/release-add.out")"
}

# update_profile NAME UPDATE_JSON: a profile (heartbeat every 10 s) with
# this update policy, assigned to the activation key. Sets PROF.
update_profile() {
	key_profile "$1" ",\"update\":$2${3:-}"
}

# update_agent DIR [LINES]: the agent of this platform with the release key
# $T/release.pub; kills whatever process holds its pid file at exit (a
# rollback runs the previous version in another process).
update_agent() {
	_ud=$1
	shift
	platform_agent "$_ud" "release_key = $T/release.pub" "$@"
	at_exit "update_kill $_ud"
}

# update_kill DIR: stop the agent of DIR, whatever its pid now.
update_kill() {
	_p=$(cat "$1/run/outpostd.pid" 2>/dev/null)
	[ -n "$_p" ] && kill -TERM "$_p" 2>/dev/null
	wait_for 10 sh -c "! kill -0 $_p 2>/dev/null"
}

# agent_pid: the pid in the agent's pid file ($CONF's run_dir).
agent_pid() {
	cat "${CONF%/*}/run/outpostd.pid" 2>/dev/null
}

# agent_update FILTER: jq -e FILTER over the platform's update object of $AID.
agent_update() {
	admin_check "/api/v1/agents/$AID" ".update | $1"
}

# wait_agent_update SECONDS FILTER: wait for agent_update FILTER, or fail.
wait_agent_update() {
	wait_for "$1" agent_update "$2" ||
	    fail "the platform never showed update $2: $(admin_json "/api/v1/agents/$AID" -c .update) (agent: $(status_value -c .update 2>/dev/null))"
}

# rollout VERSION: the rollout summary of VERSION into $OUT.
rollout() {
	expect 200 admin GET "/api/v1/releases/$1/rollout"
}
