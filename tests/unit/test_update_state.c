/*
 * test_update_state.c: unit tests of src/agent/update-state.c, the
 * agent's update.json: a full state written and read back the same, the
 * attempts (one per version and profile version, the oldest dropped when
 * full), phases by name, errors, and corrupt files refused.
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

#include "update-state.h"

/* A state with every member set, written and read back. */
static void
test_update_state_roundtrip(void **unused)
{
	struct update_state	 st, back;
	char			 dir[] = "/tmp/test_update_state.XXXXXX";
	char			 err[256], path[PATH_MAX];
	char			*argv[] = { "/usr/sbin/outpostd", "-f", "-c",
				    "/etc/outpost/outpost.conf", NULL };

	assert_non_null(mkdtemp(dir));
	assert_int_equal(update_state_load(dir, &st, err, sizeof(err)),
	    -ENOENT);
	update_state_set(&st, UPDATE_SWITCHING, 1000);
	strcpy(st.target, "0.2.0");
	st.pinned = 1;
	st.deadline = 1300;
	st.profile_id = 2;
	st.profile_version = 5;
	update_program_set(&st.previous, "0.1.0", "/usr/sbin/outpostd");
	update_program_set(&st.base, "0.1.0", "/usr/sbin/outpostd");
	update_program_set(&st.active, "0.1.5",
	    "/var/lib/outpost/versions/0.1.5/outpostd");
	st.watchdog_pid = 4242;
	strcpy(st.failure, "deadline");
	update_state_error(&st, "E610", "version %s did not check in", "0.2.0");
	assert_int_equal(st.is_reported, 0);
	assert_int_equal(update_state_set_argv(&st, 4, argv), 0);
	update_state_record(&st, "0.1.9", 2, 4, UPDATE_FAILED, "E605", 900);
	assert_int_equal(update_state_save(dir, &st), 0);

	assert_int_equal(update_state_load(dir, &back, err, sizeof(err)), 0);
	assert_int_equal(back.phase, UPDATE_SWITCHING);
	assert_int_equal(back.time, 1000);
	assert_string_equal(back.target, "0.2.0");
	assert_int_equal(back.pinned, 1);
	assert_int_equal(back.deadline, 1300);
	assert_int_equal(back.profile_version, 5);
	assert_string_equal(back.previous.path, "/usr/sbin/outpostd");
	assert_string_equal(back.active.version, "0.1.5");
	assert_string_equal(back.base.version, "0.1.0");
	assert_int_equal(back.watchdog_pid, 4242);
	assert_string_equal(back.failure, "deadline");
	assert_string_equal(back.error_code, "E610");
	assert_string_equal(back.error_message, "version 0.2.0 did not check in");
	assert_int_equal(back.is_reported, 0);
	assert_int_equal(back.argc, 4);
	assert_string_equal(back.argv[3], "/etc/outpost/outpost.conf");
	assert_null(back.argv[4]);
	assert_int_equal(back.nattempts, 1);
	assert_string_equal(back.attempts[0].code, "E605");
	assert_int_equal(back.attempts[0].outcome, UPDATE_FAILED);

	/* A new phase forgets the error. */
	update_state_set(&back, UPDATE_DONE, 1100);
	assert_string_equal(back.error_code, "");
	assert_int_equal(back.is_reported, 1);
	update_state_free(&st);
	update_state_free(&back);
	snprintf(path, sizeof(path), "%s/%s", dir, UPDATE_STATE_FILE);
	unlink(path);
	rmdir(dir);
}

/* Attempts: one per version and profile version; bounded. */
static void
test_update_state_attempts(void **unused)
{
	struct update_state		 st;
	const struct update_attempt	*a;
	char				 v[16];
	int				 i;

	update_state_init(&st);
	update_state_record(&st, "0.2.0", 1, 3, UPDATE_ROLLED_BACK, "E609",
	    10);
	assert_non_null(a = update_state_attempted(&st, "0.2.0", 1, 3));
	assert_int_equal(a->outcome, UPDATE_ROLLED_BACK);
	/* Another profile version is another attempt. */
	assert_null(update_state_attempted(&st, "0.2.0", 1, 4));
	assert_null(update_state_attempted(&st, "0.2.1", 1, 3));
	/* The same one is replaced. */
	update_state_record(&st, "0.2.0", 1, 3, UPDATE_DONE, NULL, 20);
	assert_int_equal(st.nattempts, 1);
	assert_int_equal(st.attempts[0].outcome, UPDATE_DONE);
	assert_string_equal(st.attempts[0].code, "");
	for (i = 0; i < UPDATE_ATTEMPTS_MAX + 3; i++) {
		snprintf(v, sizeof(v), "1.%d", i);
		update_state_record(&st, v, 1, 3, UPDATE_FAILED, "E607", i);
	}
	assert_int_equal(st.nattempts, UPDATE_ATTEMPTS_MAX);
	assert_null(update_state_attempted(&st, "0.2.0", 1, 3));
	assert_null(update_state_attempted(&st, "1.2", 1, 3));
	assert_non_null(update_state_attempted(&st, "1.3", 1, 3));
	snprintf(v, sizeof(v), "1.%d", UPDATE_ATTEMPTS_MAX + 2);
	assert_non_null(update_state_attempted(&st, v, 1, 3));
	update_state_free(&st);
}

/* Phases by name; corrupt files refused. */
static void
test_update_state_parse(void **unused)
{
	struct update_state	 st;
	char			 err[256];
	const char		*odd = "{\"state\":\"done\",\"active\":"
	    "{\"version\":\"1\",\"program\":\"outpostd\"},\"attempts\":[1,"
	    "{\"version\":\"1\",\"outcome\":\"maybe\"},{\"version\":\"2\","
	    "\"outcome\":\"failed\"}]}";
	const char		*names[] = { "none", "pending", "downloading",
				    "verifying", "switching", "done",
				    "rolled_back", "failed" };
	size_t			 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(update_phase_parse(names[i]), (int)i);
		assert_string_equal(update_phase_name((enum update_phase)i),
		    names[i]);
	}
	assert_int_equal(update_phase_parse("rolled back"), -1);
	assert_int_equal(update_state_parse("{", 1, &st, err, sizeof(err)),
	    -1);
	update_state_free(&st);
	assert_int_equal(update_state_parse("{\"state\":\"bored\"}", 17, &st,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "state"));
	update_state_free(&st);
	/* Relative program paths are not kept; bad attempts skipped. */
	assert_int_equal(update_state_parse(odd, strlen(odd), &st, err,
	    sizeof(err)), 0);
	assert_string_equal(st.active.path, "");
	assert_int_equal(st.nattempts, 1);
	assert_string_equal(st.attempts[0].version, "2");
	update_state_free(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_update_state_roundtrip),
		cmocka_unit_test(test_update_state_attempts),
		cmocka_unit_test(test_update_state_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
