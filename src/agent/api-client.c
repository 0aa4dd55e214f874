/*
 * api-client.c: the agent API client: one call is one request of the
 * agent API of docs/protocol.md (/agent/v1) on top of http.c, with the
 * agent credential and a JSON body; every answer is capped and judged by
 * its endpoint's contract (answer.c), so that callers see either a
 * checked object or an error code with the real cause. A body with a
 * string that is not UTF-8 (a file or host name in another encoding) goes
 * with U+FFFD for its bad bytes, since the platform refuses it whole
 * otherwise. Nothing here is durable: uploads that must survive a restart
 * go through the upload queue (upload-queue.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "answer.h"
#include "api-client.h"
#include "compat.h"
#include "http.h"
#include "json-strict.h"
#include "jsonutil.h"
#include "log-rate.h"
#include "log.h"
#include "utf8.h"

#define UPLINK_GZIP_MIN	1024	/* bodies at least this big are gzip'd */

/* The client. */
struct api_client {
	struct http	*http;
	char		*base_url;
	char		*auth;		/* "Authorization: Bearer ..." or NULL */
	unsigned int	 credential_gen;	/* 0 while auth is NULL */
	unsigned int	 generations;		/* credentials set so far */
};

/* One call in flight: what to tell whom. */
struct api_client_call {
	api_client_done_cb	 cb;
	void			*arg;
	char			*method;
	char			*path;
	const struct answer_contract *contract;
	int			 is_conditional;
	unsigned int		 credential_gen;
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
	p->credential_gen = 0;
	if (credential != NULL &&
	    asprintf(&p->auth, "Authorization: Bearer %s", credential) == -1)
		p->auth = NULL;
	if (p->auth != NULL)
		p->credential_gen = ++p->generations;
}

/* The generation of the credential in use (0: none). */
unsigned int
api_client_credential_gen(const struct api_client *p)
{
	return p->credential_gen;
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

/* A request finished: judge the answer by its contract, tell the caller. */
static void
api_client_done(const struct http_response *resp, void *arg)
{
	struct api_client_call	*call = arg;
	struct api_client_reply	 reply;
	struct answer_wire	 w;
	struct answer		 a;

	memset(&w, 0, sizeof(w));
	w.method = call->method;
	w.path = call->path;
	w.transport = resp->error;
	w.transport_detail = resp->detail;
	w.status = resp->status;
	w.content_type = resp->content_type;
	w.location = resp->location;
	w.body = resp->body;
	w.body_len = resp->body_len;
	w.is_conditional = call->is_conditional;
	w.proxy = resp->proxy;
	answer_judge(call->contract, &w, &a);

	memset(&reply, 0, sizeof(reply));
	reply.http = resp;
	reply.status = resp->status;
	reply.error = a.error;
	reply.detail = a.detail != NULL ? a.detail : resp->detail;
	reply.api_error = a.api_error;
	reply.json = a.error == ERR_NONE ? a.json : NULL;
	reply.is_not_modified = a.is_not_modified;
	reply.credential_gen = call->credential_gen;
	call->cb(&reply, call->arg);
	answer_clear(&a);
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

/* Bodies repaired on their way out, at most a few lines per window. */
static struct log_rate api_client_repairs = { "request bodies repaired", 0,
	0, 0 };

/*
 * The platform takes strict UTF-8 only: a body holding a string that is
 * not (a file name, a process name, a GECOS field in another encoding)
 * has its bad bytes replaced by U+FFFD rather than be refused whole.
 * Returns the repaired text (to free) or NULL when text is fine as it is.
 */
static char *
api_client_repair(const char *path, const char *text, size_t *len)
{
	struct json_strict_error	 err;
	char				*fixed;

	if (utf8_check(text, *len, NULL) == UTF8_OK ||
	    json_strict_check_flags(text, *len, JSON_STRICT_ANY_INTEGER,
	    &err) != JSON_STRICT_FIELD ||
	    (fixed = json_strict_repair(text, *len, len)) == NULL)
		return NULL;
	log_rate_warnx(&api_client_repairs, "%s: %s is not UTF-8 (%s); it "
	    "goes with U+FFFD for its bad bytes", path, err.field[0] != '\0' ?
	    err.field : "a string", err.message);
	return fixed;
}

/*
 * Start a call: a JSON body (text, len bytes) or none, an If-None-Match
 * and a Range header or none. Returns it, or NULL (logged).
 */
static struct http_call *
api_client_start(struct api_client *p, const char *method, const char *path,
    const char *text, size_t len, const char *if_none_match,
    const char *range, api_client_done_cb cb, void *arg)
{
	const struct answer_contract *contract;
	struct http_request	 req;
	struct api_client_call	*call;
	struct http_call	*hc;
	const char		*headers[6];
	char			*url = NULL, *inm = NULL, *fixed = NULL;
	size_t			 n = 0;

	if ((contract = answer_contract_find(method, path)) == NULL) {
		log_warnx("platform API client: %s %s has no answer contract",
		    method, path);
		return NULL;
	}
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
	call->contract = contract;
	call->credential_gen = p->auth != NULL ? p->credential_gen : 0;
	headers[n++] = contract->is_binary ? "Accept: application/octet-stream" :
	    "Accept: application/json";
	if (text != NULL)
		headers[n++] = "Content-Type: application/json";
	if (p->auth != NULL)
		headers[n++] = p->auth;
	if (if_none_match != NULL &&
	    asprintf(&inm, "If-None-Match: %s", if_none_match) != -1) {
		headers[n++] = inm;
		call->is_conditional = 1;
	}
	if (range != NULL)
		headers[n++] = range;
	headers[n] = NULL;

	if (text != NULL && (fixed = api_client_repair(path, text, &len)) !=
	    NULL)
		text = fixed;
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.headers = headers;
	req.body = text;
	req.body_len = len;
	req.gzip_body = len >= UPLINK_GZIP_MIN;
	req.max_response = contract->budget.max_bytes;
	req.arg_free = api_client_call_free;
	hc = http_request(p->http, &req, api_client_done, call);
	free(url);
	free(inm);
	free(fixed);
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
	return api_client_start(p, method, path, text, len, if_none_match,
	    NULL, cb, arg);
}

/* GET bytes from..to (inclusive) of path, raw. Returns the call, or NULL. */
struct http_call *
api_client_get_range(struct api_client *p, const char *path, uint64_t from,
    uint64_t to, api_client_done_cb cb, void *arg)
{
	char	 range[64];

	snprintf(range, sizeof(range), "Range: bytes=%llu-%llu",
	    (unsigned long long)from, (unsigned long long)to);
	return api_client_start(p, "GET", path, NULL, 0, NULL, range, cb,
	    arg);
}
