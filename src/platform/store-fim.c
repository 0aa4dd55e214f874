/*
 * store-fim.c: FIM events. Agents upload them in batches numbered by
 * their spool; a batch is recorded once per sequence number, so a batch
 * sent again after a lost answer is stored once. An admin reads the
 * events of an agent through a filter (path prefix, action, time range).
 */
#include "config.h"

#include <sqlite3.h>

#include "jsonutil.h"
#include "store-sqlite.h"

const char *const store_fim_sql[ST_COUNT] = {
	[ST_FIM_BATCH_INSERT] =
	    "INSERT OR IGNORE INTO fim_batches (agent_id, sequence,"
	    " received_at, count) VALUES (?1, ?2, ?3, ?4)",
	[ST_FIM_EVENT_INSERT] =
	    "INSERT INTO fim_events (agent_id, sequence, time, path, action,"
	    " doc, old_path) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_FIM_EVENT_LIST] =
	    "SELECT id, sequence, doc FROM fim_events WHERE agent_id = ?1"
	    " AND (?2 IS NULL OR substr(path, 1, length(?2)) = ?2"
	    " OR substr(old_path, 1, length(?2)) = ?2)"
	    " AND (?3 IS NULL OR action = ?3) AND time >= ?4 AND time <= ?5"
	    " ORDER BY time, id LIMIT ?6",
	[ST_FIM_EVENT_LIST_NEWEST] =
	    "SELECT id, sequence, doc FROM fim_events WHERE agent_id = ?1"
	    " AND (?2 IS NULL OR substr(path, 1, length(?2)) = ?2"
	    " OR substr(old_path, 1, length(?2)) = ?2)"
	    " AND (?3 IS NULL OR action = ?3) AND time >= ?4 AND time <= ?5"
	    " ORDER BY time DESC, id DESC LIMIT ?6",
};

/*
 * Record FIM batch seq of agent id. Returns 0 (new), 1 (already stored),
 * or -1.
 */
int
store_fim_batch_add(struct store *s, const char *id, int64_t seq,
    int64_t count, int64_t now)
{
	sqlite3_stmt	*st = store_stmt(s, ST_FIM_BATCH_INSERT);

	store_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, count);
	if (store_exec(s, st, "insert fim batch") == -1)
		return -1;
	return sqlite3_changes(s->db) == 0 ? 1 : 0;
}

/* Store one FIM event. Returns 0, or -1. */
int
store_fim_event_add(struct store *s, const char *id, int64_t seq, int64_t t,
    const char *path, const char *action, const char *doc,
    const char *old_path)
{
	sqlite3_stmt	*st = store_stmt(s, ST_FIM_EVENT_INSERT);

	store_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_int64(st, 3, t);
	store_bind_text(st, 4, path);
	store_bind_text(st, 5, action);
	store_bind_text(st, 6, doc);
	store_bind_text(st, 7, old_path);
	return store_exec(s, st, "insert fim event");
}

/*
 * The FIM events of agent id that pass filter (oldest first, or newest
 * first), as an API array, or NULL on error.
 */
struct json_object *
store_fim_list(struct store *s, const char *id, const struct fim_filter *f)
{
	sqlite3_stmt		*st = store_stmt(s, f->newest_first ?
				    ST_FIM_EVENT_LIST_NEWEST : ST_FIM_EVENT_LIST);
	struct json_object	*arr = json_object_new_array(), *obj;
	int			 rc;

	store_bind_text(st, 1, id);
	store_bind_text(st, 2, f->path_prefix);
	store_bind_text(st, 3, f->action);
	sqlite3_bind_int64(st, 4, f->since);
	sqlite3_bind_int64(st, 5, f->until);
	sqlite3_bind_int64(st, 6, f->limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((obj = json_tokener_parse(store_col_text(st, 2))) == NULL ||
		    !json_object_is_type(obj, json_type_object)) {
			json_object_put(obj);
			obj = json_object_new_object();
		}
		json_add_int64(obj, "id", sqlite3_column_int64(st, 0));
		json_add_int64(obj, "sequence", sqlite3_column_int64(st, 1));
		json_object_array_add(arr, obj);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		store_fail(s, "list fim events");
		return NULL;
	}
	return arr;
}
