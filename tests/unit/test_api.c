/*
 * test_api.c: unit tests of api.c, api-agent.c and api-admin.c through
 * the transport-free dispatch (api_prepare + api_execute) on an
 * in-memory store.
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
#include <openssl/evp.h>

#include "api-admin.h"
#include "api-fixture.h"
#include "api.h"
#include "jsonutil.h"
#include "log.h"
#include "pki.h"
#include "platform.h"
#include "store.h"

#define TOKEN	FIXTURE_TOKEN

struct fixture {
	struct api	 api;
	char		 customer_id[PLATFORM_UUID_LEN + 1];
	char		 activation_id[PLATFORM_UUID_LEN + 1];
	char		 cred[128];
};

/* A seeded platform on an in-memory database. */
static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fixture_api(&f->api, f->customer_id, f->activation_id);
	*state = f;
	return 0;
}

/*
 * Dispatch one request. Returns the status; *out (if not NULL) gets the
 * answer's JSON.
 */
static int
call(struct fixture *f, enum api_method m, const char *path,
    const char *bearer, const char *body, struct json_object **out)
{
	struct api_request	 req;
	struct api_response	 res;
	char			 auth[256], route[256];
	int			 status;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.method = m;
	snprintf(route, sizeof(route), "%.*s", (int)strcspn(path, "?"), path);
	req.path = route;
	req.query = strchr(path, '?') ? strchr(path, '?') + 1 : NULL;
	if (bearer != NULL) {
		snprintf(auth, sizeof(auth), "Bearer %s", bearer);
		req.authorization = auth;
	}
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.now = (int64_t)time(NULL);
	assert_int_equal(store_begin(f->api.store), 0);
	if (api_prepare(&f->api, &req, &res) == 0)
		api_execute(&f->api, &req, &res);
	assert_int_equal(store_commit(f->api.store), 0);
	status = res.status;
	if (out != NULL)
		*out = res.text != NULL ? json_tokener_parse(res.text) :
		    json_object_get(res.json);
	api_request_clear(&req);
	api_response_clear(&res);
	return status;
}

/* The "error" member of an answer (and drop it). */
static char *
error_of(struct json_object *obj)
{
	char	*e = strdup(json_get_string(obj, "error"));

	json_object_put(obj);
	return e;
}

/* Routing: 404 for unknown paths, 405 with the allowed methods. */
static void
test_routing(void **state)
{
	struct fixture		*f = *state;
	struct json_object	*obj;
	char			*e;

	assert_int_equal(call(f, API_GET, "/nowhere", TOKEN, NULL, &obj), 404);
	e = error_of(obj);
	assert_string_equal(e, "not_found");
	free(e);
	assert_int_equal(call(f, API_GET, "/api/v1/agents/x/y/z", TOKEN, NULL,
	    NULL), 404);
	assert_int_equal(call(f, API_PUT, "/api/v1/agents", TOKEN, NULL,
	    &obj), 405);
	e = error_of(obj);
	assert_string_equal(e, "method_not_allowed");
	free(e);
	assert_int_equal(call(f, API_GET, "api/v1/agents", TOKEN, NULL, NULL),
	    404);
}

/* The admin token is required and compared exactly. */
static void
test_admin_token(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(call(f, API_GET, "/api/v1/agents", NULL, NULL, NULL),
	    401);
	assert_int_equal(call(f, API_GET, "/api/v1/agents", TOKEN "0", NULL,
	    NULL), 401);
	assert_int_equal(call(f, API_GET, "/api/v1/agents", "0123", NULL,
	    NULL), 401);
	assert_int_equal(call(f, API_GET, "/api/v1/agents", TOKEN, NULL,
	    NULL), 200);
}

