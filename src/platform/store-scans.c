/*
 * store-scans.c: scan results and the assets they make. scan-merge.c
 * decides at submission whether a scan is merged into an agent (agent_id
 * set); an asset is then either an agent with the scans merged into it,
 * or a scanned target with its other scans (unmerged ones, and those of
 * agents since deleted).
 */
#include "config.h"

#include <stdio.h>

#include <sqlite3.h>

#include "jsonutil.h"
#include "store-sqlite.h"

/* A scan row s as the "last_scan" object of an asset (JSON text). */
#define STORE_LAST_SCAN \
	"json_object('scan_id', s.id, 'scanned_at', s.scanned_at," \
	" 'scanner', s.scanner, 'target', s.target, 'address', s.address," \
	" 'correlation_id', s.correlation_id, 'address_mismatch'," \
	" json(CASE WHEN s.address_mismatch THEN 'true' ELSE 'false' END)," \
	" 'correlation_conflict', json(CASE WHEN" \
	" json_type(s.doc, '$.correlation_ids') IS NULL THEN 'false'" \
	" ELSE 'true' END)," \
	" 'correlation_ids', json_extract(s.doc, '$.correlation_ids')," \
	" 'open_ports', (SELECT json_group_array(json_extract(p.value," \
	" '$.port')) FROM json_each(s.doc, '$.ports') p))"
/* Scan row r is not merged into an agent that still exists. */
#define STORE_UNMERGED(r) \
	"(" r ".agent_id IS NULL OR NOT EXISTS (SELECT 1 FROM agents a" \
	" WHERE a.id = " r ".agent_id))"

const char *const store_scans_sql[ST_COUNT] = {
	[ST_SCAN_INSERT] =
	    "INSERT INTO scans (target, scanned_at, correlation_id, agent_id,"
	    " doc, submitted_at, address, scanner, address_mismatch)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_SCAN_LIST] =
	    "SELECT id, target, scanned_at, correlation_id, agent_id, doc,"
	    " submitted_at, address, scanner, address_mismatch"
	    " FROM scans WHERE (?2 IS NULL OR agent_id = ?2)"
	    " AND (?3 IS NULL OR (agent_id IS NOT NULL) = ?3)"
	    " AND (?4 IS NULL OR address_mismatch = ?4)"
	    " ORDER BY id DESC LIMIT ?1",
	[ST_ASSET_AGENTS] =
	    "SELECT a.id, a.hostname, a.correlation_id,"
	    " (SELECT json_group_array(x.id) FROM (SELECT id FROM scans"
	    " WHERE agent_id = a.id ORDER BY id) x),"
	    " (SELECT coalesce(max(address_mismatch), 0) FROM scans"
	    " WHERE agent_id = a.id),"
	    " (SELECT " STORE_LAST_SCAN " FROM scans s WHERE s.agent_id = a.id"
	    " ORDER BY s.scanned_at DESC, s.id DESC LIMIT 1)"
	    " FROM agents a ORDER BY a.activated_at, a.id",
	[ST_ASSET_SCANS] =
	    "SELECT t.target, json_group_array(t.id), (SELECT " STORE_LAST_SCAN
	    " FROM scans s WHERE s.target = t.target AND " STORE_UNMERGED("s")
	    " ORDER BY s.scanned_at DESC, s.id DESC LIMIT 1)"
	    " FROM (SELECT target, id FROM scans u WHERE " STORE_UNMERGED("u")
	    " ORDER BY id) t GROUP BY t.target ORDER BY t.target",
};

