/*
 * test_correlation.c: unit tests of src/agent/correlation.c that need no
 * socket: the profile's correlation settings (defaults, values, the
 * ports in ascending order, refusals naming the member) and their JSON
 * form. The CIDR networks and the wire line are src/common's
 * (test_cidr.c, test_correlation_wire.c); port lists and ranges are
 * outpost-scan's (test_scan_target.c).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "correlation.h"

/* Parse a profile text's correlation settings. */
static int
settings(const char *text, struct corr_settings *s, char *err, size_t len)
{
	struct json_object	*profile;
	int			 rc;

	profile = json_tokener_parse(text);
	assert_non_null(profile);
	rc = correlation_settings_parse(profile, s, err, len);
	json_object_put(profile);
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
	obj = correlation_settings_json(&s);
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
	assert_int_equal(correlation_settings_parse(NULL, &s, err, sizeof(err)),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
