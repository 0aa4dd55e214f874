/*
 * store-manifests.c: signed manifests, one numbered series per type
 * (inventory, fim, vulnsigs), with the newest version of each cached in
 * the store so every heartbeat answers without a query; and the record of
 * manifest downloads: each request an agent made for a manifest and what
 * it got, the newest STORE_DOWNLOADS_KEPT per agent.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "jsonutil.h"
#include "store-sqlite.h"

const char *const store_manifests_sql[ST_COUNT] = {
	[ST_MANIFEST_INSERT] =
	    "INSERT INTO manifests (type, version, body, signature,"
	    " created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_MANIFEST_LATEST] =
	    "SELECT version, body, signature, created_at FROM manifests"
	    " WHERE type = ?1 ORDER BY version DESC LIMIT 1",
	[ST_DOWNLOAD_INSERT] =
	    "INSERT INTO manifest_downloads (agent_id, type, version,"
	    " outcome, status, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_DOWNLOAD_PRUNE] =
	    "DELETE FROM manifest_downloads WHERE agent_id = ?1 AND id <="
	    " (SELECT id FROM manifest_downloads WHERE agent_id = ?1"
	    " ORDER BY id DESC LIMIT 1 OFFSET ?2)",
	[ST_DOWNLOAD_LIST] =
	    "SELECT type, version, outcome, status, time"
	    " FROM manifest_downloads WHERE agent_id = ?1"
	    " AND (?2 IS NULL OR type = ?2) AND (?3 IS NULL OR outcome = ?3)"
	    " AND time >= ?4 ORDER BY id DESC LIMIT ?5",
};

static const char *const store_manifest_names[MANIFEST_NTYPES] = {
	"inventory", "fim", "vulnsigs"
};

/* The name of a manifest type. */
const char *
manifest_type_name(enum manifest_type t)
{
	return store_manifest_names[t];
}

/* Parse a manifest type name. Returns 0, or -1 if unknown. */
int
manifest_type_parse(const char *s, enum manifest_type *t)
{
	int	 i;

	for (i = 0; i < MANIFEST_NTYPES; i++)
		if (strcmp(s, store_manifest_names[i]) == 0) {
			*t = (enum manifest_type)i;
			return 0;
		}
	return -1;
}

/*
 * Store a manifest of type t as the next version (set in *version).
 * Returns 0, or -1.
 */
int
store_manifest_add(struct store *s, enum manifest_type t, const char *body,
    const char *sig, int64_t now, int64_t *version)
{
	sqlite3_stmt	*st = store_stmt(s, ST_MANIFEST_INSERT);

	store_bind_text(st, 1, store_manifest_names[t]);
	sqlite3_bind_int64(st, 2, *version);
	store_bind_text(st, 3, body);
	store_bind_text(st, 4, sig);
	sqlite3_bind_int64(st, 5, now);
	if (store_exec(s, st, "insert manifest") == -1)
		return -1;
	s->manifest_version[t] = *version;
	return 0;
}

/*
 * The newest manifest of type t (body and sig malloc'ed when asked for).
 * Returns 0, 1 (none; *version = 0), or -1.
 */
int
store_manifest_latest(struct store *s, enum manifest_type t,
    int64_t *version, char **body, char **sig, int64_t *created)
{
	sqlite3_stmt	*st = store_stmt(s, ST_MANIFEST_LATEST);
	int		 rc;

	*version = 0;
	store_bind_text(st, 1, store_manifest_names[t]);
	if ((rc = store_row(s, st, "select manifest")) == 0) {
		*version = sqlite3_column_int64(st, 0);
		if (created != NULL)
			*created = sqlite3_column_int64(st, 3);
		if (body != NULL) {
			*body = strdup(store_col_text(st, 1));
			*sig = strdup(store_col_text(st, 2));
			if (*body == NULL || *sig == NULL) {
				free(*body);
				free(*sig);
				rc = -1;
			}
		}
	}
	sqlite3_reset(st);
	return rc;
}

/* The newest version of manifest type t (0 = none), from the cache. */
int64_t
store_manifest_version(struct store *s, enum manifest_type t)
{
	return s->manifest_version[t];
}

/*
 * Load the newest version of each manifest type into the cache. Returns 0,
 * or -1.
 */
int
store_manifest_load_versions(struct store *s)
{
	int	 i;

	for (i = 0; i < MANIFEST_NTYPES; i++)
		if (store_manifest_latest(s, (enum manifest_type)i,
		    &s->manifest_version[i], NULL, NULL, NULL) == -1)
			return -1;
	return 0;
}

/*
 * Record that agent id asked for the type manifest and got outcome
 * (HTTP status; version 0 when none was served), keeping the newest
 * STORE_DOWNLOADS_KEPT records of the agent. Returns 0, or -1.
 */
int
store_download_add(struct store *s, const char *id, const char *type,
    int64_t version, const char *outcome, int status, int64_t now)
{
	sqlite3_stmt	*st = store_stmt(s, ST_DOWNLOAD_INSERT);

	store_bind_text(st, 1, id);
	store_bind_text(st, 2, type);
	if (version > 0)
		sqlite3_bind_int64(st, 3, version);
	else
		sqlite3_bind_null(st, 3);
	store_bind_text(st, 4, outcome);
	sqlite3_bind_int(st, 5, status);
	sqlite3_bind_int64(st, 6, now);
	if (store_exec(s, st, "insert manifest download") == -1)
		return -1;
	st = store_stmt(s, ST_DOWNLOAD_PRUNE);
	store_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, STORE_DOWNLOADS_KEPT);
	return store_exec(s, st, "prune manifest downloads");
}

/*
 * The newest limit manifest downloads of agent id, of type and outcome
 * when not NULL, at or after since, as an API array; NULL on error.
 */
struct json_object *
store_download_list(struct store *s, const char *id, const char *type,
    const char *outcome, int64_t since, int64_t limit)
{
	sqlite3_stmt		*st = store_stmt(s, ST_DOWNLOAD_LIST);
	struct json_object	*arr = json_object_new_array(), *obj;
	int			 rc;

	store_bind_text(st, 1, id);
	store_bind_text(st, 2, type);
	store_bind_text(st, 3, outcome);
	sqlite3_bind_int64(st, 4, since);
	sqlite3_bind_int64(st, 5, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		obj = json_object_new_object();
		json_add_string(obj, "type", store_col_text(st, 0));
		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			json_object_object_add(obj, "version", NULL);
		else
			json_add_int64(obj, "version",
			    sqlite3_column_int64(st, 1));
		json_add_string(obj, "outcome", store_col_text(st, 2));
		json_add_int64(obj, "status", sqlite3_column_int64(st, 3));
		json_add_int64(obj, "time", sqlite3_column_int64(st, 4));
		json_object_array_add(arr, obj);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		store_fail(s, "list manifest downloads");
		return NULL;
	}
	return arr;
}
