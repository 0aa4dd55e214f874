#!/bin/sh
# Users and roles: "outpost-platform user add|list|passwd|del" make an admin
# and a reader who both sign in; every write of the reader (session or
# token) is refused with 403 naming its role and changes nothing, the
# admin's succeed. API tokens are shown once, kept hashed, can be read-only
# and stop at once when revoked; the admin token keeps working. No password
# or token reaches the log.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

start_platform "$T/p"
activate web-01
conf=$PDIR/platform.conf

# init made a first admin, its password in admin.password (0600).
[ "$(stat -c %a "$PDIR/admin.password")" = 600 ] ||
    fail "admin.password is not mode 0600"
assert_grep "$T/init.out" '^admin_user: admin$'
assert_grep "$T/init.out" "^admin_password_file: $PDIR/admin.password\$"
assert_grep "$T/init.out" "^sign in: POST https://127.0.0.1:$PORT/api/v1/session as user admin"
assert_grep "$T/init.out" "^console: https://127.0.0.1:$PORT/ \\(sign in as admin with the password in $PDIR/admin.password\\)"
initial=$(cat "$PDIR/admin.password")
expect 201 signin admin "$initial"
assert_json .role admin

# user add: an admin and a reader.
add_user alice admin alice-secret-1
assert_grep "$T/user-add.out" '^user alice \(admin\) added$'
add_user bob reader bob-secret-22
# Refused: a taken name (in any case), a bad role, a short password, a bad
# name, no terminal without --password-stdin, passwords that differ.
printf 'carol-secret-1\n' | assert_fails "$PLATFORM" user add ALICE \
    --role reader --password-stdin -c "$conf" 2>"$T/err"
assert_grep "$T/err" 'a user named ALICE exists'
printf 'carol-secret-1\n' | assert_fails "$PLATFORM" user add carol \
    --role root --password-stdin -c "$conf" 2>"$T/err"
assert_grep "$T/err" 'needs --role admin or --role reader'
printf 'short\n' | assert_fails "$PLATFORM" user add carol --role reader \
    --password-stdin -c "$conf" 2>"$T/err"
assert_grep "$T/err" 'at least 8 bytes'
printf 'carol-secret-1\n' | assert_fails "$PLATFORM" user add 'ca rol' \
    --role reader --password-stdin -c "$conf" 2>"$T/err"
assert_grep "$T/err" 'a user name is 1 to 64'
if command -v setsid >/dev/null; then
	assert_fails setsid -w "$PLATFORM" user add carol --role reader \
	    -c "$conf" </dev/null 2>"$T/err"
	assert_grep "$T/err" 'no terminal to read the password from; use --password-stdin'
fi
# -c takes the platform directory too.
"$PLATFORM" user list -c "$PDIR" >"$T/list" || fail "user list failed"
assert_grep "$T/list" '^alice +admin +never +0 +0$'
assert_grep "$T/list" '^bob +reader +never +0 +0$'
assert_grep "$T/list" '^admin +admin +[0-9T:-]+Z +0 +1$'
[ "$(grep -c . "$T/list")" = 4 ] || fail "user list: $(cat "$T/list")"

# Both sign in (names in any case); wrong passwords do not.
expect 401 signin alice bob-secret-22
assert_json .error sign_in_failed
expect 201 signin alice alice-secret-1
assert_json .user alice
assert_json .role admin
expect 201 signin BOB bob-secret-22
assert_json .user bob
assert_json .role reader
mv "$T/BOB.jar" "$T/bob.jar"
mv "$T/BOB.csrf" "$T/bob.csrf"

# The reader reads everything...
as_user bob
for p in /api/v1/agents "/api/v1/agents/$AGENT_ID" /api/v1/activation-keys \
    /api/v1/profiles /api/v1/profiles/1 /api/v1/manifests /api/v1/settings \
    /api/v1/scans /api/v1/assets /api/v1/users /api/v1/users/bob \
    /api/v1/tokens /api/v1/audit /api/v1/session; do
	expect 200 session GET "$p"
done
assert_json .role reader
assert_json .auth session

