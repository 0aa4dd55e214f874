#!/bin/sh
# Sign-in sessions over the platform's HTTPS listener: the cookie carries
# HttpOnly, Secure and SameSite=Strict; a write made with the cookie but
# without the CSRF token, with a wrong one, from another Origin (or
# Referer, or Sec-Fetch-Site) or with no Origin at all is refused and
# changes nothing; five wrong passwords in a row lock the name (the right
# password then gets 429 with Retry-After) until the lockout ends; an
# unknown name gets the same answer as a wrong password, at the same cost;
# failures over many names lock the client address; password checks do
# not hold up other requests; sign-out; idle and absolute expiry.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

init_platform "$T/p"
cat >>"$PDIR/platform.conf" <<EOF
signin_lockout = 4s
signin_address_max_failures = 12
EOF
run_platform
add_user alice admin alice-secret-1
add_user bob reader bob-secret-22

# now_ms: the time in milliseconds.
now_ms() {
	echo $(( $(date +%s%N) / 1000000 ))
}

# raw METHOD PATH [curl args]: a request with alice's cookie and nothing
# else (the test adds the headers). Prints the status code.
raw() {
	_rm=$1
	_rp=$2
	shift 2
	curl -sS --cacert "$PDIR/ca.pem" -o "$OUT" -w '%{http_code}' \
	    -b "$T/alice.jar" -X "$_rm" "$@" "$URL$_rp"
}

# The cookie: __Host- prefix, Path=/, Secure, HttpOnly, SameSite=Strict.
expect 201 signin alice alice-secret-1
assert_json .user alice
assert_json .role admin
assert_json .idle_timeout 1800
csrf=$(jout .csrf_token)
printf '%s' "$csrf" | grep -Eq '^[0-9a-f]{64}$' || fail "csrf_token $csrf"
h=$T/signin.headers
assert_grep "$h" '^Set-Cookie: __Host-outpost_session=[0-9a-f]{64}; '
for attr in 'Path=/' 'Max-Age=43200' 'Secure' 'HttpOnly' 'SameSite=Strict'; do
	grep -i '^Set-Cookie:' "$h" | tr -d '\r' | tr ';' '\n' |
	    sed 's/^ *//' | grep -qx "$attr" ||
	    fail "the session cookie lacks $attr: $(grep -i '^Set-Cookie' "$h")"
done
assert_grep "$h" '^Cache-Control: no-store'
# The session's own endpoint, by cookie alone (a read needs no CSRF token).
expect 200 raw GET /api/v1/session
assert_json .user alice
assert_json .auth session
assert_json .csrf_token "$csrf"
expect 200 raw GET /api/v1/agents

# CSRF: each of these writes is refused and changes nothing.
body='{"accept_correlation_id":true}'
expect 403 raw PATCH /api/v1/settings -H "Origin: $URL" -d "$body"
assert_json .error csrf_failed
assert_grep "$OUT" 'X-CSRF-Token'
expect 403 raw PATCH /api/v1/settings -H "Origin: $URL" \
    -H "X-CSRF-Token: $(printf '%064d' 7)" -d "$body"
assert_json .message 'wrong X-CSRF-Token'
expect 403 raw PATCH /api/v1/settings -H "X-CSRF-Token: $csrf" \
    -H 'Origin: https://evil.example' -d "$body"
assert_json .error csrf_failed
assert_grep "$OUT" 'Origin https://evil.example is not this platform'
expect 403 raw PATCH /api/v1/settings -H "X-CSRF-Token: $csrf" -d "$body"
assert_json .message 'a request made with the session cookie needs an Origin header'
expect 403 raw PATCH /api/v1/settings -H "X-CSRF-Token: $csrf" \
    -H 'Referer: https://evil.example/page' -d "$body"
expect 403 raw PATCH /api/v1/settings -H "X-CSRF-Token: $csrf" \
    -H 'Origin: null' -d "$body"
expect 403 raw PATCH /api/v1/settings -H "X-CSRF-Token: $csrf" \
    -H "Origin: http://localhost:$PORT" -d "$body"
expect 403 raw PATCH /api/v1/settings -H "X-CSRF-Token: $csrf" \
    -H "Origin: https://localhost:$PORT.evil.example" -d "$body"
expect 403 raw PATCH /api/v1/settings -H "X-CSRF-Token: $csrf" \
    -H "Origin: $URL" -H 'Sec-Fetch-Site: cross-site' -d "$body"
