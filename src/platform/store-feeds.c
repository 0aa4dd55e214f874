/*
 * store-feeds.c: generations of vulnerability signatures, feeds' state.
 *
 * Every import (a feed fetched, a file imported, a hand-written
 * vulnsigs body published) fills a new generation of its feed's
 * signatures (vulnsigs.version holds the generation); publishing maps the
 * next vulnsigs manifest version to the newest published generation of
 * every feed (vulnsig_versions), so an import is written in pieces while
 * readers keep using the version in force, and a version is switched in
 * one short transaction. Generations no version maps to are deleted in
 * bounded steps. vulnsig_feeds keeps per feed its generation, content
 * digest and counts, and the outcome of the last fetch.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "jsonutil.h"
#include "store-sqlite.h"

const char *const store_feeds_sql[ST_COUNT] = {
	[ST_GEN_INSERT] =
	    "INSERT INTO vulnsig_gens (feed, published, created_at)"
	    " VALUES (?1, 0, ?2)",
	[ST_GEN_PUBLISH] = "UPDATE vulnsig_gens SET published = 1 WHERE gen = ?1",
	[ST_GEN_UNUSED] =
	    "SELECT gen FROM vulnsig_gens g WHERE (published = 1 AND NOT EXISTS"
	    " (SELECT 1 FROM vulnsig_versions v WHERE v.gen = g.gen))"
	    " OR (published = 0 AND created_at < ?1) OR gen = ?2 LIMIT 1",
	[ST_GEN_CUT_SIGS] =
	    "SELECT ecosystem, package, seq FROM vulnsigs WHERE version = ?1"
	    " ORDER BY ecosystem, package, seq LIMIT 1 OFFSET ?2",
	[ST_GEN_DELETE_SIGS] =
	    "DELETE FROM vulnsigs WHERE version = ?1 AND (?2 IS NULL OR"
	    " (ecosystem, package, seq) < (?2, ?3, ?4))",
	[ST_GEN_CUT_RECORDS] =
	    "SELECT id FROM vulnsig_records WHERE gen = ?1 ORDER BY id"
	    " LIMIT 1 OFFSET ?2",
	[ST_GEN_DELETE_RECORDS] =
	    "DELETE FROM vulnsig_records WHERE gen = ?1 AND (?2 IS NULL OR"
	    " id < ?2)",
	[ST_GEN_DELETE] = "DELETE FROM vulnsig_gens WHERE gen = ?1",
	[ST_VERSION_COPY] =
	    "INSERT INTO vulnsig_versions (version, gen) SELECT ?2, v.gen"
	    " FROM vulnsig_versions v JOIN vulnsig_gens g ON g.gen = v.gen"
	    " WHERE v.version = ?1 AND g.feed != ?3",
	[ST_VERSION_ADD] =
	    "INSERT INTO vulnsig_versions (version, gen) VALUES (?1, ?2)",
	[ST_VERSION_PRUNE] = "DELETE FROM vulnsig_versions WHERE version < ?1",
	[ST_VERSION_SUMMARY] =
	    "SELECT g.feed, coalesce(f.format, 'manual'),"
	    " coalesce(f.signatures, 0), f.digest FROM vulnsig_versions v"
	    " JOIN vulnsig_gens g ON g.gen = v.gen"
	    " LEFT JOIN vulnsig_feeds f ON f.name = g.feed"
	    " WHERE v.version = ?1 ORDER BY g.feed",
	[ST_FEED_CURRENT] =
	    "SELECT f.digest FROM vulnsig_feeds f JOIN vulnsig_versions v"
	    " ON v.gen = f.gen WHERE f.name = ?1 AND v.version = ?2",
	[ST_FEED_PUBLISHED] =
	    "INSERT INTO vulnsig_feeds (name, format, gen, digest, records,"
	    " signatures, source, last_change) VALUES (?1, ?2, ?3, ?4, ?5,"
	    " ?6, ?7, ?8) ON CONFLICT (name) DO UPDATE SET format = ?2,"
	    " gen = ?3, digest = ?4, records = ?5, signatures = ?6,"
	    " source = ?7, last_change = ?8",
	[ST_FEED_ATTEMPT] =
	    "INSERT INTO vulnsig_feeds (name, format, source, last_attempt,"
	    " last_success, last_error, etag, last_modified, last_outcome)"
	    " VALUES (?1, ?2, ?3, ?4, CASE WHEN ?5 IS NULL THEN ?4 END, ?5,"
	    " ?6, ?7, ?8) ON CONFLICT (name) DO UPDATE SET format = ?2,"
	    " source = ?3, last_attempt = ?4, last_success = CASE WHEN ?5"
	    " IS NULL THEN ?4 ELSE last_success END, last_error = ?5,"
	    " etag = CASE WHEN ?5 IS NULL THEN ?6 ELSE etag END,"
	    " last_modified = CASE WHEN ?5 IS NULL THEN ?7 ELSE"
	    " last_modified END, last_outcome = ?8",
	[ST_FEED_VALIDATORS] =
	    "SELECT etag, last_modified FROM vulnsig_feeds WHERE name = ?1"
	    " AND source = ?2",
	[ST_FEED_LIST] =
	    "SELECT name, format, source, signatures, records, digest,"
	    " last_change, last_attempt, last_success, last_outcome,"
	    " last_error, etag, last_modified FROM vulnsig_feeds ORDER BY name",
};

/* A new, unpublished generation of feed's signatures in *gen. 0, or -1. */
int
store_gen_new(struct store *s, const char *feed, int64_t now, int64_t *gen)
{
	sqlite3_stmt	*st = store_stmt(s, ST_GEN_INSERT);

	store_bind_text(st, 1, feed);
	sqlite3_bind_int64(st, 2, now);
	if (store_exec(s, st, "insert signature generation") == -1)
		return -1;
	*gen = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/*
 * Make vulnsigs version the newest generation of every feed, with gen as
 * feed's, and forget the versions before the previous one (inside the
 * caller's transaction). Returns 0, or -1.
 */
int
store_gen_map(struct store *s, int64_t version, const char *feed, int64_t gen)
{
	sqlite3_stmt	*st = store_stmt(s, ST_VERSION_COPY);

	sqlite3_bind_int64(st, 1, version - 1);
	sqlite3_bind_int64(st, 2, version);
	store_bind_text(st, 3, feed);
	if (store_exec(s, st, "copy signature generations") == -1)
		return -1;
	st = store_stmt(s, ST_VERSION_ADD);
	sqlite3_bind_int64(st, 1, version);
	sqlite3_bind_int64(st, 2, gen);
	if (store_exec(s, st, "map signature generation") == -1)
		return -1;
	st = store_stmt(s, ST_GEN_PUBLISH);
	sqlite3_bind_int64(st, 1, gen);
	if (store_exec(s, st, "publish signature generation") == -1)
		return -1;
	st = store_stmt(s, ST_VERSION_PRUNE);
	sqlite3_bind_int64(st, 1, version - 1);
	return store_exec(s, st, "prune signature versions");
}

/*
 * Delete the first limit rows (in key order, a range of the index) of
 * table cut/del of generation gen, or all when fewer are left. Returns the
 * rows deleted, or -1.
 */
static int64_t
store_gen_delete(struct store *s, enum store_stmt cut, enum store_stmt del,
    int ncols, int64_t gen, int limit)
{
	sqlite3_stmt	*c = store_stmt(s, cut), *d = store_stmt(s, del);
	int		 rc, i;

	sqlite3_bind_int64(c, 1, gen);
	sqlite3_bind_int(c, 2, limit);
	sqlite3_bind_int64(d, 1, gen);
	rc = store_row(s, c, "select signatures to delete");
	for (i = 0; i < ncols; i++)
		if (rc == 0)
			sqlite3_bind_value(d, 2 + i, sqlite3_column_value(c, i));
		else
			sqlite3_bind_null(d, 2 + i);
	if (rc == -1 || store_exec(s, d, "delete signatures") == -1) {
		sqlite3_reset(c);
		return -1;
	}
	sqlite3_reset(c);
	return sqlite3_changes64(s->db);
}

/*
 * Delete up to about limit rows of a generation no version maps to (or
 * gen, or an unpublished one older than stale). Returns the rows deleted
 * (0: nothing left), or -1.
 */
int64_t
store_gen_collect(struct store *s, int64_t gen, int64_t stale, int limit)
{
	sqlite3_stmt	*st = store_stmt(s, ST_GEN_UNUSED);
	int64_t		 victim, n;
	int		 rc;

	sqlite3_bind_int64(st, 1, stale);
	sqlite3_bind_int64(st, 2, gen);
	rc = store_row(s, st, "select unused generation");
	victim = rc == 0 ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != 0)
		return rc == 1 ? 0 : -1;
	if ((n = store_gen_delete(s, ST_GEN_CUT_SIGS, ST_GEN_DELETE_SIGS, 3,
	    victim, limit)) != 0)
		return n;
	if ((n = store_gen_delete(s, ST_GEN_CUT_RECORDS,
	    ST_GEN_DELETE_RECORDS, 1, victim, limit)) != 0)
		return n;
	st = store_stmt(s, ST_GEN_DELETE);
	sqlite3_bind_int64(st, 1, victim);
	if (store_exec(s, st, "delete signature generation") == -1)
		return -1;
	return 1;
}

