/*
 * store.c: the platform's SQLite database: opening it in WAL mode,
 * transactions and savepoints, the write-ahead log, and the helpers the
 * store-*.c files run their statements with. The schema is versioned
 * with PRAGMA user_version and applied by migrations (store-schema.c),
 * and every query is a statement prepared once, here, at open.
 *
 * synchronous=NORMAL: a commit writes the WAL without fsync, so it
 * survives the death of the process (the data is in the kernel) and the
 * checkpoints sync as they should. Durability across a power loss comes
 * from server.c, which fdatasync()s the WAL from a helper thread after each
 * group commit and answers only after that (see server.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "compat.h"
#include "jsonutil.h"
#include "log.h"
#include "store-sqlite.h"

/* The statements of transactions and savepoints. */
static const char *const store_tx_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT request",
	[ST_RELEASE] = "RELEASE request",
	[ST_ROLLBACK_TO] = "ROLLBACK TO request",
};

/* Where the SQL of every statement is: one table per store file. */
static const char *const *const store_tables[] = {
	store_tx_sql,
	store_settings_sql,
	store_profiles_sql,
	store_keys_sql,
	store_agents_sql,
	store_manifests_sql,
	store_inventory_sql,
	store_fim_sql,
	store_scans_sql,
	store_vulns_sql,
	store_users_sql,
	store_audit_sql,
	store_feeds_sql,
	store_releases_sql
};

/*
 * Configure the SQLite library once, before any connection: no memory
 * statistics (they take a global mutex on every allocation).
 */
void
store_init(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/*
 * Log a database failure of what (keep it only, on a quiet store).
 * Returns -1.
 */
int
store_fail(struct store *s, const char *what)
{
	snprintf(s->last_error, sizeof(s->last_error), "%s: %s", what,
	    sqlite3_errmsg(s->db));
	if (!s->is_quiet)
		log_warnx("database: %s", s->last_error);
	return -1;
}

/*
 * Keep failures out of the log (for a connection of another thread: the
 * log is the event loop's); store_last_error() tells them.
 */
void
store_set_quiet(struct store *s)
{
	s->is_quiet = 1;
}

/* The last failure of s ("" if none). */
const char *
store_last_error(struct store *s)
{
	return s->last_error;
}

/* The prepared statement id, reset and unbound, ready to use. */
sqlite3_stmt *
store_stmt(struct store *s, enum store_stmt id)
{
	sqlite3_stmt	*st = s->stmt[id];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Bind a string, or NULL, to parameter i. */
void
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* Run a statement that returns no rows. Returns 0, or -1. */
int
store_exec(struct store *s, sqlite3_stmt *st, const char *what)
{
	int	 rc;

	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, what);
	return 0;
}

/*
 * Run a statement that returns at most one row. Returns 0 (the row is
 * ready to read; reset the statement after), 1 (no row), or -1.
 */
int
store_row(struct store *s, sqlite3_stmt *st, const char *what)
{
	int	 rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 0;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 1;
	return store_fail(s, what);
}

/* Run statement which, with agent id as parameter 1. Returns 0, or -1. */
int
store_exec_id(struct store *s, enum store_stmt which, const char *id,
    const char *what)
{
	sqlite3_stmt	*st = store_stmt(s, which);

	store_bind_text(st, 1, id);
	return store_exec(s, st, what);
}

/* A text column as a string (never NULL). */
const char *
store_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char	*v = sqlite3_column_text(st, i);

	return v == NULL ? "" : (const char *)v;
}

/* Add column i (JSON text, or NULL) to obj as key, parsed. */
void
store_add_json(struct json_object *obj, const char *key, sqlite3_stmt *st,
    int i)
{
	struct json_object	*v = NULL;

	if (sqlite3_column_type(st, i) != SQLITE_NULL)
		v = json_tokener_parse(store_col_text(st, i));
	json_object_object_add(obj, key, v);
}

/* Add integer column i (or null) to obj as key. */
void
store_add_int(struct json_object *obj, const char *key, sqlite3_stmt *st,
    int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		json_object_object_add(obj, key, NULL);
	else
		json_add_int64(obj, key, sqlite3_column_int64(st, i));
}

/* Add text column i (or null) to obj as key. */
void
store_add_text(struct json_object *obj, const char *key, sqlite3_stmt *st,
    int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		json_object_object_add(obj, key, NULL);
	else
		json_add_string(obj, key, store_col_text(st, i));
}

/*
 * Run a bound statement and make an API object of each of its rows with
 * row(). Returns a new array, or NULL on error (logged as what).
 */
struct json_object *
store_rows(struct store *s, sqlite3_stmt *st,
    struct json_object *(*row)(sqlite3_stmt *), const char *what)
{
	struct json_object	*arr = json_object_new_array();
	int			 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(arr, row(st));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		store_fail(s, what);
		return NULL;
	}
	return arr;
}

/* The SQL of statement id from the table that holds it, or NULL. */
static const char *
store_sql(enum store_stmt id)
{
	size_t	 i;

	for (i = 0; i < nitems(store_tables); i++)
		if (store_tables[i][id] != NULL)
			return store_tables[i][id];
	return NULL;
}

/*
 * Open (creating if needed) the database at path, in WAL mode with
 * synchronous=NORMAL, migrate it and prepare every statement. Returns
 * the store, or NULL with the reason in err.
 */
struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store	*s;
	sqlite3_stmt	*st;
	const char	*sql;
	char		*emsg = NULL;
	int		 i;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ?
		    sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	if (sqlite3_step(st) != SQLITE_ROW ||
	    (strcmp(store_col_text(st, 0), "wal") != 0 &&
	    strcmp(store_col_text(st, 0), "memory") != 0)) {
		snprintf(err, errlen, "%s: cannot enter WAL mode: %s", path,
		    sqlite3_errmsg(s->db));
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	if (sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL;"
	    "PRAGMA journal_size_limit = 67108864;"
	    "PRAGMA foreign_keys = OFF;", NULL, NULL, &emsg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, emsg);
		sqlite3_free(emsg);
		goto fail;
	}
	if (store_schema_migrate(s) == -1) {
		snprintf(err, errlen, "%s: schema migration failed", path);
		goto fail;
	}
	for (i = 0; i < ST_COUNT; i++) {
		if ((sql = store_sql((enum store_stmt)i)) == NULL) {
			snprintf(err, errlen, "%s: statement %d has no SQL",
			    path, i);
			goto fail;
		}
		if (sqlite3_prepare_v3(s->db, sql, -1,
		    SQLITE_PREPARE_PERSISTENT, &s->stmt[i], NULL) !=
		    SQLITE_OK) {
			snprintf(err, errlen, "%s: preparing statement %d: %s",
			    path, i, sqlite3_errmsg(s->db));
			goto fail;
		}
	}
	if (store_manifest_load_versions(s) == -1) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	return s;
fail:
	store_close(s);
	return NULL;
}

/* Finalize every statement and close the database. */
void
store_close(struct store *s)
{
	int	 i;

	if (s == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	if (s->db != NULL && sqlite3_close(s->db) != SQLITE_OK)
		log_warnx("database: close: %s", sqlite3_errmsg(s->db));
	free(s);
}

/* The number of rows changed since the database was opened. */
int64_t
store_changes(struct store *s)
{
	return sqlite3_total_changes64(s->db);
}

/* The path of the database's write-ahead log. Returns it, or NULL. */
const char *
store_wal_path(struct store *s)
{
	const char	*db = sqlite3_db_filename(s->db, "main");

	if (db == NULL || db[0] == '\0')
		return NULL;	/* in memory */
	return sqlite3_filename_wal(db);
}

/*
 * Note the size of the WAL after each commit (sqlite3_wal_hook). Returns
 * SQLITE_OK.
 */
static int
store_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store	*s = arg;

	s->wal_pages = pages;
	return SQLITE_OK;
}

/*
 * Stop checkpointing from this connection (someone else does it) and
 * track the WAL size instead.
 */
void
store_manual_checkpoints(struct store *s)
{
	sqlite3_wal_hook(s->db, store_wal_hook, s);
}

/* The number of frames in the WAL after the last commit. */
int
store_wal_pages(struct store *s)
{
	return s->wal_pages;
}

/*
 * Checkpoint the database at path from a private connection (opened on
 * first use into *dbp) without blocking the writer. Returns 0, or -1.
 */
int
store_checkpoint(const char *path, struct sqlite3 **dbp)
{
	int	 logged, done;

	if (*dbp == NULL) {
		if (sqlite3_open_v2(path, dbp, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
			sqlite3_close(*dbp);
			*dbp = NULL;
			return -1;
		}
		sqlite3_busy_timeout(*dbp, 1000);
		sqlite3_exec(*dbp, "PRAGMA synchronous = NORMAL", NULL, NULL,
		    NULL);
	}
	if (sqlite3_wal_checkpoint_v2(*dbp, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &logged, &done) != SQLITE_OK)
		return -1;
	return 0;
}

/*
 * Finish a checkpoint from the writer's own connection, outside any
 * transaction: whatever the helper copied is skipped, so only the frames
 * written since are copied, and the next transaction can restart the WAL.
 * Returns 0, or -1.
 */
int
store_checkpoint_finish(struct store *s)
{
	int	 logged, done;

	if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &logged, &done) != SQLITE_OK)
		return -1;
	s->wal_pages = logged > done ? logged - done : 0;
	return 0;
}

/* Close a connection store_checkpoint opened. */
void
store_checkpoint_close(struct sqlite3 *db)
{
	sqlite3_close(db);
}

/* The last error message of the database. */
const char *
store_errmsg(struct store *s)
{
	return sqlite3_errmsg(s->db);
}

/* Start a write transaction. Returns 0, or -1. */
int
store_begin(struct store *s)
{
	return store_exec(s, store_stmt(s, ST_BEGIN), "begin");
}

/* Commit the open transaction durably. Returns 0, or -1 (rolled back). */
int
store_commit(struct store *s)
{
	if (store_exec(s, store_stmt(s, ST_COMMIT), "commit") == 0)
		return 0;
	if (!sqlite3_get_autocommit(s->db))
		store_rollback(s);
	store_manifest_load_versions(s);
	return -1;
}

/* Roll the open transaction back. Returns 0, or -1. */
int
store_rollback(struct store *s)
{
	int	 rc;

	rc = store_exec(s, store_stmt(s, ST_ROLLBACK), "rollback");
	store_manifest_load_versions(s);
	return rc;
}

/* Whether a transaction is open (1/0). */
int
store_in_transaction(struct store *s)
{
	return !sqlite3_get_autocommit(s->db);
}

/* Mark the start of one request's writes. Returns 0, or -1. */
int
store_savepoint(struct store *s)
{
	return store_exec(s, store_stmt(s, ST_SAVEPOINT), "savepoint");
}

/* Keep (keep=1) or undo the request's writes. Returns 0, or -1. */
int
store_release(struct store *s, int keep)
{
	if (!keep && store_exec(s, store_stmt(s, ST_ROLLBACK_TO),
	    "rollback to savepoint") == -1)
		return -1;
	return store_exec(s, store_stmt(s, ST_RELEASE), "release savepoint");
}
