/*
 * test_profile.c: the agent's configuration profile parser (profile.c):
 * defaults, every member of the table, values out of range or of the
 * wrong type, the correlation object, and the cache in state_dir.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "log.h"
#include "profile.h"

/* Parse text into p. Returns profile_parse()'s result. */
static int
parse(const char *text, struct profile *p)
{
	struct json_object	*doc;
	char			 err[256];
	int			 rc;

	doc = json_tokener_parse(text);
	rc = profile_parse(p, doc, err, sizeof(err));
	json_object_put(doc);
	return rc;
}

/* The defaults of docs/protocol.md 3.4 when members are absent. */
static void
test_defaults(void **unused)
{
	struct profile	 p;

	profile_default(&p);
	assert_int_equal(parse("{}", &p), 0);
	assert_int_equal(p.id, 0);
	assert_int_equal(p.heartbeat_interval, 60);
	assert_int_equal(p.inventory_interval, 3600);
	assert_int_equal(p.is_paused, 0);
	assert_int_equal(p.log_level, -1);
	assert_int_equal(p.fim_enabled, -1);
	assert_int_equal(p.correlation.enabled, 0);
	assert_int_equal(p.correlation.nports, 5);
	assert_string_equal(p.correlation_error, "");
	assert_int_equal(p.changes_enabled, 1);
	assert_int_equal(p.changes_settle, 2);
	assert_int_equal(p.changes_min_interval, 10);
	assert_int_equal(p.changes_poll_interval, 60);
	assert_non_null(p.text);
	profile_clear(&p);
	assert_null(p.text);
	/* Not an object: refused, the defaults stay. */
	assert_int_equal(parse("[1]", &p), -1);
	assert_int_equal(parse("null", &p), -1);
	assert_null(p.text);
}

/* Every member of the table, with good values. */
static void
test_members(void **unused)
{
	struct profile	 p;

	profile_default(&p);
	assert_int_equal(parse("{\"id\":3,\"version\":7,\"name\":\"strict\","
	    "\"heartbeat_interval\":30,\"inventory_interval\":600,"
	    "\"data_collection_paused\":true,\"log_level\":\"debug\","
	    "\"fim\":{\"enabled\":true,\"rules\":[]},\"future\":{}}", &p), 0);
	assert_int_equal(p.id, 3);
	assert_int_equal(p.version, 7);
	assert_string_equal(p.name, "strict");
	assert_int_equal(p.heartbeat_interval, 30);
	assert_int_equal(p.inventory_interval, 600);
	assert_int_equal(p.is_paused, 1);
	assert_int_equal(p.log_level, LOG_LEVEL_DEBUG);
	assert_int_equal(p.fim_enabled, 1);
	profile_clear(&p);
	assert_int_equal(parse("{\"fim\":{\"enabled\":false}}", &p), 0);
	assert_int_equal(p.fim_enabled, 0);
	profile_clear(&p);
	assert_int_equal(parse("{\"inventory_changes\":{\"enabled\":false,"
	    "\"settle\":300,\"min_interval\":0,\"poll_interval\":0}}", &p),
	    0);
	assert_int_equal(p.changes_enabled, 0);
	assert_int_equal(p.changes_settle, 300);
	assert_int_equal(p.changes_min_interval, 0);
	assert_int_equal(p.changes_poll_interval, 0);
	profile_clear(&p);
}

/*
 * Out of range: clamped to the platform's bounds (10..86400, 60..604800);
 * of the wrong type: the default.
 */
