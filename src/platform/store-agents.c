/*
 * store-agents.c: agents. An agent is created by its activation, found by
 * its credential hash at every request, updated by each heartbeat, and
 * shown to admins with what the other tables say of it (profile version,
 * last errors, inventory, detections). Deleting an agent removes all it
 * uploaded and keeps its credential hash as a tombstone, so it can still
 * be told to uninstall. The errors agents report are kept here too, and
 * the addresses an agent reported, for the scan merge.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "compat.h"
#include "jsonutil.h"
#include "platform.h"
#include "store-sqlite.h"

/* What an admin sees of agent a (store_agent_row reads the columns). */
#define STORE_AGENT_COLUMNS \
	"a.id, a.customer_id, a.activation_key_id, a.hostname, a.status," \
	" a.activated_at, a.last_checkin, a.agent_version, a.agent_status," \
	" a.profile_id, p.version, a.tags, a.manifest_versions, a.fim," \
	" a.correlation_id, a.listeners," \
	" coalesce(p.heartbeat_interval, 60)," \
	" (SELECT json_group_array(CASE WHEN e.window_from IS NULL" \
	"   THEN json_object('code', e.code, 'message', e.message," \
	"   'time', e.time) ELSE json_object('code', e.code, 'message'," \
	"   e.message, 'time', e.time, 'window', json_object('from'," \
	"   e.window_from, 'to', e.window_to), 'count', e.count) END)" \
	"   FROM (SELECT code, message, time, window_from, window_to," \
	"   count FROM agent_errors WHERE agent_id = a.id" \
	"   ORDER BY id DESC LIMIT 5) e), a.reactivate," \
	" i.updated_at, i.version, v.inventory_version, v.vulnsigs_version," \
	" v.count, i.changed_at, a.current_errors, a.instance_id," \
	" a.clone_detected_at, a.clone_of, a.claimed_agent_id " \
	"FROM agents a LEFT JOIN profiles p ON p.id = a.profile_id" \
	" LEFT JOIN inventories i ON i.agent_id = a.id" \
	" LEFT JOIN vulnerability_scans v ON v.agent_id = a.id "

