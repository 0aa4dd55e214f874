/*
 * platform.h: the subsystems of outpost-platform and what they share.
 *
 * platform-main.c (options, init, daemon) -> server.c (evhttp over TLS,
 * body limits, group commit) -> api.c (routing, authentication) ->
 * api-agent.c / api-admin.c (handlers) -> store.c (SQLite). pki.c holds the
 * CA, the server certificate and the manifest-signing key; profile-doc.c
 * validates configuration profiles; body.c inflates gzip bodies with a cap.
 */
#ifndef OUTPOST_PLATFORM_H
#define OUTPOST_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "log.h"

struct evp_pkey_st;
struct ssl_ctx_st;
struct sqlite3;
struct sqlite3_stmt;

#define PLATFORM_DEFAULT_LISTEN		"127.0.0.1:8443"
#define PLATFORM_UUID_LEN		36
#define PLATFORM_SECRET_HEX_LEN		64
#define PLATFORM_CORRELATION_LEN	32
#define PLATFORM_ERRLEN			256

/* platform.conf, parsed by platform-conf.c. */
struct platform_conf {
	char		*dir;			/* directory of the file */
	char		*listen;
	char		*database;
	char		*cert_file;
	char		*key_file;
	char		*ca_file;
	char		*manifest_key;
	char		*admin_token_file;
	char		*pid_file;
	char		*log_dir;
	enum log_level	 log_level;
	uint64_t	 log_max_size;
	int		 log_rotations;
	int		 log_compression_level;
	uint64_t	 max_body_size;
	uint64_t	 max_inflated_size;
	int		 request_timeout;
	int		 sync_acks;		/* fdatasync before answering */
};

int	 platform_conf_load(const char *, struct platform_conf *);
void	 platform_conf_free(struct platform_conf *);
int	 platform_listen_parse(const char *, char *, size_t, int *);

/* pki.c */
int	 pki_init_dir(const char *dir, char *const *names, int nnames,
	    char *err, size_t errlen);
struct ssl_ctx_st *pki_server_ctx(const char *cert, const char *key,
	    char *err, size_t errlen);
struct evp_pkey_st *pki_signer_load(const char *path, char *err,
	    size_t errlen);
char	*pki_public_pem(struct evp_pkey_st *);
char	*pki_manifest_sign(struct evp_pkey_st *, const char *type,
	    int64_t version, const char *body, size_t len);
int	 pki_manifest_verify(struct evp_pkey_st *, const char *type,
	    int64_t version, const char *body, size_t len, const char *sig);
int	 pki_random_hex(char *, size_t nbytes);
int	 pki_uuid(char [PLATFORM_UUID_LEN + 1]);
void	 pki_sha256_hex(const void *, size_t, char [65]);
int	 pki_equal(const char *, const char *);
void	 pki_shutdown(void);

/* body.c */
enum body_result {
	BODY_OK = 0,
	BODY_TOO_LARGE,
	BODY_CORRUPT,
	BODY_NOMEM
};
enum body_result body_inflate(const void *, size_t, size_t cap, char **,
	    size_t *);

/* profile-doc.c: configuration profile documents. */
struct json_object *profile_doc_default(void);
int	 profile_doc_apply(struct json_object *doc, struct json_object *in,
	    char *field, size_t fieldlen, char *msg, size_t msglen);
int	 profile_doc_heartbeat_interval(struct json_object *);
int	 profile_doc_is_paused(struct json_object *);

/* store.c */
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
	const char	*status;
	const char	*agent_version;
	const char	*manifest_versions;	/* JSON text or NULL */
	const char	*fim;			/* JSON text or NULL */
	const char	*listeners;		/* JSON text or NULL */
};

struct fim_filter {
	const char	*path_prefix;
	const char	*action;
	int64_t		 since;
	int64_t		 until;
	int64_t		 limit;
};

void		 store_init(void);
struct store	*store_open(const char *, char *, size_t);
void		 store_close(struct store *);
int		 store_begin(struct store *);
int		 store_commit(struct store *);
int		 store_rollback(struct store *);
int		 store_in_transaction(struct store *);
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

const char	*manifest_type_name(enum manifest_type);
int		 manifest_type_parse(const char *, enum manifest_type *);

