/*
 * store.c: the platform's SQLite database. WAL mode, schema versioned
 * with PRAGMA user_version and applied by migrations, and every query a
 * statement prepared once at open.
 *
 * synchronous=NORMAL: a commit writes the WAL without fsync, so it
 * survives the death of the process (the data is in the kernel) and the
 * checkpoints sync as they should. Durability across a power loss comes
 * from server.c, which fdatasync()s the WAL from a helper thread after each
 * group commit and answers only after that (see server.c).
 *
 * Functions return 0 on success, 1 when the row asked for does not exist,
 * and -1 on a database error (logged). Functions returning JSON return a
 * new reference, or NULL on error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "compat.h"
#include "jsonutil.h"
#include "platform.h"
#include "vuln.h"

/* Each migration takes the schema from version i to i + 1. */
static const char *const store_migrations[] = {
	/* 0 -> 1: the first schema. */
	"CREATE TABLE customers ("
	"  id TEXT PRIMARY KEY, name TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE profiles ("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	"  version INTEGER NOT NULL, doc TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE TABLE activation_keys ("
	"  id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, name TEXT NOT NULL,"
	"  profile_id INTEGER NOT NULL, tags TEXT NOT NULL DEFAULT '[]',"
	"  enabled INTEGER NOT NULL DEFAULT 1,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE TABLE agents ("
	"  id TEXT PRIMARY KEY, customer_id TEXT NOT NULL,"
	"  activation_key_id TEXT NOT NULL, profile_id INTEGER NOT NULL,"
	"  tags TEXT NOT NULL DEFAULT '[]', cred_hash TEXT NOT NULL,"
	"  revoked_hash TEXT, correlation_id TEXT NOT NULL UNIQUE,"
	"  status TEXT NOT NULL DEFAULT 'provisioned',"
	"  hostname TEXT NOT NULL, host TEXT NOT NULL,"
	"  activated_at INTEGER NOT NULL, last_checkin INTEGER,"
	"  agent_version TEXT, agent_status TEXT, manifest_versions TEXT,"
	"  fim TEXT, listeners TEXT, reactivate INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX agents_key ON agents(activation_key_id);"
	"CREATE TABLE tombstones ("
	"  agent_id TEXT PRIMARY KEY, cred_hash TEXT NOT NULL,"
	"  deleted_at INTEGER NOT NULL);"
	"CREATE TABLE inventories ("
	"  agent_id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL, doc TEXT NOT NULL);"
	"CREATE TABLE fim_batches ("
	"  agent_id TEXT NOT NULL, sequence INTEGER NOT NULL,"
	"  received_at INTEGER NOT NULL, count INTEGER NOT NULL,"
	"  PRIMARY KEY (agent_id, sequence)) WITHOUT ROWID;"
	"CREATE TABLE fim_events ("
	"  id INTEGER PRIMARY KEY, agent_id TEXT NOT NULL,"
	"  sequence INTEGER NOT NULL, time INTEGER NOT NULL,"
	"  path TEXT NOT NULL, action TEXT NOT NULL, doc TEXT NOT NULL);"
	"CREATE INDEX fim_events_agent ON fim_events(agent_id, time);"
	"CREATE TABLE agent_errors ("
	"  id INTEGER PRIMARY KEY, agent_id TEXT NOT NULL,"
	"  code TEXT NOT NULL, message TEXT NOT NULL, time INTEGER NOT NULL,"
	"  received_at INTEGER NOT NULL);"
	"CREATE INDEX agent_errors_agent ON agent_errors(agent_id, id);"
	"CREATE TABLE manifests ("
	"  type TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,"
	"  signature TEXT NOT NULL, created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (type, version));"
	"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"INSERT INTO settings VALUES ('accept_correlation_id', 'false');"
	"CREATE TABLE scans ("
	"  id INTEGER PRIMARY KEY, target TEXT NOT NULL,"
	"  scanned_at INTEGER NOT NULL, correlation_id TEXT, agent_id TEXT,"
	"  doc TEXT NOT NULL, submitted_at INTEGER NOT NULL);"
	"CREATE INDEX scans_correlation ON scans(correlation_id);",

	/* 1 -> 2: what every heartbeat needs of a profile, without JSON. */
	"ALTER TABLE profiles ADD COLUMN heartbeat_interval INTEGER NOT NULL"
	"  DEFAULT 60;"
	"ALTER TABLE profiles ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;"
	"UPDATE profiles SET"
	"  heartbeat_interval = coalesce(json_extract(doc,"
	"  '$.heartbeat_interval'), 60),"
	"  paused = coalesce(json_extract(doc, '$.data_collection_paused'), 0);",

	/*
	 * 2 -> 3: vulnerability detections (issue 5). The signatures of the
	 * newest vulnsigs manifest (published before this schema, so only
	 * the well-typed entries are taken), and per agent the detections
	 * with the inventory and vulnsigs versions they were computed from.
	 */
	"CREATE TABLE vulnsigs ("
	"  version INTEGER NOT NULL, ecosystem TEXT NOT NULL,"
	"  package TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL,"
	"  title TEXT NOT NULL, severity INTEGER NOT NULL, introduced TEXT,"
	"  fixed TEXT, PRIMARY KEY (version, ecosystem, package, seq))"
	"  WITHOUT ROWID;"
	"CREATE TABLE vulnerabilities ("
	"  agent_id TEXT NOT NULL, id TEXT NOT NULL, ecosystem TEXT NOT NULL,"
	"  package TEXT NOT NULL, arch TEXT NOT NULL,"
	"  installed_version TEXT NOT NULL, fixed_version TEXT,"
	"  title TEXT NOT NULL, severity INTEGER NOT NULL,"
	"  PRIMARY KEY (agent_id, id, ecosystem, package, arch)) WITHOUT ROWID;"
	"CREATE TABLE vulnerability_scans ("
	"  agent_id TEXT PRIMARY KEY, inventory_version INTEGER NOT NULL,"
	"  vulnsigs_version INTEGER NOT NULL, count INTEGER NOT NULL,"
	"  computed_at INTEGER NOT NULL);"
	"INSERT OR IGNORE INTO vulnsigs SELECT m.version,"
	"  json_extract(g.value, '$.ecosystem'),"
	"  json_extract(g.value, '$.package'), g.key,"
	"  json_extract(g.value, '$.id'),"
	"  coalesce(json_extract(g.value, '$.title'),"
	"  json_extract(g.value, '$.id')),"
	"  CASE json_extract(g.value, '$.severity') WHEN 'critical' THEN 4"
	"  WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END,"
	"  json_extract(g.value, '$.affected.introduced'),"
	"  coalesce(json_extract(g.value, '$.affected.fixed'),"
	"  json_extract(g.value, '$.fixed_version'))"
	"  FROM manifests m, json_each(CASE WHEN json_valid(m.body) THEN"
	"  m.body ELSE '{}' END, '$.signatures') g"
	"  WHERE m.type = 'vulnsigs' AND m.version = (SELECT max(version)"
	"  FROM manifests WHERE type = 'vulnsigs')"
	"  AND json_type(g.value) = 'object'"
	"  AND json_extract(g.value, '$.ecosystem') IN ('deb', 'rpm')"
	"  AND json_type(g.value, '$.package') = 'text'"
	"  AND json_type(g.value, '$.id') = 'text'"
	"  AND coalesce(json_type(g.value, '$.affected.introduced'), 'text')"
	"  = 'text'"
	"  AND coalesce(json_type(g.value, '$.affected.fixed'),"
	"  json_type(g.value, '$.fixed_version'), 'text') = 'text';",

	/*
	 * 3 -> 4: scan merge. What a merged scan shows of the agent: the
	 * address scanned, the scanner, and whether that address was one
	 * the agent reported. A scan is merged when agent_id is set (decided
	 * at submission by accept_correlation_id).
	 */
	"ALTER TABLE scans ADD COLUMN address TEXT;"
	"ALTER TABLE scans ADD COLUMN scanner TEXT;"
	"ALTER TABLE scans ADD COLUMN address_mismatch INTEGER NOT NULL"
	"  DEFAULT 0;"
	"CREATE INDEX scans_agent ON scans(agent_id, scanned_at);"
	"CREATE INDEX scans_target ON scans(target, scanned_at);",

	/* 4 -> 5: FIM: a rename's old path, for the path filter. */
	"ALTER TABLE fim_events ADD COLUMN old_path TEXT;",

	/*
	 * 5 -> 6: the record of manifest downloads: each request an agent
	 * made for a manifest and what it got (served, not_modified,
	 * paused, not_found), the newest STORE_DOWNLOADS_KEPT per agent.
	 */
	"CREATE TABLE manifest_downloads ("
	"  id INTEGER PRIMARY KEY, agent_id TEXT NOT NULL,"
	"  type TEXT NOT NULL, version INTEGER, outcome TEXT NOT NULL,"
	"  status INTEGER NOT NULL, time INTEGER NOT NULL);"
	"CREATE INDEX manifest_downloads_agent ON"
	"  manifest_downloads(agent_id, id);"
};

