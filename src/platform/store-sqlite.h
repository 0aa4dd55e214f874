/*
 * store-sqlite.h: how the SQLite store is put together, shared by its
 * files and seen by nothing else (the rest of the platform sees store.h).
 *
 * Every query is a statement prepared once, by store_open(). Each
 * store-*.c file holds the SQL of its subsystem in a table indexed by
 * enum store_stmt (NULL where a statement is another file's) next to the
 * functions that run it; store.c prepares the statements of every table
 * and holds the helpers below. The schema is store-schema.c's.
 */
#ifndef OUTPOST_STORE_SQLITE_H
#define OUTPOST_STORE_SQLITE_H

#include <stdint.h>

#include <sqlite3.h>

#include "store.h"

struct json_object;

/* Every prepared statement; the comments say whose SQL it is. */
enum store_stmt {
	/* store.c */
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	/* store-settings.c */
	ST_CUSTOMER_INSERT,
	/* store-profiles.c */
	ST_PROFILE_INSERT,
	ST_PROFILE_SELECT,
	ST_PROFILE_UPDATE,
	ST_PROFILE_NAME_USED,
	ST_PROFILE_VERSION,
	ST_PROFILE_DEFAULT,
	/* store-keys.c */
	ST_KEY_INSERT,
	ST_KEY_SELECT,
	ST_KEY_LIST,
	ST_KEY_UPDATE,
	ST_KEY_APPLY_ALL,
	/* store-agents.c */
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
	/* store-manifests.c */
	ST_DOWNLOAD_INSERT,
	ST_DOWNLOAD_PRUNE,
	ST_DOWNLOAD_LIST,
	/* store-agents.c */
	ST_DOWNLOAD_DELETE,
	/* store-inventory.c */
	ST_INVENTORY_SELECT,
	ST_INVENTORY_PUT,
	/* store-fim.c */
	ST_FIM_BATCH_INSERT,
	ST_FIM_EVENT_INSERT,
	ST_FIM_EVENT_LIST,
	/* store-manifests.c */
	ST_MANIFEST_INSERT,
	ST_MANIFEST_LATEST,
	/* store-settings.c */
	ST_SETTING_SELECT,
	ST_SETTING_UPDATE,
	/* store-scans.c */
	ST_SCAN_INSERT,
	ST_SCAN_LIST,
	/* store-agents.c */
	ST_AGENT_BY_CORRELATION,
	ST_AGENT_ADDRESSES,
	/* store-scans.c */
	ST_ASSET_AGENTS,
	ST_ASSET_SCANS,
	/* store-vulns.c */
	ST_VULNSIG_INSERT,
	ST_VULNSIG_PRUNE,
	ST_VULNSIG_FIND,
	ST_VULN_DELETE,
	ST_VULN_INSERT,
	ST_VULN_LIST,
	ST_VULN_SCAN_PUT,
	ST_VULN_SCAN_SELECT,
	ST_VULN_SCAN_ADVANCE,
	/* store-agents.c */
	ST_VULN_SCAN_DELETE,
	ST_AGENT_CLONE_SEEN,
	ST_AGENT_INSTANCE,
	ST_COUNT
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*stmt[ST_COUNT];
	int64_t		 manifest_version[MANIFEST_NTYPES];
	int		 wal_pages;	/* frames in the WAL after a commit */
};

/* The SQL of each subsystem, by statement (NULL: not this file's). */
extern const char *const store_settings_sql[ST_COUNT];
extern const char *const store_profiles_sql[ST_COUNT];
extern const char *const store_keys_sql[ST_COUNT];
extern const char *const store_agents_sql[ST_COUNT];
extern const char *const store_manifests_sql[ST_COUNT];
extern const char *const store_inventory_sql[ST_COUNT];
extern const char *const store_fim_sql[ST_COUNT];
extern const char *const store_scans_sql[ST_COUNT];
extern const char *const store_vulns_sql[ST_COUNT];

/* store.c: running statements and reading their rows. */
int		 store_fail(struct store *, const char *what);
sqlite3_stmt	*store_stmt(struct store *, enum store_stmt);
void		 store_bind_text(sqlite3_stmt *, int, const char *);
int		 store_exec(struct store *, sqlite3_stmt *, const char *what);
int		 store_exec_id(struct store *, enum store_stmt,
		    const char *id, const char *what);
int		 store_row(struct store *, sqlite3_stmt *, const char *what);
const char	*store_col_text(sqlite3_stmt *, int);
void		 store_add_json(struct json_object *, const char *key,
		    sqlite3_stmt *, int);
void		 store_add_int(struct json_object *, const char *key,
		    sqlite3_stmt *, int);
void		 store_add_text(struct json_object *, const char *key,
		    sqlite3_stmt *, int);

/* store-schema.c */
int		 store_schema_migrate(struct store *);

/* store-manifests.c */
int		 store_manifest_load_versions(struct store *);

#endif /* OUTPOST_STORE_SQLITE_H */