int	 store_customer_create(struct store *, const char *id, const char *,
	    int64_t);
int	 store_customer_exists(struct store *, const char *);

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

int	 store_agent_insert(struct store *, const struct agent_new *);
int	 store_agent_reactivate(struct store *, const char *id,
	    const char *cred_hash, int64_t);
enum agent_lookup store_agent_auth(struct store *, const char *,
	    struct agent_auth *);
int	 store_agent_heartbeat(struct store *, const char *,
	    const struct heartbeat *);
int	 store_agent_exists(struct store *, const char *);
struct json_object *store_agent_json(struct store *, const char *, int);
struct json_object *store_agent_list(struct store *, const char *status,
	    int online, int64_t now);
int	 store_agent_update(struct store *, const char *, int64_t profile_id,
	    const char *tags, int reactivate);
int	 store_agent_delete(struct store *, const char *);
int	 store_agent_status(struct store *, const char *, const char *);

int	 store_error_add(struct store *, const char *, const char *code,
	    const char *message, int64_t time, int64_t now);
struct json_object *store_error_list(struct store *, const char *, int64_t);
#define STORE_DOWNLOADS_KEPT	1000	/* manifest downloads kept per agent */
int	 store_download_add(struct store *, const char *, const char *type,
	    int64_t version, const char *outcome, int status, int64_t now);
struct json_object *store_download_list(struct store *, const char *,
	    const char *type, const char *outcome, int64_t since,
	    int64_t limit);

int	 store_inventory_get(struct store *, const char *, int64_t *version,
	    int64_t *updated, struct json_object **);
int	 store_inventory_put(struct store *, const char *, int64_t version,
	    const char *doc, int64_t now);

int	 store_fim_batch_add(struct store *, const char *, int64_t seq,
	    int64_t count, int64_t now);
int	 store_fim_event_add(struct store *, const char *, int64_t seq,
	    int64_t time, const char *path, const char *action,
	    const char *doc, const char *old_path);
struct json_object *store_fim_list(struct store *, const char *,
	    const struct fim_filter *);

int	 store_manifest_add(struct store *, enum manifest_type,
	    const char *body, const char *sig, int64_t now, int64_t *version);
int	 store_manifest_latest(struct store *, enum manifest_type,
	    int64_t *version, char **body, char **sig, int64_t *created);
int64_t	 store_manifest_version(struct store *, enum manifest_type);

int	 store_setting_get(struct store *, const char *, char *, size_t);
int	 store_setting_get_bool(struct store *, const char *, int *);
int	 store_setting_set(struct store *, const char *, const char *);

/* scan-merge.c: scan merge by correlation id (POST /api/v1/scans). */
int	 merge_address_canonical(const char *, char *, size_t);

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

int	 store_scan_add(struct store *, const struct scan_new *, int64_t *id);
struct json_object *store_scan_list(struct store *, int64_t limit);
const char *store_agent_by_correlation(struct store *, const char *,
	    char [PLATFORM_UUID_LEN + 1]);
struct json_object *store_agent_addresses(struct store *, const char *);
struct json_object *store_asset_list(struct store *);

/* api.c: routing and authentication, independent of the HTTP layer. */
enum api_method {
	API_GET = 1 << 0,
	API_POST = 1 << 1,
	API_PATCH = 1 << 2,
	API_DELETE = 1 << 3,
	API_PUT = 1 << 4,
	API_OTHER = 1 << 5
};

struct api_request {
	enum api_method	 method;
	const char	*path;
	const char	*query;		/* without '?', or NULL */
	const char	*authorization;
	const char	*if_none_match;
	const char	*body;
	size_t		 body_len;
	int64_t		 now;
	/* Set by api_prepare. */
	const struct api_route *route;
	char		*params[2];	/* {id} path components */
	char		 agent_id[PLATFORM_UUID_LEN + 1];
	struct agent_auth agent;
	int		 agent_deleted;
	struct json_object *json;	/* parsed body */
};

struct api_response {
	int		 status;
	struct json_object *json;
	char		*text;		/* pre-serialized body instead of json */
	char		 etag[128];
	char		 allow[64];
	int		 keep_writes;	/* keep the handler's writes on errors */
};