enum store_stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_CUSTOMER_INSERT,
	ST_CUSTOMER_EXISTS,
	ST_PROFILE_INSERT,
	ST_PROFILE_SELECT,
	ST_PROFILE_UPDATE,
	ST_PROFILE_NAME_USED,
	ST_PROFILE_VERSION,
	ST_PROFILE_DEFAULT,
	ST_KEY_INSERT,
	ST_KEY_SELECT,
	ST_KEY_LIST,
	ST_KEY_UPDATE,
	ST_KEY_APPLY_ALL,
	ST_AGENT_INSERT,
	ST_AGENT_REACTIVATE,
	ST_AGENT_AUTH,
	ST_TOMBSTONE_SELECT,
	ST_AGENT_HEARTBEAT,
	ST_AGENT_LIST,
	ST_AGENT_HOST,
	ST_AGENT_UPDATE,
	ST_AGENT_STATUS,
	ST_AGENT_DELETE,
	ST_TOMBSTONE_INSERT,
	ST_INVENTORY_DELETE,
	ST_FIM_BATCH_DELETE,
	ST_FIM_EVENT_DELETE,
	ST_ERROR_DELETE,
	ST_ERROR_INSERT,
	ST_ERROR_LIST,
	ST_DOWNLOAD_INSERT,
	ST_DOWNLOAD_PRUNE,
	ST_DOWNLOAD_LIST,
	ST_DOWNLOAD_DELETE,
	ST_INVENTORY_SELECT,
	ST_INVENTORY_PUT,
	ST_FIM_BATCH_INSERT,
	ST_FIM_EVENT_INSERT,
	ST_FIM_EVENT_LIST,
	ST_MANIFEST_INSERT,
	ST_MANIFEST_LATEST,
	ST_SETTING_SELECT,
	ST_SETTING_UPDATE,
	ST_SCAN_INSERT,
	ST_SCAN_LIST,
	ST_AGENT_BY_CORRELATION,
	ST_AGENT_ADDRESSES,
	ST_ASSET_AGENTS,
	ST_ASSET_SCANS,
	/* Vulnerability detections (issue 5). */
	ST_VULNSIG_INSERT,
	ST_VULNSIG_PRUNE,
	ST_VULNSIG_FIND,
	ST_VULN_DELETE,
	ST_VULN_INSERT,
	ST_VULN_LIST,
	ST_VULN_SCAN_PUT,
	ST_VULN_SCAN_SELECT,
	ST_VULN_SCAN_ADVANCE,
	ST_VULN_SCAN_DELETE,
	ST_COUNT
};