/* Activation, heartbeat and the agent credential checks. */
static void
test_agent_flow(void **state)
{
	struct fixture		*f = *state;
	struct json_object	*obj;
	char			 body[512], bad[128], *e;
	const char		*cred;

	snprintf(body, sizeof(body), "{\"activation_id\":\"%s\","
	    "\"customer_id\":\"%s\",\"host\":{\"hostname\":\"h1\"}}",
	    f->activation_id, f->customer_id);
	assert_int_equal(call(f, API_POST, "/agent/v1/activate", NULL, body,
	    &obj), 201);
	cred = json_get_string(obj, "credential");
	assert_non_null(cred);
	assert_int_equal(strlen(cred), PLATFORM_UUID_LEN + 1 + 64);
	snprintf(f->cred, sizeof(f->cred), "%s", cred);
	assert_string_equal(json_get_string(obj, "status"), "provisioned");
	json_object_put(obj);

	assert_int_equal(call(f, API_POST, "/agent/v1/heartbeat", f->cred,
	    "{}", &obj), 200);
	assert_non_null(json_object_object_get(obj, "commands"));
	json_object_put(obj);
	assert_int_equal(call(f, API_POST, "/agent/v1/heartbeat", NULL, "{}",
	    &obj), 401);
	e = error_of(obj);
	assert_string_equal(e, "missing_credential");
	free(e);
	snprintf(bad, sizeof(bad), "%s", f->cred);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
	assert_int_equal(call(f, API_POST, "/agent/v1/heartbeat", bad, "{}",
	    &obj), 401);
	e = error_of(obj);
	assert_string_equal(e, "invalid_credential");
	free(e);
	/* Upper-case hex is not the credential's form. */
	bad[PLATFORM_UUID_LEN + 1] = 'A';
	assert_int_equal(call(f, API_POST, "/agent/v1/heartbeat", bad, "{}",
	    NULL), 401);

	/* Bad key and bad customer. */
	snprintf(body, sizeof(body), "{\"activation_id\":\"%s\","
	    "\"customer_id\":\"%s\",\"host\":{\"hostname\":\"h1\"}}",
	    f->customer_id, f->customer_id);
	assert_int_equal(call(f, API_POST, "/agent/v1/activate", NULL, body,
	    &obj), 403);
	e = error_of(obj);
	assert_string_equal(e, "invalid_activation_id");
	free(e);
	snprintf(body, sizeof(body), "{\"activation_id\":\"%s\","
	    "\"customer_id\":\"%s\",\"host\":{\"hostname\":\"h1\"}}",
	    f->activation_id, f->activation_id);
	assert_int_equal(call(f, API_POST, "/agent/v1/activate", NULL, body,
	    &obj), 403);
	e = error_of(obj);
	assert_string_equal(e, "invalid_customer_id");
	free(e);
}

/*
 * A failing handler leaves nothing behind (the savepoint rollback of
 * api_execute; test_store.c tests the savepoints themselves).
 */
static void
test_rollback(void **state)
{
	struct fixture		*f = *state;
	struct json_object	*obj, *arr;
	char			 body[512];

	snprintf(body, sizeof(body), "{\"activation_id\":\"%s\","
	    "\"customer_id\":\"%s\",\"host\":{\"hostname\":\"h2\"}}",
	    f->activation_id, f->customer_id);
	assert_int_equal(call(f, API_POST, "/agent/v1/activate", NULL, body,
	    &obj), 201);
	snprintf(f->cred, sizeof(f->cred), "%s",
	    json_get_string(obj, "credential"));
	json_object_put(obj);
	/* A 4xx answer keeps nothing of the request. */
	assert_int_equal(call(f, API_POST, "/agent/v1/heartbeat", f->cred,
	    "{\"errors\":[{\"code\":\"E\",\"message\":\"m\"}],\"fim\":7}",
	    NULL), 400);
	assert_int_equal(call(f, API_GET, "/api/v1/agents", TOKEN, NULL, &obj),
	    200);
	assert_true(json_object_object_get_ex(obj, "agents", &arr));
	assert_int_equal(json_object_array_length(arr), 1);
	assert_int_equal(json_object_array_length(json_object_object_get(
	    json_object_array_get_idx(arr, 0), "last_errors")), 0);
	json_object_put(obj);
}

/* The total and count of GET path (a list of agents), or -1 each. */
static void
list_counts(struct fixture *f, const char *path, int64_t *total,
    int64_t *count)
{
	struct json_object	*obj;

	*total = *count = -1;
	assert_int_equal(call(f, API_GET, path, TOKEN, NULL, &obj), 200);
	json_get_int64(obj, "total", total);
	json_get_int64(obj, "count", count);
	json_object_put(obj);
}

/* The status and the "field" of the error of GET path. */
static int
refused_field(struct fixture *f, const char *path, const char *field)
{
	struct json_object	*obj;
	int			 status;

	status = call(f, API_GET, path, TOKEN, NULL, &obj);
	assert_string_equal(json_get_string(obj, "error"), "invalid_query");
	assert_string_equal(json_get_string(obj, "field"), field);
	json_object_put(obj);
	return status;
}

