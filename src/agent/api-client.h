/*
 * api-client.h: the agent API of docs/protocol.md (/agent/v1) on top of
 * http.c: JSON bodies, the agent credential, and the platform's error
 * codes mapped to the agent's.
 */
#ifndef OUTPOST_API_CLIENT_H
#define OUTPOST_API_CLIENT_H

#include <stdint.h>

#include "errors.h"

struct event_base;
struct http_call;
struct http_response;
struct http_settings;
struct json_object;
struct api_client;
struct proxy_config;

/* What a completion callback gets; valid only during the callback. */
struct api_client_reply {
	enum error_code			 error;	/* ERR_NONE on 2xx/304 */
	const char			*detail;	/* one log line */
	long				 status;	/* HTTP status, or 0 */
	const char			*api_error;	/* body's "error" */
	struct json_object		*json;	/* body object, or NULL */
	const struct http_response	*http;
};

typedef void	(*api_client_done_cb)(const struct api_client_reply *, void *);

/*
 * A client of the platform at base_url ("https://host:port") on base.
 * Returns it, or NULL (logged).
 */
struct api_client	*api_client_new(struct event_base *, const char *base_url,
		    const struct http_settings *);
/* Free the client; calls in flight are cancelled without callbacks. */
void		 api_client_free(struct api_client *);
/* Send this credential ("<agent_id>.<secret>") from now on; NULL: none. */
void		 api_client_set_credential(struct api_client *, const char *);
/*
 * Start METHOD path (e.g. "/agent/v1/heartbeat") with an optional JSON
 * body (gzip'd when large) and If-None-Match. Returns the call, or NULL if
 * it could not be started (logged).
 */
struct http_call *api_client_call(struct api_client *, const char *method,
		    const char *path, struct json_object *body,
		    const char *if_none_match, api_client_done_cb, void *);
/* The same with a body that is JSON text already (len bytes). */
struct http_call *api_client_call_text(struct api_client *, const char *method,
		    const char *path, const char *text, size_t len,
		    const char *if_none_match, api_client_done_cb, void *);

/*
 * GET bytes from..to (inclusive) of path with a Range header; the answer
 * is raw bytes (reply->http->body; reply->json only for an error).
 * Returns the call, or NULL if it could not be started (logged).
 */
struct http_call *api_client_get_range(struct api_client *, const char *path,
		    uint64_t from, uint64_t to, api_client_done_cb, void *);

#endif /* OUTPOST_API_CLIENT_H */
