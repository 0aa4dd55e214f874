/*
 * store.h: what the platform asks of its database, whatever keeps it.
 *
 * The handlers (api-*.c, scan-merge.c) and the server (server.c) see only
 * this: an opaque struct store, transactions and savepoints, and one
 * function per question or change of each subsystem. How SQLite answers
 * is in store.c and the store-*.c files (store-sqlite.h); another database
 * would implement the same functions.
 *
 * Functions return 0 on success, 1 when the row asked for does not exist,
 * and -1 on a database error (logged). Functions returning JSON return a
 * new reference, or NULL on error.
 */
#ifndef OUTPOST_STORE_H
#define OUTPOST_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "platform.h"

struct json_object;
struct sqlite3;
struct vuln_detection;
struct vuln_sig;

struct store;

enum manifest_type {
	MANIFEST_INVENTORY = 0,
	MANIFEST_FIM,
	MANIFEST_VULNSIGS,
	MANIFEST_NTYPES
};

/* What authentication needs of an agent. */
enum agent_lookup {
	AGENT_FOUND,
	AGENT_UNKNOWN,
	AGENT_DELETED,
	AGENT_ERROR
};

struct agent_auth {
	char		 cred_hash[65];
	char		 revoked_hash[65];
	char		 customer_id[PLATFORM_UUID_LEN + 1];
	int64_t		 profile_id;
	int64_t		 profile_version;
	int		 heartbeat_interval;
	int		 reactivate;
	/* Who runs it (identity.c); "" when unknown. */
	char		 instance[PLATFORM_INSTANCE_LEN + 1];
	char		 prev_instance[PLATFORM_INSTANCE_LEN + 1];
	char		 clone_instance[PLATFORM_INSTANCE_LEN + 1];
	char		 rekey_instance[PLATFORM_INSTANCE_LEN + 1];
	int64_t		 last_checkin;		/* 0: never */
};

/* A new agent, or one re-activated in place. */
struct agent_new {
	char		 id[PLATFORM_UUID_LEN + 1];
	char		 customer_id[PLATFORM_UUID_LEN + 1];
	char		 key_id[PLATFORM_UUID_LEN + 1];
	char		 cred_hash[65];
	char		 correlation_id[PLATFORM_CORRELATION_LEN + 1];
	int64_t		 profile_id;
	const char	*tags;		/* JSON text */
	const char	*hostname;
	const char	*host;		/* JSON text */
	const char	*agent_version;
	const char	*instance;	/* or NULL */
	const char	*clone_of;	/* split from that agent, or NULL */
	const char	*claimed;	/* claimed without proof, or NULL */
	int64_t		 now;
};

struct activation_key {
	char		 id[PLATFORM_UUID_LEN + 1];
	char		 customer_id[PLATFORM_UUID_LEN + 1];
	int64_t		 profile_id;
	int		 enabled;
	char		*tags;		/* JSON text */
	char		*name;
};

struct heartbeat {
	int64_t		 now;
	/* The instances after this heartbeat (NULL: leave as they are). */
	const char	*instance;
	const char	*prev_instance;
	const char	*clone_instance;
	int64_t		 clone_detected_at;	/* 0: leave as it is */
	const char	*status;
	const char	*agent_version;
	const char	*manifest_versions;	/* JSON text or NULL */
	const char	*fim;			/* JSON text or NULL */
	const char	*listeners;		/* JSON text or NULL */
	const char	*current_errors;	/* JSON text or NULL */
};

/* What agents of a list are ordered by (then by id). */
enum agent_sort {
	AGENT_SORT_ACTIVATED = 0,
	AGENT_SORT_HOSTNAME,
	AGENT_SORT_CHECKIN,
	AGENT_SORT_STATUS,
	AGENT_SORT_VERSION
};

