/*
 * api-client.c: the agent API client: one call is one request of the
 * agent API of docs/protocol.md (/agent/v1) on top of http.c, with the
 * agent credential, a JSON body and the platform's error codes mapped to
 * the agent's. Nothing here is durable: uploads that must survive a
 * restart go through the upload queue (upload-queue.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "compat.h"
#include "http.h"
#include "jsonutil.h"
#include "log.h"
#include "api-client.h"

#define UPLINK_GZIP_MIN	1024	/* bodies at least this big are gzip'd */

/* The client. */
struct api_client {
	struct http	*http;
	char		*base_url;
	char		*auth;		/* "Authorization: Bearer ..." or NULL */
};

/* One call in flight: what to tell whom. */
struct api_client_call {
	api_client_done_cb	 cb;
	void			*arg;
	char			*method;
	char			*path;
	int			 is_raw;	/* a binary body, no JSON */
};

/* Make a client. Returns it, or NULL. */
struct api_client *
api_client_new(struct event_base *base, const char *base_url,
    const struct http_settings *settings)
{
	struct api_client	*p;
	size_t		 len;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->base_url = strdup(base_url)) == NULL) {
		free(p);
		log_warnx("platform API client: out of memory");
		return NULL;
	}
	len = strlen(p->base_url);
	while (len > 0 && p->base_url[len - 1] == '/')
		p->base_url[--len] = '\0';
	if ((p->http = http_new(base, settings)) == NULL) {
		api_client_free(p);
		return NULL;
	}
	return p;
}

/* Free the client. */
void
api_client_free(struct api_client *p)
{
	if (p == NULL)
		return;
	http_free(p->http);
	if (p->auth != NULL)
		explicit_bzero(p->auth, strlen(p->auth));
	free(p->auth);
	free(p->base_url);
	free(p);
}

/* Send this credential from now on. */
void
api_client_set_credential(struct api_client *p, const char *credential)
{
	if (p->auth != NULL)
		explicit_bzero(p->auth, strlen(p->auth));
	free(p->auth);
	p->auth = NULL;
	if (credential != NULL &&
	    asprintf(&p->auth, "Authorization: Bearer %s", credential) == -1)
		p->auth = NULL;
}

/* Map the platform's error code to the agent's. */
static enum error_code
api_client_map_error(long status, const char *api_error, enum error_code dflt)
{
	if (api_error == NULL)
		return dflt;
	if (strcmp(api_error, "agent_uninstalled") == 0)
		return ERR_UNINSTALLED;
	if (strcmp(api_error, "credential_revoked") == 0 ||
	    strcmp(api_error, "invalid_credential") == 0 ||
	    strcmp(api_error, "unknown_agent") == 0 ||
	    strcmp(api_error, "missing_credential") == 0)
		return ERR_CREDENTIAL_REVOKED;
	if (strcmp(api_error, "invalid_activation_id") == 0 ||
	    strcmp(api_error, "invalid_customer_id") == 0 ||
	    strcmp(api_error, "activation_key_disabled") == 0)
		return ERR_ACTIVATION_REJECTED;
	return dflt;
}

/* Free a call's bookkeeping (also when it was cancelled). */
static void
api_client_call_free(void *arg)
{
	struct api_client_call	*call = arg;

	free(call->method);
	free(call->path);
	free(call);
}

