/*
 * store-vulns.c: vulnerability detections. The signatures of the newest
 * vulnsigs manifest, by ecosystem and package in manifest order; per
 * agent, the detections api-vuln.c computed, and the inventory and
 * vulnsigs versions they were computed from, so that a reader can tell
 * whether they are current.
 */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "jsonutil.h"
#include "store-sqlite.h"
#include "vuln.h"

const char *const store_vulns_sql[ST_COUNT] = {
	[ST_VULNSIG_INSERT] =
	    "INSERT INTO vulnsigs (version, ecosystem, package, seq, id, title,"
	    " severity, introduced, fixed)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_VULNSIG_PRUNE] = "DELETE FROM vulnsigs WHERE version != ?1",
	[ST_VULNSIG_FIND] =
	    "SELECT id, title, severity, introduced, fixed FROM vulnsigs"
	    " WHERE version = ?1 AND ecosystem = ?2 AND package = ?3"
	    " ORDER BY seq",
	[ST_VULN_DELETE] = "DELETE FROM vulnerabilities WHERE agent_id = ?1",
	[ST_VULN_INSERT] =
	    "INSERT OR IGNORE INTO vulnerabilities (agent_id, id, ecosystem,"
	    " package, arch, installed_version, fixed_version, title,"
	    " severity) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_VULN_LIST] =
	    "SELECT id, title, severity, ecosystem, package, arch,"
	    " installed_version, fixed_version FROM vulnerabilities"
	    " WHERE agent_id = ?1 ORDER BY severity DESC, id, package, arch",
	[ST_VULN_SCAN_PUT] =
	    "INSERT OR REPLACE INTO vulnerability_scans (agent_id,"
	    " inventory_version, vulnsigs_version, count, computed_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_VULN_SCAN_SELECT] =
	    "SELECT inventory_version, vulnsigs_version, count, computed_at"
	    " FROM vulnerability_scans WHERE agent_id = ?1",
	[ST_VULN_SCAN_ADVANCE] =
	    "UPDATE vulnerability_scans SET inventory_version = ?3"
	    " WHERE agent_id = ?1 AND inventory_version = ?2"
	    " AND vulnsigs_version = ?4",
};

/* Store signature seq of vulnsigs manifest version. Returns 0, or -1. */
int
store_vulnsig_add(struct store *s, int64_t version, int64_t seq,
    const struct vuln_sig *sig)
{
	sqlite3_stmt	*st = store_stmt(s, ST_VULNSIG_INSERT);

	sqlite3_bind_int64(st, 1, version);
	store_bind_text(st, 2, sig->ecosystem);
	store_bind_text(st, 3, sig->package);
	sqlite3_bind_int64(st, 4, seq);
	store_bind_text(st, 5, sig->id);
	store_bind_text(st, 6, sig->title);
	sqlite3_bind_int(st, 7, sig->severity);
	store_bind_text(st, 8, sig->introduced);
	store_bind_text(st, 9, sig->fixed);
	return store_exec(s, st, "insert vulnerability signature");
}

/* Drop the signatures of every vulnsigs version but keep. 0, or -1. */
int
store_vulnsig_prune(struct store *s, int64_t keep)
{
	sqlite3_stmt	*st = store_stmt(s, ST_VULNSIG_PRUNE);

	sqlite3_bind_int64(st, 1, keep);
	return store_exec(s, st, "prune vulnerability signatures");
}

/*
 * Call cb(arg, sig) for each signature of vulnsigs version for package
 * of ecosystem, in manifest order, until cb returns non-zero. Returns 0,
 * -1 (database error), or what cb returned.
 */
int
store_vulnsig_find(struct store *s, int64_t version, const char *ecosystem,
    const char *package, vuln_sig_cb cb, void *arg)
{
	sqlite3_stmt	*st = store_stmt(s, ST_VULNSIG_FIND);
	struct vuln_sig	 sig;
	int		 rc, cbrc = 0;

	sqlite3_bind_int64(st, 1, version);
	store_bind_text(st, 2, ecosystem);
	store_bind_text(st, 3, package);
	while (cbrc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&sig, 0, sizeof(sig));
		sig.ecosystem = ecosystem;
		sig.package = package;
		sig.id = store_col_text(st, 0);
		sig.title = store_col_text(st, 1);
		sig.severity = sqlite3_column_int(st, 2);
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			sig.introduced = store_col_text(st, 3);
		if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			sig.fixed = store_col_text(st, 4);
		cbrc = cb(arg, &sig);
	}
	sqlite3_reset(st);
	if (cbrc != 0)
		return cbrc;
	if (rc != SQLITE_DONE)
		return store_fail(s, "find vulnerability signatures");
	return 0;
}