struct api {
	struct store		*store;
	struct evp_pkey_st	*signer;
	char			*public_pem;
	char			 admin_token[128];
};

typedef void	(*api_handler)(struct api *, struct api_request *,
		    struct api_response *);

enum api_auth {
	AUTH_NONE,
	AUTH_AGENT,
	AUTH_ADMIN
};

struct api_route {
	enum api_method	 method;
	const char	*pattern;	/* '*' matches one path component */
	enum api_auth	 auth;
	int		 needs_body;
	api_handler	 handler;
};

int	 api_prepare(struct api *, struct api_request *,
	    struct api_response *);
void	 api_execute(struct api *, struct api_request *,
	    struct api_response *);
void	 api_request_clear(struct api_request *);
void	 api_response_clear(struct api_response *);
void	 api_error(struct api_response *, int, const char *code,
	    const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
int	 api_query_get(const char *query, const char *key, char *, size_t);
int	 api_query_int(struct api_request *, struct api_response *,
	    const char *, int64_t min, int64_t max, int64_t *);
int	 api_is_uuid(const char *);
const char *api_method_name(enum api_method);

/* Field validation helpers for handlers; on failure they set a 400. */
int	 api_check_fields(struct api_response *, struct json_object *,
	    const char *prefix, const char *const *allowed);
int	 api_get_string(struct api_response *, struct json_object *,
	    const char *prefix, const char *key, int required, size_t maxlen,
	    const char **);
int	 api_get_int(struct api_response *, struct json_object *,
	    const char *prefix, const char *key, int required, int64_t min,
	    int64_t max, int64_t *);
int	 api_get_bool(struct api_response *, struct json_object *,
	    const char *prefix, const char *key, int required, int *);
int	 api_get_array(struct api_response *, struct json_object *,
	    const char *prefix, const char *key, int required, size_t max,
	    struct json_object **);
int	 api_get_object(struct api_response *, struct json_object *,
	    const char *prefix, const char *key, int required,
	    struct json_object **);
int	 api_string_array(struct api_response *, struct json_object *,
	    const char *field, size_t maxlen);

/* api-agent.c */
void	 agent_activate(struct api *, struct api_request *,
	    struct api_response *);
void	 agent_heartbeat(struct api *, struct api_request *,
	    struct api_response *);
void	 agent_profile(struct api *, struct api_request *,
	    struct api_response *);
void	 agent_manifest(struct api *, struct api_request *,
	    struct api_response *);
void	 agent_inventory(struct api *, struct api_request *,
	    struct api_response *);
void	 agent_fim_events(struct api *, struct api_request *,
	    struct api_response *);
void	 agent_deregister(struct api *, struct api_request *,
	    struct api_response *);
void	 agent_errors(struct api *, struct api_request *,
	    struct api_response *);
struct json_object *agent_manifest_json(struct api *, enum manifest_type,
	    int64_t version, const char *body, const char *sig,
	    int64_t created);

/* api-admin.c */
void	 admin_agents(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_agent_get(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_agent_patch(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_agent_delete(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_agent_inventory(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_agent_fim(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_agent_downloads(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_agent_errors(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_keys(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_key_create(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_key_get(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_key_patch(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_profiles(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_profile_create(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_profile_get(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_profile_patch(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_manifests(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_manifest_publish(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_manifest_get(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_settings(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_settings_patch(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_scans(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_scan_submit(struct api *, struct api_request *,
	    struct api_response *);
void	 admin_assets(struct api *, struct api_request *,
	    struct api_response *);
int	 admin_publish(struct api *, enum manifest_type, const char *body,
	    int64_t now, int64_t *version);
int	 admin_seed(struct api *, char [PLATFORM_UUID_LEN + 1],
	    char [PLATFORM_UUID_LEN + 1]);

/* server.c */
struct server;
struct event_base;

struct server	*server_new(struct event_base *, struct api *, int fd,
		    struct ssl_ctx_st *, const struct platform_conf *);
void		 server_configure(struct server *, struct ssl_ctx_st *,
		    const struct platform_conf *);
void		 server_free(struct server *);
int		 server_listen_socket(const char *, char *, size_t);
int		 server_priorities(void);

#endif /* OUTPOST_PLATFORM_H */
