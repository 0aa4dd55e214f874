/*
 * store-schema.c: the schema of the platform's database. It is versioned
 * with PRAGMA user_version: migration i takes it from version i to i + 1,
 * each in a transaction of its own, so a database of any older version is
 * brought up to date when it is opened, and one of a newer version (made
 * by a newer outpost-platform) is refused. A migration is never edited
 * once released; a change of schema is a new migration at the end.
 */
#include "config.h"

#include <stdio.h>

#include <sqlite3.h>

#include "compat.h"
#include "log.h"
#include "store-sqlite.h"

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
	 * 2 -> 3: vulnerability detections. The signatures of the
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
	"  manifest_downloads(agent_id, id);",

	/*
	 * 6 -> 7: who may use the admin API and what they did: users
	 * (scrypt password hashes), their API tokens (SHA-256 of the
	 * secret), sign-in sessions (SHA-256 of the cookie's id), failed
	 * sign-ins counted per user name and per client address, and the
	 * audit trail of every admin write.
	 */
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  role TEXT NOT NULL, password TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
	"  last_sign_in_at INTEGER);"
	"CREATE TABLE api_tokens ("
	"  id TEXT PRIMARY KEY, user_id INTEGER NOT NULL, name TEXT NOT NULL,"
	"  hash TEXT NOT NULL, read_only INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL, expires_at INTEGER,"
	"  last_used_at INTEGER, revoked_at INTEGER);"
	"CREATE INDEX api_tokens_user ON api_tokens(user_id);"
	"CREATE TABLE sessions ("
	"  id TEXT PRIMARY KEY, user_id INTEGER NOT NULL, csrf TEXT NOT NULL,"
	"  address TEXT, created_at INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
	"CREATE INDEX sessions_user ON sessions(user_id);"
	"CREATE TABLE signin_failures ("
	"  key TEXT PRIMARY KEY, failures INTEGER NOT NULL,"
	"  first_at INTEGER NOT NULL, locked_until INTEGER NOT NULL);"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY, time INTEGER NOT NULL, actor TEXT NOT NULL,"
	"  auth TEXT NOT NULL, token_id TEXT, role TEXT, address TEXT,"
	"  method TEXT NOT NULL, resource TEXT NOT NULL,"
	"  summary TEXT NOT NULL, status INTEGER NOT NULL,"
	"  outcome TEXT NOT NULL, error TEXT, message TEXT);"
	"CREATE INDEX audit_time ON audit(time);"
	"CREATE INDEX audit_actor ON audit(actor, id);",

	/*
	 * 7 -> 8: vulnerability feeds (store-feeds.c). vulnsigs.version is
	 * now a generation of one feed's signatures, which vulnsig_versions
	 * maps vulnsigs manifest versions to; signatures gain a release, a
	 * source-package match, last_affected, a status and where their
	 * severity came from; the text of imported records is kept once per
	 * record; detections say what they matched and where they came
	 * from. The signatures published so far become the "manual" feed.
	 */
	"ALTER TABLE vulnsigs ADD COLUMN by_source INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE vulnsigs ADD COLUMN release TEXT;"
	"ALTER TABLE vulnsigs ADD COLUMN last_affected TEXT;"
	"ALTER TABLE vulnsigs ADD COLUMN status TEXT;"
	"ALTER TABLE vulnsigs ADD COLUMN severity_source TEXT;"
	"CREATE TABLE vulnsig_records ("
	"  gen INTEGER NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL,"
	"  record_url TEXT, aliases TEXT, PRIMARY KEY (gen, id))"
	"  WITHOUT ROWID;"
	"CREATE TABLE vulnsig_gens ("
	"  gen INTEGER PRIMARY KEY AUTOINCREMENT, feed TEXT NOT NULL,"
	"  published INTEGER NOT NULL, created_at INTEGER NOT NULL);"
	"CREATE TABLE vulnsig_versions ("
	"  version INTEGER NOT NULL, gen INTEGER NOT NULL,"
	"  PRIMARY KEY (version, gen)) WITHOUT ROWID;"
	"CREATE TABLE vulnsig_feeds ("
	"  name TEXT PRIMARY KEY, format TEXT NOT NULL, source TEXT,"
	"  gen INTEGER, digest TEXT, records INTEGER, signatures INTEGER,"
	"  last_change INTEGER, last_attempt INTEGER, last_success INTEGER,"
	"  last_outcome TEXT, last_error TEXT, etag TEXT,"
	"  last_modified TEXT);"
	"INSERT INTO vulnsig_gens (gen, feed, published, created_at)"
	"  SELECT DISTINCT version, 'manual', 1, 0 FROM vulnsigs;"
	"INSERT INTO vulnsig_versions (version, gen)"
	"  SELECT DISTINCT version, version FROM vulnsigs;"
	"INSERT INTO vulnsig_feeds (name, format, gen, signatures)"
	"  SELECT 'manual', 'manual', max(version), count(*) FROM vulnsigs"
	"  HAVING count(*) > 0;"
	"ALTER TABLE vulnerabilities ADD COLUMN source TEXT;"
	"ALTER TABLE vulnerabilities ADD COLUMN compared_version TEXT;"
	"ALTER TABLE vulnerabilities ADD COLUMN last_affected TEXT;"
	"ALTER TABLE vulnerabilities ADD COLUMN release TEXT;"
	"ALTER TABLE vulnerabilities ADD COLUMN matched_on TEXT;"
	"ALTER TABLE vulnerabilities ADD COLUMN status TEXT;"
	"ALTER TABLE vulnerabilities ADD COLUMN severity_source TEXT;"
	"ALTER TABLE vulnerabilities ADD COLUMN feed TEXT;"
	"ALTER TABLE vulnerabilities ADD COLUMN record_url TEXT;"
	"ALTER TABLE vulnerabilities ADD COLUMN aliases TEXT;"
	"CREATE INDEX vulnerabilities_id ON vulnerabilities(id);",

	/*
	 * 8 -> 9: when each agent's inventory last changed (an upload whose
	 * result differs from what was held), beside when it was last
	 * uploaded.
	 */
	"ALTER TABLE inventories ADD COLUMN changed_at INTEGER;"
	"UPDATE inventories SET changed_at = updated_at;",

	/*
	 * 9 -> 10: the console's agent list: the errors an agent has now
	 * (the heartbeat's current_errors), and indexes for its filters and
	 * orders (with the id that breaks ties, so a page deep in the list
	 * is read off the index without a sort). last_checkin has none:
	 * every heartbeat would update it; status neither: with two values,
	 * walking the order's index and skipping the others is faster.
	 */
	"ALTER TABLE agents ADD COLUMN current_errors TEXT;"
	"CREATE INDEX agents_hostname ON agents(hostname COLLATE NOCASE, id);"
	"CREATE INDEX agents_activated ON agents(activated_at, id);"
	"CREATE INDEX agents_profile ON agents(profile_id);",

	/*
	 * 10 -> 11: an error that reports a loss over a time window (the
	 * agent's unclean stop, E706) keeps its window and count.
	 */
	"ALTER TABLE agent_errors ADD COLUMN window_from INTEGER;"
	"ALTER TABLE agent_errors ADD COLUMN window_to INTEGER;"
	"ALTER TABLE agent_errors ADD COLUMN count INTEGER;",

	/*
	 * 11 -> 12: who an agent is. The running agent process (instance)
	 * that heartbeats, and the one before it; the instance told to
	 * activate as a new agent because two processes share this
	 * identity (a clone) and when that was seen; the instance that last
	 * re-activated the agent; and for an agent made by an activation,
	 * the agent it was split from as a clone, or the agent it claimed
	 * without proof.
	 */
	"ALTER TABLE agents ADD COLUMN instance_id TEXT;"
	"ALTER TABLE agents ADD COLUMN prev_instance_id TEXT;"
	"ALTER TABLE agents ADD COLUMN clone_instance_id TEXT;"
	"ALTER TABLE agents ADD COLUMN clone_detected_at INTEGER;"
	"ALTER TABLE agents ADD COLUMN rekey_instance_id TEXT;"
	"ALTER TABLE agents ADD COLUMN clone_of TEXT;"
	"ALTER TABLE agents ADD COLUMN claimed_agent_id TEXT;",

	/*
	 * 12 -> 13: agent releases for self-update (store-releases.c): one
	 * row per version, OS and architecture with its signed manifest,
	 * its files as blobs (rowid tables, for incremental blob reads);
	 * and what each agent reports of its update, with the version the
	 * platform offered it.
	 */
	"CREATE TABLE releases ("
	"  id INTEGER PRIMARY KEY, version TEXT NOT NULL, os TEXT NOT NULL,"
	"  arch TEXT NOT NULL, manifest TEXT NOT NULL,"
	"  signature TEXT NOT NULL, created_at INTEGER NOT NULL,"
	"  added_at INTEGER NOT NULL, added_by TEXT NOT NULL,"
	"  size INTEGER NOT NULL, UNIQUE (version, os, arch));"
	"CREATE TABLE release_files ("
	"  id INTEGER PRIMARY KEY, release_id INTEGER NOT NULL,"
	"  name TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,"
	"  mode INTEGER NOT NULL, data BLOB NOT NULL,"
	"  UNIQUE (release_id, name));"
	"ALTER TABLE agents ADD COLUMN update_state TEXT;"
	"ALTER TABLE agents ADD COLUMN update_offer TEXT;"
};

/* Bring the schema to the newest version. Returns 0, or -1. */
int
store_schema_migrate(struct store *s)
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
