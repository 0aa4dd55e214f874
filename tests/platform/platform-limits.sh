#!/bin/sh
# Body limits: a gzip body inflating to 1 GiB is refused while the
# server's peak RSS stays under 64 MiB; bodies past max_body_size are
# refused; corrupt gzip, unknown encodings and hostile JSON get clean
# errors and the server keeps serving.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$abs_top_srcdir/tests/lib-platform.sh"

[ -r /proc/self/status ] || skip "no /proc/PID/status"
# AddressSanitizer's shadow memory and quarantine make RSS meaningless.
rss_limit=65536
if grep -q __asan_init "$PLATFORM" 2>/dev/null; then
	note "sanitizer build: peak RSS not checked"
	rss_limit=9999999
fi
start_platform "$T/p"
activate web-01

# 1 GiB of zeros, gzip -9: about 1 MiB on the wire, under max_body_size.
head -c 1073741824 /dev/zero | gzip -9 >"$T/bomb.gz"
[ "$(stat -c %s "$T/bomb.gz")" -lt 4194304 ] || fail "bomb larger than 4 MiB"
before=$(vm_hwm "$PLATFORM_PID")
expect 413 agent POST /agent/v1/inventory -H 'Content-Encoding: gzip' \
    --data-binary "@$T/bomb.gz"
assert_json .error body_too_large
expect 413 agent POST /agent/v1/fim-events -H 'Content-Encoding: gzip' \
    --data-binary "@$T/bomb.gz"
after=$(vm_hwm "$PLATFORM_PID")
note "VmHWM before ${before} KiB, after ${after} KiB"
[ "$after" -lt "$rss_limit" ] || fail "peak RSS $after KiB passed 64 MiB"

# A valid JSON document that inflates past the cap is refused too.
{
	printf '{"type":"full","data":{"blob":"'
	head -c 20000000 /dev/zero | tr '\0' a
	printf '"}}'
} | gzip -c >"$T/big.gz"
expect 413 agent POST /agent/v1/inventory -H 'Content-Encoding: gzip' \
    --data-binary "@$T/big.gz"

# Wire limit: 5 MiB plain body.
head -c 5242880 /dev/zero | tr '\0' ' ' >"$T/big.json"
code=$(agent POST /agent/v1/inventory --data-binary "@$T/big.json")
[ "$code" = 413 ] || fail "5 MiB body answered $code"

# Corrupt, truncated and unknown encodings.
printf 'this is not gzip' >"$T/bad.gz"
expect 415 agent POST /agent/v1/inventory -H 'Content-Encoding: gzip' \
    --data-binary "@$T/bad.gz"
assert_json .error unsupported_encoding
printf '{"type":"full","data":{}}' | gzip -c | head -c 20 >"$T/trunc.gz"
expect 415 agent POST /agent/v1/inventory -H 'Content-Encoding: gzip' \
    --data-binary "@$T/trunc.gz"
expect 415 agent POST /agent/v1/inventory -H 'Content-Encoding: br' -d '{}'

# Hostile JSON.
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; }' >"$T/deep.json"
expect 400 agent POST /agent/v1/inventory --data-binary "@$T/deep.json"
assert_json .error invalid_json
printf '{"type":"full","data":{}}garbage' >"$T/trail.json"
expect 400 agent POST /agent/v1/inventory --data-binary "@$T/trail.json"
printf '{"type":"full","data":{"a":"\\u0000"}}' >"$T/nul.json"
agent POST /agent/v1/inventory --data-binary "@$T/nul.json" >/dev/null
printf '{"type":"fu\000ll"}' >"$T/rawnul.json"
expect 400 agent POST /agent/v1/inventory --data-binary "@$T/rawnul.json"
jq -cn '{sequence: 9, events: [range(10001) | {time: 1, path: "/a", action: "modify"}]}' \
    >"$T/many.json"
expect 400 agent POST /agent/v1/fim-events --data-binary "@$T/many.json"
assert_json .field events
expect 400 agent POST /agent/v1/heartbeat -d '{"status":12}'
assert_json .field status
expect 400 agent POST /agent/v1/heartbeat -d '{"manifest_versions":{"fim":-1}}'
assert_json .field manifest_versions.fim
expect 400 agent POST /agent/v1/heartbeat -d '{"profile_version":1.5}'
expect 400 agent POST /agent/v1/heartbeat -d '{"correlation":{"listeners":[""]}}'
assert_json .field 'correlation.listeners[0]'

# Still serving, and still small.
expect 200 heartbeat
kill -0 "$PLATFORM_PID" || fail "the platform died"
[ "$(vm_hwm "$PLATFORM_PID")" -lt "$rss_limit" ] || fail "peak RSS passed 64 MiB"
exit 0
