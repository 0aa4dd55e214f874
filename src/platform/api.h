/*
 * api.h: both APIs, independent of the HTTP layer (api.c). server.c (and
 * the tests and the fuzz target) fill a struct api_request, call
 * api_prepare() to route and authenticate it and api_execute() to run its
 * handler inside a savepoint of the store, and send the struct
 * api_response. The handlers (api-agent.c, api-admin.c, api-vuln.c,
 * scan-merge.c, users.c, session.c, audit-trail.c) answer with the
 * helpers below.
 *
 * Who may use the admin API is decided in two steps: api_prepare()
 * authenticates (session.c: the admin token, a user's API token or a
 * session cookie; 401 when none holds) and api_execute() authorizes (the
 * role and, for a session, the CSRF checks; 403) before the handler runs.
 * Every admin write, done or refused, is recorded in the audit trail
 * (audit-trail.c) in the transaction of the change.
 *
 * A handler with slow work that must not run on the event loop (password
 * hashing) hands it over as a struct api_job (api_defer): the server runs
 * job->run on its worker thread, then api_resume() runs job->done on the
 * loop, in a savepoint, like a handler.
 */
#ifndef OUTPOST_API_H
#define OUTPOST_API_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "platform.h"
#include "store.h"

struct console;
struct evp_pkey_st;
struct json_object;

/* What a principal may do on the admin API. */
enum api_role {
	ROLE_NONE = 0,
	ROLE_READER,		/* read everything, change nothing */
	ROLE_ADMIN
};

/* How a request to the admin API was authenticated. */
enum api_via {
	VIA_NONE = 0,
	VIA_ADMIN_TOKEN,	/* DIR/admin.token */
	VIA_TOKEN,		/* a user's API token */
	VIA_SESSION,		/* a sign-in session cookie */
	VIA_SIGNIN		/* a sign-in attempt: user is the name sent */
};

/* Who sent a request to the admin API (session.c fills it). */
struct api_principal {
	enum api_via	 via;
	enum api_role	 role;		/* effective: a read-only token reads */
	int64_t		 user_id;	/* 0 for the admin token */
	char		 user[PLATFORM_USER_MAX + 1];
	char		 token_id[PLATFORM_TOKEN_ID_LEN + 1];
	char		 token_name[PLATFORM_USER_MAX + 1];
	char		 session[65];	/* SHA-256 (hex) of the session id */
	char		 csrf[65];	/* the session's CSRF token */
	int64_t		 expires_at;	/* the session's absolute expiry */
};

/* The limits of sessions, sign-ins and the audit trail (platform.conf). */
struct api_limits {
	int64_t		 session_idle_timeout;	/* seconds */
	int64_t		 session_lifetime;	/* seconds */
	int		 signin_max_failures;	/* per user name */
	int		 signin_address_max_failures;
	int64_t		 signin_lockout;	/* seconds */
	int64_t		 audit_retention;	/* seconds */
	uint64_t	 scrypt_n;		/* of new password hashes */
};

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
	const char	*cookie;
	const char	*origin;
	const char	*referer;
	const char	*host;
	const char	*csrf_token;	/* X-CSRF-Token */
	const char	*fetch_site;	/* Sec-Fetch-Site */
	const char	*range;		/* Range */
	char		 address[64];	/* the client's address, or "" */
	const char	*body;
	size_t		 body_len;
	int64_t		 now;
	/* Set by api_prepare. */
	const struct api_route *route;
	char		*params[2];	/* {id} path components */
	char		 agent_id[PLATFORM_UUID_LEN + 1];
	struct agent_auth agent;
	int		 agent_deleted;
	struct api_principal who;	/* admin API */
	struct json_object *json;	/* parsed body */
	char		*owned_path;	/* a deferred copy's path */
};

struct api_job;

struct api_response {
	int		 status;
	struct json_object *json;
	char		*text;		/* pre-serialized body instead of json */
	size_t		 text_len;	/* bytes of a binary text (0: strlen) */
	const char	*content_type;	/* of a binary text; NULL: JSON */
	char		 content_range[96];	/* a Content-Range header */
	char		 etag[128];
	char		 allow[64];
	char		 set_cookie[256];	/* a Set-Cookie header, or "" */
	int64_t		 retry_after;	/* a Retry-After header, or 0 */
	char		 summary[256];	/* audit: what the handler changed */
	int		 keep_writes;	/* keep the handler's writes on errors */
	struct api_job	*job;		/* slow work to run first (api_defer) */
};

/* What every handler works with. */
struct api {
	struct store		*store;
	struct evp_pkey_st	*signer;
	char			*public_pem;
	char			 admin_token[128];
	struct api_limits	 limits;
	struct console		*console;	/* served first (console.c) */
	/* The server's part of GET /api/v1/status (NULL: none). */
	struct json_object	*(*status)(void *);
	void			*status_arg;
	/* The server's part of GET /metrics, written to a stream. */
	void			(*metrics)(void *, FILE *);
	void			*metrics_arg;
};

/*
 * Slow work of a request, off the event loop: run() on the worker thread
 * (it must touch neither the store nor the log), then done() on the loop,
 * in a savepoint, to answer like a handler (req is a copy of the
 * request); free() last. A handler embeds it in its own struct and hands
 * it over with api_defer().
 */
struct api_job {
	struct api_request	 req;
	void			(*run)(struct api_job *);
	void			(*done)(struct api *, struct api_job *,
				    struct api_response *);
	void			(*free)(struct api_job *);
};

/*
 * A request handler: answers req in res (api_execute turns a status left
 * at 0 into a 500). Declared as api_handler api_agent_heartbeat; etc.
 */
typedef void	 api_handler(struct api *, struct api_request *,
		    struct api_response *);

enum api_auth {
	AUTH_NONE,
	AUTH_AGENT,
	AUTH_ADMIN,	/* admin API: reads for every role, writes for admins */
	AUTH_USER	/* admin API, every role: the handler decides */
};

struct api_route {
	enum api_method	 method;
	const char	*pattern;	/* '*' matches one path component */
	enum api_auth	 auth;
	int		 needs_body;
	api_handler	*handler;
};

/* Dispatch. */
int	 api_prepare(struct api *, struct api_request *,
	    struct api_response *);
void	 api_execute(struct api *, struct api_request *,
	    struct api_response *);
void	 api_request_clear(struct api_request *);
int	 api_route_count(void);
const struct api_route *api_route_at(int);
int	 api_route_index(const struct api_route *);
int	 api_defer(struct api_request *, struct api_response *,
	    struct api_job *);
void	 api_resume(struct api *, struct api_job *, struct api_response *);
void	 api_job_free(struct api_job *);
int	 api_writes(const struct api_request *);
int	 api_maintain(struct api *, int64_t now);
void	 api_response_clear(struct api_response *);
const char *api_method_name(enum api_method);

/* Answers. */
void	 api_error(struct api_response *, int, const char *code,
	    const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
void	 api_store_error(struct api_response *);
void	 api_forbidden(struct api_request *, struct api_response *,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void	 api_summary(struct api_response *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
const char *api_role_name(enum api_role);
const char *api_json_text(struct json_object *);
const char *api_response_text(struct api_response *);
struct json_object *api_manifest_json(enum manifest_type, int64_t version,
	    const char *body, const char *sig, int64_t created);

/* Query strings. */
int	 api_query_get(const char *query, const char *key, char *, size_t);
int	 api_query_int(struct api_request *, struct api_response *,
	    const char *, int64_t min, int64_t max, int64_t *);
int	 api_is_uuid(const char *);

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

#endif /* OUTPOST_API_H */
