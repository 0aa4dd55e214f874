/*
 * store-audit.c: the audit trail: one row per admin write (done or
 * refused) and per change made with the user command, written in the
 * transaction of the change, read newest first with filters and pages
 * (GET /api/v1/audit), and pruned after the retention time.
 */
#include "config.h"

#include <sqlite3.h>

#include "compat.h"
#include "jsonutil.h"
#include "store-sqlite.h"

const char *const store_audit_sql[ST_COUNT] = {
	[ST_AUDIT_INSERT] =
	    "INSERT INTO audit (time, actor, auth, token_id, role, address,"
	    " method, resource, summary, status, outcome, error, message)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[ST_AUDIT_LIST] =
	    "SELECT id, time, actor, auth, token_id, role, address, method,"
	    " resource, summary, status, outcome, error, message FROM audit"
	    " WHERE (?1 IS NULL OR actor = ?1)"
	    " AND (?2 IS NULL OR resource = ?2"
	    " OR substr(resource, 1, length(?2) + 1) = ?2 || '/')"
	    " AND (?3 IS NULL OR method = ?3)"
	    " AND (?4 IS NULL OR outcome = ?4)"
	    " AND time >= ?5 AND time <= ?6 AND id < ?7"
	    " ORDER BY id DESC LIMIT ?8",
	[ST_AUDIT_PRUNE] =
	    "DELETE FROM audit WHERE id IN (SELECT id FROM audit"
	    " WHERE time < ?1 ORDER BY id LIMIT ?2)",
};

/* Append a record to the audit trail. Returns 0, or -1. */
int
store_audit_add(struct store *s, const struct audit_entry *e)
{
	sqlite3_stmt	*st = store_stmt(s, ST_AUDIT_INSERT);

	sqlite3_bind_int64(st, 1, e->time);
	store_bind_text(st, 2, e->actor);
	store_bind_text(st, 3, e->auth);
	store_bind_text(st, 4, e->token_id);
	store_bind_text(st, 5, e->role);
	store_bind_text(st, 6, e->address);
	store_bind_text(st, 7, e->method);
	store_bind_text(st, 8, e->resource);
	store_bind_text(st, 9, e->summary);
	sqlite3_bind_int(st, 10, e->status);
	store_bind_text(st, 11, e->outcome);
	store_bind_text(st, 12, e->error);
	store_bind_text(st, 13, e->message);
	return store_exec(s, st, "insert audit record");
}

/* The API object of the current audit row. Returns it (new). */
static struct json_object *
store_audit_row(sqlite3_stmt *st)
{
	struct json_object	*obj = json_object_new_object();

	json_add_int64(obj, "id", sqlite3_column_int64(st, 0));
	json_add_int64(obj, "time", sqlite3_column_int64(st, 1));
	json_add_string(obj, "actor", store_col_text(st, 2));
	json_add_string(obj, "auth", store_col_text(st, 3));
	store_add_text(obj, "token_id", st, 4);
	store_add_text(obj, "role", st, 5);
	store_add_text(obj, "address", st, 6);
	json_add_string(obj, "method", store_col_text(st, 7));
	json_add_string(obj, "resource", store_col_text(st, 8));
	json_add_string(obj, "summary", store_col_text(st, 9));
	json_add_int64(obj, "status", sqlite3_column_int64(st, 10));
	json_add_string(obj, "outcome", store_col_text(st, 11));
	store_add_text(obj, "error", st, 12);
	store_add_text(obj, "message", st, 13);
	return obj;
}

/*
 * The audit records f asks for, newest first. *next_before gets the id
 * to ask the next page with (before_id), or 0 when this page is the last.
 * Returns a new array, or NULL on error.
 */
struct json_object *
store_audit_list(struct store *s, const struct audit_filter *f,
    int64_t *next_before)
{
	sqlite3_stmt		*st = store_stmt(s, ST_AUDIT_LIST);
	struct json_object	*arr;
	int64_t			 last = 0;

	store_bind_text(st, 1, f->actor);
	store_bind_text(st, 2, f->resource);
	store_bind_text(st, 3, f->method);
	store_bind_text(st, 4, f->outcome);
	sqlite3_bind_int64(st, 5, f->since);
	sqlite3_bind_int64(st, 6, f->until);
	sqlite3_bind_int64(st, 7, f->before_id);
	/* One more than asked: whether there is a next page. */
	sqlite3_bind_int64(st, 8, f->limit + 1);
	if ((arr = store_rows(s, st, store_audit_row,
	    "list audit records")) == NULL)
		return NULL;
	if ((int64_t)json_object_array_length(arr) > f->limit) {
		json_object_array_del_idx(arr, (size_t)f->limit, 1);
		json_get_int64(json_object_array_get_idx(arr,
		    (size_t)f->limit - 1), "id", &last);
	}
	*next_before = last;
	return arr;
}

/*
 * Delete at most max_rows records older than before, oldest first.
 * Returns the number deleted, or -1.
 */
int
store_audit_prune(struct store *s, int64_t before, int64_t max_rows)
{
	sqlite3_stmt	*st = store_stmt(s, ST_AUDIT_PRUNE);

	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int64(st, 2, max_rows);
	if (store_exec(s, st, "prune audit records") == -1)
		return -1;
	return sqlite3_changes(s->db);
}