/* What GET /api/v1/agents asks for; NULL, -1 and 0 mean no filter. */
struct agent_query {
	const char	*status;
	int		 online;		/* 1, 0, or -1 */
	const char	*error_code;		/* one of its current errors */
	int64_t		 profile_id;
	const char	*activation_id;
	const char	*search;		/* host name, id, correlation id */
	enum agent_sort	 sort;
	int		 descending;
	int64_t		 limit;			/* 0: every agent */
	int64_t		 offset;
	int64_t		 now;
};

struct fim_filter {
	const char	*path_prefix;
	const char	*action;
	int64_t		 since;
	int64_t		 until;
	int64_t		 limit;
	int		 newest_first;
};

/* A submitted scan result (scan-merge.c). */
struct scan_new {
	const char	*target;
	int64_t		 scanned_at;
	const char	*correlation_id;	/* or NULL */
	const char	*agent_id;		/* merged into; or NULL */
	const char	*doc;			/* JSON text: ports, findings */
	const char	*address;		/* scanned address, or NULL */
	const char	*scanner;		/* or NULL */
	int		 address_mismatch;
	int64_t		 now;
};

/* A user of the admin API (store-users.c). */
struct user_row {
	int64_t		 id;
	char		 name[PLATFORM_USER_MAX + 1];
	char		 role[8];		/* "admin" or "reader" */
	char		 password[256];		/* the scrypt hash string */
};

/* A user's API token, with what authentication needs of its user. */
struct token_row {
	char		 id[PLATFORM_TOKEN_ID_LEN + 1];
	char		 name[PLATFORM_USER_MAX + 1];
	char		 hash[65];		/* SHA-256 (hex) of the secret */
	int64_t		 user_id;
	char		 user[PLATFORM_USER_MAX + 1];
	char		 role[8];		/* the user's */
	int		 read_only;
	int64_t		 expires_at;		/* 0: never */
	int64_t		 last_used_at;		/* 0: never */
	int64_t		 revoked_at;		/* 0: not revoked */
};

/* A sign-in session, with its user. */
struct session_row {
	int64_t		 user_id;
	char		 user[PLATFORM_USER_MAX + 1];
	char		 role[8];
	char		 csrf[65];
	int64_t		 created_at;
	int64_t		 last_seen;
	int64_t		 expires_at;
};

/* Failed sign-ins of one user name or client address. */
struct signin_row {
	int64_t		 failures;
	int64_t		 first_at;
	int64_t		 locked_until;
};

/* One record of the audit trail (store-audit.c). */
struct audit_entry {
	int64_t		 time;
	const char	*actor;		/* user name, "admin.token", "cli:..." */
	const char	*auth;		/* session, token, admin_token, ... */
	const char	*token_id;	/* or NULL */
	const char	*role;		/* or NULL */
	const char	*address;	/* or NULL */
	const char	*method;
	const char	*resource;
	const char	*summary;
	int		 status;
	const char	*outcome;	/* success, refused, failed */
	const char	*error;		/* the error code, or NULL */
	const char	*message;	/* the error message, or NULL */
};

/* What GET /api/v1/audit asks for; NULL and 0 mean no filter. */
struct audit_filter {
	const char	*actor;
	const char	*resource;	/* this path and the ones below it */
	const char	*method;
	const char	*outcome;
	int64_t		 since;
	int64_t		 until;
	int64_t		 before_id;	/* paging: entries older than this */
	int64_t		 limit;
};

/* Called for each signature store_vulnsig_find finds; non-zero stops. */
typedef int	(*vuln_sig_cb)(void *, const struct vuln_sig *);

/* store.c: the database, transactions, the write-ahead log. */
void		 store_init(void);
struct store	*store_open(const char *, char *, size_t);
void		 store_close(struct store *);
int		 store_begin(struct store *);
int		 store_commit(struct store *);
int		 store_rollback(struct store *);
int		 store_in_transaction(struct store *);
void		 store_set_quiet(struct store *);
const char	*store_last_error(struct store *);
int		 store_savepoint(struct store *);
int		 store_release(struct store *, int keep);
const char	*store_errmsg(struct store *);
int64_t		 store_changes(struct store *);
void		 store_manual_checkpoints(struct store *);
int		 store_wal_pages(struct store *);
int		 store_checkpoint(const char *, struct sqlite3 **);
void		 store_checkpoint_close(struct sqlite3 *);
int		 store_checkpoint_finish(struct store *);
const char	*store_wal_path(struct store *);