/* Store a scan result. Returns 0 with *id set, or -1. */
int
store_scan_add(struct store *s, const struct scan_new *scan, int64_t *id)
{
	sqlite3_stmt	*st = store_stmt(s, ST_SCAN_INSERT);

	store_bind_text(st, 1, scan->target);
	sqlite3_bind_int64(st, 2, scan->scanned_at);
	store_bind_text(st, 3, scan->correlation_id);
	store_bind_text(st, 4, scan->agent_id);
	store_bind_text(st, 5, scan->doc);
	sqlite3_bind_int64(st, 6, scan->now);
	store_bind_text(st, 7, scan->address);
	store_bind_text(st, 8, scan->scanner);
	sqlite3_bind_int(st, 9, scan->address_mismatch);
	if (store_exec(s, st, "insert scan") == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/*
 * The newest limit scans (only those merged into agent_id when it is not
 * NULL; merged or not, flagged or not when merged, mismatch >= 0) as an
 * API array, or NULL on error.
 */
struct json_object *
store_scan_list(struct store *s, const char *agent_id, int merged,
    int mismatch, int64_t limit)
{
	sqlite3_stmt		*st = store_stmt(s, ST_SCAN_LIST);
	struct json_object	*arr = json_object_new_array(), *obj, *doc;
	int			 rc;

	sqlite3_bind_int64(st, 1, limit);
	store_bind_text(st, 2, agent_id);
	if (merged >= 0)
		sqlite3_bind_int(st, 3, merged);
	if (mismatch >= 0)
		sqlite3_bind_int(st, 4, mismatch);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		obj = json_object_new_object();
		json_add_int64(obj, "scan_id", sqlite3_column_int64(st, 0));
		json_add_string(obj, "target", store_col_text(st, 1));
		json_add_int64(obj, "scanned_at", sqlite3_column_int64(st, 2));
		store_add_text(obj, "correlation_id", st, 3);
		store_add_text(obj, "agent_id", st, 4);
		json_add_bool(obj, "merged", sqlite3_column_type(st, 4) !=
		    SQLITE_NULL);
		store_add_text(obj, "address", st, 7);
		store_add_text(obj, "scanner", st, 8);
		json_add_bool(obj, "address_mismatch",
		    sqlite3_column_int(st, 9));
		json_add_int64(obj, "submitted_at",
		    sqlite3_column_int64(st, 6));
		doc = json_tokener_parse(store_col_text(st, 5));
		json_add_bool(obj, "correlation_conflict", doc != NULL &&
		    json_object_object_get_ex(doc, "correlation_ids", NULL));
		if (doc != NULL) {
			json_object_object_foreach(doc, key, val)
				if (!json_object_object_get_ex(obj, key, NULL))
					json_object_object_add(obj, key,
					    json_object_get(val));
			json_object_put(doc);
		}
		json_object_array_add(arr, obj);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		store_fail(s, "list scans");
		return NULL;
	}
	return arr;
}

/* Add column i (JSON text of a last scan, or NULL) as "last_scan". */
static void
store_add_last_scan(struct json_object *obj, sqlite3_stmt *st, int i)
{
	struct json_object	*scan = NULL;

	if (sqlite3_column_type(st, i) != SQLITE_NULL)
		scan = json_tokener_parse(store_col_text(st, i));
	json_object_object_add(obj, "last_scan", scan);
}

/*
 * Every asset: one per agent, with the scans merged into it (at
 * submission, by correlation id, when accept_correlation_id was on), one
 * per other scanned target (unmerged scans, and scans of deleted agents).
 * Returns an API array, or NULL on error.
 */
struct json_object *
store_asset_list(struct store *s)
{
	sqlite3_stmt		*st = store_stmt(s, ST_ASSET_AGENTS);
	struct json_object	*arr = json_object_new_array(), *obj, *ids;
	struct json_object	*src, *last;
	char			 asset[300];
	int			 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		obj = json_object_new_object();
		snprintf(asset, sizeof(asset), "agent:%s",
		    store_col_text(st, 0));
		json_add_string(obj, "asset_id", asset);
		json_add_string(obj, "agent_id", store_col_text(st, 0));
		json_add_string(obj, "hostname", store_col_text(st, 1));
		json_add_string(obj, "correlation_id", store_col_text(st, 2));
		ids = json_tokener_parse(store_col_text(st, 3));
		if (ids == NULL)
			ids = json_object_new_array();
		src = json_object_new_array();
		json_object_array_add(src, json_object_new_string("agent"));
		if (json_object_array_length(ids) > 0)
			json_object_array_add(src,
			    json_object_new_string("scan"));
		json_object_object_add(obj, "sources", src);
		json_object_object_add(obj, "scan_ids", ids);
		json_add_bool(obj, "address_mismatch",
		    sqlite3_column_int(st, 4));
		/* A conflict is never merged into an agent. */
		json_add_bool(obj, "correlation_conflict", 0);
		store_add_last_scan(obj, st, 5);
		json_object_array_add(arr, obj);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	st = store_stmt(s, ST_ASSET_SCANS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		obj = json_object_new_object();
		snprintf(asset, sizeof(asset), "scan:%s",
		    store_col_text(st, 0));
		json_add_string(obj, "asset_id", asset);
		json_object_object_add(obj, "agent_id", NULL);
		json_object_object_add(obj, "hostname", NULL);
		json_add_string(obj, "target", store_col_text(st, 0));
		store_add_last_scan(obj, st, 2);
		last = json_object_object_get(obj, "last_scan");
		json_object_object_add(obj, "correlation_id", last != NULL ?
		    json_object_get(json_object_object_get(last,
		    "correlation_id")) : NULL);
		src = json_object_new_array();
		json_object_array_add(src, json_object_new_string("scan"));
		json_object_object_add(obj, "sources", src);
		ids = json_tokener_parse(store_col_text(st, 1));
		json_object_object_add(obj, "scan_ids", ids != NULL ? ids :
		    json_object_new_array());
		json_add_bool(obj, "address_mismatch", 0);
		json_add_bool(obj, "correlation_conflict", last != NULL &&
		    json_object_get_boolean(json_object_object_get(last,
		    "correlation_conflict")));
		json_object_array_add(arr, obj);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	return arr;
fail:
	json_object_put(arr);
	store_fail(s, "list assets");
	return NULL;
}