/* Forget the detections of agent id. Returns 0, or -1. */
int
store_vuln_clear(struct store *s, const char *id)
{
	return store_exec_id(s, ST_VULN_DELETE, id,
	    "delete vulnerabilities");
}

/*
 * Store a detection of agent id. Returns 0, 1 (the same signature, package
 * and architecture was already detected), or -1.
 */
int
store_vuln_add(struct store *s, const char *id,
    const struct vuln_detection *d)
{
	sqlite3_stmt	*st = store_stmt(s, ST_VULN_INSERT);

	store_bind_text(st, 1, id);
	store_bind_text(st, 2, d->sig->id);
	store_bind_text(st, 3, d->sig->ecosystem);
	store_bind_text(st, 4, d->sig->package);
	store_bind_text(st, 5, d->arch);
	store_bind_text(st, 6, d->installed_version);
	store_bind_text(st, 7, d->sig->fixed);
	store_bind_text(st, 8, d->sig->title);
	sqlite3_bind_int(st, 9, d->sig->severity);
	if (store_exec(s, st, "insert vulnerability") == -1)
		return -1;
	return sqlite3_changes(s->db) == 0 ? 1 : 0;
}

/*
 * Record that agent id's count detections were computed from its
 * inventory_version and vulnsigs_version. Returns 0, or -1.
 */
int
store_vuln_scan_put(struct store *s, const char *id, int64_t inventory,
    int64_t vulnsigs, int64_t count, int64_t now)
{
	sqlite3_stmt	*st = store_stmt(s, ST_VULN_SCAN_PUT);

	store_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, inventory);
	sqlite3_bind_int64(st, 3, vulnsigs);
	sqlite3_bind_int64(st, 4, count);
	sqlite3_bind_int64(st, 5, now);
	return store_exec(s, st, "store vulnerability scan");
}

/*
 * What agent id's detections were computed from. Returns 0, 1 (never
 * computed), or -1.
 */
int
store_vuln_scan_get(struct store *s, const char *id, int64_t *inventory,
    int64_t *vulnsigs, int64_t *count, int64_t *computed_at)
{
	sqlite3_stmt	*st = store_stmt(s, ST_VULN_SCAN_SELECT);
	int		 rc;

	store_bind_text(st, 1, id);
	if ((rc = store_row(s, st, "select vulnerability scan")) == 0) {
		*inventory = sqlite3_column_int64(st, 0);
		*vulnsigs = sqlite3_column_int64(st, 1);
		*count = sqlite3_column_int64(st, 2);
		*computed_at = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	return rc;
}

/*
 * Carry agent id's detections from inventory version from to version to
 * (whose packages are the same), if they were computed from from and
 * vulnsigs. Returns 0, 1 (they were not: recompute), or -1.
 */
int
store_vuln_scan_advance(struct store *s, const char *id, int64_t from,
    int64_t to, int64_t vulnsigs)
{
	sqlite3_stmt	*st = store_stmt(s, ST_VULN_SCAN_ADVANCE);

	store_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	sqlite3_bind_int64(st, 4, vulnsigs);
	if (store_exec(s, st, "advance vulnerability scan") == -1)
		return -1;
	return sqlite3_changes(s->db) == 0 ? 1 : 0;
}

/*
 * The stored detections of agent id as an API array, worst first, or
 * NULL on error.
 */
struct json_object *
store_vuln_list(struct store *s, const char *id)
{
	sqlite3_stmt		*st = store_stmt(s, ST_VULN_LIST);
	struct json_object	*arr = json_object_new_array(), *obj;
	int			 rc;

	store_bind_text(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		obj = json_object_new_object();
		json_add_string(obj, "id", store_col_text(st, 0));
		json_add_string(obj, "title", store_col_text(st, 1));
		json_add_string(obj, "severity",
		    vuln_severity_name(sqlite3_column_int(st, 2)));
		json_add_string(obj, "ecosystem", store_col_text(st, 3));
		json_add_string(obj, "package", store_col_text(st, 4));
		if (sqlite3_column_bytes(st, 5) == 0)
			json_object_object_add(obj, "arch", NULL);
		else
			json_add_string(obj, "arch", store_col_text(st, 5));
		json_add_string(obj, "installed_version",
		    store_col_text(st, 6));
		store_add_text(obj, "fixed_version", st, 7);
		json_object_array_add(arr, obj);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		store_fail(s, "list vulnerabilities");
		return NULL;
	}
	return arr;
}