/* store-settings.c: the customer and the platform's settings. */
int	 store_customer_create(struct store *, const char *id, const char *,
	    int64_t);
int	 store_setting_get(struct store *, const char *, char *, size_t);
int	 store_setting_get_bool(struct store *, const char *, int *);
int	 store_setting_set(struct store *, const char *, const char *);

/* store-profiles.c: configuration profiles. */
int	 store_profile_create(struct store *, const char *name,
	    const char *doc, int64_t now, int64_t *id);
int	 store_profile_get(struct store *, int64_t, struct json_object **);
int	 store_profile_doc(struct store *, int64_t, int64_t *version,
	    struct json_object **);
int	 store_profile_update(struct store *, int64_t, const char *name,
	    const char *doc, int64_t version, int64_t now);
int	 store_profile_name_used(struct store *, const char *, int64_t);
struct json_object *store_profile_list(struct store *);
int	 store_profile_version(struct store *, int64_t, int64_t *,
	    int *hb_interval, int *paused);
int64_t	 store_default_profile(struct store *);

/* store-keys.c: activation keys. */
int	 store_key_create(struct store *, const struct activation_key *,
	    int64_t);
int	 store_key_get(struct store *, const char *, struct activation_key *);
void	 store_key_free(struct activation_key *);
struct json_object *store_key_json(struct store *, const char *);
struct json_object *store_key_list(struct store *);
int	 store_key_update(struct store *, const struct activation_key *,
	    int64_t);
int	 store_key_apply_all(struct store *, const char *, int64_t,
	    const char *tags);

/* store-agents.c: agents, their tombstones and the errors they report. */
int	 store_agent_insert(struct store *, const struct agent_new *);
int	 store_agent_reactivate(struct store *, const char *id,
	    const char *cred_hash, const char *instance, int keep_revoked,
	    int64_t);
int	 store_agent_clone_seen(struct store *, const char *id,
	    int64_t now, int resolved);
enum agent_lookup store_agent_auth(struct store *, const char *,
	    struct agent_auth *);
int	 store_agent_heartbeat(struct store *, const char *,
	    const struct heartbeat *);
int	 store_agent_exists(struct store *, const char *);
struct json_object *store_agent_json(struct store *, const char *, int);
struct json_object *store_agent_list(struct store *,
	    const struct agent_query *, int64_t *total);
int	 store_agent_update(struct store *, const char *, int64_t profile_id,
	    const char *tags, int reactivate);
int	 store_agent_delete(struct store *, const char *);
int	 store_agent_status(struct store *, const char *, const char *);
const char *store_agent_by_correlation(struct store *, const char *,
	    char [PLATFORM_UUID_LEN + 1]);
struct json_object *store_agent_addresses(struct store *, const char *);
/* What an error over a time window adds (-1: absent). */
struct store_error_window {
	int64_t	 from;
	int64_t	 to;
	int64_t	 count;
};
int	 store_error_add(struct store *, const char *, const char *code,
	    const char *message, int64_t time, int64_t now,
	    const struct store_error_window *);
struct json_object *store_error_list(struct store *, const char *, int64_t);

/* store-manifests.c: signed manifests and who downloaded them. */
const char	*manifest_type_name(enum manifest_type);
int		 manifest_type_parse(const char *, enum manifest_type *);
int	 store_manifest_add(struct store *, enum manifest_type,
	    const char *body, const char *sig, int64_t now, int64_t *version);
int	 store_manifest_latest(struct store *, enum manifest_type,
	    int64_t *version, char **body, char **sig, int64_t *created);
int64_t	 store_manifest_version(struct store *, enum manifest_type);
int	 store_manifest_load_versions(struct store *);
#define STORE_DOWNLOADS_KEPT	1000	/* manifest downloads kept per agent */
int	 store_download_add(struct store *, const char *, const char *type,
	    int64_t version, const char *outcome, int status, int64_t now);