const char *const store_agents_sql[ST_COUNT] = {
	[ST_AGENT_INSERT] =
	    "INSERT INTO agents (id, customer_id, activation_key_id,"
	    " profile_id, tags, cred_hash, correlation_id, hostname, host,"
	    " activated_at, agent_version, instance_id, clone_of,"
	    " claimed_agent_id)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14)",
	[ST_AGENT_REACTIVATE] =
	    "UPDATE agents SET revoked_hash = CASE WHEN ?5 THEN revoked_hash"
	    " ELSE cred_hash END, cred_hash = ?2, reactivate = 0,"
	    " activated_at = ?3, rekey_instance_id = ?4 WHERE id = ?1",
	[ST_AGENT_CLONE_SEEN] =
	    "UPDATE agents SET clone_detected_at = ?2, clone_instance_id ="
	    " CASE WHEN ?3 THEN NULL ELSE clone_instance_id END WHERE id = ?1",
	[ST_AGENT_AUTH] =
	    "SELECT a.cred_hash, coalesce(a.revoked_hash, ''), a.customer_id,"
	    " a.profile_id, a.reactivate, coalesce(p.version, 0),"
	    " coalesce(p.heartbeat_interval, 60), coalesce(a.instance_id, ''),"
	    " coalesce(a.prev_instance_id, ''),"
	    " coalesce(a.clone_instance_id, ''),"
	    " coalesce(a.rekey_instance_id, ''), coalesce(a.last_checkin, 0)"
	    " FROM agents a LEFT JOIN profiles p ON p.id = a.profile_id"
	    " WHERE a.id = ?1",
	[ST_TOMBSTONE_SELECT] =
	    "SELECT cred_hash FROM tombstones WHERE agent_id = ?1",
	[ST_AGENT_HEARTBEAT] =
	    "UPDATE agents SET last_checkin = ?2,"
	    " agent_status = coalesce(?3, agent_status),"
	    " agent_version = coalesce(?4, agent_version),"
	    " manifest_versions = coalesce(?5, manifest_versions),"
	    " fim = coalesce(?6, fim), listeners = coalesce(?7, listeners),"
	    " current_errors = coalesce(?8, current_errors)"
	    " WHERE id = ?1",
	[ST_AGENT_SELECT] = "SELECT " STORE_AGENT_COLUMNS "WHERE a.id = ?1",
	[ST_AGENT_INSTANCE] =
	    "UPDATE agents SET instance_id = coalesce(?2, instance_id),"
	    " prev_instance_id = coalesce(?3, prev_instance_id),"
	    " clone_instance_id = coalesce(?4, clone_instance_id),"
	    " clone_detected_at = coalesce(?5, clone_detected_at)"
	    " WHERE id = ?1",
	[ST_AGENT_HOST] = "SELECT host FROM agents WHERE id = ?1",
	[ST_AGENT_UPDATE] =
	    "UPDATE agents SET profile_id = coalesce(?2, profile_id),"
	    " tags = coalesce(?3, tags), reactivate = max(reactivate, ?4)"
	    " WHERE id = ?1",
	[ST_AGENT_STATUS] = "UPDATE agents SET status = ?2 WHERE id = ?1",
	[ST_AGENT_BY_CORRELATION] =
	    "SELECT id FROM agents WHERE correlation_id = ?1",
	[ST_AGENT_ADDRESSES] =
	    "SELECT j.value FROM agents a, json_each(a.host,"
	    " '$.ip_addresses') j WHERE a.id = ?1 AND j.type = 'text'"
	    " UNION SELECT json_extract(ad.value,"
	    " '$.address') FROM inventories i, json_each(i.doc,"
	    " '$.interfaces') f, json_each(f.value, '$.addresses') ad"
	    " WHERE i.agent_id = ?1 AND f.type = 'object'"
	    " AND ad.type = 'object'"
	    " AND json_type(ad.value, '$.address') = 'text'",
	[ST_ERROR_INSERT] =
	    "INSERT INTO agent_errors (agent_id, code, message, time,"
	    " received_at, window_from, window_to, count)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_ERROR_LIST] =
	    "SELECT code, message, time, received_at, window_from, window_to,"
	    " count FROM agent_errors"
	    " WHERE agent_id = ?1 ORDER BY id DESC LIMIT ?2",
	/* Deleting an agent (the detections go with ST_VULN_DELETE). */
	[ST_TOMBSTONE_INSERT] =
	    "INSERT OR REPLACE INTO tombstones (agent_id, cred_hash,"
	    " deleted_at) SELECT id, cred_hash, ?2 FROM agents WHERE id = ?1",
	[ST_AGENT_DELETE] = "DELETE FROM agents WHERE id = ?1",
	[ST_INVENTORY_DELETE] = "DELETE FROM inventories WHERE agent_id = ?1",
	[ST_FIM_BATCH_DELETE] = "DELETE FROM fim_batches WHERE agent_id = ?1",
	[ST_FIM_EVENT_DELETE] = "DELETE FROM fim_events WHERE agent_id = ?1",
	[ST_ERROR_DELETE] = "DELETE FROM agent_errors WHERE agent_id = ?1",
	[ST_DOWNLOAD_DELETE] =
	    "DELETE FROM manifest_downloads WHERE agent_id = ?1",
	[ST_VULN_SCAN_DELETE] =
	    "DELETE FROM vulnerability_scans WHERE agent_id = ?1",
};

/* Insert a newly activated agent. Returns 0, or -1. */
int
store_agent_insert(struct store *s, const struct agent_new *a)
{
	sqlite3_stmt	*st = store_stmt(s, ST_AGENT_INSERT);

	store_bind_text(st, 1, a->id);
	store_bind_text(st, 2, a->customer_id);
	store_bind_text(st, 3, a->key_id);
	sqlite3_bind_int64(st, 4, a->profile_id);
	store_bind_text(st, 5, a->tags);
	store_bind_text(st, 6, a->cred_hash);
	store_bind_text(st, 7, a->correlation_id);
	store_bind_text(st, 8, a->hostname);
	store_bind_text(st, 9, a->host);
	sqlite3_bind_int64(st, 10, a->now);
	store_bind_text(st, 11, a->agent_version);
	store_bind_text(st, 12, a->instance);
	store_bind_text(st, 13, a->clone_of);
	store_bind_text(st, 14, a->claimed);
	return store_exec(s, st, "insert agent");
}

/*
 * Give agent id a new credential hash, revoking the old one (unless
 * keep_revoked: a retry, the credential revoked stays the one revoked),
 * note the instance that did it, and clear its reactivate command.
 * Returns 0, 1, or -1.
 */
