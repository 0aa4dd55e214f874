# tests/lib-platform.sh: helpers for the black-box tests against a real
# outpost-platform: starting it, requests to its agent and admin APIs, and
# agents of it (their configuration, activation, inventory). Source after
# tests/lib.sh. Every request goes over real TLS, verified against the
# platform's own CA (curl --cacert, never -k).

command -v curl >/dev/null 2>&1 || skip "curl is not installed"
command -v jq >/dev/null 2>&1 || skip "jq is not installed"
[ -x "$PLATFORM" ] || skip "outpost-platform is not built"

OUT="$T/out"

# init_platform DIR [INIT ARGS...]: make a platform directory on a free port
# (outpost-platform init DIR --listen 127.0.0.1:PORT INIT ARGS) serving the
# console of the source tree. Sets PDIR, PORT, URL, TOKEN, CUSTOMER_ID,
# ACTIVATION_ID.
init_platform() {
	PDIR=$1
	shift
	PORT=$(free_port)
	"$PLATFORM" init "$PDIR" --listen "127.0.0.1:$PORT" "$@" \
	    >"$T/init.out" 2>"$T/init.err" ||
	    fail "init $PDIR: $(cat "$T/init.err")"
	# The console from the source tree (outpost-platform(8), console_dir).
	echo "console_dir = $abs_top_srcdir/console" >>"$PDIR/platform.conf"
	CUSTOMER_ID=$(sed -n 's/^customer_id: //p' "$T/init.out")
	ACTIVATION_ID=$(sed -n 's/^activation_id: //p' "$T/init.out")
	[ -n "$CUSTOMER_ID" ] && [ -n "$ACTIVATION_ID" ] ||
	    fail "init printed no ids: $(cat "$T/init.out")"
	URL="https://localhost:$PORT"
	TOKEN=$(cat "$PDIR/admin.token")
}

# run_platform [flags...]: start the platform of PDIR in the foreground
# (in the background of this shell) and wait until it answers. Sets
# PLATFORM_PID. $PLATFORM_PREFIX, when set, is a command that runs it
# ("prlimit --nofile=1024:1024"; it must exec the platform).
run_platform() {
	${PLATFORM_PREFIX:-} "$PLATFORM" -f -d -c "$PDIR/platform.conf" "$@" \
	    >>"$PDIR/stderr.log" 2>&1 &
	PLATFORM_PID=$!
	at_exit "kill -KILL $PLATFORM_PID 2>/dev/null"
	wait_for 20 curl -sSf --cacert "$PDIR/ca.pem" \
	    -H "Authorization: Bearer $TOKEN" "$URL/api/v1/settings" ||
	    fail "outpost-platform did not come up: $(tail -n 20 \
	    "$PDIR/stderr.log")"
}

# start_platform DIR [INIT ARGS...]: init_platform and run_platform.
start_platform() {
	init_platform "$@"
	run_platform
}

# stop_platform [SIGNAL]: signal the platform (TERM) and wait for it.
stop_platform() {
	kill "-${1:-TERM}" "$PLATFORM_PID" 2>/dev/null
	wait "$PLATFORM_PID" 2>/dev/null
	PLATFORM_RC=$?
}

# http METHOD PATH BEARER [curl args...]: send a request (no auth header
# when BEARER is empty). The body goes to $OUT; prints the status code.
http() {
	_m=$1
	_p=$2
	_a=$3
	shift 3
	if [ -n "$_a" ]; then
		set -- -H "Authorization: Bearer $_a" "$@"
	fi
	curl -sS --cacert "$PDIR/ca.pem" -o "$OUT" -w '%{http_code}' \
	    -X "$_m" "$@" "$URL$_p"
}

# admin METHOD PATH [curl args...]: an admin API request.
admin() {
	_am=$1
	_ap=$2
	shift 2
	http "$_am" "$_ap" "$TOKEN" "$@"
}

# agent METHOD PATH [curl args...]: an agent API request with $CRED.
agent() {
	_gm=$1
	_gp=$2
	shift 2
	http "$_gm" "$_gp" "$CRED" "$@"
}

# expect CODE COMMAND...: run a request command; fail unless it answered CODE.
expect() {
	_want=$1
	shift
	_got=$("$@")
	[ "$_got" = "$_want" ] ||
	    fail "$*: HTTP $_got, expected $_want: $(cat "$OUT" 2>/dev/null)"
}

