/*
 * test_session.c: unit tests of session.c: the Cookie header, the origin
 * check, and, through the transport-free dispatch on an in-memory store,
 * sign-in (its job run in place of the worker thread), the session
 * cookie, CSRF, roles, API tokens (revoked, expired), the sign-in limits
 * and the expiry of sessions, with the clock moved by hand.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "api-fixture.h"
#include "api.h"
#include "jsonutil.h"
#include "log.h"
#include "pki.h"
#include "platform.h"
#include "session.h"
#include "store.h"
#include "users.h"

#define HOST	"platform.example:8443"
#define ORIGIN	"https://" HOST

/* A platform with an admin (alice) and a reader (bob). */
struct fixture {
	struct api	 api;
	int64_t		 now;
	char		 customer_id[PLATFORM_UUID_LEN + 1];
	char		 activation_id[PLATFORM_UUID_LEN + 1];
};

/* What a request sends besides method, path and body. */
struct hdrs {
	const char	*authorization;
	const char	*cookie;
	const char	*origin;
	const char	*csrf;
	const char	*address;
};

/* What came back. */
struct answer {
	int		 status;
	char		 error[64];
	char		 set_cookie[256];
	int64_t		 retry_after;
	struct json_object *json;
};

/* Headers of a request made with a session: cookie, origin, CSRF. */
static void
session_hdrs(struct hdrs *h, const char *cookie, const char *csrf)
{
	memset(h, 0, sizeof(*h));
	h->cookie = cookie;
	h->origin = ORIGIN;
	h->csrf = csrf;
}

/* Add user name with role and password (a fast hash). */
static void
add_user(struct fixture *f, const char *name, const char *role,
    const char *pw)
{
	char	 hash[USERS_HASH_MAX];

	assert_int_equal(users_password_hash(pw, 16, hash, sizeof(hash)), 0);
	assert_int_equal(store_begin(f->api.store), 0);
	assert_int_equal(store_user_add(f->api.store, name, role, hash, f->now,
	    NULL), 0);
	assert_int_equal(store_commit(f->api.store), 0);
}

/* A seeded in-memory platform with alice (admin) and bob (reader). */
static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->now = (int64_t)time(NULL);
	fixture_api(&f->api, f->customer_id, f->activation_id);
	f->api.limits.session_idle_timeout = 600;
	f->api.limits.session_lifetime = 3600;
	f->api.limits.signin_max_failures = 5;
	f->api.limits.signin_address_max_failures = 8;
	f->api.limits.signin_lockout = 300;
	f->api.limits.audit_retention = 86400;
	f->api.limits.scrypt_n = 16;
	add_user(f, "alice", "admin", "alice-secret-1");
	add_user(f, "bob", "reader", "bob-secret-22");
	*state = f;
	return 0;
}

/*
 * Dispatch one request at f->now, running a deferred job in place, and
 * commit. Fills a (free a->json with json_object_put). Returns the status.
 */
static int
call(struct fixture *f, enum api_method m, const char *path,
    const struct hdrs *h, const char *body, struct answer *a)
{
	struct api_request	 req;
	struct api_response	 res;
	struct api_job		*job;
	const char		*e;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	memset(a, 0, sizeof(*a));
	req.method = m;
	req.path = path;
	req.query = strchr(path, '?') ? strchr(path, '?') + 1 : NULL;
	req.authorization = h->authorization;
	req.cookie = h->cookie;
	req.origin = h->origin;
	req.host = HOST;
	req.csrf_token = h->csrf;
	snprintf(req.address, sizeof(req.address), "%s",
	    h->address != NULL ? h->address : "192.0.2.1");
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	req.now = f->now;
	assert_int_equal(store_begin(f->api.store), 0);
	if (api_prepare(&f->api, &req, &res) == 0)
		api_execute(&f->api, &req, &res);
	if ((job = res.job) != NULL) {
		res.job = NULL;
		job->run(job);
		api_resume(&f->api, job, &res);
		api_job_free(job);
	}
	assert_int_equal(store_commit(f->api.store), 0);
	a->status = res.status;
	a->retry_after = res.retry_after;
	snprintf(a->set_cookie, sizeof(a->set_cookie), "%s", res.set_cookie);
	a->json = json_object_get(res.json);
	if ((e = json_get_string(res.json, "error")) != NULL)
		snprintf(a->error, sizeof(a->error), "%s", e);
	api_request_clear(&req);
	api_response_clear(&res);
	return a->status;
}

/* Sign name in; the session's cookie header into cookie, its CSRF token
 * into csrf. Returns the status. */