#define AGENT_COLUMNS \
	"a.id, a.customer_id, a.activation_key_id, a.hostname, a.status," \
	" a.activated_at, a.last_checkin, a.agent_version, a.agent_status," \
	" a.profile_id, p.version, a.tags, a.manifest_versions, a.fim," \
	" a.correlation_id, a.listeners," \
	" coalesce(p.heartbeat_interval, 60)," \
	" (SELECT json_group_array(json_object('code', e.code," \
	"   'message', e.message, 'time', e.time)) FROM (SELECT code," \
	"   message, time FROM agent_errors WHERE agent_id = a.id" \
	"   ORDER BY id DESC LIMIT 5) e), a.reactivate," \
	" i.updated_at, i.version, v.inventory_version, v.vulnsigs_version," \
	" v.count " \
	"FROM agents a LEFT JOIN profiles p ON p.id = a.profile_id" \
	" LEFT JOIN inventories i ON i.agent_id = a.id" \
	" LEFT JOIN vulnerability_scans v ON v.agent_id = a.id "

/* A scan row s as the "last_scan" object of an asset (JSON text). */
#define STORE_LAST_SCAN \
	"json_object('scan_id', s.id, 'scanned_at', s.scanned_at," \
	" 'scanner', s.scanner, 'target', s.target, 'address', s.address," \
	" 'correlation_id', s.correlation_id, 'address_mismatch'," \
	" json(CASE WHEN s.address_mismatch THEN 'true' ELSE 'false' END)," \
	" 'open_ports', (SELECT json_group_array(json_extract(p.value," \
	" '$.port')) FROM json_each(s.doc, '$.ports') p))"
/* Scan row r is not merged into an agent that still exists. */
#define STORE_UNMERGED(r) \
	"(" r ".agent_id IS NULL OR NOT EXISTS (SELECT 1 FROM agents a" \
	" WHERE a.id = " r ".agent_id))"

