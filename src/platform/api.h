/*
 * api.h: both APIs, independent of the HTTP layer (api.c). server.c (and
 * the tests and the fuzz target) fill a struct api_request, call
 * api_prepare() to route and authenticate it and api_execute() to run its
 * handler inside a savepoint of the store, and send the struct
 * api_response. The handlers (api-agent.c, api-admin.c, api-vuln.c,
 * scan-merge.c) answer with the helpers below.
 */
#ifndef OUTPOST_API_H
#define OUTPOST_API_H

#include <stddef.h>
#include <stdint.h>

#include "platform.h"
#include "store.h"

struct evp_pkey_st;
struct json_object;

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

/* What every handler works with. */
struct api {
	struct store		*store;
	struct evp_pkey_st	*signer;
	char			*public_pem;
	char			 admin_token[128];
	/* The server's part of GET /api/v1/status (NULL: none). */
	struct json_object	*(*status)(void *);
	void			*status_arg;
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
	AUTH_ADMIN
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
void	 api_response_clear(struct api_response *);
const char *api_method_name(enum api_method);

/* Answers. */
void	 api_error(struct api_response *, int, const char *code,
	    const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
void	 api_store_error(struct api_response *);
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