int
store_agent_reactivate(struct store *s, const char *id, const char *hash,
    const char *instance, int keep_revoked, int64_t now)
{
	sqlite3_stmt	*st = store_stmt(s, ST_AGENT_REACTIVATE);

	store_bind_text(st, 1, id);
	store_bind_text(st, 2, hash);
	sqlite3_bind_int64(st, 3, now);
	store_bind_text(st, 4, instance);
	sqlite3_bind_int(st, 5, keep_revoked ? 1 : 0);
	if (store_exec(s, st, "reactivate agent") == -1)
		return -1;
	return sqlite3_changes(s->db) == 0 ? 1 : 0;
}

/*
 * Note that two holders of agent id's identity were seen at now; when
 * resolved, the instance told to activate as a new agent has done so.
 * Returns 0, 1, or -1.
 */
int
store_agent_clone_seen(struct store *s, const char *id, int64_t now,
    int resolved)
{
	sqlite3_stmt	*st = store_stmt(s, ST_AGENT_CLONE_SEEN);

	store_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, resolved ? 1 : 0);
	if (store_exec(s, st, "note a clone") == -1)
		return -1;
	return sqlite3_changes(s->db) == 0 ? 1 : 0;
}

/*
 * Look agent id up for authentication: AGENT_FOUND (out filled),
 * AGENT_DELETED (out->cred_hash is the tombstone's), AGENT_UNKNOWN or
 * AGENT_ERROR.
 */
enum agent_lookup
store_agent_auth(struct store *s, const char *id, struct agent_auth *out)
{
	sqlite3_stmt		*st = store_stmt(s, ST_AGENT_AUTH);
	enum agent_lookup	 res;
	int			 rc;

	memset(out, 0, sizeof(*out));
	store_bind_text(st, 1, id);
	rc = store_row(s, st, "select agent");
	if (rc == 0) {
		strlcpy(out->cred_hash, store_col_text(st, 0),
		    sizeof(out->cred_hash));
		strlcpy(out->revoked_hash, store_col_text(st, 1),
		    sizeof(out->revoked_hash));
		strlcpy(out->customer_id, store_col_text(st, 2),
		    sizeof(out->customer_id));
		out->profile_id = sqlite3_column_int64(st, 3);
		out->reactivate = sqlite3_column_int(st, 4);
		out->profile_version = sqlite3_column_int64(st, 5);
		out->heartbeat_interval = sqlite3_column_int(st, 6);
		strlcpy(out->instance, store_col_text(st, 7),
		    sizeof(out->instance));
		strlcpy(out->prev_instance, store_col_text(st, 8),
		    sizeof(out->prev_instance));
		strlcpy(out->clone_instance, store_col_text(st, 9),
		    sizeof(out->clone_instance));
		strlcpy(out->rekey_instance, store_col_text(st, 10),
		    sizeof(out->rekey_instance));
		out->last_checkin = sqlite3_column_int64(st, 11);
	}
	sqlite3_reset(st);
	if (rc != 1)
		return rc == 0 ? AGENT_FOUND : AGENT_ERROR;
	st = store_stmt(s, ST_TOMBSTONE_SELECT);
	store_bind_text(st, 1, id);
	rc = store_row(s, st, "select tombstone");
	if (rc == 0) {
		strlcpy(out->cred_hash, store_col_text(st, 0),
		    sizeof(out->cred_hash));
		res = AGENT_DELETED;
	} else
		res = rc == 1 ? AGENT_UNKNOWN : AGENT_ERROR;
	sqlite3_reset(st);
	return res;
}

/* Record a heartbeat of agent id. Returns 0, 1, or -1. */
int
store_agent_heartbeat(struct store *s, const char *id,
    const struct heartbeat *hb)
{
	sqlite3_stmt	*st = store_stmt(s, ST_AGENT_HEARTBEAT);

	store_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, hb->now);
	store_bind_text(st, 3, hb->status);
	store_bind_text(st, 4, hb->agent_version);
	store_bind_text(st, 5, hb->manifest_versions);
	store_bind_text(st, 6, hb->fim);
	store_bind_text(st, 7, hb->listeners);
	store_bind_text(st, 8, hb->current_errors);
	if (store_exec(s, st, "heartbeat") == -1)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 1;
	/* Who runs the agent changes seldom: only then is it written. */
	if (hb->instance == NULL && hb->prev_instance == NULL &&
	    hb->clone_instance == NULL && hb->clone_detected_at == 0)
		return 0;
	st = store_stmt(s, ST_AGENT_INSTANCE);
	store_bind_text(st, 1, id);
	store_bind_text(st, 2, hb->instance);
	store_bind_text(st, 3, hb->prev_instance);
	store_bind_text(st, 4, hb->clone_instance);
	if (hb->clone_detected_at != 0)
		sqlite3_bind_int64(st, 5, hb->clone_detected_at);
	return store_exec(s, st, "record the agent's instance") == -1 ? -1 : 0;
}

