/*
 * test_platform_conf.c: unit tests of platform-conf.c: durations, and the
 * keys of users, sessions and the audit trail with their defaults and
 * limits.
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

#include "conf-util.h"
#include "log.h"
#include "platform-conf.h"

/* Durations: seconds, or a unit of s, m, h, d. */
static void
test_duration(void **state)
{
	int64_t	 v;

	assert_int_equal(platform_duration_parse("30", &v), 0);
	assert_int_equal(v, 30);
	assert_int_equal(platform_duration_parse("30s", &v), 0);
	assert_int_equal(v, 30);
	assert_int_equal(platform_duration_parse("15m", &v), 0);
	assert_int_equal(v, 900);
	assert_int_equal(platform_duration_parse("12h", &v), 0);
	assert_int_equal(v, 43200);
	assert_int_equal(platform_duration_parse("365d", &v), 0);
	assert_int_equal(v, 365 * 86400);
	assert_int_equal(platform_duration_parse("", &v), -1);
	assert_int_equal(platform_duration_parse("m", &v), -1);
	assert_int_equal(platform_duration_parse("-5", &v), -1);
	assert_int_equal(platform_duration_parse("5 m", &v), -1);
	assert_int_equal(platform_duration_parse("5mm", &v), -1);
	assert_int_equal(platform_duration_parse("5w", &v), -1);
	assert_int_equal(platform_duration_parse("99999999999999999999", &v),
	    -1);
	assert_int_equal(platform_duration_parse("999999999999999999d", &v),
	    -1);
}

/* The defaults, and values read from the file. */
static void
test_keys(void **state)
{
	struct platform_conf	 c;
	const char		*path;

	path = write_temp("listen = 127.0.0.1:1\n");
	assert_int_equal(platform_conf_load(path, &c), 0);
	assert_int_equal(c.session_idle_timeout, 1800);
	assert_int_equal(c.session_lifetime, 43200);
	assert_int_equal(c.signin_max_failures, 5);
	assert_int_equal(c.signin_address_max_failures, 20);
	assert_int_equal(c.signin_lockout, 300);
	assert_int_equal(c.audit_retention, 365 * 86400);
	assert_int_equal(c.password_scrypt_n, 65536);
	platform_conf_free(&c);
	unlink(path);
	path = write_temp("session_idle_timeout = 10m\n"
	    "session_lifetime = 1d\nsignin_max_failures = 3\n"
	    "signin_address_max_failures = 50\nsignin_lockout = 2m\n"
	    "audit_retention = 90d\npassword_scrypt_n = 16384\n");
	assert_int_equal(platform_conf_load(path, &c), 0);
	assert_int_equal(c.session_idle_timeout, 600);
	assert_int_equal(c.session_lifetime, 86400);
	assert_int_equal(c.signin_max_failures, 3);
	assert_int_equal(c.signin_address_max_failures, 50);
	assert_int_equal(c.signin_lockout, 120);
	assert_int_equal(c.audit_retention, 90 * 86400);
	assert_int_equal(c.password_scrypt_n, 16384);
	platform_conf_free(&c);
	unlink(path);
}

/* Values out of their range are errors. */
static void
test_limits(void **state)
{
	static const char *const bad[] = {
		"session_idle_timeout = 1\n", "session_idle_timeout = 8d\n",
		"session_lifetime = 367d\n", "signin_max_failures = 0\n",
		"signin_lockout = 2d\n", "audit_retention = 0\n",
		"password_scrypt_n = 65535\n", "password_scrypt_n = 8192\n",
		"password_scrypt_n = 2097152\n", "password_scrypt_n = x\n",
		"audit_retention = forever\n",
	};
	struct platform_conf	 c;
	const char		*path;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		path = write_temp(bad[i]);
		assert_int_equal(platform_conf_load(path, &c), -1);
		unlink(path);
	}
}

/* Run the tests. Returns the number of failures. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_limits),
	};

	log_init("test_platform_conf", 0, LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