/*
 * The agent list: filters (status, online, current error, profile, key,
 * search), orders and pages done by the platform, with the total; the
 * heartbeat's current_errors.
 */
static void
test_agent_list(void **state)
{
	/* Of h00..h29: the even ones online, h00, h10, h20 with E701. */
	static const struct {
		const char	*path;
		int64_t		 total, count;
	} lists[] = {
		{ "/api/v1/agents", 30, 30 },
		{ "/api/v1/agents?limit=10", 30, 10 },
		{ "/api/v1/agents?limit=10&offset=25", 30, 5 },
		{ "/api/v1/agents?error=E701", 3, 3 },
		{ "/api/v1/agents?error=E70", 0, 0 },
		{ "/api/v1/agents?error=E701&online=true", 3, 3 },
		{ "/api/v1/agents?online=false", 15, 15 },
		{ "/api/v1/agents?q=h1", 10, 10 },
		{ "/api/v1/agents?q=H2&status=provisioned", 10, 10 },
		{ "/api/v1/agents?q=%25", 0, 0 },
		{ "/api/v1/agents?q=h_1", 0, 0 },
		{ "/api/v1/agents?status=initial_scan_complete", 0, 0 },
		{ "/api/v1/agents?profile_id=1&limit=5", 30, 5 },
		{ "/api/v1/agents?profile_id=99", 0, 0 },
	};
	/* Malformed parameters and the field each answer names. */
	static const char *const refused[][2] = {
		{ "/api/v1/agents?status=x", "status" },
		{ "/api/v1/agents?online=yes", "online" },
		{ "/api/v1/agents?error=E%22", "error" },
		{ "/api/v1/agents?error=", "error" },
		{ "/api/v1/agents?profile_id=0", "profile_id" },
		{ "/api/v1/agents?activation_id=x", "activation_id" },
		{ "/api/v1/agents?sort=id", "sort" },
		{ "/api/v1/agents?order=up", "order" },
		{ "/api/v1/agents?limit=0", "limit" },
		{ "/api/v1/agents?limit=1001", "limit" },
		{ "/api/v1/agents?offset=-1", "offset" },
		{ "/api/v1/scans?merged=1", "merged" },
		{ "/api/v1/scans?agent_id=x", "agent_id" },
		{ "/api/v1/scans?address_mismatch=no", "address_mismatch" },
	};
	struct fixture		*f = *state;
	struct json_object	*obj, *arr, *a;
	char			 body[512], cred[128], path[256];
	int64_t			 total, count;
	int			 i;

	for (i = 0; i < 30; i++) {
		snprintf(body, sizeof(body), "{\"activation_id\":\"%s\","
		    "\"customer_id\":\"%s\",\"host\":{\"hostname\":"
		    "\"h%02d\"}}", f->activation_id, f->customer_id, i);
		assert_int_equal(call(f, API_POST, "/agent/v1/activate", NULL,
		    body, &obj), 201);
		snprintf(cred, sizeof(cred), "%s",
		    json_get_string(obj, "credential"));
		json_object_put(obj);
		if (i % 2 != 0)
			continue;
		assert_int_equal(call(f, API_POST, "/agent/v1/heartbeat", cred,
		    i % 5 == 0 ? "{\"current_errors\":[{\"code\":\"E701\","
		    "\"message\":\"held by auditd\",\"time\":5}]}" :
		    "{\"current_errors\":[]}", NULL), 200);
		/* A heartbeat without the member keeps what was sent. */
		assert_int_equal(call(f, API_POST, "/agent/v1/heartbeat", cred,
		    "{}", NULL), 200);
	}
	for (i = 0; i < (int)(sizeof(lists) / sizeof(lists[0])); i++) {
		list_counts(f, lists[i].path, &total, &count);
		if (total != lists[i].total || count != lists[i].count)
			fail_msg("%s: total %lld count %lld, expected %lld, %lld",
			    lists[i].path, (long long)total, (long long)count,
			    (long long)lists[i].total,
			    (long long)lists[i].count);
	}
	snprintf(path, sizeof(path), "/api/v1/agents?activation_id=%s",
	    f->activation_id);
	list_counts(f, path, &total, &count);
	assert_int_equal(total, 30);

	/* Orders, pages, and what a row says of its current errors. */
	assert_int_equal(call(f, API_GET, "/api/v1/agents?sort=hostname&"
	    "order=desc&limit=3&offset=2", TOKEN, NULL, &obj), 200);
	arr = json_object_object_get(obj, "agents");
	assert_int_equal(json_object_array_length(arr), 3);
	assert_string_equal(json_get_string(json_object_array_get_idx(arr,
	    0), "hostname"), "h27");
	a = json_object_array_get_idx(arr, 2);
	assert_string_equal(json_get_string(a, "hostname"), "h25");
	assert_null(json_object_object_get(a, "current_errors"));
	json_object_put(obj);
	assert_int_equal(call(f, API_GET, "/api/v1/agents?sort=hostname&"
	    "q=h10", TOKEN, NULL, &obj), 200);
	a = json_object_array_get_idx(json_object_object_get(obj, "agents"), 0);
	assert_int_equal(json_object_array_length(json_object_object_get(a,
	    "current_errors")), 1);
	assert_string_equal(json_get_string(json_object_array_get_idx(
	    json_object_object_get(a, "current_errors"), 0), "code"), "E701");
	json_object_put(obj);
	assert_int_equal(call(f, API_GET, "/api/v1/agents?q=h12", TOKEN, NULL,
	    &obj), 200);
	a = json_object_array_get_idx(json_object_object_get(obj, "agents"), 0);
	assert_int_equal(json_object_array_length(json_object_object_get(a,
	    "current_errors")), 0);
	json_object_put(obj);

	/* Malformed parameters name themselves. */
	for (i = 0; i < (int)(sizeof(refused) / sizeof(refused[0])); i++)
		assert_int_equal(refused_field(f, refused[i][0], refused[i][1]),
		    400);
	/* A current error is checked like a reported one. */
	assert_int_equal(call(f, API_POST, "/agent/v1/heartbeat", cred,
	    "{\"current_errors\":[{\"code\":\"\",\"message\":\"m\"}]}",
	    &obj), 400);
	assert_string_equal(json_get_string(obj, "field"),
	    "current_errors[0].code");
	json_object_put(obj);
}