static const char *const store_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT request",
	[ST_RELEASE] = "RELEASE request",
	[ST_ROLLBACK_TO] = "ROLLBACK TO request",
	[ST_CUSTOMER_INSERT] =
	    "INSERT INTO customers (id, name, created_at) VALUES (?1, ?2, ?3)",
	[ST_CUSTOMER_EXISTS] = "SELECT 1 FROM customers WHERE id = ?1",
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
	[ST_AGENT_INSERT] =
	    "INSERT INTO agents (id, customer_id, activation_key_id,"
	    " profile_id, tags, cred_hash, correlation_id, hostname, host,"
	    " activated_at, agent_version)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[ST_AGENT_REACTIVATE] =
	    "UPDATE agents SET revoked_hash = cred_hash, cred_hash = ?2,"
	    " reactivate = 0, activated_at = ?3 WHERE id = ?1",
	[ST_AGENT_AUTH] =
	    "SELECT a.cred_hash, coalesce(a.revoked_hash, ''), a.customer_id,"
	    " a.profile_id, a.reactivate, coalesce(p.version, 0),"
	    " coalesce(p.heartbeat_interval, 60)"
	    " FROM agents a LEFT JOIN profiles p ON p.id = a.profile_id"
	    " WHERE a.id = ?1",
	[ST_TOMBSTONE_SELECT] =
	    "SELECT cred_hash FROM tombstones WHERE agent_id = ?1",
	[ST_AGENT_HEARTBEAT] =
	    "UPDATE agents SET last_checkin = ?2,"
	    " agent_status = coalesce(?3, agent_status),"
	    " agent_version = coalesce(?4, agent_version),"
	    " manifest_versions = coalesce(?5, manifest_versions),"
	    " fim = coalesce(?6, fim), listeners = coalesce(?7, listeners)"
	    " WHERE id = ?1",
	[ST_AGENT_LIST] =
	    "SELECT " AGENT_COLUMNS
	    "WHERE (?1 IS NULL OR a.id = ?1) AND (?2 IS NULL OR a.status = ?2)"
	    " ORDER BY a.activated_at, a.id",
	[ST_AGENT_HOST] = "SELECT host FROM agents WHERE id = ?1",
	[ST_AGENT_UPDATE] =
	    "UPDATE agents SET profile_id = coalesce(?2, profile_id),"
	    " tags = coalesce(?3, tags), reactivate = max(reactivate, ?4)"
	    " WHERE id = ?1",
	[ST_AGENT_STATUS] = "UPDATE agents SET status = ?2 WHERE id = ?1",
	[ST_AGENT_DELETE] = "DELETE FROM agents WHERE id = ?1",
	[ST_TOMBSTONE_INSERT] =
	    "INSERT OR REPLACE INTO tombstones (agent_id, cred_hash,"
	    " deleted_at) SELECT id, cred_hash, ?2 FROM agents WHERE id = ?1",
	[ST_INVENTORY_DELETE] = "DELETE FROM inventories WHERE agent_id = ?1",
	[ST_FIM_BATCH_DELETE] = "DELETE FROM fim_batches WHERE agent_id = ?1",
	[ST_FIM_EVENT_DELETE] = "DELETE FROM fim_events WHERE agent_id = ?1",
	[ST_ERROR_DELETE] = "DELETE FROM agent_errors WHERE agent_id = ?1",
	[ST_ERROR_INSERT] =
	    "INSERT INTO agent_errors (agent_id, code, message, time,"
	    " received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_ERROR_LIST] =
	    "SELECT code, message, time, received_at FROM agent_errors"
	    " WHERE agent_id = ?1 ORDER BY id DESC LIMIT ?2",
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
	[ST_DOWNLOAD_DELETE] =
	    "DELETE FROM manifest_downloads WHERE agent_id = ?1",
	[ST_INVENTORY_SELECT] =
	    "SELECT version, updated_at, doc FROM inventories"
	    " WHERE agent_id = ?1",
	[ST_INVENTORY_PUT] =
	    "INSERT OR REPLACE INTO inventories (agent_id, version,"
	    " updated_at, doc) VALUES (?1, ?2, ?3, ?4)",
	[ST_FIM_BATCH_INSERT] =
	    "INSERT OR IGNORE INTO fim_batches (agent_id, sequence,"
	    " received_at, count) VALUES (?1, ?2, ?3, ?4)",
	[ST_FIM_EVENT_INSERT] =
	    "INSERT INTO fim_events (agent_id, sequence, time, path, action,"
	    " doc, old_path) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_FIM_EVENT_LIST] =
	    "SELECT id, sequence, doc FROM fim_events WHERE agent_id = ?1"
	    " AND (?2 IS NULL OR substr(path, 1, length(?2)) = ?2"
	    " OR substr(old_path, 1, length(?2)) = ?2)"
	    " AND (?3 IS NULL OR action = ?3) AND time >= ?4 AND time <= ?5"
	    " ORDER BY time, id LIMIT ?6",
	[ST_MANIFEST_INSERT] =
	    "INSERT INTO manifests (type, version, body, signature,"
	    " created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_MANIFEST_LATEST] =
	    "SELECT version, body, signature, created_at FROM manifests"
	    " WHERE type = ?1 ORDER BY version DESC LIMIT 1",
	[ST_SETTING_SELECT] = "SELECT value FROM settings WHERE key = ?1",
	[ST_SETTING_UPDATE] =
	    "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)",
	[ST_SCAN_INSERT] =
	    "INSERT INTO scans (target, scanned_at, correlation_id, agent_id,"
	    " doc, submitted_at, address, scanner, address_mismatch)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_SCAN_LIST] =
	    "SELECT id, target, scanned_at, correlation_id, agent_id, doc,"
	    " submitted_at, address, scanner, address_mismatch"
	    " FROM scans ORDER BY id DESC LIMIT ?1",
	[ST_AGENT_BY_CORRELATION] =
	    "SELECT id FROM agents WHERE correlation_id = ?1",
	[ST_AGENT_ADDRESSES] =
	    "SELECT j.value FROM agents a, json_each(a.host,"
	    " '$.ip_addresses') j WHERE a.id = ?1 AND j.type = 'text' UNION SELECT json_extract(ad.value,"
	    " '$.address') FROM inventories i, json_each(i.doc,"
	    " '$.interfaces') f, json_each(f.value, '$.addresses') ad"
	    " WHERE i.agent_id = ?1 AND f.type = 'object'"
	    " AND ad.type = 'object'"
	    " AND json_type(ad.value, '$.address') = 'text'",
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
	[ST_VULN_SCAN_DELETE] =
	    "DELETE FROM vulnerability_scans WHERE agent_id = ?1",
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*stmt[ST_COUNT];
	int64_t		 manifest_version[MANIFEST_NTYPES];
	int		 wal_pages;	/* frames in the WAL after a commit */
};