static void
test_bad_values(void **unused)
{
	struct profile	 p;

	profile_default(&p);
	assert_int_equal(parse("{\"heartbeat_interval\":0,"
	    "\"inventory_interval\":59,\"data_collection_paused\":\"yes\","
	    "\"log_level\":\"loud\",\"fim\":{\"enabled\":1}}", &p), 0);
	assert_int_equal(p.heartbeat_interval, 10);
	assert_int_equal(p.inventory_interval, 60);
	assert_int_equal(p.is_paused, 0);
	assert_int_equal(p.log_level, -1);
	assert_int_equal(p.fim_enabled, -1);
	profile_clear(&p);
	assert_int_equal(parse("{\"heartbeat_interval\":86401,"
	    "\"inventory_interval\":604801,\"fim\":true}", &p), 0);
	assert_int_equal(p.heartbeat_interval, 86400);
	assert_int_equal(p.inventory_interval, 604800);
	assert_int_equal(p.fim_enabled, -1);
	profile_clear(&p);
	assert_int_equal(parse("{\"inventory_changes\":{\"enabled\":0,"
	    "\"settle\":0,\"min_interval\":-1,\"poll_interval\":86401}}",
	    &p), 0);
	assert_int_equal(p.changes_enabled, 1);
	assert_int_equal(p.changes_settle, 1);
	assert_int_equal(p.changes_min_interval, 0);
	assert_int_equal(p.changes_poll_interval, 86400);
	profile_clear(&p);
	assert_int_equal(parse("{\"inventory_changes\":true}", &p), 0);
	assert_int_equal(p.changes_enabled, 1);
	profile_clear(&p);
	assert_int_equal(parse("{\"heartbeat_interval\":1}", &p), 0);
	assert_int_equal(p.heartbeat_interval, 10);
	profile_clear(&p);
	assert_int_equal(parse("{\"heartbeat_interval\":-9223372036854775807,"
	    "\"inventory_interval\":9223372036854775807}", &p), 0);
	assert_int_equal(p.heartbeat_interval, 10);
	assert_int_equal(p.inventory_interval, 604800);
	profile_clear(&p);
	assert_int_equal(parse("{\"heartbeat_interval\":\"1\"}", &p), 0);
	assert_int_equal(p.heartbeat_interval, 60);
	profile_clear(&p);
}

/* Parse a profile text's correlation settings. */
static int
settings(const char *text, struct corr_settings *s, char *err, size_t len)
{
	struct json_object	*doc;
	int			 rc;

	struct profile	 p;

	profile_default(&p);
	doc = json_tokener_parse(text);
	assert_non_null(doc);
	rc = profile_parse(&p, doc, err, len);
	json_object_put(doc);
	*s = p.correlation;
	if (rc == 0 && p.correlation_error[0] != '\0') {
		snprintf(err, len, "%s", p.correlation_error);
		rc = -1;
	}
	profile_clear(&p);
	return rc;
}