/*
 * The digest of feed's signatures in vulnsigs version (malloc'ed, NULL
 * when the version holds none of the feed). Returns 0, or -1.
 */
int
store_feed_digest(struct store *s, const char *feed, int64_t version,
    char **digest)
{
	sqlite3_stmt	*st = store_stmt(s, ST_FEED_CURRENT);
	int		 rc;

	*digest = NULL;
	store_bind_text(st, 1, feed);
	sqlite3_bind_int64(st, 2, version);
	rc = store_row(s, st, "select feed digest");
	if (rc == 0 && sqlite3_column_type(st, 0) != SQLITE_NULL &&
	    (*digest = strdup(store_col_text(st, 0))) == NULL)
		rc = -1;
	sqlite3_reset(st);
	return rc == -1 ? -1 : 0;
}

/* Record that feed's generation gen was published. Returns 0, or -1. */
int
store_feed_published(struct store *s, const struct store_feed_gen *g)
{
	sqlite3_stmt	*st = store_stmt(s, ST_FEED_PUBLISHED);

	store_bind_text(st, 1, g->feed);
	store_bind_text(st, 2, g->format);
	sqlite3_bind_int64(st, 3, g->gen);
	store_bind_text(st, 4, g->digest);
	sqlite3_bind_int64(st, 5, g->records);
	sqlite3_bind_int64(st, 6, g->signatures);
	store_bind_text(st, 7, g->source);
	sqlite3_bind_int64(st, 8, g->now);
	return store_exec(s, st, "store feed");
}