static const char *const manifest_names[MANIFEST_NTYPES] = {
	"inventory", "fim", "vulnsigs"
};

/* The name of a manifest type. */
const char *
manifest_type_name(enum manifest_type t)
{
	return manifest_names[t];
}

/* Parse a manifest type name. Returns 0, or -1 if unknown. */
int
manifest_type_parse(const char *s, enum manifest_type *t)
{
	int	 i;

	for (i = 0; i < MANIFEST_NTYPES; i++)
		if (strcmp(s, manifest_names[i]) == 0) {
			*t = (enum manifest_type)i;
			return 0;
		}
	return -1;
}

/*
 * Configure the SQLite library once, before any connection: no memory
 * statistics (they take a global mutex on every allocation).
 */
void
store_init(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Log a database failure of what. Returns -1. */
static int
store_fail(struct store *s, const char *what)
{
	log_warnx("database: %s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

/* The prepared statement id, reset and unbound, ready to use. */
static sqlite3_stmt *
store_stmt(struct store *s, enum store_stmt id)
{
	sqlite3_stmt	*st = s->stmt[id];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Bind a string, or NULL, to parameter i. */
static void
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* Run a statement that returns no rows. Returns 0, or -1. */
static int
store_exec(struct store *s, sqlite3_stmt *st, const char *what)
{
	int	 rc;

	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, what);
	return 0;
}

/* A text column as a string (never NULL). */
static const char *
store_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char	*v = sqlite3_column_text(st, i);

	return v == NULL ? "" : (const char *)v;
}

/* Add column i (JSON text, or NULL) to obj as key, parsed. */
static void
store_add_json(struct json_object *obj, const char *key, sqlite3_stmt *st,
    int i)
{
	struct json_object	*v = NULL;

	if (sqlite3_column_type(st, i) != SQLITE_NULL)
		v = json_tokener_parse(store_col_text(st, i));
	json_object_object_add(obj, key, v);
}

/* Add integer column i (or null) to obj as key. */
static void
store_add_int(struct json_object *obj, const char *key, sqlite3_stmt *st,
    int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		json_object_object_add(obj, key, NULL);
	else
		json_add_int64(obj, key, sqlite3_column_int64(st, i));
}

/* Add text column i (or null) to obj as key. */
static void
store_add_text(struct json_object *obj, const char *key, sqlite3_stmt *st,
    int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		json_object_object_add(obj, key, NULL);
	else
		json_add_string(obj, key, store_col_text(st, i));
}

/* Bring the schema to the newest version. Returns 0, or -1. */
static int
store_migrate(struct store *s)
{
	sqlite3_stmt	*st;
	char		*err = NULL, sql[64];
	int		 version, target = (int)nitems(store_migrations);

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK)
		return store_fail(s, "user_version");
	version = sqlite3_step(st) == SQLITE_ROW ?
	    sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (version < 0)
		return store_fail(s, "user_version");
	if (version > target) {
		log_warnx("database: schema version %d is newer than this "
		    "program knows (%d)", version, target);
		return -1;
	}
	for (; version < target; version++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		    version + 1);
		if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL,
		    &err) != SQLITE_OK ||
		    sqlite3_exec(s->db, store_migrations[version], NULL, NULL,
		    &err) != SQLITE_OK ||
		    sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK ||
		    sqlite3_exec(s->db, "COMMIT", NULL, NULL, &err) !=
		    SQLITE_OK) {
			log_warnx("database: migration to schema version %d: "
			    "%s", version + 1, err);
			sqlite3_free(err);
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		log_info("database: schema migrated to version %d",
		    version + 1);
	}
	return 0;
}

/* Load the newest version of each manifest type into the cache. */
static int
store_load_versions(struct store *s)
{
	int	 i;

	for (i = 0; i < MANIFEST_NTYPES; i++)
		if (store_manifest_latest(s, (enum manifest_type)i,
		    &s->manifest_version[i], NULL, NULL, NULL) == -1)
			return -1;
	return 0;
}

/*
 * Open (creating if needed) the database at path, in WAL mode with
 * synchronous=NORMAL, migrate it and prepare every statement. Returns
 * the store, or NULL with the reason in err.
 */
struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store	*s;
	sqlite3_stmt	*st;
	char		*emsg = NULL;
	int		 i;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ?
		    sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	if (sqlite3_step(st) != SQLITE_ROW ||
	    (strcmp(store_col_text(st, 0), "wal") != 0 &&
	    strcmp(store_col_text(st, 0), "memory") != 0)) {
		snprintf(err, errlen, "%s: cannot enter WAL mode: %s", path,
		    sqlite3_errmsg(s->db));
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	if (sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL;"
	    "PRAGMA journal_size_limit = 67108864;"
	    "PRAGMA foreign_keys = OFF;", NULL, NULL, &emsg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, emsg);
		sqlite3_free(emsg);
		goto fail;
	}
	if (store_migrate(s) == -1) {
		snprintf(err, errlen, "%s: schema migration failed", path);
		goto fail;
	}
	for (i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(s->db, store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->stmt[i], NULL) !=
		    SQLITE_OK) {
			snprintf(err, errlen, "%s: preparing statement %d: %s",
			    path, i, sqlite3_errmsg(s->db));
			goto fail;
		}
	}
	if (store_load_versions(s) == -1) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	return s;