# jout FILTER: jq -r FILTER over the last answer.
jout() {
	jq -r "$1" "$OUT"
}

# assert_json FILTER VALUE: the last answer's FILTER must be VALUE.
assert_json() {
	_v=$(jq -r "$1" "$OUT" 2>&1)
	[ "$_v" = "$2" ] || fail "$1 is \"$_v\", expected \"$2\" in $(cat "$OUT")"
}

# activation_body HOSTNAME [ACTIVATION_ID [CUSTOMER_ID]]: print the body.
activation_body() {
	printf '{"activation_id":"%s","customer_id":"%s","host":{"hostname":"%s","os":"Debian GNU/Linux","os_version":"12","arch":"x86_64","agent_version":"0.1.0","ip_addresses":["192.0.2.10"]}}' \
	    "${2:-$ACTIVATION_ID}" "${3:-$CUSTOMER_ID}" "$1"
}

# activate HOSTNAME [ACTIVATION_ID]: activate an agent; sets CRED, AGENT_ID,
# CORRELATION_ID.
activate() {
	expect 201 http POST /agent/v1/activate "" \
	    -d "$(activation_body "$1" "${2:-$ACTIVATION_ID}")"
	CRED=$(jout .credential)
	AGENT_ID=$(jout .agent_id)
	CORRELATION_ID=$(jout .correlation_id)
}