/* The profile's correlation member: defaults, values, refusals. */
static void
test_settings(void **unused)
{
	struct corr_settings	 s;
	struct json_object	*obj;
	char			 err[256];

	assert_int_equal(settings("{\"id\":1}", &s, err, sizeof(err)), 0);
	assert_int_equal(s.enabled, 0);
	assert_int_equal(s.nports, 5);
	assert_int_equal(s.ports[0], 10001);
	assert_int_equal(s.ports[4], 10005);
	assert_int_equal(s.nnetworks, 0);

	assert_int_equal(settings("{\"correlation\":{\"enabled\":true,"
	    "\"ports\":[20003,20001,20002],\"bind_all\":true,"
	    "\"approved_networks\":[\"10.0.0.0/8\",\"2001:db8::/32\"],"
	    "\"future\":1}}", &s, err, sizeof(err)), 0);
	assert_int_equal(s.enabled, 1);
	assert_int_equal(s.bind_all, 1);
	assert_int_equal(s.nports, 3);
	assert_int_equal(s.ports[0], 20001);	/* ascending */
	assert_int_equal(s.ports[2], 20003);
	assert_int_equal(s.nnetworks, 2);
	obj = profile_correlation_json(&s);
	assert_string_equal(json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	    "{\"enabled\":true,\"ports\":[20001,20002,20003],"
	    "\"bind_all\":true,\"approved_networks\":[\"10.0.0.0/8\","
	    "\"2001:db8::/32\"]}");
	json_object_put(obj);

	assert_int_equal(settings("{\"correlation\":[]}", &s, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "correlation: expected an object");
	assert_int_equal(settings("{\"correlation\":{\"enabled\":1}}", &s, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "correlation.enabled: expected true or false");
	assert_int_equal(settings("{\"correlation\":{\"ports\":[]}}", &s, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "correlation.ports"));
	assert_int_equal(settings("{\"correlation\":{\"ports\":[1,70000]}}", &s,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "correlation.ports[1]: expected an integer "
	    "from 1 to 65535");
	assert_int_equal(settings("{\"correlation\":{\"ports\":[5,\"6\"]}}", &s,
	    err, sizeof(err)), -1);
	assert_int_equal(settings("{\"correlation\":{\"ports\":[5,5]}}", &s,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "listed twice"));
	assert_int_equal(settings("{\"correlation\":{\"ports\":[1,2,3,4,5,6,7,"
	    "8,9,10,11,12,13,14,15,16,17]}}", &s, err, sizeof(err)), -1);
	assert_int_equal(settings("{\"correlation\":{\"approved_networks\":"
	    "[\"10.0.0.0/8\",\"10.0.0.1/8\"]}}", &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "correlation.approved_networks[1]: "));
	assert_non_null(strstr(err, "host bits"));
	assert_int_equal(settings("{\"correlation\":{\"approved_networks\":"
	    "[7]}}", &s, err, sizeof(err)), -1);
	assert_int_equal(settings("{\"correlation\":{\"approved_networks\":"
	    "\"10.0.0.0/8\"}}", &s, err, sizeof(err)), -1);
}

/* The cache: saved, loaded back, corrupt, absent, removed. */
static void
test_cache(void **unused)
{
	struct profile	 p, q;
	char		 dir[] = "/tmp/test_profile.XXXXXX", path[256];
	char		 err[256];
	FILE		*f;

	assert_non_null(mkdtemp(dir));
	profile_default(&q);
	assert_int_equal(profile_load(&q, dir, err, sizeof(err)), -ENOENT);
	profile_default(&p);
	assert_int_equal(profile_save(&p, dir), -EINVAL);	/* no document */
	assert_int_equal(parse("{\"id\":2,\"version\":5,\"name\":\"web\"}",
	    &p), 0);
	assert_int_equal(profile_save(&p, dir), 0);
	assert_int_equal(profile_load(&q, dir, err, sizeof(err)), 0);
	assert_int_equal(q.id, 2);
	assert_int_equal(q.version, 5);
	assert_string_equal(q.name, "web");
	profile_clear(&q);
	snprintf(path, sizeof(path), "%s/%s", dir, PROFILE_FILE);
	assert_non_null(f = fopen(path, "w"));
	fputs("{\"id\": 2,", f);
	fclose(f);
	assert_int_equal(profile_load(&q, dir, err, sizeof(err)), -EINVAL);
	assert_true(strlen(err) > 0);
	assert_int_equal(profile_remove(dir), 0);
	assert_int_equal(profile_remove(dir), 0);
	assert_int_equal(access(path, F_OK), -1);
	profile_clear(&p);
	profile_clear(&q);
	assert_int_equal(rmdir(dir), 0);
}

/* The update policy: off by default, the pinned version, the deadline. */
static void
test_update(void **unused)
{
	struct profile	 p;

	profile_default(&p);
	assert_int_equal(parse("{}", &p), 0);
	assert_int_equal(p.update_policy, PROFILE_UPDATE_OFF);
	assert_int_equal(p.update_deadline, 300);
	assert_string_equal(p.update_version, "");
	assert_int_equal(parse("{\"update\":{\"policy\":\"pinned\","
	    "\"version\":\"0.2.0~rc1\",\"deadline\":60}}", &p), 0);
	assert_int_equal(p.update_policy, PROFILE_UPDATE_PINNED);
	assert_string_equal(p.update_version, "0.2.0~rc1");
	assert_int_equal(p.update_deadline, 60);
	assert_int_equal(parse("{\"update\":{\"policy\":\"latest\","
	    "\"version\":null}}", &p), 0);
	assert_int_equal(p.update_policy, PROFILE_UPDATE_LATEST);
	/* Values it cannot use keep their defaults; intervals are clamped. */
	assert_int_equal(parse("{\"update\":{\"policy\":\"sometimes\","
	    "\"version\":\"v2\",\"deadline\":5}}", &p), 0);
	assert_int_equal(p.update_policy, PROFILE_UPDATE_OFF);
	assert_string_equal(p.update_version, "");
	assert_int_equal(p.update_deadline, 15);
	profile_clear(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_update),
	};

	log_init("test_profile", 1, LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
