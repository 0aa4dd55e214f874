/*
 * test_fim_rules.c: the fim manifest's rules: parsed and refused with the
 * member named, matched against paths (the most specific rule, excludes,
 * depth, events), the kernel watches they need, and the key of our
 * kernel rules among several.
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

#include "fim-rules.h"

/* Parse rules from JSON text. */
static int
rules_from(const char *text, struct fim_rules *r, char *err, size_t len)
{
	struct json_object	*o = json_tokener_parse(text);
	int			 rc;

	assert_non_null(o);
	rc = fim_rules_parse(o, r, err, len);
	json_object_put(o);
	return rc;
}

/* Every path is a directory in this test except *.conf; /new is missing. */
static int
is_dir(const char *path, void *arg)
{
	if (strncmp(path, "/new", 4) == 0)
		return -1;
	return strstr(path, ".conf") == NULL;
}

static void
test_rules(void **state)
{
	struct fim_rules	 r;
	struct fim_kwatch	*kw;
	char			 err[256];

	assert_int_equal(rules_from("{\"enabled\":true,\"hash_max_size\":10,"
	    "\"rules\":[{\"path\":\"/etc/\",\"excludes\":[\"/etc/mtab\"]},"
	    "{\"path\":\"/etc/ssh\",\"recursive\":false,\"events\":"
	    "[\"modify\"]},{\"path\":\"/srv/app.conf\",\"events\":"
	    "[\"attrib\"]}]}", &r, err, sizeof(err)), 0);
	assert_int_equal(r.nrules, 3);
	assert_true(r.is_enabled);
	assert_true(r.hash_max_size == 10);
	assert_string_equal(r.rules[0].path, "/etc");
	assert_int_equal(fim_rules_match(&r, "/etc/passwd", FIM_MODIFY), 0);
	assert_int_equal(fim_rules_match(&r, "/etc", FIM_ATTRIB), 0);
	assert_int_equal(fim_rules_match(&r, "/etcetera", FIM_MODIFY), -1);
	assert_int_equal(fim_rules_match(&r, "/etc/mtab", FIM_MODIFY), -1);
	/* The most specific rule decides. */
	assert_int_equal(fim_rules_match(&r, "/etc/ssh/sshd_config",
	    FIM_MODIFY), 1);
	assert_int_equal(fim_rules_match(&r, "/etc/ssh/sshd_config",
	    FIM_DELETE), -1);
	/* Not recursive: deeper entries fall back to /etc. */
	assert_int_equal(fim_rules_match(&r, "/etc/ssh/a/b", FIM_DELETE), 0);
	assert_int_equal(fim_rules_match(&r, "/srv/app.conf", FIM_ATTRIB), 2);
	assert_int_equal(fim_rules_match(&r, "/srv/app.conf", FIM_MODIFY),
	    -1);
	assert_int_equal(fim_rules_kwatches(&r, is_dir, NULL, &kw), 3);
	assert_true(kw[0].is_tree && kw[0].perm == 0xa);
	assert_true(kw[1].is_tree && kw[1].perm == 0x2);
	assert_true(!kw[2].is_tree && kw[2].perm == 0x8);
	fim_kwatches_free(kw, 3);
	fim_rules_free(&r);
	assert_int_equal(rules_from("{\"rules\":[{\"path\":\"/new/a\"},"
	    "{\"path\":\"/new/b\",\"recursive\":false},{\"path\":\"/new/a\","
	    "\"events\":[\"attrib\"]}]}", &r, err, sizeof(err)), 0);
	assert_int_equal(fim_rules_kwatches(&r, is_dir, NULL, &kw), 2);
	assert_true(kw[0].is_tree && kw[0].perm == 0xa);
	assert_true(!kw[1].is_tree);
	fim_kwatches_free(kw, 2);
	fim_rules_free(&r);

	assert_int_equal(rules_from("{\"rules\":[{\"path\":\"etc\"}]}", &r,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "fim.rules[0].path: expected an absolute "
	    "path of at most 4095 bytes");
	assert_int_equal(rules_from("{\"rules\":[{\"path\":\"/a\"},{\"path\":"
	    "\"/b\",\"events\":[\"explode\"]}]}", &r, err, sizeof(err)), -1);
	assert_string_equal(err, "fim.rules[1].events[0]: expected create, "
	    "modify, attrib, delete or rename");
	assert_int_equal(rules_from("{\"rules\":[{\"path\":\"/a\","
	    "\"excludes\":[1]}]}", &r, err, sizeof(err)), -1);
	assert_string_equal(err, "fim.rules[0].excludes[0]: expected a "
	    "string");
	assert_int_equal(rules_from("{\"hash_max_size\":-1}", &r, err,
	    sizeof(err)), -1);
	assert_int_equal(rules_from("{\"enabled\":\"yes\"}", &r, err,
	    sizeof(err)), -1);
	assert_int_equal(rules_from("{}", &r, err, sizeof(err)), 0);
	assert_int_equal(r.nrules, 0);
	assert_false(r.is_enabled);
}

/* Our key, alone or among others (separated by 0x01), and not ours. */
static void
test_our_key(void **state)
{
	assert_true(fim_rules_is_key("outpost-fim-1a", "outpost-fim-1a"));
	assert_true(fim_rules_is_key("other\001outpost-fim-1a",
	    "outpost-fim-1a"));
	assert_true(fim_rules_is_key("outpost-fim-1a\001other",
	    "outpost-fim-1a"));
	assert_false(fim_rules_is_key("outpost-fim-1ax", "outpost-fim-1a"));
	assert_false(fim_rules_is_key("x-outpost-fim-1a", "outpost-fim-1a"));
	/* Another installation's key is not ours, nor the older key. */
	assert_false(fim_rules_is_key("outpost-fim-2b", "outpost-fim-1a"));
	assert_false(fim_rules_is_key("outpost-fim", "outpost-fim-1a"));
	assert_false(fim_rules_is_key("other\001outpost-fi",
	    "outpost-fim-1a"));
	assert_false(fim_rules_is_key("", "outpost-fim-1a"));
	assert_false(fim_rules_is_key(NULL, "outpost-fim-1a"));
	assert_false(fim_rules_is_key("outpost-fim-1a", ""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_our_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
