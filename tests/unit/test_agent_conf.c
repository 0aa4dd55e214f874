/*
 * test_agent_conf.c: unit tests of src/agent/agent-conf.c, outpost.conf's
 * table of keys read through the engine (src/common/conf.c, whose own
 * tests are test_conf.c): the defaults, values of every kind, every
 * error of a file reported with its line, a missing file, and the
 * activation keys that need platform_url.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent-conf.h"
#include "conf-util.h"

/* An empty file: every default. */
static void
test_defaults(void **state)
{
	struct agent_conf	 conf;
	struct errlist		 e = { .n = 0 };
	const char		*path = write_temp("# only a comment\n\n");

	assert_int_equal(agent_conf_load(path, &conf, collect_cb, &e), 0);
	assert_int_equal(e.n, 0);
	assert_true(conf.log_max_size == 10ULL * 1024 * 1024);
	assert_int_equal(conf.log_rotations, 5);
	assert_int_equal(conf.log_compression_level, 6);
	assert_int_equal(conf.audit_retry_interval, 600);
	assert_int_equal(conf.log_level, LOG_LEVEL_INFO);
	assert_string_equal(conf.state_dir, OUTPOST_STATEDIR);
	assert_string_equal(conf.platform_url, "");
	agent_conf_free(&conf);
	unlink(path);
}

/* Values of every kind, quoted, with a trailing comment, upper case. */
static void
test_values(void **state)
{
	struct agent_conf	 conf;
	struct errlist		 e = { .n = 0 };
	const char		*path = write_temp(
	    "platform_url = https://platform.example:8443\n"
	    "activation_id = \"a b\"\n"
	    "customer_id = c1   # trailing comment\n"
	    "log_max_size = 512K\n"
	    "log_level = DEBUG\n"
	    "log_rotations=3\n"
	    "pin_sha256 = "
	    "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789\n");

	assert_int_equal(agent_conf_load(path, &conf, collect_cb, &e), 0);
	assert_string_equal(conf.platform_url, "https://platform.example:8443");
	assert_string_equal(conf.activation_id, "a b");
	assert_string_equal(conf.customer_id, "c1");
	assert_true(conf.log_max_size == 512 * 1024);
	assert_int_equal(conf.log_level, LOG_LEVEL_DEBUG);
	assert_int_equal(conf.log_rotations, 3);
	assert_string_equal(conf.pin_sha256,
	    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
	agent_conf_free(&conf);
	unlink(path);
}

/* Every error of a file is reported, each with its line. */
static void
test_every_error_reported(void **state)
{
	struct agent_conf	 conf;
	struct errlist		 e = { .n = 0 };
	const char		*path = write_temp(
	    "log_level = loud\n"
	    "# fine\n"
	    "no_such_key = 1\n"
	    "log_max_size = 10X\n"
	    "just words\n"
	    "state_dir = relative/path\n"
	    "log_rotations = 0\n"
	    "log_compression_level = 12\n"
	    "platform_url = http://insecure\n"
	    "log_level = info\n");

	assert_int_equal(agent_conf_load(path, &conf, collect_cb, &e), 9);
	assert_int_equal(e.n, 9);
	assert_int_equal(e.lines[0], 1);
	assert_non_null(strstr(e.reasons[0], "loud"));
	assert_int_equal(e.lines[1], 3);
	assert_non_null(strstr(e.reasons[1], "unknown key"));
	assert_int_equal(e.lines[2], 4);
	assert_non_null(strstr(e.reasons[2], "not a size"));
	assert_int_equal(e.lines[3], 5);
	assert_int_equal(e.lines[4], 6);
	assert_non_null(strstr(e.reasons[4], "absolute"));
	assert_int_equal(e.lines[5], 7);
	assert_non_null(strstr(e.reasons[5], "out of range"));
	assert_int_equal(e.lines[6], 8);
	assert_int_equal(e.lines[7], 9);
	assert_non_null(strstr(e.reasons[7], "https://"));
	assert_int_equal(e.lines[8], 10);
	assert_non_null(strstr(e.reasons[8], "more than once"));
	agent_conf_free(&conf);
	unlink(path);
}

/* A file that cannot be opened: -1, one error without a line. */
static void
test_missing_file(void **state)
{
	struct agent_conf	 conf;
	struct errlist		 e = { .n = 0 };

	assert_int_equal(agent_conf_load("/nonexistent/outpost.conf", &conf,
	    collect_cb, &e), -1);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.lines[0], 0);
	agent_conf_free(&conf);
}

/* activation_id without platform_url is an error of the file. */
static void
test_activation_needs_url(void **state)
{
	struct agent_conf	 conf;
	struct errlist		 e = { .n = 0 };
	const char		*path = write_temp("activation_id = x\n");

	assert_int_equal(agent_conf_load(path, &conf, collect_cb, &e), 1);
	assert_non_null(strstr(e.reasons[0], "platform_url"));
	agent_conf_free(&conf);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_every_error_reported),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_activation_needs_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