static int
signin(struct fixture *f, const char *name, const char *pw,
    const char *address, char cookie[128], char csrf[65])
{
	struct hdrs	 h = { NULL, NULL, NULL, NULL, address };
	struct answer	 a;
	char		 body[256];
	int		 status;

	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"password\":\"%s\"}",
	    name, pw);
	status = call(f, API_POST, "/api/v1/session", &h, body, &a);
	if (status == 201) {
		assert_int_equal(strncmp(a.set_cookie, SESSION_COOKIE "=", 23),
		    0);
		snprintf(cookie, 128, "theme=dark; %.*s", 23 + 64,
		    a.set_cookie);
		snprintf(csrf, 65, "%s", json_get_string(a.json,
		    "csrf_token"));
	}
	json_object_put(a.json);
	return status;
}

/* A request with the session cookie, origin and CSRF token. Returns the
 * status (the error into a->error). */
static int
as_session(struct fixture *f, enum api_method m, const char *path,
    const char *cookie, const char *csrf, const char *body)
{
	struct hdrs	 h;
	struct answer	 a;

	session_hdrs(&h, cookie, csrf);
	call(f, m, path, &h, body, &a);
	json_object_put(a.json);
	return a.status;
}

/* The Cookie header: the session cookie among others, or malformed. */
static void
test_cookie_find(void **state)
{
	char	 id[65], good[200];
	char	 v[65];

	memset(v, 'a', 64);
	v[64] = '\0';
	assert_int_equal(session_cookie_find(NULL, id), 1);
	assert_int_equal(session_cookie_find("", id), 1);
	assert_int_equal(session_cookie_find("a=b; c=d", id), 1);
	snprintf(good, sizeof(good), "a=b; " SESSION_COOKIE "=%s ;c=d", v);
	assert_int_equal(session_cookie_find(good, id), 0);
	assert_string_equal(id, v);
	snprintf(good, sizeof(good), SESSION_COOKIE "=%s", v);
	assert_int_equal(session_cookie_find(good, id), 0);
	snprintf(good, sizeof(good), "x" SESSION_COOKIE "=%s", v);
	assert_int_equal(session_cookie_find(good, id), 1);
	assert_int_equal(session_cookie_find(SESSION_COOKIE "=", id), -1);
	assert_int_equal(session_cookie_find(SESSION_COOKIE "=abc", id), -1);
	snprintf(good, sizeof(good), SESSION_COOKIE "=%sA", v);
	assert_int_equal(session_cookie_find(good, id), -1);
	good[23] = 'A';
	good[23 + 64] = '\0';
	assert_int_equal(session_cookie_find(good, id), -1);
}

/* Origin and Referer against the Host header. */
static void
test_same_origin(void **state)
{
	assert_true(session_same_origin("https://h.example:8443",
	    "h.example:8443"));
	assert_true(session_same_origin("HTTPS://H.example:8443",
	    "h.EXAMPLE:8443"));
	assert_true(session_same_origin("https://h.example", "h.example:443"));
	assert_true(session_same_origin("https://h.example:443", "h.example"));
	assert_true(session_same_origin("https://h.example:8443/agents?x=1",
	    "h.example:8443"));
	assert_true(session_same_origin("https://[::1]:8443", "[::1]:8443"));
	assert_false(session_same_origin("http://h.example:8443",
	    "h.example:8443"));
	assert_false(session_same_origin("https://h.example:8444",
	    "h.example:8443"));
	assert_false(session_same_origin("https://h.example:8443.evil.example",
	    "h.example:8443"));
	assert_false(session_same_origin("https://evil.example@h.example:8443",
	    "h.example:8443"));
	assert_false(session_same_origin("https://h.example:8443",
	    "h.example:8443/x"));
	assert_false(session_same_origin("null", "h.example:8443"));
	assert_false(session_same_origin("https://", ""));
	assert_false(session_same_origin(NULL, "h.example:8443"));
	assert_false(session_same_origin("https://h.example:8443", NULL));
}