/* A request finished: parse the body and tell the caller. */
static void
api_client_done(const struct http_response *resp, void *arg)
{
	struct api_client_call	*call = arg;
	struct api_client_reply	 reply;
	char			 err[128], detail[HTTP_DETAIL_MAX + 256];
	const char		*message;

	memset(&reply, 0, sizeof(reply));
	reply.http = resp;
	reply.status = resp->status;
	reply.error = resp->error;
	reply.detail = resp->detail;
	if (resp->body_len > 0 && resp->content_type != NULL &&
	    strncmp(resp->content_type, "application/json", 16) == 0 &&
	    (!call->is_raw || resp->status >= 400))
		reply.json = json_parse_object(resp->body, resp->body_len, err,
		    sizeof(err));
	if (reply.json != NULL)
		reply.api_error = json_get_string(reply.json, "error");
	if (resp->status >= 400) {
		reply.error = api_client_map_error(resp->status, reply.api_error,
		    resp->error != ERR_NONE ? resp->error : ERR_HTTP);
		message = reply.json != NULL ?
		    json_get_string(reply.json, "message") : NULL;
		snprintf(detail, sizeof(detail), "%s %s: HTTP %ld%s%s%s%s",
		    call->method, call->path, resp->status,
		    reply.api_error != NULL ? " " : "",
		    reply.api_error != NULL ? reply.api_error : "",
		    message != NULL ? ": " : "",
		    message != NULL ? message : "");
		reply.detail = detail;
	} else if (resp->status >= 200 && resp->status < 300 &&
	    resp->status != 204 && reply.json == NULL && !call->is_raw) {
		reply.error = ERR_BAD_RESPONSE;
		snprintf(detail, sizeof(detail), "%s %s: HTTP %ld without a "
		    "JSON object body", call->method, call->path,
		    resp->status);
		reply.detail = detail;
	}
	call->cb(&reply, call->arg);
	json_object_put(reply.json);
	api_client_call_free(call);
}

/* Start a call with a JSON body. Returns it, or NULL (logged). */
struct http_call *
api_client_call(struct api_client *p, const char *method, const char *path,
    struct json_object *body, const char *if_none_match, api_client_done_cb cb,
    void *arg)
{
	const char	*text = NULL;

	if (body != NULL)
		text = json_object_to_json_string_ext(body,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	return api_client_call_text(p, method, path, text,
	    text != NULL ? strlen(text) : 0, if_none_match, cb, arg);
}

/*
 * Start a call: a JSON body (text, len bytes) or none, If-None-Match or
 * another extra header line, and whether the answer is raw bytes.
 * Returns it, or NULL (logged).
 */
static struct http_call *
api_client_start(struct api_client *p, const char *method, const char *path,
    const char *text, size_t len, const char *extra, int is_raw,
    api_client_done_cb cb, void *arg)
{
	struct http_request	 req;
	struct api_client_call	*call;
	struct http_call	*hc;
	const char		*headers[5];
	char			*url = NULL;
	size_t			 n = 0;

	if ((call = calloc(1, sizeof(*call))) == NULL ||
	    (call->method = strdup(method)) == NULL ||
	    (call->path = strdup(path)) == NULL ||
	    asprintf(&url, "%s%s", p->base_url, path) == -1) {
		if (call != NULL) {
			free(call->method);
			free(call->path);
		}
		free(call);
		log_warnx("platform API client: out of memory");
		return NULL;
	}
	call->cb = cb;
	call->arg = arg;
	call->is_raw = is_raw;
	headers[n++] = is_raw ? "Accept: application/octet-stream" :
	    "Accept: application/json";
	if (text != NULL)
		headers[n++] = "Content-Type: application/json";
	if (p->auth != NULL)
		headers[n++] = p->auth;
	if (extra != NULL)
		headers[n++] = extra;
	headers[n] = NULL;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.headers = headers;
	req.body = text;
	req.body_len = len;
	req.gzip_body = len >= UPLINK_GZIP_MIN;
	req.arg_free = api_client_call_free;
	hc = http_request(p->http, &req, api_client_done, call);
	free(url);
	if (hc == NULL)
		api_client_call_free(call);
	return hc;
}

/* Start a call with a body already in JSON text. */
struct http_call *
api_client_call_text(struct api_client *p, const char *method, const char *path,
    const char *text, size_t len, const char *if_none_match,
    api_client_done_cb cb, void *arg)
{
	struct http_call	*hc;
	char			*inm = NULL;

	if (if_none_match != NULL &&
	    asprintf(&inm, "If-None-Match: %s", if_none_match) == -1)
		inm = NULL;
	hc = api_client_start(p, method, path, text, len, inm, 0, cb, arg);
	free(inm);
	return hc;
}

/* GET bytes from..to (inclusive) of path, raw. Returns the call, or NULL. */
struct http_call *
api_client_get_range(struct api_client *p, const char *path, uint64_t from,
    uint64_t to, api_client_done_cb cb, void *arg)
{
	char	 range[64];

	snprintf(range, sizeof(range), "Range: bytes=%llu-%llu",
	    (unsigned long long)from, (unsigned long long)to);
	return api_client_start(p, "GET", path, NULL, 0, range, 1, cb, arg);
}