assert_grep "$OUT" 'Sec-Fetch-Site: cross-site'
expect 403 raw DELETE "/api/v1/agents/00000000-0000-4000-8000-000000000000" \
    -H "Origin: https://evil.example" -H "X-CSRF-Token: $csrf"
# Another session's token is no good either.
expect 201 signin bob bob-secret-22
bobcsrf=$(jout .csrf_token)
expect 403 raw PATCH /api/v1/settings -H "Origin: $URL" \
    -H "X-CSRF-Token: $bobcsrf" -d "$body"
expect 200 admin GET /api/v1/settings
assert_json .accept_correlation_id false
# The same write from the platform's own origin (or Referer) goes through.
expect 200 raw PATCH /api/v1/settings -H "X-CSRF-Token: $csrf" \
    -H "Origin: $URL" -H 'Sec-Fetch-Site: same-origin' -d "$body"
assert_json .accept_correlation_id true
expect 200 raw PATCH /api/v1/settings -H "X-CSRF-Token: $csrf" \
    -H "Referer: $URL/agents?page=2" -d '{"accept_correlation_id":false}'
assert_json .accept_correlation_id false
# A token needs no CSRF token (no browser sends it by itself).
expect 200 admin PATCH /api/v1/settings -d '{"accept_correlation_id":false}'
# Signing in from another site's page is refused too.
expect 403 http POST /api/v1/session "" -H 'Origin: https://evil.example' \
    -d '{"name":"alice","password":"alice-secret-1"}'
assert_json .error csrf_failed

# Sign-out needs the CSRF token like any write, then ends the session.
expect 403 raw DELETE /api/v1/session -H "Origin: $URL"
expect 200 raw DELETE /api/v1/session -H "Origin: $URL" \
    -H "X-CSRF-Token: $csrf" -D "$T/out.headers"
assert_json .signed_out true
assert_grep "$T/out.headers" '^Set-Cookie: __Host-outpost_session=; Path=/; Max-Age=0'
expect 401 raw GET /api/v1/session
assert_json .error invalid_session
expect 401 http GET /api/v1/session "" \
    -H "Cookie: __Host-outpost_session=not-a-session"
assert_json .error invalid_session
expect 404 admin DELETE /api/v1/session

# Password checks run off the event loop: while eight sign-ins wait for
# theirs, a read is answered at once, not after them. (Four per name:
# attempts in flight count against the name's limit.)
burst_start=$(now_ms)
pids=
for i in 1 2 3 4 5 6 7 8; do
	if [ $((i % 2)) = 0 ]; then
		b='{"name":"alice","password":"alice-secret-1"}'
	else
		b='{"name":"bob","password":"bob-secret-22"}'
	fi
	( curl -sS --cacert "$PDIR/ca.pem" -o /dev/null -w '%{http_code}' \
	    -d "$b" "$URL/api/v1/session" >"$T/burst.$i"
	    now_ms >"$T/burst.$i.end" ) &
	pids="$pids $!"
done
sleep 0.2
read_start=$(now_ms)
expect 200 admin GET /api/v1/agents
read_done=$(now_ms)
# shellcheck disable=SC2086
wait $pids
last=0
for i in 1 2 3 4 5 6 7 8; do
	[ "$(cat "$T/burst.$i")" = 201 ] || fail "sign-in $i of the burst: $(cat "$T/burst.$i")"
	e=$(cat "$T/burst.$i.end")
	[ "$e" -gt "$last" ] && last=$e
done
note "a read took $((read_done - read_start)) ms while 8 sign-ins took $((last - burst_start)) ms"
[ $(( (read_done - read_start) * 4 )) -lt $((last - burst_start)) ] ||
    fail "a read waited for the password checks"

# Rate limits. A wrong password and an unknown name: the same answer.
expect 401 signin ghost-1 wrong-password
cp "$OUT" "$T/unknown.json"
expect 401 signin bob wrong-password
cmp -s "$OUT" "$T/unknown.json" ||
    fail "unknown name and wrong password answer differently: $(cat "$OUT") / $(cat "$T/unknown.json")"