/* Sign-in, the session, CSRF, roles and sign-out. */
static void
test_session_flow(void **state)
{
	struct fixture	*f = *state;
	struct hdrs	 h;
	struct answer	 a;
	char		 cookie[128], csrf[65], bcookie[128], bcsrf[65];

	assert_int_equal(signin(f, "alice", "alice-secret-1", NULL, cookie,
	    csrf), 201);
	assert_int_equal(signin(f, "Bob", "bob-secret-22", NULL, bcookie,
	    bcsrf), 201);
	/* The cookie alone reads. */
	memset(&h, 0, sizeof(h));
	h.cookie = cookie;
	assert_int_equal(call(f, API_GET, "/api/v1/session", &h, NULL, &a),
	    200);
	assert_string_equal(json_get_string(a.json, "user"), "alice");
	assert_string_equal(json_get_string(a.json, "csrf_token"), csrf);
	json_object_put(a.json);
	/* Writes: the CSRF token and the origin are both needed. */
	assert_int_equal(call(f, API_PATCH, "/api/v1/settings", &h,
	    "{\"accept_correlation_id\":true}", &a), 403);
	assert_string_equal(a.error, "csrf_failed");
	json_object_put(a.json);
	h.origin = ORIGIN;
	assert_int_equal(call(f, API_PATCH, "/api/v1/settings", &h,
	    "{\"accept_correlation_id\":true}", &a), 403);
	json_object_put(a.json);
	h.csrf = bcsrf;
	assert_int_equal(call(f, API_PATCH, "/api/v1/settings", &h,
	    "{\"accept_correlation_id\":true}", &a), 403);
	json_object_put(a.json);
	h.csrf = csrf;
	h.origin = "https://evil.example";
	assert_int_equal(call(f, API_PATCH, "/api/v1/settings", &h,
	    "{\"accept_correlation_id\":true}", &a), 403);
	json_object_put(a.json);
	assert_int_equal(as_session(f, API_PATCH, "/api/v1/settings", cookie,
	    csrf, "{\"accept_correlation_id\":true}"), 200);
	/* The reader: reads, and 403 naming its role on writes. */
	assert_int_equal(as_session(f, API_GET, "/api/v1/settings", bcookie,
	    bcsrf, NULL), 200);
	session_hdrs(&h, bcookie, bcsrf);
	assert_int_equal(call(f, API_PATCH, "/api/v1/settings", &h,
	    "{\"accept_correlation_id\":false}", &a), 403);
	assert_string_equal(a.error, "forbidden");
	assert_string_equal(json_get_string(a.json, "role"), "reader");
	json_object_put(a.json);
	/* Sign-out clears the cookie; the session is gone. */
	session_hdrs(&h, cookie, csrf);
	assert_int_equal(call(f, API_DELETE, "/api/v1/session", &h, NULL, &a),
	    200);
	assert_non_null(strstr(a.set_cookie, "Max-Age=0"));
	json_object_put(a.json);
	assert_int_equal(call(f, API_GET, "/api/v1/session", &h, NULL, &a),
	    401);
	assert_string_equal(a.error, "invalid_session");
	json_object_put(a.json);
}

/* Idle and absolute expiry, with the clock moved. */
static void
test_expiry(void **state)
{
	struct fixture	*f = *state;
	char		 cookie[128], csrf[65];
	int64_t		 start = f->now;

	assert_int_equal(signin(f, "alice", "alice-secret-1", NULL, cookie,
	    csrf), 201);
	f->now = start + 599;
	assert_int_equal(as_session(f, API_GET, "/api/v1/session", cookie,
	    csrf, NULL), 200);
	/* In use: idle never passes; the lifetime does. */
	for (f->now = start + 599; f->now < start + 3600; f->now += 500)
		assert_int_equal(as_session(f, API_GET, "/api/v1/session",
		    cookie, csrf, NULL), 200);
	f->now = start + 3600;
	assert_int_equal(as_session(f, API_GET, "/api/v1/session", cookie,
	    csrf, NULL), 401);
	/* Idle: 600 s without a request. */
	assert_int_equal(signin(f, "alice", "alice-secret-1", NULL, cookie,
	    csrf), 201);
	f->now += 600;
	assert_int_equal(as_session(f, API_GET, "/api/v1/session", cookie,
	    csrf, NULL), 401);
	/* Expired sessions are pruned. */
	assert_int_equal(store_begin(f->api.store), 0);
	assert_int_equal(api_maintain(&f->api, f->now), 0);
	assert_int_equal(store_commit(f->api.store), 0);
	f->now = start;
}

