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

#include "compat.h"
#include "jsonutil.h"
#include "platform.h"
#include "store-sqlite.h"
#include "vuln.h"

/* The columns of a detection, in the order store_vuln_json() reads. */
#define STORE_VULN_COLUMNS						\
	"id, title, severity, ecosystem, package, arch, installed_version,"	\
	" fixed_version, source, compared_version, last_affected, release,"	\
	" matched_on, status, severity_source, feed, record_url, aliases"

const char *const store_vulns_sql[ST_COUNT] = {
	[ST_VULNSIG_INSERT] =
	    "INSERT INTO vulnsigs (version, ecosystem, package, seq, id, title,"
	    " severity, introduced, fixed, by_source, release, last_affected,"
	    " status, severity_source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
	    " ?9, ?10, ?11, ?12, ?13, ?14)",
	[ST_VULNSIG_RECORD_INSERT] =
	    "INSERT OR IGNORE INTO vulnsig_records (gen, id, title, record_url,"
	    " aliases) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_VULNSIG_FIND] =
	    "SELECT s.id, coalesce(nullif(s.title, ''), r.title, s.id),"
	    " s.severity, s.introduced, s.fixed, s.package, s.by_source,"
	    " s.release, s.last_affected, s.status, s.severity_source,"
	    " r.record_url, r.aliases, g.feed"
	    " FROM vulnsig_versions v"
	    " JOIN vulnsigs s ON s.version = v.gen AND s.ecosystem = ?2"
	    " AND s.package IN (?3, ?4)"
	    " JOIN vulnsig_gens g ON g.gen = v.gen"
	    " LEFT JOIN vulnsig_records r ON r.gen = s.version AND r.id = s.id"
	    " WHERE v.version = ?1 ORDER BY g.feed, s.seq",
	[ST_VULN_DELETE] = "DELETE FROM vulnerabilities WHERE agent_id = ?1",
	[ST_VULN_INSERT] =
	    "INSERT OR IGNORE INTO vulnerabilities (agent_id, id, ecosystem,"
	    " package, arch, installed_version, fixed_version, title,"
	    " severity, source, compared_version, last_affected, release,"
	    " matched_on, status, severity_source, feed, record_url, aliases)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, ?15, ?16, ?17, ?18, ?19)",
	[ST_VULN_LIST] =
	    "SELECT " STORE_VULN_COLUMNS " FROM vulnerabilities"
	    " WHERE agent_id = ?1 ORDER BY severity DESC, id, package, arch",
	[ST_VULN_FLEET] =
	    "SELECT " STORE_VULN_COLUMNS ", agent_id FROM vulnerabilities"
	    " WHERE (?1 IS NULL OR id = ?1 OR ',' || aliases || ',' LIKE"
	    " '%,' || ?1 || ',%') AND (?2 IS NULL OR package = ?2"
	    " OR source = ?2) AND (?3 IS NULL OR severity = ?3)"
	    " AND (?4 IS NULL OR release = ?4)"
	    " ORDER BY severity DESC, id, package, agent_id, arch LIMIT ?5",
	[ST_VULN_STALE] =
	    "SELECT i.agent_id, (SELECT count(*) FROM inventories j LEFT JOIN"
	    " vulnerability_scans w ON w.agent_id = j.agent_id"
	    " WHERE w.agent_id IS NULL OR w.inventory_version != j.version"
	    " OR w.vulnsigs_version != ?1) FROM inventories i LEFT JOIN"
	    " vulnerability_scans v ON v.agent_id = i.agent_id"
	    " WHERE v.agent_id IS NULL OR v.inventory_version != i.version"
	    " OR v.vulnsigs_version != ?1 LIMIT 1",
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

/*
 * Store signature seq of generation gen, and (once per record) the text of
 * the record it came from. Returns 0, or -1.
 */
int
store_vulnsig_add(struct store *s, int64_t gen, int64_t seq,
    const struct vuln_sig *sig)
{
	sqlite3_stmt	*st = store_stmt(s, ST_VULNSIG_INSERT);
	int		 imported = sig->record_url != NULL;

	sqlite3_bind_int64(st, 1, gen);
	store_bind_text(st, 2, sig->ecosystem);
	store_bind_text(st, 3, sig->package);
	sqlite3_bind_int64(st, 4, seq);
	store_bind_text(st, 5, sig->id);
	store_bind_text(st, 6, imported ? "" : sig->title);
	sqlite3_bind_int(st, 7, sig->severity);
	store_bind_text(st, 8, sig->introduced);
	store_bind_text(st, 9, sig->fixed);
	sqlite3_bind_int(st, 10, sig->by_source);
	store_bind_text(st, 11, sig->release);
	store_bind_text(st, 12, sig->last_affected);
	store_bind_text(st, 13, sig->status);
	store_bind_text(st, 14, sig->severity_source);
	if (store_exec(s, st, "insert vulnerability signature") == -1)
		return -1;
	if (!imported)
		return 0;
	st = store_stmt(s, ST_VULNSIG_RECORD_INSERT);
	sqlite3_bind_int64(st, 1, gen);
	store_bind_text(st, 2, sig->id);
	store_bind_text(st, 3, sig->title);
	store_bind_text(st, 4, sig->record_url);
	store_bind_text(st, 5, sig->aliases);
	return store_exec(s, st, "insert vulnerability record");
}

/* A column of st as a string, or NULL when it is NULL. */
static const char *
store_vuln_col(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	return store_col_text(st, i);
}

/*
 * Call cb(arg, sig) for each signature of vulnsigs version for package
 * name (binary) or source (source-package signatures) of ecosystem, in
 * order, until cb returns non-zero. Returns 0, -1 (database error), or
 * what cb returned.
 */
int
store_vulnsig_find(struct store *s, int64_t version, const char *ecosystem,
    const char *name, const char *source, vuln_sig_cb cb, void *arg)
{
	sqlite3_stmt	*st = store_stmt(s, ST_VULNSIG_FIND);
	struct vuln_sig	 sig;
	int		 rc, cbrc = 0;

	sqlite3_bind_int64(st, 1, version);
	store_bind_text(st, 2, ecosystem);
	store_bind_text(st, 3, name);
	store_bind_text(st, 4, source != NULL ? source : name);
	while (cbrc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&sig, 0, sizeof(sig));
		sig.ecosystem = ecosystem;
		sig.id = store_col_text(st, 0);
		sig.title = store_col_text(st, 1);
		sig.severity = sqlite3_column_int(st, 2);
		sig.introduced = store_vuln_col(st, 3);
		sig.fixed = store_vuln_col(st, 4);
		sig.package = store_col_text(st, 5);
		sig.by_source = sqlite3_column_int(st, 6);
		sig.release = store_vuln_col(st, 7);
		sig.last_affected = store_vuln_col(st, 8);
		sig.status = store_vuln_col(st, 9);
		sig.severity_source = store_vuln_col(st, 10);
		sig.record_url = store_vuln_col(st, 11);
		sig.aliases = store_vuln_col(st, 12);
		sig.feed = store_col_text(st, 13);
		if (strcmp(sig.package, sig.by_source ? (source != NULL ?
		    source : name) : name) != 0)
			continue;
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
	sqlite3_stmt		*st = store_stmt(s, ST_VULN_INSERT);
	const struct vuln_sig	*sig = d->sig;

	store_bind_text(st, 1, id);
	store_bind_text(st, 2, sig->id);
	store_bind_text(st, 3, sig->ecosystem);
	store_bind_text(st, 4, d->package);
	store_bind_text(st, 5, d->arch);
	store_bind_text(st, 6, d->installed_version);
	store_bind_text(st, 7, sig->fixed);
	store_bind_text(st, 8, sig->title);
	sqlite3_bind_int(st, 9, sig->severity);
	store_bind_text(st, 10, d->source);
	store_bind_text(st, 11, d->compared_version);
	store_bind_text(st, 12, sig->last_affected);
	store_bind_text(st, 13, sig->release);
	store_bind_text(st, 14, sig->by_source ? "source" : "binary");
	store_bind_text(st, 15, sig->status != NULL ? sig->status :
	    sig->fixed != NULL || sig->last_affected != NULL ? "fixed" :
	    "open");
	store_bind_text(st, 16, sig->severity_source != NULL ?
	    sig->severity_source : "vulnsigs manifest");
	store_bind_text(st, 17, sig->feed != NULL ? sig->feed : "manual");
	store_bind_text(st, 18, sig->record_url);
	store_bind_text(st, 19, sig->aliases);
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

/* The detection of st's row (STORE_VULN_COLUMNS) as an API object. */
static struct json_object *
store_vuln_json(sqlite3_stmt *st)
{
	static const char *const more[] = {
		"source", "compared_version", "last_affected", "release",
		"matched_on", "status", "severity_source", "feed", "record_url"
	};
	struct json_object	*obj = json_object_new_object(), *aliases;
	const char		*a, *comma;
	size_t			 i;

	json_add_string(obj, "id", store_col_text(st, 0));
	json_add_string(obj, "title", store_col_text(st, 1));
	json_add_string(obj, "severity",
	    vuln_severity_name(sqlite3_column_int(st, 2)));
	json_add_string(obj, "ecosystem", store_col_text(st, 3));
	json_add_string(obj, "comparator",
	    strcmp(store_col_text(st, 3), "deb") == 0 ? "dpkg" : "rpm");
	json_add_string(obj, "package", store_col_text(st, 4));
	if (sqlite3_column_bytes(st, 5) == 0)
		json_object_object_add(obj, "arch", NULL);
	else
		json_add_string(obj, "arch", store_col_text(st, 5));
	json_add_string(obj, "installed_version", store_col_text(st, 6));
	store_add_text(obj, "fixed_version", st, 7);
	for (i = 0; i < nitems(more); i++)
		store_add_text(obj, more[i], st, 8 + (int)i);
	aliases = json_object_new_array();
	for (a = store_vuln_col(st, 17); a != NULL && *a != '\0';
	    a = *comma != '\0' ? comma + 1 : comma) {
		comma = a + strcspn(a, ",");
		json_object_array_add(aliases,
		    json_object_new_string_len(a, (int)(comma - a)));
	}
	json_object_object_add(obj, "aliases", aliases);
	return obj;
}

/*
 * The stored detections of agent id as an API array, worst first, or
 * NULL on error.
 */
struct json_object *
store_vuln_list(struct store *s, const char *id)
{
	sqlite3_stmt		*st = store_stmt(s, ST_VULN_LIST);
	struct json_object	*arr = json_object_new_array();
	int			 rc;

	store_bind_text(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(arr, store_vuln_json(st));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		store_fail(s, "list vulnerabilities");
		return NULL;
	}
	return arr;
}

/*
 * The stored detections of every agent matching f (NULL members match
 * all), worst first, at most f->limit, as an API array; NULL on error.
 */
struct json_object *
store_vuln_fleet(struct store *s, const struct store_vuln_filter *f)
{
	sqlite3_stmt		*st = store_stmt(s, ST_VULN_FLEET);
	struct json_object	*arr = json_object_new_array(), *obj;
	int			 rc;

	store_bind_text(st, 1, f->id);
	store_bind_text(st, 2, f->package);
	if (f->severity >= 0)
		sqlite3_bind_int(st, 3, f->severity);
	else
		sqlite3_bind_null(st, 3);
	store_bind_text(st, 4, f->release);
	sqlite3_bind_int64(st, 5, f->limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		obj = store_vuln_json(st);
		json_add_string(obj, "agent_id", store_col_text(st, 18));
		json_object_array_add(arr, obj);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		store_fail(s, "list the fleet's vulnerabilities");
		return NULL;
	}
	return arr;
}

/*
 * An agent whose detections were not computed from its current inventory
 * and vulnsigs version, into id, and how many there are in *count.
 * Returns 0, 1 (none), or -1.
 */
int
store_vuln_stale(struct store *s, int64_t vulnsigs,
    char id[PLATFORM_UUID_LEN + 1], int64_t *count)
{
	sqlite3_stmt	*st = store_stmt(s, ST_VULN_STALE);
	int		 rc;

	*count = 0;
	sqlite3_bind_int64(st, 1, vulnsigs);
	if ((rc = store_row(s, st, "select a stale agent")) == 0) {
		strlcpy(id, store_col_text(st, 0), PLATFORM_UUID_LEN + 1);
		*count = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc;
}
