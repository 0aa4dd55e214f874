/*
 * test_store.c: unit tests of the SQLite store (store.c, store-schema.c,
 * store-manifests.c): savepoints, the manifest version cache across a
 * rollback, and the schema version check of store_open().
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
#include <sqlite3.h>

#include "api-fixture.h"
#include "log.h"
#include "platform.h"
#include "store.h"

/* The savepoint around each request undoes its writes. */
static void
test_savepoint(void **state)
{
	struct store	*s = *state;
	int		 on;

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_savepoint(s), 0);
	assert_int_equal(store_setting_set(s, "accept_correlation_id",
	    "true"), 0);
	assert_int_equal(store_release(s, 0), 0);
	assert_int_equal(store_setting_get_bool(s, "accept_correlation_id",
	    &on), 0);
	assert_int_equal(on, 0);
	assert_int_equal(store_savepoint(s), 0);
	assert_int_equal(store_setting_set(s, "accept_correlation_id",
	    "true"), 0);
	assert_int_equal(store_release(s, 1), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_setting_get_bool(s, "accept_correlation_id",
	    &on), 0);
	assert_int_equal(on, 1);
}

/* The cached newest manifest version follows commits and rollbacks. */
static void
test_manifest_versions(void **state)
{
	struct store	*s = *state;
	int64_t		 version = 1;

	assert_int_equal(store_manifest_version(s, MANIFEST_FIM), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_manifest_add(s, MANIFEST_FIM, "{}", "sig", 1,
	    &version), 0);
	assert_int_equal(store_manifest_version(s, MANIFEST_FIM), 1);
	assert_int_equal(store_rollback(s), 0);
	assert_int_equal(store_manifest_version(s, MANIFEST_FIM), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_manifest_add(s, MANIFEST_FIM, "{}", "sig", 1,
	    &version), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_manifest_version(s, MANIFEST_FIM), 1);
	assert_int_equal(store_manifest_version(s, MANIFEST_VULNSIGS), 0);
}

/* A database opens again as is; one of a newer schema is refused. */
static void
test_schema_version(void **unused)
{
	struct store	*s;
	sqlite3		*db;
	char		 path[] = "/tmp/test_store.XXXXXX", dbpath[64];
	char		 err[PLATFORM_ERRLEN];

	assert_non_null(mkdtemp(path));
	snprintf(dbpath, sizeof(dbpath), "%s/platform.db", path);
	s = store_open(dbpath, err, sizeof(err));
	assert_non_null(s);
	store_close(s);
	s = store_open(dbpath, err, sizeof(err));
	assert_non_null(s);
	store_close(s);

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 1000", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_open(dbpath, err, sizeof(err)));
	assert_non_null(strstr(err, "schema migration failed"));

	snprintf(dbpath, sizeof(dbpath), "%s/platform.db-wal", path);
	unlink(dbpath);
	snprintf(dbpath, sizeof(dbpath), "%s/platform.db-shm", path);
	unlink(dbpath);
	snprintf(dbpath, sizeof(dbpath), "%s/platform.db", path);
	assert_int_equal(unlink(dbpath), 0);
	assert_int_equal(rmdir(path), 0);
}

/* Run the tests. Returns the number of failures. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_savepoint,
		    fixture_store_setup, fixture_store_teardown),
		cmocka_unit_test_setup_teardown(test_manifest_versions,
		    fixture_store_setup, fixture_store_teardown),
		cmocka_unit_test(test_schema_version),
	};

	store_init();
	log_init("test_store", 1, LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