/* Failures lock the name at 5 and the address at 8, then unlock. */
static void
test_limits(void **state)
{
	struct fixture	*f = *state;
	struct hdrs	 h = { NULL, NULL, NULL, NULL, "2001:db8::1" };
	struct answer	 a;
	char		 cookie[128], csrf[65], name[32];
	int		 i;

	for (i = 0; i < 5; i++)
		assert_int_equal(signin(f, "alice", "wrong-password",
		    "192.0.2.7", cookie, csrf), 401);
	call(f, API_POST, "/api/v1/session", &h,
	    "{\"name\":\"ALICE\",\"password\":\"alice-secret-1\"}", &a);
	assert_int_equal(a.status, 429);
	assert_string_equal(a.error, "too_many_attempts");
	assert_int_equal(a.retry_after, 300);
	json_object_put(a.json);
	/* bob is not locked; alice is again after the lockout. */
	assert_int_equal(signin(f, "bob", "bob-secret-22", "192.0.2.7", cookie,
	    csrf), 201);
	f->now += 300;
	assert_int_equal(signin(f, "alice", "alice-secret-1", "192.0.2.7",
	    cookie, csrf), 201);
	/* Unknown names from one IPv6 /64: the address is locked at 8. */
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "ghost%d", i);
		assert_int_equal(signin(f, name, "wrong-password",
		    i % 2 ? "2001:db8::1" : "2001:db8::2", cookie, csrf), 401);
	}
	assert_int_equal(signin(f, "bob", "bob-secret-22", "2001:db8::ffff",
	    cookie, csrf), 429);
	/* Another /64 is not. */
	assert_int_equal(signin(f, "bob", "bob-secret-22", "2001:db8:0:1::1",
	    cookie, csrf), 201);
	f->now -= 300;
}

/* API tokens: revoked at once, expired, read-only. */
static void
test_tokens(void **state)
{
	struct fixture	*f = *state;
	struct hdrs	 h;
	struct answer	 a;
	char		 cookie[128], csrf[65], bearer[128], path[64];

	assert_int_equal(signin(f, "alice", "alice-secret-1", NULL, cookie,
	    csrf), 201);
	session_hdrs(&h, cookie, csrf);
	assert_int_equal(call(f, API_POST, "/api/v1/tokens", &h,
	    "{\"name\":\"ci\",\"expires_in\":3600}", &a), 201);
	snprintf(bearer, sizeof(bearer), "Bearer %s",
	    json_get_string(a.json, "token"));
	snprintf(path, sizeof(path), "/api/v1/tokens/%s",
	    json_get_string(a.json, "token_id"));
	json_object_put(a.json);
	memset(&h, 0, sizeof(h));
	h.authorization = bearer;
	assert_int_equal(call(f, API_PATCH, "/api/v1/settings", &h,
	    "{\"accept_correlation_id\":true}", &a), 200);
	json_object_put(a.json);
	/* Expired an hour later. */
	f->now += 3600;
	assert_int_equal(call(f, API_GET, "/api/v1/agents", &h, NULL, &a),
	    401);
	json_object_put(a.json);
	f->now -= 3600;
	/* Revoked: the next request fails. */
	assert_int_equal(as_session(f, API_DELETE, path, cookie, csrf, NULL),
	    200);
	assert_int_equal(call(f, API_GET, "/api/v1/agents", &h, NULL, &a),
	    401);
	assert_string_equal(json_get_string(a.json, "message"),
	    "this API token was revoked");
	json_object_put(a.json);
	/* Read-only: a reader on writes. */
	session_hdrs(&h, cookie, csrf);
	assert_int_equal(call(f, API_POST, "/api/v1/tokens", &h,
	    "{\"name\":\"ro\",\"read_only\":true}", &a), 201);
	snprintf(bearer, sizeof(bearer), "Bearer %s",
	    json_get_string(a.json, "token"));
	json_object_put(a.json);
	memset(&h, 0, sizeof(h));
	h.authorization = bearer;
	assert_int_equal(call(f, API_GET, "/api/v1/agents", &h, NULL, &a),
	    200);
	json_object_put(a.json);
	assert_int_equal(call(f, API_PATCH, "/api/v1/settings", &h,
	    "{\"accept_correlation_id\":false}", &a), 403);
	assert_string_equal(json_get_string(a.json, "role"), "reader");
	json_object_put(a.json);
	/* Neither a token nor a session: 401. */
	h.authorization = "Bearer opt_0000000000000000_"
	    "0000000000000000000000000000000000000000000000000000000000000000";
	assert_int_equal(call(f, API_GET, "/api/v1/agents", &h, NULL, &a),
	    401);
	json_object_put(a.json);
}

/* Run the tests. Returns the number of failures. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookie_find),
		cmocka_unit_test(test_same_origin),
		cmocka_unit_test_setup_teardown(test_session_flow, setup,
		    fixture_api_teardown),
		cmocka_unit_test_setup_teardown(test_expiry, setup,
		    fixture_api_teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup,
		    fixture_api_teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup,
		    fixture_api_teardown),
	};

	log_init("test_session", 0, LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
