/*
 * test_invchange.c: the decision of invchange.c, when the changes of each
 * inventory section are due for a scan: the settle time, its cap while
 * changes keep coming, the minimum interval between uploads, a package
 * manager's lock and its cap, and sections that go along with a due one.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "invchange.h"

#define S	1000	/* ms */
#define T0	(1000 * S)	/* a monotonic time far from 0 */

static const struct invchange_settings set = {
	.enabled = 1, .settle = 2, .min_interval = 10, .poll_interval = 60,
	.heartbeat_interval = 60
};

/* Nothing pending: nothing due, no decision planned. */
static void
test_nothing(void **unused)
{
	struct invchange_section	 secs[4];
	uint64_t			 next = 1;

	memset(secs, 0, sizeof(secs));
	assert_int_equal(invchange_due(secs, 4, 0, &set, T0, &next), 0);
	assert_int_equal(next, 0);
}

/* One change: due after settle seconds of quiet. */
static void
test_settle(void **unused)
{
	struct invchange_section	 secs[4];
	uint64_t			 next;

	memset(secs, 0, sizeof(secs));
	secs[2].first_pending = secs[2].last_change = T0;
	assert_int_equal(invchange_due(secs, 4, 0, &set, T0 + S, &next), 0);
	assert_int_equal(next, T0 + 2 * S);
	assert_int_equal(invchange_due(secs, 4, 0, &set, T0 + 2 * S, &next),
	    1u << 2);
	assert_int_equal(next, 0);
}

/* Changes every second postpone it, but not past 10 times settle. */
static void
test_settle_cap(void **unused)
{
	struct invchange_section	 secs[1];
	uint64_t			 next, t;

	memset(secs, 0, sizeof(secs));
	secs[0].first_pending = T0;
	for (t = T0; t < T0 + 20 * S; t += S) {
		secs[0].last_change = t;
		assert_int_equal(invchange_due(secs, 1, 0, &set, t, &next), 0);
		assert_true(next <= T0 + 20 * S);
	}
	secs[0].last_change = T0 + 20 * S;
	assert_int_equal(invchange_due(secs, 1, 0, &set, T0 + 20 * S, &next),
	    1);
}

/* At most one upload per min_interval. */
static void
test_min_interval(void **unused)
{
	struct invchange_section	 secs[1];
	uint64_t			 next;

	memset(secs, 0, sizeof(secs));
	secs[0].last_upload = T0;
	secs[0].first_pending = secs[0].last_change = T0 + S;
	assert_int_equal(invchange_due(secs, 1, 0, &set, T0 + 3 * S, &next),
	    0);
	assert_int_equal(next, T0 + 10 * S);
	assert_int_equal(invchange_due(secs, 1, 0, &set, T0 + 10 * S, &next),
	    1);
}

/* A held lock waits, looking again every settle, at most LOCK_MAX. */
static void
test_lock(void **unused)
{
	struct invchange_section	 secs[1];
	struct invchange_settings	 lazy = set;
	uint64_t			 next, end;

	memset(secs, 0, sizeof(secs));
	secs[0].first_pending = secs[0].last_change = T0;
	assert_int_equal(invchange_due(secs, 1, 1, &set, T0 + 5 * S, &next),
	    0);
	assert_int_equal(next, T0 + 7 * S);
	/* Released: due at once. */
	assert_int_equal(invchange_due(secs, 1, 0, &set, T0 + 7 * S, &next),
	    1);
	/* Held for too long: due anyway. */
	end = T0 + (uint64_t)INVCHANGE_LOCK_MAX * S;
	assert_int_equal(invchange_due(secs, 1, 1, &set, end - S, &next), 0);
	assert_int_equal(next, end);
	assert_int_equal(invchange_due(secs, 1, 1, &set, end, &next), 1);
	/* Where a release is an event, held locks are looked at rarely. */
	lazy.lock_recheck = 60;
	assert_int_equal(invchange_due(secs, 1, 1, &lazy, T0 + 5 * S, &next),
	    0);
	assert_int_equal(next, T0 + 65 * S);
	assert_int_equal(invchange_due(secs, 1, 1, &lazy, end - S, &next), 0);
	assert_int_equal(next, end);
}

/* A due section takes the ready ones along, not the held back ones. */
static void
test_along(void **unused)
{
	struct invchange_section	 secs[3];
	uint64_t			 next;

	memset(secs, 0, sizeof(secs));
	secs[0].first_pending = secs[0].last_change = T0;
	/* Changed half a second later: goes along. */
	secs[1].first_pending = secs[1].last_change = T0 + S / 2;
	/* Uploaded a moment ago: waits for its min_interval. */
	secs[2].last_upload = T0;
	secs[2].first_pending = secs[2].last_change = T0 + S / 2;
	assert_int_equal(invchange_due(secs, 3, 0, &set, T0 + 2 * S, &next),
	    (1u << 0) | (1u << 1));
	assert_int_equal(next, T0 + 10 * S);
	/* Alone, the late one waits for its own quiet time. */
	secs[0].first_pending = 0;
	assert_int_equal(invchange_due(secs, 2, 0, &set, T0 + 2 * S, &next),
	    0);
	assert_int_equal(next, T0 + S / 2 + 2 * S);
}

/* Run the tests. Returns the number of failures. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing),
		cmocka_unit_test(test_settle),
		cmocka_unit_test(test_settle_cap),
		cmocka_unit_test(test_min_interval),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_along),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