fail:
	store_close(s);
	return NULL;
}

/* Finalize every statement and close the database. */
void
store_close(struct store *s)
{
	int	 i;

	if (s == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	if (s->db != NULL && sqlite3_close(s->db) != SQLITE_OK)
		log_warnx("database: close: %s", sqlite3_errmsg(s->db));
	free(s);
}

/* The number of rows changed since the database was opened. */
int64_t
store_changes(struct store *s)
{
	return sqlite3_total_changes64(s->db);
}

/* The path of the database's write-ahead log. Returns it, or NULL. */
const char *
store_wal_path(struct store *s)
{
	const char	*db = sqlite3_db_filename(s->db, "main");

	if (db == NULL || db[0] == '\0')
		return NULL;	/* in memory */
	return sqlite3_filename_wal(db);
}

/* Note the size of the WAL after each commit (sqlite3_wal_hook). */
static int
store_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store	*s = arg;

	s->wal_pages = pages;
	return SQLITE_OK;
}

/*
 * Stop checkpointing from this connection (someone else does it) and
 * track the WAL size instead.
 */
void
store_manual_checkpoints(struct store *s)
{
	sqlite3_wal_hook(s->db, store_wal_hook, s);
}

/* The number of frames in the WAL after the last commit. */
int
store_wal_pages(struct store *s)
{
	return s->wal_pages;
}

/*
 * Checkpoint the database at path from a private connection (opened on
 * first use into *dbp) without blocking the writer. Returns 0, or -1.
 */
int
store_checkpoint(const char *path, struct sqlite3 **dbp)
{
	int	 logged, done;

	if (*dbp == NULL) {
		if (sqlite3_open_v2(path, dbp, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
			sqlite3_close(*dbp);
			*dbp = NULL;
			return -1;
		}
		sqlite3_busy_timeout(*dbp, 1000);
		sqlite3_exec(*dbp, "PRAGMA synchronous = NORMAL", NULL, NULL,
		    NULL);
	}
	if (sqlite3_wal_checkpoint_v2(*dbp, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &logged, &done) != SQLITE_OK)
		return -1;
	return 0;
}

/*
 * Finish a checkpoint from the writer's own connection, outside any
 * transaction: whatever the helper copied is skipped, so only the frames
 * written since are copied, and the next transaction can restart the WAL.
 * Returns 0, or -1.
 */
int
store_checkpoint_finish(struct store *s)
{
	int	 logged, done;

	if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &logged, &done) != SQLITE_OK)
		return -1;
	s->wal_pages = logged > done ? logged - done : 0;
	return 0;
}

/* Close a connection store_checkpoint opened. */
void
store_checkpoint_close(struct sqlite3 *db)
{
	sqlite3_close(db);
}

/* The last error message of the database. */
const char *
store_errmsg(struct store *s)
{
	return sqlite3_errmsg(s->db);
}

/* Start a write transaction. Returns 0, or -1. */
int
store_begin(struct store *s)
{
	return store_exec(s, store_stmt(s, ST_BEGIN), "begin");
}

/* Commit the open transaction durably. Returns 0, or -1 (rolled back). */
int
store_commit(struct store *s)
{
	if (store_exec(s, store_stmt(s, ST_COMMIT), "commit") == 0)
		return 0;
	if (!sqlite3_get_autocommit(s->db))
		store_rollback(s);
	store_load_versions(s);
	return -1;
}

/* Roll the open transaction back. Returns 0, or -1. */
int
store_rollback(struct store *s)
{
	int	 rc;

	rc = store_exec(s, store_stmt(s, ST_ROLLBACK), "rollback");
	store_load_versions(s);
	return rc;
}

/* Whether a transaction is open (1/0). */
int
store_in_transaction(struct store *s)
{
	return !sqlite3_get_autocommit(s->db);
}

/* Mark the start of one request's writes. Returns 0, or -1. */
int
store_savepoint(struct store *s)
{
	return store_exec(s, store_stmt(s, ST_SAVEPOINT), "savepoint");
}

/* Keep (keep=1) or undo the request's writes. Returns 0, or -1. */
int
store_release(struct store *s, int keep)
{
	if (!keep && store_exec(s, store_stmt(s, ST_ROLLBACK_TO),
	    "rollback to savepoint") == -1)
		return -1;
	return store_exec(s, store_stmt(s, ST_RELEASE), "release savepoint");
}

/* Insert a customer. Returns 0, or -1. */
int
store_customer_create(struct store *s, const char *id, const char *name,
    int64_t now)
{
	sqlite3_stmt	*st = store_stmt(s, ST_CUSTOMER_INSERT);

	store_bind_text(st, 1, id);
	store_bind_text(st, 2, name);
	sqlite3_bind_int64(st, 3, now);
	return store_exec(s, st, "insert customer");
}

