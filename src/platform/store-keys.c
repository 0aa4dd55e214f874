/*
 * store-keys.c: activation keys. A key belongs to a customer and names
 * the profile and tags an agent activated with it starts with; the list
 * counts the agents each key activated.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "compat.h"
#include "jsonutil.h"
#include "store-sqlite.h"

const char *const store_keys_sql[ST_COUNT] = {
	[ST_KEY_INSERT] =
	    "INSERT INTO activation_keys (id, customer_id, name, profile_id,"
	    " tags, enabled, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
	[ST_KEY_SELECT] =
	    "SELECT id, customer_id, name, profile_id, tags, enabled"
	    " FROM activation_keys WHERE id = ?1",
	[ST_KEY_LIST] =
	    "SELECT k.id, k.customer_id, k.name, k.profile_id, k.tags,"
	    " k.enabled, k.created_at, k.updated_at, (SELECT count(*)"
	    " FROM agents a WHERE a.activation_key_id = k.id)"
	    " FROM activation_keys k WHERE ?1 IS NULL OR k.id = ?1"
	    " ORDER BY k.created_at, k.id",
	[ST_KEY_UPDATE] =
	    "UPDATE activation_keys SET name = ?2, profile_id = ?3, tags = ?4,"
	    " enabled = ?5, updated_at = ?6 WHERE id = ?1",
	[ST_KEY_APPLY_ALL] =
	    "UPDATE agents SET profile_id = ?2, tags = ?3"
	    " WHERE activation_key_id = ?1",
};

/* Insert an activation key. Returns 0, or -1. */
int
store_key_create(struct store *s, const struct activation_key *k,
    int64_t now)
{
	sqlite3_stmt	*st = store_stmt(s, ST_KEY_INSERT);

	store_bind_text(st, 1, k->id);
	store_bind_text(st, 2, k->customer_id);
	store_bind_text(st, 3, k->name);
	sqlite3_bind_int64(st, 4, k->profile_id);
	store_bind_text(st, 5, k->tags != NULL ? k->tags : "[]");
	sqlite3_bind_int(st, 6, k->enabled);
	sqlite3_bind_int64(st, 7, now);
	return store_exec(s, st, "insert activation key");
}

/*
 * Read activation key id into k (free with store_key_free). Returns 0, 1
 * (no such key), or -1.
 */
int
store_key_get(struct store *s, const char *id, struct activation_key *k)
{
	sqlite3_stmt	*st = store_stmt(s, ST_KEY_SELECT);
	int		 rc;

	memset(k, 0, sizeof(*k));
	store_bind_text(st, 1, id);
	if ((rc = store_row(s, st, "select activation key")) == 0) {
		strlcpy(k->id, store_col_text(st, 0), sizeof(k->id));
		strlcpy(k->customer_id, store_col_text(st, 1),
		    sizeof(k->customer_id));
		k->name = strdup(store_col_text(st, 2));
		k->profile_id = sqlite3_column_int64(st, 3);
		k->tags = strdup(store_col_text(st, 4));
		k->enabled = sqlite3_column_int(st, 5);
		if (k->name == NULL || k->tags == NULL) {
			store_key_free(k);
			rc = -1;
		}
	}
	sqlite3_reset(st);
	return rc;
}

/* Free what store_key_get allocated. */
void
store_key_free(struct activation_key *k)
{
	free(k->name);
	free(k->tags);
	k->name = k->tags = NULL;
}

/*
 * Build the API object of the current activation key row. Returns it
 * (new).
 */
static struct json_object *
store_key_row(sqlite3_stmt *st)
{
	struct json_object	*obj = json_object_new_object();

	json_add_string(obj, "activation_id", store_col_text(st, 0));
	json_add_string(obj, "customer_id", store_col_text(st, 1));
	json_add_string(obj, "name", store_col_text(st, 2));
	json_add_int64(obj, "profile_id", sqlite3_column_int64(st, 3));
	store_add_json(obj, "tags", st, 4);
	json_add_bool(obj, "enabled", sqlite3_column_int(st, 5));
	json_add_int64(obj, "agents", sqlite3_column_int64(st, 8));
	json_add_int64(obj, "created_at", sqlite3_column_int64(st, 6));
	json_add_int64(obj, "updated_at", sqlite3_column_int64(st, 7));
	return obj;
}

/*
 * Run the key list statement for id (NULL: all). Returns a new array, or
 * NULL on error.
 */
static struct json_object *
store_key_query(struct store *s, const char *id)
{
	sqlite3_stmt		*st = store_stmt(s, ST_KEY_LIST);
	struct json_object	*arr = json_object_new_array();
	int			 rc;

	store_bind_text(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(arr, store_key_row(st));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		store_fail(s, "list activation keys");
		return NULL;
	}
	return arr;
}

/* Every activation key as an API array, or NULL on error. */
struct json_object *
store_key_list(struct store *s)
{
	return store_key_query(s, NULL);
}

/* One activation key as an API object, or NULL (unknown or error). */
struct json_object *
store_key_json(struct store *s, const char *id)
{
	struct json_object	*arr, *obj = NULL;

	if ((arr = store_key_query(s, id)) == NULL)
		return NULL;
	if (json_object_array_length(arr) == 1)
		obj = json_object_get(json_object_array_get_idx(arr, 0));
	json_object_put(arr);
	return obj;
}

/* Store an activation key's new fields. Returns 0, 1, or -1. */
int
store_key_update(struct store *s, const struct activation_key *k,
    int64_t now)
{
	sqlite3_stmt	*st = store_stmt(s, ST_KEY_UPDATE);

	store_bind_text(st, 1, k->id);
	store_bind_text(st, 2, k->name);
	sqlite3_bind_int64(st, 3, k->profile_id);
	store_bind_text(st, 4, k->tags);
	sqlite3_bind_int(st, 5, k->enabled);
	sqlite3_bind_int64(st, 6, now);
	if (store_exec(s, st, "update activation key") == -1)
		return -1;
	return sqlite3_changes(s->db) == 0 ? 1 : 0;
}

/*
 * Move every agent activated with key id to profile_id and tags. Returns
 * the number of agents moved, or -1.
 */
int
store_key_apply_all(struct store *s, const char *id, int64_t profile_id,
    const char *tags)
{
	sqlite3_stmt	*st = store_stmt(s, ST_KEY_APPLY_ALL);

	store_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, profile_id);
	store_bind_text(st, 3, tags);
	if (store_exec(s, st, "apply activation key to agents") == -1)
		return -1;
	return sqlite3_changes(s->db);
}
