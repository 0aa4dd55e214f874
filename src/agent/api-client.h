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

/*
 * What a completion callback gets; valid only during the callback. The
 * answer was judged against its endpoint's contract (answer.h): error is
 * ERR_NONE only when the contract holds, and then json is the checked
 * object (NULL for a 304 and for the raw bodies of signed manifests,
 * which are in http->body).
 */
struct api_client_reply {
	enum error_code			 error;	/* ERR_NONE: as contracted */
	const char			*detail;	/* one log line */
	long				 status;	/* HTTP status, or 0 */
	const char			*api_error;	/* >= 400 body's "error" */
	struct json_object		*json;	/* checked object, or NULL */
	int				 is_not_modified;	/* 304 */
	unsigned int			 credential_gen;	/* sent with */
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
 * The generation of the credential in use: it changes with every
 * api_client_set_credential(), so a reply whose credential_gen is the
 * current one answered a request that carried the current credential
 * (0: none was sent).
 */
unsigned int	 api_client_credential_gen(const struct api_client *);
/*
 * Start METHOD path (e.g. "/agent/v1/heartbeat") with an optional JSON
 * body (gzip'd when large) and If-None-Match; the answer is capped and
 * judged by the endpoint's contract (answer.h). Returns the call, or NULL
 * if it could not be started (logged; also for a path without a
 * contract).
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