/* Whether agent id exists. Returns 0 (yes), 1 (no), or -1. */
int
store_agent_exists(struct store *s, const char *id)
{
	sqlite3_stmt	*st = store_stmt(s, ST_AGENT_HOST);
	int		 rc;

	store_bind_text(st, 1, id);
	rc = store_row(s, st, "select agent");
	sqlite3_reset(st);
	return rc;
}

/* Build the API object of the current agent row. Returns it (new). */
static struct json_object *
store_agent_row(struct store *s, sqlite3_stmt *st, int64_t now)
{
	struct json_object	*obj = json_object_new_object(), *listeners;
	struct json_object	*corr;
	int64_t			 last, interval;

	json_add_string(obj, "agent_id", store_col_text(st, 0));
	json_add_string(obj, "customer_id", store_col_text(st, 1));
	json_add_string(obj, "activation_id", store_col_text(st, 2));
	json_add_string(obj, "hostname", store_col_text(st, 3));
	json_add_string(obj, "status", store_col_text(st, 4));
	interval = sqlite3_column_int64(st, 16);
	last = sqlite3_column_int64(st, 6);
	json_add_bool(obj, "online", sqlite3_column_type(st, 6) !=
	    SQLITE_NULL && now - last <= 2 * interval);
	json_add_int64(obj, "activated_at", sqlite3_column_int64(st, 5));
	store_add_int(obj, "last_checkin", st, 6);
	store_add_text(obj, "agent_version", st, 7);
	store_add_text(obj, "agent_status", st, 8);
	json_add_int64(obj, "profile_id", sqlite3_column_int64(st, 9));
	store_add_int(obj, "profile_version", st, 10);
	json_add_int64(obj, "heartbeat_interval", interval);
	store_add_json(obj, "tags", st, 11);
	store_add_json(obj, "manifest_versions", st, 12);
	store_add_json(obj, "fim", st, 13);
	json_add_string(obj, "correlation_id", store_col_text(st, 14));
	listeners = NULL;
	if (sqlite3_column_type(st, 15) != SQLITE_NULL &&
	    (corr = json_tokener_parse(store_col_text(st, 15))) != NULL) {
		listeners = json_object_get(corr);
		json_object_put(corr);
	}
	json_object_object_add(obj, "correlation_listeners", listeners ?
	    listeners : json_object_new_array());
	store_add_json(obj, "last_errors", st, 17);
	store_add_int(obj, "last_inventory", st, 19);
	store_add_int(obj, "last_inventory_change", st, 24);
	/* Detections count only if computed from what is current. */
	if (sqlite3_column_type(st, 20) == SQLITE_NULL)
		json_add_int64(obj, "vulnerability_count", 0);
	else if (sqlite3_column_type(st, 21) != SQLITE_NULL &&
	    sqlite3_column_int64(st, 21) == sqlite3_column_int64(st, 20) &&
	    sqlite3_column_int64(st, 22) ==
	    store_manifest_version(s, MANIFEST_VULNSIGS))
		json_add_int64(obj, "vulnerability_count",
		    sqlite3_column_int64(st, 23));
	else
		json_object_object_add(obj, "vulnerability_count", NULL);
	store_add_json(obj, "current_errors", st, 25);
	store_add_text(obj, "instance_id", st, 26);
	store_add_int(obj, "clone_detected_at", st, 27);
	store_add_text(obj, "clone_of", st, 28);
	store_add_text(obj, "claimed_agent_id", st, 29);
	return obj;
}

/*
 * Agent id as an API object (with host facts and pending commands when
 * detail is set), or NULL if unknown or on error.
 */
