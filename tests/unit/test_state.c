/*
 * test_state.c: state.json round trip, corruption, permissions.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "state.h"

static char	 dir[64];

/* A fresh directory per test. */
static int
setup(void **unused)
{
	snprintf(dir, sizeof(dir), "/tmp/test_state.XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

/* Remove it. */
static int
teardown(void **unused)
{
	char	 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Fill a complete state. */
static void
fill(struct state *st)
{
	memset(st, 0, sizeof(*st));
	st->agent_id = strdup("3f0c8a4e-5d7b-4c1e-9a2f-0b6d1e8c7a55");
	st->credential = strdup("3f0c8a4e-5d7b-4c1e-9a2f-0b6d1e8c7a55.abcd");
	st->correlation_id = strdup("5b0e2a7c9d1f4e3a8b6c0d2e4f6a8b1c");
	st->customer_id = strdup("c0d9e8f7-1a2b-4c3d-9e8f-7a6b5c4d3e2f");
	st->activation_id = strdup("6a1d2c4e-0f3b-4b7a-8e51-2f9d7c3b1a60");
	st->platform_url = strdup("https://127.0.0.1:8443");
	st->manifest_public_key = strdup("-----BEGIN PUBLIC KEY-----\nMCo=\n"
	    "-----END PUBLIC KEY-----\n");
	st->activated_at = 1732179000;
}

/* Write raw text as state.json. */
static void
write_raw(const char *text)
{
	char	 path[128];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/state.json", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
test_round_trip(void **unused)
{
	struct state	 st, back;
	struct stat	 sb;
	char		 err[256], path[128];

	fill(&st);
	assert_int_equal(state_save(dir, &st), 0);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(state_load(dir, &back, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(back.agent_id, st.agent_id);
	assert_string_equal(back.credential, st.credential);
	assert_string_equal(back.manifest_public_key, st.manifest_public_key);
	assert_int_equal(back.activated_at, 1732179000);
	state_free(&back);
	state_free(&st);
	assert_int_equal(state_remove(dir), 0);
	assert_int_equal(state_load(dir, &back, err, sizeof(err)), -ENOENT);
	assert_int_equal(state_remove(dir), 0);
}

static void
test_corrupt(void **unused)
{
	struct state	 st;
	char		 err[256];

	write_raw("{\"version\":1,\"agent_id\":\"x\"");
	assert_int_equal(state_load(dir, &st, err, sizeof(err)), -EINVAL);
	assert_true(strlen(err) > 0);
	write_raw("{\"version\":1,\"agent_id\":\"x\"}");
	assert_int_equal(state_load(dir, &st, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "credential"));
	write_raw("{\"version\":7}");
	assert_int_equal(state_load(dir, &st, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "version"));
	write_raw("[1,2,3]");
	assert_int_equal(state_load(dir, &st, err, sizeof(err)), -EINVAL);
	write_raw("");
	assert_int_equal(state_load(dir, &st, err, sizeof(err)), -EINVAL);
}

static void
test_mode_repaired(void **unused)
{
	struct state	 st;
	struct stat	 sb;
	char		 err[256], path[128];

	fill(&st);
	assert_int_equal(state_save(dir, &st), 0);
	state_free(&st);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	chmod(path, 0644);
	assert_int_equal(state_load(dir, &st, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "0600"));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	state_free(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode_repaired, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
