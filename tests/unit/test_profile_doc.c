/* test_profile_doc.c: unit tests of profile-doc.c (profile validation). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <json-c/json.h>

#include "log.h"
#include "profile-doc.h"

struct result {
	int	 rc;
	char	 field[128];
	char	 msg[160];
};

/* Apply the JSON text in to doc. Returns the result. */
static struct result
apply(struct json_object *doc, const char *in)
{
	struct json_object	*obj = json_tokener_parse(in);
	struct result		 r;

	assert_non_null(obj);
	memset(&r, 0, sizeof(r));
	r.rc = profile_doc_apply(doc, obj, r.field, sizeof(r.field), r.msg,
	    sizeof(r.msg));
	json_object_put(obj);
	return r;
}

/* The value at a json-c pointer path as a string. */
static const char *
at(struct json_object *doc, const char *ptr)
{
	struct json_object	*v;

	assert_int_equal(json_pointer_get(doc, ptr, &v), 0);
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

/* The defaults of docs/protocol.md 3.4. */
static void
test_defaults(void **state)
{
	struct json_object	*doc = profile_doc_default();

	assert_string_equal(at(doc, "/heartbeat_interval"), "60");
	assert_string_equal(at(doc, "/correlation/ports"),
	    "[10001,10002,10003,10004,10005]");
	assert_string_equal(at(doc, "/correlation/approved_networks"), "[]");
	assert_string_equal(at(doc, "/fim/enabled"), "false");
	assert_string_equal(at(doc, "/log_level"), "\"info\"");
	assert_string_equal(at(doc, "/inventory_changes"), "{\"enabled\":true,"
	    "\"settle\":2,\"min_interval\":10,\"poll_interval\":60}");
	assert_int_equal(profile_doc_heartbeat_interval(doc), 60);
	assert_int_equal(profile_doc_is_paused(doc), 0);
	json_object_put(doc);
}

/* Valid changes merge; nested objects merge member by member. */
static void
test_merge(void **state)
{
	struct json_object	*doc = profile_doc_default();
	struct result		 r;

	r = apply(doc, "{\"name\":\"x\",\"heartbeat_interval\":30,"
	    "\"data_collection_paused\":true,\"correlation\":{\"enabled\":true,"
	    "\"approved_networks\":[\"10.0.0.0/8\",\"2001:db8::/32\"]},"
	    "\"fim\":{\"rules\":[{\"path\":\"/etc\",\"recursive\":false}]}}");
	assert_int_equal(r.rc, 0);
	assert_int_equal(profile_doc_heartbeat_interval(doc), 30);
	assert_int_equal(profile_doc_is_paused(doc), 1);
	assert_string_equal(at(doc, "/correlation/enabled"), "true");
	assert_string_equal(at(doc, "/correlation/ports/0"), "10001");
	assert_string_equal(at(doc, "/fim/rules/0/recursive"), "false");
	assert_string_equal(at(doc, "/fim/rules/0/events"),
	    "[\"create\",\"modify\",\"attrib\",\"delete\",\"rename\"]");
	assert_string_equal(at(doc, "/fim/rules/0/excludes"), "[]");
	json_object_put(doc);
	/* A stored profile from before inventory_changes gets its defaults. */
	doc = json_tokener_parse("{\"heartbeat_interval\":60}");
	r = apply(doc, "{\"inventory_changes\":{\"min_interval\":30}}");
	assert_int_equal(r.rc, 0);
	assert_string_equal(at(doc, "/inventory_changes"), "{\"enabled\":true,"
	    "\"settle\":2,\"min_interval\":30,\"poll_interval\":60}");
	r = apply(doc, "{\"inventory_changes\":{\"enabled\":false}}");
	assert_int_equal(r.rc, 0);
	assert_string_equal(at(doc, "/inventory_changes/enabled"), "false");
	assert_string_equal(at(doc, "/inventory_changes/min_interval"), "30");
	json_object_put(doc);
	/* The update policy: off by default, merged member by member. */
	doc = profile_doc_default();
	assert_string_equal(at(doc, "/update/policy"), "\"off\"");
	r = apply(doc, "{\"update\":{\"policy\":\"pinned\","
	    "\"version\":\"0.2.0\",\"window\":{\"start\":\"22:00\","
	    "\"end\":\"02:00\"}}}");
	assert_int_equal(r.rc, 0);
	assert_string_equal(at(doc, "/update/version"), "\"0.2.0\"");
	assert_string_equal(at(doc, "/update/deadline"), "300");
	assert_string_equal(at(doc, "/update/window/end"), "\"02:00\"");
	r = apply(doc, "{\"update\":{\"window\":null,\"rollout_percent\":10}}");
	assert_int_equal(r.rc, 0);
	assert_string_equal(at(doc, "/update/window"), "null");
	assert_string_equal(at(doc, "/update/policy"), "\"pinned\"");
	json_object_put(doc);
	/* A profile made before self-update gets the member. */
	doc = json_tokener_parse("{\"heartbeat_interval\":60}");
	r = apply(doc, "{\"update\":{\"policy\":\"latest\"}}");
	assert_int_equal(r.rc, 0);
	assert_string_equal(at(doc, "/update/policy"), "\"latest\"");
	assert_string_equal(at(doc, "/update/rollout_percent"), "100");
	json_object_put(doc);
}

/* Each bad input names its field. */
static void
test_errors(void **state)
{
	static const struct {
		const char	*in;
		const char	*field;
	} cases[] = {
		{ "{\"heartbeat_interval\":9}", "heartbeat_interval" },
		{ "{\"heartbeat_interval\":\"60\"}", "heartbeat_interval" },
		{ "{\"inventory_interval\":604801}", "inventory_interval" },
		{ "{\"log_level\":\"trace\"}", "log_level" },
		{ "{\"extra\":1}", "extra" },
		{ "{\"fim\":[]}", "fim" },
		{ "{\"fim\":{\"rules\":[{\"path\":\"rel\"}]}}",
		    "fim.rules[0].path" },
		{ "{\"fim\":{\"rules\":[{}]}}", "fim.rules[0].path" },
		{ "{\"fim\":{\"rules\":[{\"path\":\"/a\",\"events\":[]}]}}",
		    "fim.rules[0].events" },
		{ "{\"fim\":{\"rules\":[{\"path\":\"/a\",\"bogus\":1}]}}",
		    "fim.rules[0].bogus" },
		{ "{\"fim\":{\"hash_max_size\":-1}}", "fim.hash_max_size" },
		{ "{\"correlation\":{\"ports\":[]}}", "correlation.ports" },
		{ "{\"correlation\":{\"ports\":[1,70000]}}",
		    "correlation.ports[1]" },
		{ "{\"correlation\":{\"approved_networks\":[\"10.0.0.0\"]}}",
		    "correlation.approved_networks[0]" },
		{ "{\"correlation\":{\"approved_networks\":[\"::/129\"]}}",
		    "correlation.approved_networks[0]" },
		{ "{\"correlation\":{\"bind_all\":1}}", "correlation.bind_all" },
		{ "{\"inventory_changes\":1}", "inventory_changes" },
		{ "{\"inventory_changes\":{\"enabled\":\"yes\"}}",
		    "inventory_changes.enabled" },
		{ "{\"inventory_changes\":{\"settle\":0}}",
		    "inventory_changes.settle" },
		{ "{\"inventory_changes\":{\"min_interval\":86401}}",
		    "inventory_changes.min_interval" },
		{ "{\"inventory_changes\":{\"poll_interval\":-1}}",
		    "inventory_changes.poll_interval" },
		{ "{\"inventory_changes\":{\"other\":1}}",
		    "inventory_changes.other" },
		{ "{\"update\":[]}", "update" },
		{ "{\"update\":{\"policy\":\"on\"}}", "update.policy" },
		{ "{\"update\":{\"policy\":\"pinned\"}}", "update.version" },
		{ "{\"update\":{\"version\":\"1.0-\"}}", "update.version" },
		{ "{\"update\":{\"window\":{\"start\":\"1:00\","
		    "\"end\":\"02:00\"}}}", "update.window.start" },
		{ "{\"update\":{\"window\":{\"end\":\"02:00\"}}}",
		    "update.window" },
		{ "{\"update\":{\"rollout_percent\":-1}}",
		    "update.rollout_percent" },
		{ "{\"update\":{\"deadline\":3601}}", "update.deadline" },
		{ "{\"update\":{\"channel\":\"beta\"}}", "update.channel" },
	};
	struct json_object	*doc;
	struct result		 r;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		doc = profile_doc_default();
		r = apply(doc, cases[i].in);
		assert_int_equal(r.rc, -1);
		assert_string_equal(r.field, cases[i].field);
		assert_true(r.msg[0] != '\0');
		json_object_put(doc);
	}
}

/* Run the tests. Returns the number of failures. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_errors),
	};

	log_init("test_profile_doc", 1, LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
