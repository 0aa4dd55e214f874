/*
 * store-profiles.c: configuration profiles. A profile is a name, a
 * version that grows with each change, and a document (profile-doc.c
 * validates it); the heartbeat interval and the pause flag are kept in
 * columns of their own too, so every heartbeat reads them without
 * parsing JSON.
 */
#include "config.h"

#include <sqlite3.h>

#include "jsonutil.h"
#include "store-sqlite.h"

const char *const store_profiles_sql[ST_COUNT] = {
	[ST_PROFILE_INSERT] =
	    "INSERT INTO profiles (name, version, doc, created_at, updated_at,"
	    " heartbeat_interval, paused) VALUES (?1, 1, ?2, ?3, ?3,"
	    " coalesce(json_extract(?2, '$.heartbeat_interval'), 60),"
	    " coalesce(json_extract(?2, '$.data_collection_paused'), 0))",
	[ST_PROFILE_SELECT] =
	    "SELECT id, name, version, doc, created_at, updated_at"
	    " FROM profiles WHERE ?1 IS NULL OR id = ?1 ORDER BY id",
	[ST_PROFILE_UPDATE] =
	    "UPDATE profiles SET name = ?2, doc = ?3, version = ?4,"
	    " updated_at = ?5,"
	    " heartbeat_interval = coalesce(json_extract(?3,"
	    " '$.heartbeat_interval'), 60),"
	    " paused = coalesce(json_extract(?3, '$.data_collection_paused'), 0)"
	    " WHERE id = ?1",
	[ST_PROFILE_NAME_USED] =
	    "SELECT 1 FROM profiles WHERE name = ?1 AND id != ?2",
	[ST_PROFILE_VERSION] =
	    "SELECT version, heartbeat_interval, paused FROM profiles"
	    " WHERE id = ?1",
	[ST_PROFILE_DEFAULT] = "SELECT min(id) FROM profiles",
};

/* Insert a profile at version 1. Returns 0 with *id set, or -1. */
int
store_profile_create(struct store *s, const char *name, const char *doc,
    int64_t now, int64_t *id)
{
	sqlite3_stmt	*st = store_stmt(s, ST_PROFILE_INSERT);

	store_bind_text(st, 1, name);
	store_bind_text(st, 2, doc);
	sqlite3_bind_int64(st, 3, now);
	if (store_exec(s, st, "insert profile") == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* Build the API object of the current profile row. Returns it (new). */
static struct json_object *
store_profile_row(sqlite3_stmt *st)
{
	struct json_object	*obj, *doc;

	obj = json_object_new_object();
	json_add_int64(obj, "id", sqlite3_column_int64(st, 0));
	json_add_string(obj, "name", store_col_text(st, 1));
	json_add_int64(obj, "version", sqlite3_column_int64(st, 2));
	if ((doc = json_tokener_parse(store_col_text(st, 3))) != NULL) {
		json_object_object_foreach(doc, key, val)
			json_object_object_add(obj, key, json_object_get(val));
		json_object_put(doc);
	}
	json_add_int64(obj, "created_at", sqlite3_column_int64(st, 4));
	json_add_int64(obj, "updated_at", sqlite3_column_int64(st, 5));
	return obj;
}

/* The API object of profile id into *out. Returns 0, 1, or -1. */
int
store_profile_get(struct store *s, int64_t id, struct json_object **out)
{
	sqlite3_stmt	*st = store_stmt(s, ST_PROFILE_SELECT);
	int		 rc;

	sqlite3_bind_int64(st, 1, id);
	if ((rc = store_row(s, st, "select profile")) == 0)
		*out = store_profile_row(st);
	sqlite3_reset(st);
	return rc;
}

/* The stored document and version of profile id. Returns 0, 1, or -1. */
int
store_profile_doc(struct store *s, int64_t id, int64_t *version,
    struct json_object **doc)
{
	sqlite3_stmt	*st = store_stmt(s, ST_PROFILE_SELECT);
	int		 rc;

	sqlite3_bind_int64(st, 1, id);
	if ((rc = store_row(s, st, "select profile")) == 0) {
		*version = sqlite3_column_int64(st, 2);
		*doc = json_tokener_parse(store_col_text(st, 3));
		if (*doc == NULL)
			rc = -1;
	}
	sqlite3_reset(st);
	return rc;
}

/* Replace a profile's name, document and version. Returns 0, 1, -1. */
int
store_profile_update(struct store *s, int64_t id, const char *name,
    const char *doc, int64_t version, int64_t now)
{
	sqlite3_stmt	*st = store_stmt(s, ST_PROFILE_UPDATE);

	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, name);
	store_bind_text(st, 3, doc);
	sqlite3_bind_int64(st, 4, version);
	sqlite3_bind_int64(st, 5, now);
	if (store_exec(s, st, "update profile") == -1)
		return -1;
	return sqlite3_changes(s->db) == 0 ? 1 : 0;
}

/* Whether a profile other than id has name. Returns 0 (yes), 1, -1. */
int
store_profile_name_used(struct store *s, const char *name, int64_t id)
{
	sqlite3_stmt	*st = store_stmt(s, ST_PROFILE_NAME_USED);
	int		 rc;

	store_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, id);
	rc = store_row(s, st, "select profile name");
	sqlite3_reset(st);
	return rc;
}

/* Every profile as an API array, or NULL on error. */
struct json_object *
store_profile_list(struct store *s)
{
	sqlite3_stmt		*st = store_stmt(s, ST_PROFILE_SELECT);
	struct json_object	*arr = json_object_new_array();
	int			 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(arr, store_profile_row(st));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		store_fail(s, "list profiles");
		return NULL;
	}
	return arr;
}

/*
 * The version, heartbeat interval and pause flag of profile id. Returns 0,
 * 1, or -1.
 */
int
store_profile_version(struct store *s, int64_t id, int64_t *version,
    int *hb_interval, int *paused)
{
	sqlite3_stmt	*st = store_stmt(s, ST_PROFILE_VERSION);
	int		 rc;

	sqlite3_bind_int64(st, 1, id);
	if ((rc = store_row(s, st, "select profile version")) == 0) {
		*version = sqlite3_column_int64(st, 0);
		if (hb_interval != NULL)
			*hb_interval = sqlite3_column_int(st, 1);
		if (paused != NULL)
			*paused = sqlite3_column_int(st, 2);
	}
	sqlite3_reset(st);
	return rc;
}

/* The id of the default (first) profile, or -1. */
int64_t
store_default_profile(struct store *s)
{
	sqlite3_stmt	*st = store_stmt(s, ST_PROFILE_DEFAULT);
	int64_t		 id = -1;

	if (store_row(s, st, "default profile") == 0 &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}