struct json_object *
store_agent_json(struct store *s, const char *id, int detail)
{
	sqlite3_stmt		*st = store_stmt(s, ST_AGENT_SELECT);
	struct json_object	*obj = NULL, *cmds;
	int			 reactivate = 0;

	store_bind_text(st, 1, id);
	if (store_row(s, st, "select agent") == 0) {
		obj = store_agent_row(s, st, (int64_t)time(NULL));
		reactivate = sqlite3_column_int(st, 18);
	}
	sqlite3_reset(st);
	if (obj == NULL || !detail)
		return obj;
	st = store_stmt(s, ST_AGENT_HOST);
	store_bind_text(st, 1, id);
	if (store_row(s, st, "select agent host") == 0)
		store_add_json(obj, "host", st, 0);
	sqlite3_reset(st);
	cmds = json_object_new_array();
	if (reactivate)
		json_object_array_add(cmds, json_object_new_string(
		    "reactivate"));
	json_object_object_add(obj, "pending_commands", cmds);
	return obj;
}

/* What the agents of a list are ordered by (enum agent_sort). */
static const char *const store_agent_orders[] = {
	[AGENT_SORT_ACTIVATED] = "a.activated_at",
	[AGENT_SORT_HOSTNAME] = "a.hostname COLLATE NOCASE",
	[AGENT_SORT_CHECKIN] = "a.last_checkin",
	[AGENT_SORT_STATUS] = "a.status",
	[AGENT_SORT_VERSION] = "a.agent_version",
};

/*
 * Append to sql the conditions of q (each a fixed text with named
 * parameters, bound by store_agent_bind). Returns 0, or -1 if too long.
 */
static int
store_agent_where(char *sql, size_t len, const struct agent_query *q)
{
	strlcat(sql, " FROM agents a LEFT JOIN profiles p"
	    " ON p.id = a.profile_id WHERE 1", len);
	if (q->status != NULL)
		strlcat(sql, " AND a.status = :status", len);
	if (q->online >= 0)
		strlcat(sql, " AND (a.last_checkin IS NOT NULL AND"
		    " :now - a.last_checkin <= 2 *"
		    " coalesce(p.heartbeat_interval, 60)) = :online", len);
	if (q->error_code != NULL)
		strlcat(sql, " AND EXISTS (SELECT 1 FROM"
		    " json_each(a.current_errors) j WHERE"
		    " json_extract(j.value, '$.code') = :error)", len);
	if (q->profile_id > 0)
		strlcat(sql, " AND a.profile_id = :profile", len);
	if (q->activation_id != NULL)
		strlcat(sql, " AND a.activation_key_id = :key", len);
	if (q->search != NULL)
		strlcat(sql, " AND (a.hostname LIKE :like ESCAPE '\\'"
		    " OR a.id LIKE :prefix ESCAPE '\\'"
		    " OR a.correlation_id LIKE :prefix ESCAPE '\\')", len);
	return strlen(sql) + 1 < len ? 0 : -1;
}

