/*
 * store-inventory.c: the inventory of each agent, one JSON document that
 * a full upload replaces and a delta upload rewrites (api-agent.c applies
 * the delta), numbered by a version that grows with each upload, with the
 * time of the last upload and of the last one that changed the document.
 */
#include "config.h"

#include <sqlite3.h>

#include "jsonutil.h"
#include "store-sqlite.h"

const char *const store_inventory_sql[ST_COUNT] = {
	[ST_INVENTORY_SELECT] =
	    "SELECT version, updated_at, doc FROM inventories"
	    " WHERE agent_id = ?1",
	/* changed_at moves only when the document differs. */
	[ST_INVENTORY_PUT] =
	    "INSERT INTO inventories (agent_id, version, updated_at, doc,"
	    " changed_at) VALUES (?1, ?2, ?3, ?4, ?3)"
	    " ON CONFLICT (agent_id) DO UPDATE SET version = excluded.version,"
	    " updated_at = excluded.updated_at, changed_at = CASE WHEN"
	    " inventories.doc IS excluded.doc THEN inventories.changed_at"
	    " ELSE excluded.updated_at END, doc = excluded.doc",
};

/*
 * The stored inventory of agent id: version, update time and, when doc is
 * not NULL, the parsed document. Returns 0, 1 (none), or -1.
 */
int
store_inventory_get(struct store *s, const char *id, int64_t *version,
    int64_t *updated, struct json_object **doc)
{
	sqlite3_stmt	*st = store_stmt(s, ST_INVENTORY_SELECT);
	int		 rc;

	store_bind_text(st, 1, id);
	if ((rc = store_row(s, st, "select inventory")) == 0) {
		*version = sqlite3_column_int64(st, 0);
		*updated = sqlite3_column_int64(st, 1);
		if (doc != NULL &&
		    (*doc = json_tokener_parse(store_col_text(st, 2))) ==
		    NULL)
			rc = -1;
	}
	sqlite3_reset(st);
	return rc;
}

/* Replace the inventory of agent id. Returns 0, or -1. */
int
store_inventory_put(struct store *s, const char *id, int64_t version,
    const char *doc, int64_t now)
{
	sqlite3_stmt	*st = store_stmt(s, ST_INVENTORY_PUT);

	store_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, version);
	sqlite3_bind_int64(st, 3, now);
	store_bind_text(st, 4, doc);
	return store_exec(s, st, "store inventory");
}