/*
 * Record the outcome of fetching feed from source: error NULL for a
 * success (with the validators to send next time), else why it failed
 * (the validators are kept). Returns 0, or -1.
 */
int
store_feed_attempt(struct store *s, const struct store_feed_gen *g,
    const char *outcome, const char *error, const char *etag,
    const char *last_modified)
{
	sqlite3_stmt	*st = store_stmt(s, ST_FEED_ATTEMPT);

	store_bind_text(st, 1, g->feed);
	store_bind_text(st, 2, g->format);
	store_bind_text(st, 3, g->source);
	sqlite3_bind_int64(st, 4, g->now);
	store_bind_text(st, 5, error);
	store_bind_text(st, 6, etag);
	store_bind_text(st, 7, last_modified);
	store_bind_text(st, 8, outcome);
	return store_exec(s, st, "store feed attempt");
}

/*
 * The ETag and Last-Modified of feed's last good fetch from source
 * (malloc'ed or NULL). Returns 0, or -1.
 */
int
store_feed_validators(struct store *s, const char *feed, const char *source,
    char **etag, char **last_modified)
{
	sqlite3_stmt	*st = store_stmt(s, ST_FEED_VALIDATORS);
	int		 rc;

	*etag = *last_modified = NULL;
	store_bind_text(st, 1, feed);
	store_bind_text(st, 2, source);
	if ((rc = store_row(s, st, "select feed validators")) == 0) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			*etag = strdup(store_col_text(st, 0));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			*last_modified = strdup(store_col_text(st, 1));
	}
	sqlite3_reset(st);
	return rc == -1 ? -1 : 0;
}

/* The feeds as an API array (docs/protocol.md 4.13), or NULL on error. */
struct json_object *
store_feed_list(struct store *s)
{
	static const char *const cols[] = {
		"name", "format", "source", "signatures", "records", "sha256",
		"last_change", "last_attempt", "last_success", "last_outcome",
		"last_error", "etag", "last_modified"
	};
	sqlite3_stmt		*st = store_stmt(s, ST_FEED_LIST);
	struct json_object	*arr = json_object_new_array(), *obj;
	int			 rc, i;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		obj = json_object_new_object();
		for (i = 0; i < (int)(sizeof(cols) / sizeof(cols[0])); i++) {
			if ((i >= 3 && i <= 4) || (i >= 6 && i <= 8))
				store_add_int(obj, cols[i], st, i);
			else
				store_add_text(obj, cols[i], st, i);
		}
		json_object_array_add(arr, obj);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		store_fail(s, "list feeds");
		return NULL;
	}
	return arr;
}

/*
 * The body of vulnsigs version: the signatures it holds and, per feed,
 * their count and content digest. Returns a new object, or NULL.
 */
struct json_object *
store_gen_summary(struct store *s, int64_t version)
{
	sqlite3_stmt		*st = store_stmt(s, ST_VERSION_SUMMARY);
	struct json_object	*body, *feeds, *f;
	int64_t			 total = 0;
	int			 rc;

	body = json_object_new_object();
	feeds = json_object_new_array();
	sqlite3_bind_int64(st, 1, version);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		f = json_object_new_object();
		json_add_string(f, "name", store_col_text(st, 0));
		json_add_string(f, "format", store_col_text(st, 1));
		json_add_int64(f, "signatures", sqlite3_column_int64(st, 2));
		store_add_text(f, "sha256", st, 3);
		total += sqlite3_column_int64(st, 2);
		json_object_array_add(feeds, f);
	}
	sqlite3_reset(st);
	json_add_int64(body, "signatures", total);
	json_object_object_add(body, "feeds", feeds);
	if (rc != SQLITE_DONE) {
		json_object_put(body);
		store_fail(s, "summarize signatures");
		return NULL;
	}
	return body;
}