/* Query strings: lookup and percent-decoding. */
static void
test_query(void **state)
{
	char	 buf[32];

	assert_int_equal(api_query_get("a=1&path=%2Fetc%2F&b", "path", buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "/etc/");
	assert_int_equal(api_query_get("a=1", "path", buf, sizeof(buf)), 1);
	assert_int_equal(api_query_get(NULL, "path", buf, sizeof(buf)), 1);
	assert_int_equal(api_query_get("path=%2", "path", buf, sizeof(buf)),
	    -1);
	assert_int_equal(api_query_get("path=%00", "path", buf, sizeof(buf)),
	    -1);
	assert_int_equal(api_query_get("p=aaaaaaaa", "p", buf, 4), -1);
	assert_int_equal(api_query_get("x=a+b", "x", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a b");
}

/* UUIDs: lower-case 8-4-4-4-12 only. */
static void
test_uuid(void **state)
{
	char	 u[PLATFORM_UUID_LEN + 1];

	assert_int_equal(pki_uuid(u), 0);
	assert_true(api_is_uuid(u));
	assert_true(api_is_uuid("3f0c8a4e-5d7b-4c1e-9a2f-0b6d1e8c7a55"));
	assert_false(api_is_uuid("3F0C8A4E-5D7B-4C1E-9A2F-0B6D1E8C7A55"));
	assert_false(api_is_uuid("3f0c8a4e-5d7b-4c1e-9a2f-0b6d1e8c7a5"));
	assert_false(api_is_uuid("3f0c8a4e-5d7b-4c1e-9a2f-0b6d1e8c7a555"));
	assert_false(api_is_uuid("3f0c8a4e5d7b-4c1e-9a2f-0b6d1e8c7a55-"));
}

/* Run the tests. Returns the number of failures. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_routing, setup,
		    fixture_api_teardown),
		cmocka_unit_test_setup_teardown(test_admin_token, setup,
		    fixture_api_teardown),
		cmocka_unit_test_setup_teardown(test_agent_flow, setup,
		    fixture_api_teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup,
		    fixture_api_teardown),
		cmocka_unit_test_setup_teardown(test_agent_list, setup,
		    fixture_api_teardown),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_uuid),
	};

	log_init("test_api", 1, LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