struct json_object *store_download_list(struct store *, const char *,
	    const char *type, const char *outcome, int64_t since,
	    int64_t limit);

/* store-inventory.c: each agent's inventory document. */
int	 store_inventory_get(struct store *, const char *, int64_t *version,
	    int64_t *updated, struct json_object **);
int	 store_inventory_put(struct store *, const char *, int64_t version,
	    const char *doc, int64_t now);

/* store-fim.c: FIM event batches. */
int	 store_fim_batch_add(struct store *, const char *, int64_t seq,
	    int64_t count, int64_t now);
int	 store_fim_event_add(struct store *, const char *, int64_t seq,
	    int64_t time, const char *path, const char *action,
	    const char *doc, const char *old_path);
struct json_object *store_fim_list(struct store *, const char *,
	    const struct fim_filter *);

/* store-scans.c: scan results and the assets they make. */
int	 store_scan_add(struct store *, const struct scan_new *, int64_t *id);
struct json_object *store_scan_list(struct store *, const char *agent_id,
	    int merged, int mismatch, int64_t limit);
struct json_object *store_asset_list(struct store *);

/* What the fleet-wide list of detections is filtered on (NULL: any). */
struct store_vuln_filter {
	const char	*id;		/* the id or one of its aliases */
	const char	*package;	/* binary or source package */
	int		 severity;	/* -1: any */
	const char	*release;
	int64_t		 limit;
};

/* A generation of a feed's signatures, as it is published. */
struct store_feed_gen {
	const char	*feed;
	const char	*format;
	const char	*source;	/* URL or files it came from */
	int64_t		 gen;
	const char	*digest;
	int64_t		 records;
	int64_t		 signatures;
	int64_t		 now;
};

/* store-vulns.c: vulnsigs signatures and each agent's detections. */
int	 store_vulnsig_add(struct store *, int64_t gen, int64_t seq,
	    const struct vuln_sig *);
int	 store_vulnsig_find(struct store *, int64_t version,
	    const char *ecosystem, const char *name, const char *source,
	    vuln_sig_cb, void *);
struct json_object *store_vuln_fleet(struct store *,
	    const struct store_vuln_filter *);
int	 store_vuln_stale(struct store *, int64_t vulnsigs,
	    char id[PLATFORM_UUID_LEN + 1], int64_t *count);
int	 store_vuln_clear(struct store *, const char *agent_id);
int	 store_vuln_add(struct store *, const char *agent_id,
	    const struct vuln_detection *);
int	 store_vuln_scan_put(struct store *, const char *agent_id,
	    int64_t inventory_version, int64_t vulnsigs_version,
	    int64_t count, int64_t now);
int	 store_vuln_scan_get(struct store *, const char *agent_id,
	    int64_t *inventory_version, int64_t *vulnsigs_version,
	    int64_t *count, int64_t *computed_at);
int	 store_vuln_scan_advance(struct store *, const char *agent_id,
	    int64_t from_version, int64_t to_version,
	    int64_t vulnsigs_version);
struct json_object *store_vuln_list(struct store *, const char *agent_id);

/* store-users.c: users, API tokens, sessions and failed sign-ins. */
int	 store_user_add(struct store *, const char *name, const char *role,
	    const char *password, int64_t now, int64_t *id);
int	 store_user_get(struct store *, const char *name, struct user_row *);
int	 store_user_get_id(struct store *, int64_t, struct user_row *);
int	 store_user_set_password(struct store *, int64_t, const char *,
	    int64_t now);
int	 store_user_set_role(struct store *, int64_t, const char *,
	    int64_t now);
int	 store_user_signed_in(struct store *, int64_t, int64_t now);
int	 store_user_delete(struct store *, int64_t);
int	 store_user_admins(struct store *, int64_t *count);
struct json_object *store_user_list(struct store *, const char *name);
int	 store_token_add(struct store *, const struct token_row *,
	    int64_t now);