# ...at the same cost: the unknown name's scrypt work is done too.
known=999999
unknown=999999
for i in 1 2; do
	t=$(curl -sS --cacert "$PDIR/ca.pem" -o /dev/null -w '%{time_total}' \
	    -d '{"name":"bob","password":"wrong-password"}' "$URL/api/v1/session")
	known=$(echo "$t $known" | awk '{ print ($1 < $2) ? $1 : $2 }')
	t=$(curl -sS --cacert "$PDIR/ca.pem" -o /dev/null -w '%{time_total}' \
	    -d "{\"name\":\"ghost-x$i\",\"password\":\"wrong-password\"}" \
	    "$URL/api/v1/session")
	unknown=$(echo "$t $unknown" | awk '{ print ($1 < $2) ? $1 : $2 }')
done
note "sign-in refused in ${known} s (wrong password), ${unknown} s (unknown name)"
echo "$known $unknown" | awk '{ exit !($2 >= 0.3 * $1) }' ||
    fail "an unknown name is answered much faster ($unknown s) than a wrong password ($known s)"
# That made three failures for bob; two more: five in a row.
expect 401 signin bob wrong-password
expect 401 signin bob wrong-password
# Now even the right password is refused, with a clear answer.
expect 429 signin bob bob-secret-22
assert_json .error too_many_attempts
assert_grep "$OUT" 'too many failed sign-ins for this user name; try again in [1-4] seconds'
assert_grep "$T/signin.headers" '^Retry-After: [1-4]'
# The lock is the name's: alice still signs in (in any case too).
expect 429 signin BOB bob-secret-22
expect 201 signin alice alice-secret-1
# Once the lockout is over, the right password works.
start=$(now_ms)
wait_for 15 sh -c "[ \"\$(curl -sS --cacert '$PDIR/ca.pem' -o /dev/null \
    -w '%{http_code}' -d '{\"name\":\"bob\",\"password\":\"bob-secret-22\"}' \
    '$URL/api/v1/session')\" = 201 ]" ||
    fail "bob is still locked out after 15 s"
note "the lock of bob ended after $(( $(now_ms) - start )) ms"

# Failures over many names from one address lock the address.
n=0
while :; do
	n=$((n + 1))
	[ "$n" -le 13 ] || fail "the address was never locked"
	code=$(signin "nobody-$n" wrong-password)
	[ "$code" = 401 ] && continue
	[ "$code" = 429 ] || fail "sign-in $n: HTTP $code: $(cat "$OUT")"
	break
done
assert_grep "$OUT" 'too many failed sign-ins from this address'
note "the address was locked at attempt $n"
expect 429 signin alice alice-secret-1
wait_for 15 sh -c "[ \"\$(curl -sS --cacert '$PDIR/ca.pem' -o /dev/null \
    -w '%{http_code}' -d '{\"name\":\"alice\",\"password\":\"alice-secret-1\"}' \
    '$URL/api/v1/session')\" = 201 ]" ||
    fail "the address is still locked out after 15 s"
# Every attempt is in the audit trail, the locked ones as refused.
expect 200 admin GET '/api/v1/audit?resource=/api/v1/session&outcome=refused&limit=1000'
assert_json '[.entries[] | select(.error == "too_many_attempts")] | length >= 3' true
assert_json '[.entries[] | select(.actor == "bob" and .error == "sign_in_failed")] | length' 5

# Idle and absolute expiry (reloaded: 3 s idle, 8 s in all).
cat >>"$PDIR/platform.conf" <<EOF
session_idle_timeout = 3s
session_lifetime = 8s
EOF
kill -HUP "$PLATFORM_PID"
wait_for 10 grep -q 'reloaded' "$PDIR/log/platform.log" ||
    fail "the platform did not reload"
expect 201 signin alice alice-secret-1
assert_json .idle_timeout 3
expect 200 raw GET /api/v1/session
sleep 4
expect 401 raw GET /api/v1/session
assert_json .error invalid_session
assert_json .message 'the session expired; sign in again'
# In use all along, a session still ends at its absolute expiry.
expect 201 signin alice alice-secret-1
start=$(now_ms)
while [ "$(raw GET /api/v1/session)" = 200 ]; do
	[ $(( $(now_ms) - start )) -lt 20000 ] ||
	    fail "the session outlived its lifetime"
	sleep 0.5
done
ended=$(( $(now_ms) - start ))
assert_json .error invalid_session
note "a session in use ended after $ended ms (lifetime 8 s)"
[ "$ended" -ge 7000 ] || fail "the session ended after $ended ms, before 8 s"
exit 0