# ...and changes nothing: every write is 403 naming the role.
writes="PATCH|/api/v1/agents/$AGENT_ID|{\"tags\":[\"x\"]}
POST|/api/v1/activation-keys|{\"name\":\"k2\"}
PATCH|/api/v1/activation-keys/$ACTIVATION_ID|{\"enabled\":false}
POST|/api/v1/profiles|{\"name\":\"p2\"}
PATCH|/api/v1/profiles/1|{\"data_collection_paused\":true}
POST|/api/v1/manifests|{\"type\":\"fim\",\"body\":{}}
PATCH|/api/v1/settings|{\"accept_correlation_id\":true}
POST|/api/v1/scans|{\"target\":\"192.0.2.1\"}
POST|/api/v1/users|{\"name\":\"eve\",\"role\":\"admin\",\"password\":\"eve-secret-1\"}
PATCH|/api/v1/users/bob|{\"role\":\"admin\"}
DELETE|/api/v1/users/alice|
DELETE|/api/v1/agents/$AGENT_ID|"
# (IFS: one request per line)
old_ifs=$IFS
IFS='
'
for w in $writes; do
	IFS=$old_ifs
	m=${w%%|*}
	rest=${w#*|}
	p=${rest%%|*}
	b=${rest#*|}
	if [ -n "$b" ]; then
		expect 403 session "$m" "$p" -d "$b"
	else
		expect 403 session "$m" "$p"
	fi
	assert_json .error forbidden
	assert_json .role reader
	assert_json .message 'the reader role can read but not change anything'
done
IFS=$old_ifs
expect 200 admin GET "/api/v1/agents/$AGENT_ID"
assert_json '.tags | length' 0
expect 200 admin GET /api/v1/activation-keys
assert_json .count 1
assert_json '.activation_keys[0].enabled' true
expect 200 admin GET /api/v1/profiles
assert_json .count 1
assert_json '.profiles[0].version' 1
expect 200 admin GET /api/v1/manifests/fim
assert_json .version 1
expect 200 admin GET /api/v1/settings
assert_json .accept_correlation_id false
expect 200 admin GET /api/v1/scans
assert_json .count 0
expect 200 admin GET /api/v1/users
assert_json '[.users[] | "\(.name):\(.role)"] | join(",")' \
    admin:admin,alice:admin,bob:reader

# The admin's writes succeed.
as_user alice
expect 200 session PATCH "/api/v1/agents/$AGENT_ID" -d '{"tags":["x"]}'
expect 201 session POST /api/v1/activation-keys -d '{"name":"k2"}'
expect 200 session PATCH "/api/v1/activation-keys/$ACTIVATION_ID" \
    -d '{"enabled":true}'
expect 201 session POST /api/v1/profiles -d '{"name":"p2"}'
expect 200 session PATCH /api/v1/profiles/1 -d '{"log_level":"debug"}'
assert_json .version 2
expect 201 session POST /api/v1/manifests -d '{"type":"fim","body":{}}'
expect 200 session PATCH /api/v1/settings -d '{"accept_correlation_id":true}'
expect 201 session POST /api/v1/scans -d '{"target":"192.0.2.1"}'
expect 201 session POST /api/v1/users \
    -d '{"name":"eve","role":"admin","password":"eve-secret-1"}'
assert_json .role admin
expect 409 session POST /api/v1/users \
    -d '{"name":"EVE","role":"reader","password":"eve-secret-1"}'
expect 400 session POST /api/v1/users \
    -d '{"name":"eve2","role":"reader","password":"short"}'
assert_json .field password
expect 200 session PATCH /api/v1/users/eve -d '{"role":"reader"}'
assert_json .role reader
expect 201 signin eve eve-secret-1
assert_json .role reader
as_user alice
expect 200 session PATCH /api/v1/users/eve -d '{"password":"eve-secret-2"}'
# A new password ends the user's sessions.
as_user eve
expect 401 session GET /api/v1/session
assert_json .error invalid_session
expect 201 signin eve eve-secret-2
as_user alice
expect 200 session DELETE /api/v1/users/eve
assert_json .deleted true
expect 401 signin eve eve-secret-2

# API tokens: shown once, kept as the SHA-256 of their secret.
as_user alice
expect 201 session POST /api/v1/tokens -d '{"name":"ci"}'
tok=$(jout .token)
tid=$(jout .token_id)
assert_json .user alice
assert_json .read_only false
printf '%s' "$tok" | grep -Eq '^opt_[0-9a-f]{16}_[0-9a-f]{64}$' ||
    fail "token $tok is not of the documented form"
secret=${tok##*_}
hash=$(printf '%s' "$secret" | sha256sum | cut -d' ' -f1)
expect 200 admin GET /api/v1/tokens
assert_json "[.tokens[] | select(.token_id == \"$tid\")] | length" 1
assert_json '[.tokens[] | has("token")] | any' false
expect 200 http GET /api/v1/session "$tok"
assert_json .user alice
assert_json .auth token
assert_json .token_name ci
expect 200 http PATCH /api/v1/settings "$tok" -d '{"accept_correlation_id":false}'
# A read-only token reads and is a reader for writes.
expect 201 session POST /api/v1/tokens -d '{"name":"dash","read_only":true}'
rotok=$(jout .token)
expect 200 http GET /api/v1/agents "$rotok"
expect 403 http PATCH /api/v1/settings "$rotok" -d '{"accept_correlation_id":true}'
assert_json .role reader
# It cannot make itself a token that writes.
expect 403 http POST /api/v1/tokens "$rotok" -d '{"name":"x","read_only":false}'
# A reader makes read-only tokens only, and revokes only its own.
as_user bob
expect 201 session POST /api/v1/tokens -d '{"name":"bob-ro"}'
assert_json .read_only true
bobtok=$(jout .token)
bobtid=$(jout .token_id)
expect 403 session POST /api/v1/tokens -d '{"name":"bob-rw","read_only":false}'
expect 403 session POST /api/v1/tokens -d '{"name":"x","user":"alice"}'
expect 403 session DELETE "/api/v1/tokens/$tid"
assert_json .error forbidden
expect 403 http PATCH /api/v1/settings "$bobtok" -d '{"accept_correlation_id":true}'
assert_json .role reader
expect 200 session DELETE "/api/v1/tokens/$bobtid"
expect 401 http GET /api/v1/agents "$bobtok"

# A revoked token stops at once: the very next request is refused.
expect 200 http GET /api/v1/agents "$tok"
as_user alice
expect 200 session DELETE "/api/v1/tokens/$tid"
assert_json .revoked_at "$(jout .revoked_at)"
[ "$(jout .revoked_at)" != null ] || fail "no revoked_at: $(cat "$OUT")"
expect 401 http GET /api/v1/agents "$tok"
assert_json .error invalid_token
assert_json .message 'this API token was revoked'
expect 401 http PATCH /api/v1/settings "$tok" -d '{"accept_correlation_id":true}'
expect 404 session DELETE /api/v1/tokens/0000000000000000

# The admin token is an API token with the admin role.
expect 200 admin GET /api/v1/session
assert_json .auth admin_token
assert_json .role admin
assert_json .user null
expect 200 admin PATCH /api/v1/settings -d '{"accept_correlation_id":false}'
expect 400 admin POST /api/v1/tokens -d '{"name":"x"}'
assert_json .field user
expect 201 admin POST /api/v1/tokens -d '{"name":"for-bob","user":"bob"}'
assert_json .user bob
assert_json .read_only false
bob2=$(jout .token)
# Its user is a reader: so is the token.
expect 403 http PATCH /api/v1/settings "$bob2" -d '{"accept_correlation_id":true}'

# user passwd: the sessions end; the old password stops working.
printf 'alice-secret-2\n' | "$PLATFORM" user passwd alice --password-stdin \
    -c "$conf" >"$T/passwd.out" 2>&1 || fail "passwd: $(cat "$T/passwd.out")"
assert_grep "$T/passwd.out" 'password of alice changed; its sessions ended'
as_user alice
expect 401 session GET /api/v1/session
expect 401 signin alice alice-secret-1
expect 201 signin alice alice-secret-2
# Changing the first admin's password removes admin.password.
printf 'admin-secret-9\n' | "$PLATFORM" user passwd admin --password-stdin \
    -c "$conf" >"$T/passwd.out" 2>&1 || fail "passwd: $(cat "$T/passwd.out")"
assert_grep "$T/passwd.out" "^removed $PDIR/admin.password\$"
[ ! -e "$PDIR/admin.password" ] || fail "admin.password is still there"
expect 201 signin admin admin-secret-9

# user del: the user's sessions and tokens stop; never the last admin.
"$PLATFORM" user del bob -c "$conf" >"$T/del.out" 2>&1 ||
    fail "del: $(cat "$T/del.out")"
as_user bob
expect 401 session GET /api/v1/session
expect 401 http GET /api/v1/agents "$bob2"
"$PLATFORM" user del admin -c "$conf" >"$T/del.out" 2>&1 ||
    fail "del: $(cat "$T/del.out")"
assert_fails "$PLATFORM" user del alice -c "$conf" 2>"$T/err"
assert_grep "$T/err" 'alice is the last admin'
as_user alice
expect 409 session DELETE /api/v1/users/alice
assert_json .message 'alice is the last admin'
expect 409 session PATCH /api/v1/users/alice -d '{"role":"reader"}'
"$PLATFORM" user list -c "$conf" >"$T/list"
[ "$(grep -c . "$T/list")" = 2 ] || fail "user list: $(cat "$T/list")"

# Nothing secret reached the log.
for s in "$initial" alice-secret-1 alice-secret-2 bob-secret-22 \
    eve-secret-1 eve-secret-2 admin-secret-9 "$secret" "${rotok##*_}" \
    "${bobtok##*_}" "${bob2##*_}" "$TOKEN"; do
	if grep -rqF -- "$s" "$PDIR/log" "$PDIR/stderr.log"; then
		fail "a secret ($s) is in the log"
	fi
done
# The token's secret is not in the database; its SHA-256 is.
if cat "$PDIR"/platform.db* | grep -qaF -- "$secret"; then
	fail "the token's secret is in the database"
fi
cat "$PDIR"/platform.db* | grep -qaF -- "$hash" ||
    fail "the token's SHA-256 is not in the database"
exit 0