int	 store_token_get(struct store *, const char *id, struct token_row *);
int	 store_token_touch(struct store *, const char *id, int64_t now);
int	 store_token_revoke(struct store *, const char *id, int64_t now);
struct json_object *store_token_list(struct store *, const char *user,
	    const char *id);
int	 store_session_add(struct store *, const char *id_hash,
	    int64_t user_id, const char *csrf, const char *address,
	    int64_t now, int64_t expires_at);
int	 store_session_get(struct store *, const char *id_hash,
	    struct session_row *);
int	 store_session_touch(struct store *, const char *id_hash,
	    int64_t now);
int	 store_session_delete(struct store *, const char *id_hash);
int	 store_session_delete_user(struct store *, int64_t user_id,
	    const char *except_hash);
int	 store_session_prune(struct store *, int64_t now, int64_t idle);
int	 store_signin_get(struct store *, const char *key,
	    struct signin_row *);
int	 store_signin_put(struct store *, const char *key,
	    const struct signin_row *);
int	 store_signin_delete(struct store *, const char *key);
int	 store_signin_prune(struct store *, int64_t now, int64_t window);

/* store-audit.c: the audit trail. */
int	 store_audit_add(struct store *, const struct audit_entry *);
struct json_object *store_audit_list(struct store *,
	    const struct audit_filter *, int64_t *next_before);
int	 store_audit_prune(struct store *, int64_t before, int64_t max_rows);

/* store-feeds.c: generations of feed signatures, the feeds' state. */
int	 store_gen_new(struct store *, const char *feed, int64_t now,
	    int64_t *gen);
int	 store_gen_map(struct store *, int64_t version, const char *feed,
	    int64_t gen);
int64_t	 store_gen_collect(struct store *, int64_t gen, int64_t stale,
	    int limit);
struct json_object *store_gen_summary(struct store *, int64_t version);
int	 store_feed_digest(struct store *, const char *feed, int64_t version,
	    char **digest);
int	 store_feed_published(struct store *, const struct store_feed_gen *);
int	 store_feed_attempt(struct store *, const struct store_feed_gen *,
	    const char *outcome, const char *error, const char *etag,
	    const char *last_modified);
int	 store_feed_validators(struct store *, const char *feed,
	    const char *source, char **etag, char **last_modified);
struct json_object *store_feed_list(struct store *);

/* An agent release to add (store-releases.c). */
struct release_row {
	const char	*version;
	const char	*os;
	const char	*arch;
	const char	*manifest;	/* the raw text of release.json */
	const char	*signature;	/* base64 */
	int64_t		 created_at;
	int64_t		 size;		/* of all its files */
	const char	*added_by;
	int64_t		 now;
};

/* A file of a release to add. */
struct release_file_row {
	const char	*name;
	int64_t		 size;
	const char	*sha256;
	int		 mode;
	const void	*data;		/* size bytes */
};

/* store-releases.c: agent releases and each agent's update state. */
int	 store_release_add(struct store *, const struct release_row *,
	    int64_t *id);
int	 store_release_file_add(struct store *, int64_t release_id,
	    const struct release_file_row *);
struct json_object *store_release_list(struct store *, const char *version);
struct json_object *store_release_versions(struct store *, const char *os,
	    const char *arch);
int	 store_release_get(struct store *, const char *version, const char *os,
	    const char *arch, char **manifest, char **signature,
	    int64_t *created);
int	 store_release_file(struct store *, const char *version,
	    const char *os, const char *arch, const char *name, int64_t *rowid,
	    int64_t *size);
int	 store_release_read(struct store *, int64_t rowid, int64_t offset,
	    void *buf, size_t len);
int	 store_release_delete(struct store *, const char *version,
	    const char *os, const char *arch, int64_t *count);
int	 store_agent_update_put(struct store *, const char *id,
	    const char *state, const char *offer);
struct json_object *store_agent_update_list(struct store *, const char *id);

#endif /* OUTPOST_STORE_H */
