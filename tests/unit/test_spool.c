/*
 * test_spool.c: the on-disk upload queue.
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

#include "log.h"
#include "spool.h"

static char	 dir[64];

/* A fresh spool directory per test. */
static int
setup(void **state)
{
	char	 tmpl[] = "/tmp/test_spool.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	snprintf(dir, sizeof(dir), "%s/spool", tmpl);
	return 0;
}

/* Remove the directory. */
static int
teardown(void **state)
{
	char	 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'", (int)(strlen(dir) - 6),
	    dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_put_peek_ack(void **state)
{
	struct spool		*sp;
	struct spool_record	 rec;

	assert_int_equal(spool_open(dir, 0, &sp), 0);
	assert_int_equal(spool_put(sp, "errors", "one", 3), 1);
	assert_int_equal(spool_put(sp, "fim-events", "two\0x", 5), 2);
	assert_int_equal(spool_put(sp, "inventory", "", 0), 3);
	assert_int_equal(spool_depth(sp), 3);
	assert_int_equal(spool_peek(sp, &rec), 1);
	assert_true(rec.seq == 1);
	assert_string_equal(rec.kind, "errors");
	assert_int_equal(rec.len, 3);
	assert_memory_equal(rec.data, "one", 3);
	spool_record_free(&rec);
	assert_int_equal(spool_ack(sp, 1), 0);
	assert_int_equal(spool_ack(sp, 1), -ENOENT);
	assert_int_equal(spool_peek(sp, &rec), 1);
	assert_true(rec.seq == 2);
	assert_int_equal(rec.len, 5);
	assert_memory_equal(rec.data, "two\0x", 5);
	spool_record_free(&rec);
	spool_close(sp);

	/* Reopened: the same records, numbering continues. */
	assert_int_equal(spool_open(dir, 0, &sp), 0);
	assert_int_equal(spool_depth(sp), 2);
	assert_int_equal(spool_put(sp, "errors", "four", 4), 4);
	assert_int_equal(spool_ack(sp, 2), 0);
	assert_int_equal(spool_ack(sp, 3), 0);
	assert_int_equal(spool_ack(sp, 4), 0);
	assert_int_equal(spool_peek(sp, &rec), 0);
	spool_close(sp);

	/* Emptied and reopened: numbers are never reused. */
	assert_int_equal(spool_open(dir, 0, &sp), 0);
	assert_int_equal(spool_depth(sp), 0);
	assert_int_equal(spool_put(sp, "errors", "five", 4), 5);
	spool_close(sp);
}

static void
test_limit_drops_oldest(void **state)
{
	struct spool		*sp;
	struct spool_record	 rec;
	char			 payload[1000];
	int			 i;

	memset(payload, 'x', sizeof(payload));
	assert_int_equal(spool_open(dir, 5000, &sp), 0);
	for (i = 1; i <= 10; i++)
		assert_int_equal(spool_put(sp, "fim-events", payload,
		    sizeof(payload)), i);
	assert_true(spool_bytes(sp) <= 5000);
	assert_true(spool_dropped(sp) >= 5);
	assert_int_equal(spool_depth(sp) + spool_dropped(sp), 10);
	assert_int_equal(spool_peek(sp, &rec), 1);
	assert_true(rec.seq == 10 - spool_depth(sp) + 1);
	spool_record_free(&rec);
	/* A record larger than the whole limit is refused. */
	spool_set_max_size(sp, 500);
	assert_int_equal(spool_put(sp, "inventory", payload, sizeof(payload)),
	    -EFBIG);
	spool_close(sp);
	/* The dropped count survives a restart. */
	assert_int_equal(spool_open(dir, 0, &sp), 0);
	assert_true(spool_dropped(sp) >= 5);
	spool_close(sp);
}

static void
test_torn_and_corrupt(void **state)
{
	struct spool		*sp;
	struct spool_record	 rec;
	char			 path[128];
	FILE			*fp;

	assert_int_equal(spool_open(dir, 0, &sp), 0);
	assert_int_equal(spool_put(sp, "errors", "good", 4), 1);
	assert_int_equal(spool_put(sp, "errors", "later", 5), 2);
	spool_close(sp);
	/* A torn temporary file and a damaged record. */
	snprintf(path, sizeof(path), "%s/00000000000000000003.rec.tmp.99", dir);
	fp = fopen(path, "w");
	fputs("OUTPOST-SPOOL/1\n{\"seq\":3", fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/00000000000000000001.rec", dir);
	fp = fopen(path, "r+");
	fputs("GARBAGE", fp);
	fclose(fp);

	assert_int_equal(spool_open(dir, 0, &sp), 0);
	snprintf(path, sizeof(path), "%s/00000000000000000003.rec.tmp.99", dir);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(spool_peek(sp, &rec), 1);
	assert_true(rec.seq == 2);
	assert_memory_equal(rec.data, "later", 5);
	spool_record_free(&rec);
	snprintf(path, sizeof(path), "%s/corrupt/00000000000000000001.rec", dir);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(spool_put(sp, "errors", "x", 1), 3);
	spool_close(sp);
}

static void
test_bad_kind(void **state)
{
	struct spool	*sp;

	assert_int_equal(spool_open(dir, 0, &sp), 0);
	assert_int_equal(spool_put(sp, "bad\"kind", "x", 1), -EINVAL);
	assert_int_equal(spool_put(sp,
	    "a-kind-name-much-longer-than-thirty-one-bytes", "x", 1), -EINVAL);
	spool_close(sp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_peek_ack, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_limit_drops_oldest, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_torn_and_corrupt, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_kind, setup,
		    teardown),
	};

	log_init("test_spool", 0, LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