# claim_agent AID CID [PROOF]: activate as host "thief" naming agent AID
# (correlation id CID) with previous_credential PROOF (none when absent):
# fail unless the answer is another agent, with another correlation id,
# that shows claimed_agent_id AID. Sets CLAIMANT.
claim_agent() {
	_body=$(activation_body thief | jq -c --arg id "$1" --arg p "${3:-}" \
	    '. + {previous_agent_id: $id} +
	    (if $p == "" then {} else {previous_credential: $p} end)')
	expect 201 http POST /agent/v1/activate "" -d "$_body"
	CLAIMANT=$(jout .agent_id)
	[ "$CLAIMANT" != "$1" ] || fail "a claim without proof got agent $1"
	[ "$(jout .correlation_id)" != "$2" ] || fail "a claim got the correlation id of $1"
	expect 200 admin GET "/api/v1/agents/$CLAIMANT"
	assert_json .claimed_agent_id "$1"
	assert_json .hostname thief
}

# heartbeat [BODY]: send a heartbeat with $CRED; prints the status code.
heartbeat() {
	if [ $# -eq 0 ]; then
		set -- '{}'
	fi
	agent POST /agent/v1/heartbeat -d "$1"
}

# admin_get PATH: print an admin GET's answer (not in $OUT); fails unless 200.
admin_get() {
	_gc=$(curl -sS --cacert "$PDIR/ca.pem" -H "Authorization: Bearer $TOKEN" \
	    -o "$T/admin-get.json" -w '%{http_code}' "$URL$1") || return 1
	cat "$T/admin-get.json"
	[ "$_gc" = 200 ]
}

# admin_json PATH [JQ OPTIONS] FILTER: print jq -r FILTER of admin_get PATH.
admin_json() {
	admin_get "$1" >/dev/null || return 1
	shift
	jq -r "$@" "$T/admin-get.json"
}

# admin_check PATH FILTER: succeed when jq -e FILTER holds for admin_get PATH.
admin_check() {
	admin_get "$1" >/dev/null && jq -e "$2" "$T/admin-get.json" >/dev/null
}

# platform_has_error AID CODE: succeed when the platform holds AID's error CODE.
platform_has_error() {
	admin_check "/api/v1/agents/$1/errors" \
	    ".errors | map(.code) | index(\"$2\") != null"
}

# key_profile NAME MEMBERS: create profile NAME (heartbeat every 10 s) with
# the JSON object members MEMBERS (",\"fim\":{...}"), assign it to the
# activation key. Sets PROF.
key_profile() {
	expect 201 admin POST /api/v1/profiles -d "{\"name\":\"$1\",\"heartbeat_interval\":10$2}"
	PROF=$(jout .id)
	expect 200 admin PATCH "/api/v1/activation-keys/$ACTIVATION_ID" \
	    -d "{\"profile_id\":$PROF}"
}

# platform_agent_conf DIR [LINES]: DIR/outpost.conf for this platform, sets CONF
platform_agent_conf() {
	_ad=$1
	shift
	write_agent_conf "$_ad" "platform_url = $URL" \
	    "activation_id = $ACTIVATION_ID" "customer_id = $CUSTOMER_ID" \
	    "ca_file = $PDIR/ca.pem" "proxy_file = $_ad/proxy.conf" "$@"
	CONF="$_ad/outpost.conf"
}

# platform_agent DIR [LINES]: platform_agent_conf, then start_agent DIR.
platform_agent() {
	platform_agent_conf "$@"
	start_agent "$1"
}

# wait_activated [SECONDS]: wait (10 s) for activation, or fail; sets AID.
wait_activated() {
	wait_for "${1:-10}" status_check '.platform.activation == "activated"' ||
	    fail "agent not activated: $(tail -n 5 "${CONF%/*}/log/agent.log")"
	AID=$(status_value .platform.agent_id)
}

# wait_inventory SECONDS TEST: wait for inventory version TEST ("== 3") acked.
wait_inventory() {
	wait_for "$1" status_check \
	    ".inventory.inventory_version $2 and .inventory.pending == null" ||
	    fail "agent did not reach inventory version $2: $(status_value -c .inventory)"
}

# cpu_ticks PID: the user + system clock ticks PID has used.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# platform_status [JQ OPTIONS] FILTER: jq -r FILTER over GET /api/v1/status.
platform_status() {
	admin_json /api/v1/status "$@"
}

# vm_hwm PID: the peak resident set size of PID in KiB.
vm_hwm() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"
}

# add_user NAME ROLE PASSWORD: outpost-platform user add on the platform of
# PDIR, the password on standard input.
add_user() {
	printf '%s\n' "$3" | "$PLATFORM" user add "$1" --role "$2" \
	    --password-stdin -c "$PDIR/platform.conf" >"$T/user-add.out" 2>&1 ||
	    fail "user add $1: $(cat "$T/user-add.out")"
}

# signin NAME PASSWORD: sign in (POST /api/v1/session) into the cookie jar
# $T/NAME.jar, the CSRF token into $T/NAME.csrf, the headers into
# $T/signin.headers. Prints the status code (so: expect 201 signin ...).
signin() {
	rm -f "$T/$1.jar" "$T/$1.csrf"
	_sc=$(curl -sS --cacert "$PDIR/ca.pem" -o "$OUT" -w '%{http_code}' \
	    -c "$T/$1.jar" -D "$T/signin.headers" \
	    -H 'Content-Type: application/json' \
	    -d "{\"name\":\"$1\",\"password\":\"$2\"}" "$URL/api/v1/session")
	jq -r '.csrf_token // empty' "$OUT" >"$T/$1.csrf" 2>/dev/null
	echo "$_sc"
}

# as_user NAME: the requests of session below are NAME's (signed in before).
as_user() {
	JAR=$T/$1.jar
	CSRF=$(cat "$T/$1.csrf")
}

# session METHOD PATH [curl args...]: a request with the cookie jar $JAR, the
# platform's own Origin and the X-CSRF-Token $CSRF (as_user sets both).
# Prints the status code.
session() {
	_sm=$1
	_sp=$2
	shift 2
	curl -sS --cacert "$PDIR/ca.pem" -o "$OUT" -w '%{http_code}' \
	    -b "$JAR" -H "Origin: $URL" -H "X-CSRF-Token: $CSRF" \
	    -X "$_sm" "$@" "$URL$_sp"
}

# platform_in_netns NS: the platform and agents this test starts, and its
# requests, run inside network namespace NS (see veth_netns in lib.sh).
platform_in_netns() {
	cat >"$T/ns-platform" <<EOF
#!/bin/sh
exec ip netns exec $1 "$PLATFORM" "\$@"
EOF
	cat >"$T/ns-agent" <<EOF
#!/bin/sh
exec ip netns exec $1 "$OUTPOSTD" "\$@"
EOF
	chmod +x "$T/ns-platform" "$T/ns-agent"
	PLATFORM="$T/ns-platform"
	OUTPOSTD="$T/ns-agent"
	_ns_name=$1
	_ns_curl=$(command -v curl)
	curl() {
		ip netns exec "$_ns_name" "$_ns_curl" "$@"
	}
}
