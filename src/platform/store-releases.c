/*
 * store-releases.c: agent releases, one row per version, OS and
 * architecture with the raw text of its signed manifest and its
 * signature, and one row per file with its bytes as a blob, read in
 * ranges with SQLite's incremental blob I/O so that a download never
 * holds a whole file in memory; and what each agent reported of its
 * self-update (the heartbeat's "update" member) with the version the
 * platform last offered it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "jsonutil.h"
#include "store-sqlite.h"

const char *const store_releases_sql[ST_COUNT] = {
	[ST_RELEASE_INSERT] =
	    "INSERT INTO releases (version, os, arch, manifest, signature,"
	    " created_at, added_at, added_by, size)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_RELEASE_EXISTS] =
	    "SELECT id FROM releases WHERE version = ?1 AND os = ?2"
	    " AND arch = ?3",
	[ST_RELEASE_FILE_INSERT] =
	    "INSERT INTO release_files (release_id, name, size, sha256, mode,"
	    " data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_RELEASE_LIST] =
	    "SELECT r.version, r.os, r.arch, r.created_at, r.added_at,"
	    " r.added_by, r.size, (SELECT json_group_array(json_object("
	    "   'name', f.name, 'size', f.size, 'sha256', f.sha256,"
	    "   'mode', printf('%04o', f.mode)))"
	    "   FROM release_files f WHERE f.release_id = r.id),"
	    " r.manifest, r.signature"
	    " FROM releases r WHERE ?1 IS NULL OR r.version = ?1"
	    " ORDER BY r.added_at DESC, r.id DESC",
	[ST_RELEASE_GET] =
	    "SELECT manifest, signature, created_at FROM releases"
	    " WHERE version = ?1 AND os = ?2 AND arch = ?3",
	[ST_RELEASE_FILE_SELECT] =
	    "SELECT f.id, f.size FROM release_files f JOIN releases r"
	    " ON r.id = f.release_id WHERE r.version = ?1 AND r.os = ?2"
	    " AND r.arch = ?3 AND f.name = ?4",
	[ST_RELEASE_VERSIONS] =
	    "SELECT version FROM releases WHERE os = ?1 AND arch = ?2",
	[ST_RELEASE_FILES_DELETE] =
	    "DELETE FROM release_files WHERE release_id IN (SELECT id FROM"
	    " releases WHERE version = ?1 AND (?2 IS NULL OR os = ?2)"
	    " AND (?3 IS NULL OR arch = ?3))",
	[ST_RELEASE_DELETE] =
	    "DELETE FROM releases WHERE version = ?1 AND (?2 IS NULL OR"
	    " os = ?2) AND (?3 IS NULL OR arch = ?3)",
	[ST_AGENT_UPDATE_PUT] =
	    "UPDATE agents SET update_state = coalesce(?2, update_state),"
	    " update_offer = ?3 WHERE id = ?1",
	[ST_AGENT_UPDATE_LIST] =
	    "SELECT id, hostname, agent_version, update_state, update_offer"
	    " FROM agents WHERE ?1 IS NULL OR id = ?1"
	    " ORDER BY activated_at, id",
};

/* Add a release. Returns 0 (*id set), 1 when it exists, or -1. */
int
store_release_add(struct store *s, const struct release_row *r, int64_t *id)
{
	sqlite3_stmt	*st = store_stmt(s, ST_RELEASE_EXISTS);
	int		 rc;

	store_bind_text(st, 1, r->version);
	store_bind_text(st, 2, r->os);
	store_bind_text(st, 3, r->arch);
	rc = store_row(s, st, "select release");
	sqlite3_reset(st);
	if (rc != 1)
		return rc == 0 ? 1 : -1;
	st = store_stmt(s, ST_RELEASE_INSERT);
	store_bind_text(st, 1, r->version);
	store_bind_text(st, 2, r->os);
	store_bind_text(st, 3, r->arch);
	store_bind_text(st, 4, r->manifest);
	store_bind_text(st, 5, r->signature);
	sqlite3_bind_int64(st, 6, r->created_at);
	sqlite3_bind_int64(st, 7, r->now);
	store_bind_text(st, 8, r->added_by);
	sqlite3_bind_int64(st, 9, r->size);
	if (store_exec(s, st, "insert release") == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* Add a file of release id. Returns 0, or -1. */
int
store_release_file_add(struct store *s, int64_t release_id,
    const struct release_file_row *f)
{
	sqlite3_stmt	*st = store_stmt(s, ST_RELEASE_FILE_INSERT);

	sqlite3_bind_int64(st, 1, release_id);
	store_bind_text(st, 2, f->name);
	sqlite3_bind_int64(st, 3, f->size);
	store_bind_text(st, 4, f->sha256);
	sqlite3_bind_int(st, 5, f->mode);
	sqlite3_bind_blob64(st, 6, f->data != NULL ? f->data : "",
	    (sqlite3_uint64)f->size, SQLITE_STATIC);
	return store_exec(s, st, "insert release file");
}

/* A release row as the admin API shows it. */
static struct json_object *
store_release_row(sqlite3_stmt *st)
{
	struct json_object	*o = json_object_new_object();

	json_add_string(o, "version", store_col_text(st, 0));
	json_add_string(o, "os", store_col_text(st, 1));
	json_add_string(o, "arch", store_col_text(st, 2));
	json_add_int64(o, "created_at", sqlite3_column_int64(st, 3));
	json_add_int64(o, "added_at", sqlite3_column_int64(st, 4));
	json_add_string(o, "added_by", store_col_text(st, 5));
	json_add_int64(o, "size", sqlite3_column_int64(st, 6));
	store_add_json(o, "files", st, 7);
	json_add_string(o, "manifest", store_col_text(st, 8));
	json_add_string(o, "signature", store_col_text(st, 9));
	return o;
}

/* Every release (of version, or all), newest added first, or NULL. */
struct json_object *
store_release_list(struct store *s, const char *version)
{
	sqlite3_stmt	*st = store_stmt(s, ST_RELEASE_LIST);

	store_bind_text(st, 1, version);
	return store_rows(s, st, store_release_row, "list releases");
}

/* The versions there are for os and arch (strings), or NULL. */
struct json_object *
store_release_versions(struct store *s, const char *os, const char *arch)
{
	sqlite3_stmt		*st = store_stmt(s, ST_RELEASE_VERSIONS);
	struct json_object	*arr = json_object_new_array();
	int			 rc;

	store_bind_text(st, 1, os);
	store_bind_text(st, 2, arch);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(arr, json_object_new_string(
		    store_col_text(st, 0)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		store_fail(s, "release versions");
		return NULL;
	}
	return arr;
}

/*
 * The manifest text, signature and creation time of a release (malloc'd
 * strings). Returns 0, 1 when there is none, or -1.
 */
int
store_release_get(struct store *s, const char *version, const char *os,
    const char *arch, char **manifest, char **signature, int64_t *created)
{
	sqlite3_stmt	*st = store_stmt(s, ST_RELEASE_GET);
	int		 rc;

	*manifest = *signature = NULL;
	store_bind_text(st, 1, version);
	store_bind_text(st, 2, os);
	store_bind_text(st, 3, arch);
	if ((rc = store_row(s, st, "select release")) != 0)
		return rc;
	*manifest = strdup(store_col_text(st, 0));
	*signature = strdup(store_col_text(st, 1));
	*created = sqlite3_column_int64(st, 2);
	sqlite3_reset(st);
	if (*manifest == NULL || *signature == NULL) {
		free(*manifest);
		free(*signature);
		*manifest = *signature = NULL;
		return -1;
	}
	return 0;
}

/*
 * Find a file of a release: its row id (for store_release_read) and size.
 * Returns 0, 1 when there is none, or -1.
 */
int
store_release_file(struct store *s, const char *version, const char *os,
    const char *arch, const char *name, int64_t *rowid, int64_t *size)
{
	sqlite3_stmt	*st = store_stmt(s, ST_RELEASE_FILE_SELECT);
	int		 rc;

	store_bind_text(st, 1, version);
	store_bind_text(st, 2, os);
	store_bind_text(st, 3, arch);
	store_bind_text(st, 4, name);
	if ((rc = store_row(s, st, "select release file")) != 0)
		return rc;
	*rowid = sqlite3_column_int64(st, 0);
	*size = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return 0;
}

/* Read len bytes at offset of release file rowid into buf. Returns 0/-1. */
int
store_release_read(struct store *s, int64_t rowid, int64_t offset, void *buf,
    size_t len)
{
	sqlite3_blob	*blob;
	int		 rc;

	if (sqlite3_blob_open(s->db, "main", "release_files", "data", rowid, 0,
	    &blob) != SQLITE_OK)
		return store_fail(s, "open release file");
	rc = sqlite3_blob_read(blob, buf, (int)len, (int)offset);
	sqlite3_blob_close(blob);
	if (rc != SQLITE_OK)
		return store_fail(s, "read release file");
	return 0;
}

/*
 * Delete the releases of version (of os and arch when given). Returns 0
 * with *count, or -1.
 */
int
store_release_delete(struct store *s, const char *version, const char *os,
    const char *arch, int64_t *count)
{
	sqlite3_stmt	*st;
	int		 i;

	for (i = 0; i < 2; i++) {
		st = store_stmt(s, i == 0 ? ST_RELEASE_FILES_DELETE :
		    ST_RELEASE_DELETE);
		store_bind_text(st, 1, version);
		store_bind_text(st, 2, os);
		store_bind_text(st, 3, arch);
		if (store_exec(s, st, "delete release") == -1)
			return -1;
	}
	*count = sqlite3_changes(s->db);
	return 0;
}

/*
 * Keep what agent id reported of its update (JSON text; NULL keeps the
 * stored one) and the version offered to it (NULL: none). Returns 0, or
 * -1.
 */
int
store_agent_update_put(struct store *s, const char *id, const char *state,
    const char *offer)
{
	sqlite3_stmt	*st = store_stmt(s, ST_AGENT_UPDATE_PUT);

	store_bind_text(st, 1, id);
	store_bind_text(st, 2, state);
	store_bind_text(st, 3, offer);
	return store_exec(s, st, "agent update");
}

/* One agent's update facts. */
static struct json_object *
store_agent_update_row(sqlite3_stmt *st)
{
	struct json_object	*o = json_object_new_object();

	json_add_string(o, "agent_id", store_col_text(st, 0));
	json_add_string(o, "hostname", store_col_text(st, 1));
	store_add_text(o, "agent_version", st, 2);
	store_add_json(o, "update", st, 3);
	store_add_text(o, "offered", st, 4);
	return o;
}

/*
 * The update facts of agent id (or of every agent when id is NULL):
 * agent_id, hostname, agent_version, update (as reported), offered.
 * Returns an array, or NULL.
 */
struct json_object *
store_agent_update_list(struct store *s, const char *id)
{
	sqlite3_stmt	*st = store_stmt(s, ST_AGENT_UPDATE_LIST);

	store_bind_text(st, 1, id);
	return store_rows(s, st, store_agent_update_row, "agent updates");
}
