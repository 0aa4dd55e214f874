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
	ST_AGENT_SELECT,
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
	ST_FIM_EVENT_LIST_NEWEST,
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
	ST_VULNSIG_FIND,
	ST_VULN_DELETE,
	ST_VULN_INSERT,
	ST_VULN_LIST,
	ST_VULN_SCAN_PUT,
	ST_VULN_SCAN_SELECT,
	ST_VULN_SCAN_ADVANCE,
	ST_VULNSIG_RECORD_INSERT,
	ST_VULN_FLEET,
	ST_VULN_STALE,
	/* store-feeds.c */
	ST_GEN_INSERT,
	ST_GEN_PUBLISH,
	ST_GEN_UNUSED,
	ST_GEN_CUT_SIGS,
	ST_GEN_DELETE_SIGS,
	ST_GEN_CUT_RECORDS,
	ST_GEN_DELETE_RECORDS,
	ST_GEN_DELETE,
	ST_VERSION_COPY,
	ST_VERSION_ADD,
	ST_VERSION_PRUNE,
	ST_VERSION_SUMMARY,
	ST_FEED_CURRENT,
	ST_FEED_PUBLISHED,
	ST_FEED_ATTEMPT,
	ST_FEED_VALIDATORS,
	ST_FEED_LIST,
	/* store-agents.c */
	ST_VULN_SCAN_DELETE,
	/* store-users.c */
	ST_USER_INSERT,
	ST_USER_SELECT,
	ST_USER_SELECT_ID,
	ST_USER_PASSWORD,
	ST_USER_ROLE,
	ST_USER_SIGNED_IN,
	ST_USER_DELETE,
	ST_USER_ADMINS,
	ST_USER_LIST,
	ST_TOKEN_INSERT,
	ST_TOKEN_SELECT,
	ST_TOKEN_TOUCH,
	ST_TOKEN_REVOKE,
	ST_TOKEN_LIST,
	ST_TOKEN_DELETE_USER,
	ST_SESSION_INSERT,
	ST_SESSION_SELECT,
	ST_SESSION_TOUCH,
	ST_SESSION_DELETE,
	ST_SESSION_DELETE_USER,
	ST_SESSION_PRUNE,
	ST_SIGNIN_SELECT,
	ST_SIGNIN_PUT,
	ST_SIGNIN_DELETE,
	ST_SIGNIN_PRUNE,
	/* store-audit.c */
	ST_AUDIT_INSERT,
	ST_AUDIT_LIST,
	ST_AUDIT_PRUNE,
	ST_AGENT_CLONE_SEEN,
	ST_AGENT_INSTANCE,
	/* store-releases.c */
	ST_RELEASE_INSERT,
	ST_RELEASE_EXISTS,
	ST_RELEASE_FILE_INSERT,
	ST_RELEASE_LIST,
	ST_RELEASE_GET,
	ST_RELEASE_FILE_SELECT,
	ST_RELEASE_VERSIONS,
	ST_RELEASE_FILES_DELETE,
	ST_RELEASE_DELETE,
	ST_AGENT_UPDATE_PUT,
	ST_AGENT_UPDATE_LIST,
	ST_COUNT
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*stmt[ST_COUNT];
	int64_t		 manifest_version[MANIFEST_NTYPES];
	int		 wal_pages;	/* frames in the WAL after a commit */
	int		 is_quiet;	/* failures kept, not logged */
	char		 last_error[256];
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
extern const char *const store_users_sql[ST_COUNT];
extern const char *const store_audit_sql[ST_COUNT];
extern const char *const store_feeds_sql[ST_COUNT];
extern const char *const store_releases_sql[ST_COUNT];

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
struct json_object *store_rows(struct store *, sqlite3_stmt *,
		    struct json_object *(*)(sqlite3_stmt *), const char *what);

/* store-schema.c */
int		 store_schema_migrate(struct store *);

/* store-manifests.c */

#endif /* OUTPOST_STORE_SQLITE_H */