/* Bind the named parameter name of st to text v (absent names: no-op). */
static void
store_agent_bind_text(sqlite3_stmt *st, const char *name, const char *v)
{
	int	 i;

	if ((i = sqlite3_bind_parameter_index(st, name)) > 0)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

/* Bind the named parameter name of st to n (absent names: no-op). */
static void
store_agent_bind_int(sqlite3_stmt *st, const char *name, int64_t n)
{
	int	 i;

	if ((i = sqlite3_bind_parameter_index(st, name)) > 0)
		sqlite3_bind_int64(st, i, n);
}

/*
 * Make the LIKE pattern of search: pre '%' (or ""), the text with % _ and
 * \ escaped, then '%'. Returns 0, or -1 if it does not fit.
 */
static int
store_agent_pattern(char *out, size_t len, const char *pre,
    const char *search)
{
	size_t	 o;

	o = strlcpy(out, pre, len);
	for (; *search != '\0'; search++) {
		if (o + 3 >= len)
			return -1;
		if (*search == '%' || *search == '_' || *search == '\\')
			out[o++] = '\\';
		out[o++] = *search;
	}
	out[o++] = '%';
	out[o] = '\0';
	return 0;
}

/* Bind the parameters of q to st. Returns 0, or -1 (search too long). */
static int
store_agent_bind(sqlite3_stmt *st, const struct agent_query *q)
{
	char	 like[2 * 256 + 3], prefix[2 * 256 + 3];

	store_agent_bind_text(st, ":status", q->status);
	store_agent_bind_int(st, ":now", q->now);
	store_agent_bind_int(st, ":online", q->online);
	store_agent_bind_text(st, ":error", q->error_code);
	store_agent_bind_int(st, ":profile", q->profile_id);
	store_agent_bind_text(st, ":key", q->activation_id);
	if (q->search != NULL) {
		if (store_agent_pattern(like, sizeof(like), "%",
		    q->search) == -1 ||
		    store_agent_pattern(prefix, sizeof(prefix), "",
		    q->search) == -1)
			return -1;
		store_agent_bind_text(st, ":like", like);
		store_agent_bind_text(st, ":prefix", prefix);
	}
	store_agent_bind_int(st, ":limit", q->limit > 0 ? q->limit : -1);
	store_agent_bind_int(st, ":offset", q->offset);
	return 0;
}

/*
 * Prepare sql (made for q) and bind q. Returns the statement (the
 * caller finalizes it), or NULL on error.
 */
static sqlite3_stmt *
store_agent_prepare(struct store *s, const char *sql,
    const struct agent_query *q)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_fail(s, "prepare the agent list");
		return NULL;
	}
	if (store_agent_bind(st, q) == -1) {
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/*
 * The agents q asks for, one page of them in q's order, as an API array;
 * *total gets how many agents match q in all. Returns NULL on error.
 */
struct json_object *
store_agent_list(struct store *s, const struct agent_query *q,
    int64_t *total)
{
	sqlite3_stmt		*st;
	struct json_object	*arr;
	const char		*dir = q->descending ? "DESC" : "ASC";
	char			 where[1024], sql[4096];
	int			 rc;

	where[0] = '\0';
	if (q->sort < 0 || (size_t)q->sort >= nitems(store_agent_orders) ||
	    store_agent_where(where, sizeof(where), q) == -1)
		return NULL;
	snprintf(sql, sizeof(sql), "SELECT count(*)%s", where);
	if ((st = store_agent_prepare(s, sql, q)) == NULL)
		return NULL;
	rc = sqlite3_step(st);
	*total = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		store_fail(s, "count agents");
		return NULL;
	}
	/* The page's ids first, so only its rows are put together. */
	if ((size_t)snprintf(sql, sizeof(sql), "SELECT " STORE_AGENT_COLUMNS
	    "WHERE a.id IN (SELECT a.id%s ORDER BY %s %s, a.id %s"
	    " LIMIT :limit OFFSET :offset) ORDER BY %s %s, a.id %s", where,
	    store_agent_orders[q->sort], dir, dir,
	    store_agent_orders[q->sort], dir, dir) >= sizeof(sql) ||
	    (st = store_agent_prepare(s, sql, q)) == NULL)
		return NULL;
	arr = json_object_new_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(arr, store_agent_row(s, st, q->now));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		store_fail(s, "list agents");
		return NULL;
	}
	return arr;
}

/*
 * Change an agent's profile (profile_id >= 0), tags (non-NULL JSON text)
 * or set its reactivate command. Returns 0, 1, or -1.
 */
int
store_agent_update(struct store *s, const char *id, int64_t profile_id,
    const char *tags, int reactivate)
{
	sqlite3_stmt	*st = store_stmt(s, ST_AGENT_UPDATE);

	store_bind_text(st, 1, id);
	if (profile_id >= 0)
		sqlite3_bind_int64(st, 2, profile_id);
	store_bind_text(st, 3, tags);
	sqlite3_bind_int(st, 4, reactivate ? 1 : 0);
	if (store_exec(s, st, "update agent") == -1)
		return -1;
	return sqlite3_changes(s->db) == 0 ? 1 : 0;
}

/* Set an agent's status. Returns 0, 1, or -1. */
int
store_agent_status(struct store *s, const char *id, const char *status)
{
	sqlite3_stmt	*st = store_stmt(s, ST_AGENT_STATUS);

	store_bind_text(st, 1, id);
	store_bind_text(st, 2, status);
	if (store_exec(s, st, "update agent status") == -1)
		return -1;
	return sqlite3_changes(s->db) == 0 ? 1 : 0;
}

/*
 * Delete agent id and everything it uploaded, keeping its credential as a
 * tombstone. Returns 0, 1 (unknown), or -1.
 */
