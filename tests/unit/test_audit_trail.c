/*
 * test_audit_trail.c: unit tests of audit-trail.c and store-audit.c: the
 * summary of a change, the filters and pages of the list, retention, and
 * that a record is kept with its change and only then.
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
#include "audit-trail.h"
#include "jsonutil.h"
#include "log.h"
#include "pki.h"
#include "platform.h"
#include "store.h"

/* Summarize body text (with extra) into out. */
static void
summarize(const char *body, const char *extra, char *out, size_t len)
{
	struct json_object	*obj = json_tokener_parse(body);

	audit_trail_summarize(obj, extra, out, len);
	json_object_put(obj);
}

/* Summaries: members with values, nested one level, secrets hidden. */
static void
test_summary(void **state)
{
	char	 out[AUDIT_TRAIL_SUMMARY_MAX], small[24];

	summarize("{\"data_collection_paused\":true}", "version 1 -> 2", out,
	    sizeof(out));
	assert_string_equal(out, "data_collection_paused=true; version 1 -> 2");
	summarize("{\"fim\":{\"enabled\":true,\"rules\":[{},{}],"
	    "\"x\":{\"y\":{\"z\":1}}},\"log_level\":\"debug\",\"n\":null,"
	    "\"e\":{}}", "", out, sizeof(out));
	assert_string_equal(out, "fim.enabled=true, fim.rules=[2], "
	    "fim.x={1}, log_level=\"debug\", n=null, e={0}");
	summarize("{\"name\":\"eve\",\"password\":\"hunter22\","
	    "\"token\":\"opt_x\"}", NULL, out, sizeof(out));
	assert_string_equal(out, "name=\"eve\", password=(set), token=(set)");
	summarize("{\"s\":\"a\\nb\\u0001c\"}", NULL, out, sizeof(out));
	assert_string_equal(out, "s=\"a?b?c\"");
	summarize("{\"s\":\"0123456789012345678901234567890123456789"
	    "0123456789\"}", NULL, out, sizeof(out));
	assert_string_equal(out, "s=\"0123456789012345678901234567890123456789"
	    "01234567...\"");
	summarize("{\"aaaaaaaaaa\":1,\"bbbbbbbbbb\":2,\"cccccccccc\":3}", NULL,
	    small, sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_string_equal(small + strlen(small) - 3, "...");
	audit_trail_summarize(NULL, "hostname web-01", out, sizeof(out));
	assert_string_equal(out, "hostname web-01");
	audit_trail_summarize(NULL, NULL, out, sizeof(out));
	assert_string_equal(out, "");
}

/* Add a record at time t by actor on resource with status. */
static void
add(struct store *s, int64_t t, const char *actor, const char *resource,
    int status)
{
	struct audit_entry	 e;

	memset(&e, 0, sizeof(e));
	e.time = t;
	e.actor = actor;
	e.auth = "session";
	e.method = "PATCH";
	e.resource = resource;
	e.summary = "";
	e.status = status;
	e.outcome = status < 400 ? "success" : "refused";
	assert_int_equal(store_audit_add(s, &e), 0);
}

/* List with f; the number of entries. */
static size_t
list(struct store *s, const struct audit_filter *f, int64_t *next)
{
	struct json_object	*arr = store_audit_list(s, f, next);
	size_t			 n;

	assert_non_null(arr);
	n = json_object_array_length(arr);
	json_object_put(arr);
	return n;
}

/* Filters, pages, and retention through the store. */
static void
test_list(void **state)
{
	struct store		*s = *state;
	struct audit_filter	 f;
	int64_t			 next;
	size_t			 total = 0;
	int			 i;

	for (i = 0; i < 10; i++)
		add(s, 1000 + i, i % 2 ? "alice" : "bob",
		    i % 3 ? "/api/v1/profiles/1" : "/api/v1/profiles1", i < 8 ?
		    200 : 403);
	memset(&f, 0, sizeof(f));
	f.until = INT64_MAX;
	f.before_id = INT64_MAX;
	f.limit = 100;
	assert_int_equal(list(s, &f, &next), 10);
	assert_int_equal(next, 0);
	f.actor = "alice";
	assert_int_equal(list(s, &f, &next), 5);
	f.actor = NULL;
	f.resource = "/api/v1/profiles";
	assert_int_equal(list(s, &f, &next), 6);
	f.resource = "/api/v1/profiles1";
	assert_int_equal(list(s, &f, &next), 4);
	f.resource = NULL;
	f.outcome = "refused";
	assert_int_equal(list(s, &f, &next), 2);
	f.outcome = NULL;
	f.since = 1003;
	f.until = 1005;
	assert_int_equal(list(s, &f, &next), 3);
	f.since = 0;
	f.until = INT64_MAX;
	/* Pages of 3: 3, 3, 3, 1, the last one without a next page. */
	f.limit = 3;
	for (i = 0; i < 4; i++) {
		total += list(s, &f, &next);
		if (i < 3)
			assert_int_equal(next, 10 - 3 * (i + 1) + 1);
		f.before_id = next;
	}
	assert_int_equal(total, 10);
	assert_int_equal(next, 0);
	/* Retention: what is older than 1005 goes, in batches. */
	assert_int_equal(store_audit_prune(s, 1005, 2), 2);
	assert_int_equal(store_audit_prune(s, 1005, 100), 3);
	assert_int_equal(store_audit_prune(s, 1005, 100), 0);
	f.before_id = INT64_MAX;
	f.limit = 100;
	assert_int_equal(list(s, &f, &next), 5);
}

/*
 * Through the dispatch: a write and its record are kept together; a
 * refusal keeps only its record; a read leaves none.
 */
static void
test_dispatch(void **state)
{
	struct api		 api;
	struct api_request	 req;
	struct api_response	 res;
	struct audit_filter	 f;
	struct json_object	*arr, *e;
	char			 cid[PLATFORM_UUID_LEN + 1];
	char			 kid[PLATFORM_UUID_LEN + 1];
	const char		*bodies[] = {
		"{\"accept_correlation_id\":true}",
		"{\"accept_correlation_id\":1}", NULL
	};
	int64_t			 next;
	int			 i, accept;

	fixture_api(&api, cid, kid);
	assert_int_equal(store_begin(api.store), 0);
	for (i = 0; i < 3; i++) {
		memset(&req, 0, sizeof(req));
		memset(&res, 0, sizeof(res));
		req.method = bodies[i] != NULL ? API_PATCH : API_GET;
		req.path = "/api/v1/settings";
		req.authorization = "Bearer " FIXTURE_TOKEN;
		req.body = bodies[i];
		req.body_len = bodies[i] != NULL ? strlen(bodies[i]) : 0;
		req.now = 5000 + i;
		snprintf(req.address, sizeof(req.address), "192.0.2.9");
		assert_int_equal(api_prepare(&api, &req, &res), 0);
		api_execute(&api, &req, &res);
		assert_int_equal(res.status, i == 1 ? 400 : 200);
		api_request_clear(&req);
		api_response_clear(&res);
	}
	assert_int_equal(store_commit(api.store), 0);
	assert_int_equal(store_setting_get_bool(api.store,
	    "accept_correlation_id", &accept), 0);
	assert_true(accept);
	memset(&f, 0, sizeof(f));
	f.until = INT64_MAX;
	f.before_id = INT64_MAX;
	f.limit = 10;
	arr = store_audit_list(api.store, &f, &next);
	assert_int_equal(json_object_array_length(arr), 2);
	e = json_object_array_get_idx(arr, 1);
	assert_string_equal(json_get_string(e, "actor"), "admin.token");
	assert_string_equal(json_get_string(e, "auth"), "admin_token");
	assert_string_equal(json_get_string(e, "address"), "192.0.2.9");
	assert_string_equal(json_get_string(e, "outcome"), "success");
	assert_string_equal(json_get_string(e, "summary"),
	    "accept_correlation_id=true");
	e = json_object_array_get_idx(arr, 0);
	assert_string_equal(json_get_string(e, "outcome"), "refused");
	assert_string_equal(json_get_string(e, "error"), "invalid_field");
	assert_string_equal(json_get_string(e, "summary"),
	    "accept_correlation_id=1");
	json_object_put(arr);
	fixture_api_free(&api);
}

/* Run the tests. Returns the number of failures. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary),
		cmocka_unit_test_setup_teardown(test_list,
		    fixture_store_setup, fixture_store_teardown),
		cmocka_unit_test(test_dispatch),
	};

	log_init("test_audit_trail", 0, LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