/* Run a statement that returns at most one row. Returns 0 (row), 1, -1. */
static int
store_row(struct store *s, sqlite3_stmt *st, const char *what)
{
	int	 rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 0;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 1;
	return store_fail(s, what);
}

/* Whether customer id exists. Returns 0 (yes), 1 (no), or -1. */
int
store_customer_exists(struct store *s, const char *id)
{
	sqlite3_stmt	*st = store_stmt(s, ST_CUSTOMER_EXISTS);
	int		 rc;

	store_bind_text(st, 1, id);
	rc = store_row(s, st, "select customer");
	sqlite3_reset(st);
	return rc;
}

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

/* Build the API object of the current profile row. */
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

/* Every profile as an API array. */
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

/* Read activation key id into k (free with store_key_free). 0, 1, -1. */
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

/* Build the API object of the current activation key row. */
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

/* Run the key list statement for id (NULL: all) into an array. */
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

/* Every activation key as an API array. */
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
	return store_exec(s, st, "insert agent");
}

/*
 * Give agent id a new credential hash, revoking the old one, and clear its
 * reactivate command. Returns 0, 1, or -1.
 */
int
store_agent_reactivate(struct store *s, const char *id, const char *hash,
    int64_t now)
{
	sqlite3_stmt	*st = store_stmt(s, ST_AGENT_REACTIVATE);

	store_bind_text(st, 1, id);
	store_bind_text(st, 2, hash);
	sqlite3_bind_int64(st, 3, now);
	if (store_exec(s, st, "reactivate agent") == -1)
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
	if (store_exec(s, st, "heartbeat") == -1)
		return -1;
	return sqlite3_changes(s->db) == 0 ? 1 : 0;
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

/* Build the API object of the current agent row. */
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
	/* Detections count only if computed from what is current. */
	if (sqlite3_column_type(st, 20) == SQLITE_NULL)
		json_add_int64(obj, "vulnerability_count", 0);
	else if (sqlite3_column_type(st, 21) != SQLITE_NULL &&
	    sqlite3_column_int64(st, 21) == sqlite3_column_int64(st, 20) &&
	    sqlite3_column_int64(st, 22) ==
	    s->manifest_version[MANIFEST_VULNSIGS])
		json_add_int64(obj, "vulnerability_count",
		    sqlite3_column_int64(st, 23));
	else
		json_object_object_add(obj, "vulnerability_count", NULL);
	return obj;
}

/*
 * Agent id as an API object (with host facts and pending commands when
 * detail is set), or NULL if unknown or on error.
 */