int
store_agent_delete(struct store *s, const char *id)
{
	sqlite3_stmt	*st = store_stmt(s, ST_TOMBSTONE_INSERT);

	store_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, (int64_t)time(NULL));
	if (store_exec(s, st, "insert tombstone") == -1)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 1;
	if (store_exec_id(s, ST_INVENTORY_DELETE, id,
	    "delete inventory") == -1 ||
	    store_exec_id(s, ST_FIM_EVENT_DELETE, id,
	    "delete fim events") == -1 ||
	    store_exec_id(s, ST_FIM_BATCH_DELETE, id,
	    "delete fim batches") == -1 ||
	    store_exec_id(s, ST_ERROR_DELETE, id, "delete errors") == -1 ||
	    store_exec_id(s, ST_DOWNLOAD_DELETE, id,
	    "delete manifest downloads") == -1 ||
	    store_exec_id(s, ST_VULN_DELETE, id,
	    "delete vulnerabilities") == -1 ||
	    store_exec_id(s, ST_VULN_SCAN_DELETE, id,
	    "delete vulnerability scan") == -1 ||
	    store_exec_id(s, ST_AGENT_DELETE, id, "delete agent") == -1)
		return -1;
	return 0;
}

/* The agent whose correlation id is cid into out. Returns out, or NULL. */
const char *
store_agent_by_correlation(struct store *s, const char *cid,
    char out[PLATFORM_UUID_LEN + 1])
{
	sqlite3_stmt	*st = store_stmt(s, ST_AGENT_BY_CORRELATION);
	const char	*res = NULL;

	store_bind_text(st, 1, cid);
	if (store_row(s, st, "select agent by correlation id") == 0) {
		strlcpy(out, store_col_text(st, 0), PLATFORM_UUID_LEN + 1);
		res = out;
	}
	sqlite3_reset(st);
	return res;
}

/*
 * The addresses agent id reported, as given: the activation's
 * host.ip_addresses and the inventory's interface addresses. Returns a
 * JSON array of strings, or NULL on error.
 */
struct json_object *
store_agent_addresses(struct store *s, const char *id)
{
	sqlite3_stmt		*st = store_stmt(s, ST_AGENT_ADDRESSES);
	struct json_object	*arr = json_object_new_array();
	int			 rc;

	store_bind_text(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (sqlite3_column_type(st, 0) == SQLITE_TEXT)
			json_object_array_add(arr, json_object_new_string(
			    store_col_text(st, 0)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		store_fail(s, "select agent addresses");
		return NULL;
	}
	return arr;
}

/* Bind v at i, or NULL when v is negative (absent). */
static void
store_bind_optional(sqlite3_stmt *st, int i, int64_t v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* Store one error an agent reported. Returns 0, or -1. */
int
store_error_add(struct store *s, const char *id, const char *code,
    const char *message, int64_t t, int64_t now,
    const struct store_error_window *w)
{
	sqlite3_stmt	*st = store_stmt(s, ST_ERROR_INSERT);

	store_bind_text(st, 1, id);
	store_bind_text(st, 2, code);
	store_bind_text(st, 3, message);
	sqlite3_bind_int64(st, 4, t);
	sqlite3_bind_int64(st, 5, now);
	store_bind_optional(st, 6, w != NULL ? w->from : -1);
	store_bind_optional(st, 7, w != NULL ? w->to : -1);
	store_bind_optional(st, 8, w != NULL ? w->count : -1);
	return store_exec(s, st, "insert error");
}

/*
 * The newest limit errors of agent id as an API array, or NULL on error.
 */
struct json_object *
store_error_list(struct store *s, const char *id, int64_t limit)
{
	sqlite3_stmt		*st = store_stmt(s, ST_ERROR_LIST);
	struct json_object	*arr = json_object_new_array(), *obj, *w;
	int			 rc;

	store_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		obj = json_object_new_object();
		json_add_string(obj, "code", store_col_text(st, 0));
		json_add_string(obj, "message", store_col_text(st, 1));
		json_add_int64(obj, "time", sqlite3_column_int64(st, 2));
		json_add_int64(obj, "received_at",
		    sqlite3_column_int64(st, 3));
		if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
			w = json_object_new_object();
			json_add_int64(w, "from", sqlite3_column_int64(st, 4));
			json_add_int64(w, "to", sqlite3_column_int64(st, 5));
			json_object_object_add(obj, "window", w);
		}
		if (sqlite3_column_type(st, 6) != SQLITE_NULL)
			json_add_int64(obj, "count",
			    sqlite3_column_int64(st, 6));
		json_object_array_add(arr, obj);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		store_fail(s, "list errors");
		return NULL;
	}
	return arr;
}