struct json_object *
store_agent_json(struct store *s, const char *id, int detail)
{
	sqlite3_stmt		*st = store_stmt(s, ST_AGENT_LIST);
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

/*
 * Every agent (optionally only those with status, and online == 0/1 when
 * online >= 0) as an API array.
 */
struct json_object *
store_agent_list(struct store *s, const char *status, int online,
    int64_t now)
{
	sqlite3_stmt		*st = store_stmt(s, ST_AGENT_LIST);
	struct json_object	*arr = json_object_new_array(), *obj, *v;
	int			 rc;

	store_bind_text(st, 2, status);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		obj = store_agent_row(s, st, now);
		if (online >= 0 && json_object_object_get_ex(obj, "online",
		    &v) && json_object_get_boolean(v) != online) {
			json_object_put(obj);
			continue;
		}
		json_object_array_add(arr, obj);
	}
	sqlite3_reset(st);
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

/* Run a per-agent statement (bound to id). Returns 0, or -1. */
static int
store_agent_exec(struct store *s, enum store_stmt which, const char *id,
    const char *what)
{
	sqlite3_stmt	*st = store_stmt(s, which);

	store_bind_text(st, 1, id);
	return store_exec(s, st, what);
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
	if (store_agent_exec(s, ST_INVENTORY_DELETE, id,
	    "delete inventory") == -1 ||
	    store_agent_exec(s, ST_FIM_EVENT_DELETE, id,
	    "delete fim events") == -1 ||
	    store_agent_exec(s, ST_FIM_BATCH_DELETE, id,
	    "delete fim batches") == -1 ||
	    store_agent_exec(s, ST_ERROR_DELETE, id, "delete errors") == -1 ||
	    store_agent_exec(s, ST_DOWNLOAD_DELETE, id,
	    "delete manifest downloads") == -1 ||
	    store_agent_exec(s, ST_VULN_DELETE, id,
	    "delete vulnerabilities") == -1 ||
	    store_agent_exec(s, ST_VULN_SCAN_DELETE, id,
	    "delete vulnerability scan") == -1 ||
	    store_agent_exec(s, ST_AGENT_DELETE, id, "delete agent") == -1)
		return -1;
	return 0;
}

/* Store one error an agent reported. Returns 0, or -1. */
int
store_error_add(struct store *s, const char *id, const char *code,
    const char *message, int64_t t, int64_t now)
{
	sqlite3_stmt	*st = store_stmt(s, ST_ERROR_INSERT);

	store_bind_text(st, 1, id);
	store_bind_text(st, 2, code);
	store_bind_text(st, 3, message);
	sqlite3_bind_int64(st, 4, t);
	sqlite3_bind_int64(st, 5, now);
	return store_exec(s, st, "insert error");
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

/* The newest limit errors of agent id as an API array. */
struct json_object *
store_error_list(struct store *s, const char *id, int64_t limit)
{
	sqlite3_stmt		*st = store_stmt(s, ST_ERROR_LIST);
	struct json_object	*arr = json_object_new_array(), *obj;
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

/*
 * Record FIM batch seq of agent id. Returns 0 (new), 1 (already stored),
 * or -1.
 */
int
store_fim_batch_add(struct store *s, const char *id, int64_t seq,
    int64_t count, int64_t now)
{
	sqlite3_stmt	*st = store_stmt(s, ST_FIM_BATCH_INSERT);

	store_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, count);
	if (store_exec(s, st, "insert fim batch") == -1)
		return -1;
	return sqlite3_changes(s->db) == 0 ? 1 : 0;
}

/* Store one FIM event. Returns 0, or -1. */
int
store_fim_event_add(struct store *s, const char *id, int64_t seq, int64_t t,
    const char *path, const char *action, const char *doc,
    const char *old_path)
{
	sqlite3_stmt	*st = store_stmt(s, ST_FIM_EVENT_INSERT);

	store_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_int64(st, 3, t);
	store_bind_text(st, 4, path);
	store_bind_text(st, 5, action);
	store_bind_text(st, 6, doc);
	store_bind_text(st, 7, old_path);
	return store_exec(s, st, "insert fim event");
}

/* The FIM events of agent id that pass filter, as an API array. */
struct json_object *
store_fim_list(struct store *s, const char *id, const struct fim_filter *f)
{
	sqlite3_stmt		*st = store_stmt(s, ST_FIM_EVENT_LIST);
	struct json_object	*arr = json_object_new_array(), *obj;
	int			 rc;

	store_bind_text(st, 1, id);
	store_bind_text(st, 2, f->path_prefix);
	store_bind_text(st, 3, f->action);
	sqlite3_bind_int64(st, 4, f->since);
	sqlite3_bind_int64(st, 5, f->until);
	sqlite3_bind_int64(st, 6, f->limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((obj = json_tokener_parse(store_col_text(st, 2))) == NULL ||
		    !json_object_is_type(obj, json_type_object)) {
			json_object_put(obj);
			obj = json_object_new_object();
		}
		json_add_int64(obj, "id", sqlite3_column_int64(st, 0));
		json_add_int64(obj, "sequence", sqlite3_column_int64(st, 1));
		json_object_array_add(arr, obj);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		store_fail(s, "list fim events");
		return NULL;
	}
	return arr;
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

	store_bind_text(st, 1, manifest_names[t]);
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
	store_bind_text(st, 1, manifest_names[t]);
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

/* A boolean setting into *out. Returns 0, 1 (unset), or -1. */
int
store_setting_get_bool(struct store *s, const char *key, int *out)
{
	sqlite3_stmt	*st = store_stmt(s, ST_SETTING_SELECT);
	int		 rc;

	store_bind_text(st, 1, key);
	if ((rc = store_row(s, st, "select setting")) == 0)
		*out = strcmp(store_col_text(st, 0), "true") == 0;
	else
		*out = 0;
	sqlite3_reset(st);
	return rc;
}

/* A setting's value into buf. Returns 0, 1 (unset), or -1. */
int
store_setting_get(struct store *s, const char *key, char *buf, size_t len)
{
	sqlite3_stmt	*st = store_stmt(s, ST_SETTING_SELECT);
	int		 rc;

	store_bind_text(st, 1, key);
	if ((rc = store_row(s, st, "select setting")) == 0)
		strlcpy(buf, store_col_text(st, 0), len);
	sqlite3_reset(st);
	return rc;
}

/* Store a setting. Returns 0, or -1. */
int
store_setting_set(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt	*st = store_stmt(s, ST_SETTING_UPDATE);

	store_bind_text(st, 1, key);
	store_bind_text(st, 2, value);
	return store_exec(s, st, "update setting");
}

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

/* The newest limit scans as an API array. */
struct json_object *
store_scan_list(struct store *s, int64_t limit)
{
	sqlite3_stmt		*st = store_stmt(s, ST_SCAN_LIST);
	struct json_object	*arr = json_object_new_array(), *obj, *doc;
	int			 rc;

	sqlite3_bind_int64(st, 1, limit);
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
		if ((doc = json_tokener_parse(store_col_text(st, 5))) !=
		    NULL) {
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

/*
 * Store signature seq of vulnsigs manifest version (vulnerabilities,
 * issue 5). Returns 0, or -1.
 */
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
	return store_agent_exec(s, ST_VULN_DELETE, id,
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

/* The stored detections of agent id as an API array, worst first. */
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
