/*
 * audit-trail.c: the record of every admin write. Each request to
 * /api/v1 other than a GET that got past authentication (by the admin
 * token, an API token or a session; and every sign-in attempt) leaves one
 * record: when, who (the user name, or "admin.token"), how they were
 * authenticated (and which token), their role, their address, the method
 * and the resource (the path), a short summary of the change, the status
 * and the outcome: success (2xx), refused (4xx) or failed (5xx), with the
 * error code and message.
 *
 * A success is recorded inside the request's own savepoint, so the record
 * and the change are committed together or not at all (a record that
 * cannot be written fails the request with 503). A refusal is recorded
 * after its writes were undone, in the same transaction. Requests refused
 * before anyone was authenticated (401) are not recorded: there is no
 * one to name. The outpost-platform user command records its changes too
 * ("cli:<login>"). Records older than audit_retention are deleted by the
 * maintenance timer, at most AUDIT_PRUNE_BATCH per run.
 *
 * The summary names the members of the request body with their values
 * (strings cut at 48 bytes, arrays and deep objects as their size;
 * "password" and "token" as "(set)"), then what the handler added.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "audit-trail.h"
#include "compat.h"
#include "jsonutil.h"
#include "log.h"
#include "store.h"

#define AUDIT_STRING_MAX	48	/* bytes of a string value shown */
#define AUDIT_BODY_MAX		65536	/* bodies parsed again for a refusal */
#define AUDIT_PRUNE_BATCH	10000	/* records deleted per run */
#define AUDIT_DEFAULT_LIMIT	100
#define AUDIT_MAX_LIMIT		1000

/* A summary being written: text that stops, marked, when full. */
struct audit_text {
	char		*buf;
	size_t		 len;
	size_t		 used;
	int		 full;
};

/* Append printf text to t; once it does not fit, end t with "...". */
static void __attribute__((format(printf, 2, 3)))
audit_text_add(struct audit_text *t, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (t->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->used, t->len - t->used, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < t->len - t->used) {
		t->used += (size_t)n;
		return;
	}
	t->full = 1;
	t->used = t->len - 1;
	if (t->len >= 4)
		memcpy(t->buf + t->len - 4, "...", 4);
}

/* Append a string value, cut and with control characters as '?'. */
static void
audit_text_string(struct audit_text *t, const char *s)
{
	char	 buf[AUDIT_STRING_MAX + 4];
	size_t	 i, len = strlen(s);

	for (i = 0; i < len && i < AUDIT_STRING_MAX; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' :
		    s[i];
	buf[i] = '\0';
	audit_text_add(t, "\"%s%s\"", buf, len > AUDIT_STRING_MAX ? "..." : "");
}

/* Append the members of obj under prefix ("" at the top). */
static void
audit_text_members(struct audit_text *t, struct json_object *obj,
    const char *prefix, int depth)
{
	char	 name[160];

	json_object_object_foreach(obj, key, val) {
		snprintf(name, sizeof(name), "%s%s%s", prefix,
		    prefix[0] != '\0' ? "." : "", key);
		if (depth == 0 && json_object_is_type(val, json_type_object) &&
		    json_object_object_length(val) > 0) {
			audit_text_members(t, val, name, depth + 1);
			continue;
		}
		audit_text_add(t, "%s%s=", t->used > 0 ? ", " : "", name);
		if (strcmp(key, "password") == 0 || strcmp(key, "token") == 0)
			audit_text_add(t, "(set)");
		else if (json_object_is_type(val, json_type_string))
			audit_text_string(t, json_object_get_string(val));
		else if (json_object_is_type(val, json_type_array))
			audit_text_add(t, "[%zu]",
			    json_object_array_length(val));
		else if (json_object_is_type(val, json_type_object))
			audit_text_add(t, "{%d}",
			    json_object_object_length(val));
		else
			audit_text_add(t, "%s",
			    json_object_to_json_string(val));
	}
}

/*
 * Summarize a request body (or NULL) and what the handler said (extra,
 * or "") into out.
 */
void
audit_trail_summarize(struct json_object *body, const char *extra, char *out,
    size_t len)
{
	struct audit_text	 t = { out, len, 0, 0 };

	out[0] = '\0';
	if (body != NULL && json_object_is_type(body, json_type_object))
		audit_text_members(&t, body, "", 0);
	if (extra != NULL && extra[0] != '\0')
		audit_text_add(&t, "%s%s", t.used > 0 ? "; " : "", extra);
}

/* The name of how a request was authenticated, for the record. */
static const char *
audit_trail_auth(enum api_via via)
{
	switch (via) {
	case VIA_ADMIN_TOKEN:
		return "admin_token";
	case VIA_TOKEN:
		return "token";
	case VIA_SESSION:
		return "session";
	case VIA_SIGNIN:
		return "password";
	default:
		return "none";
	}
}

/*
 * Record an admin write with its outcome (nothing for other requests).
 * Returns 0, or -1 when the record could not be written (logged).
 */
int
audit_trail_record(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct api_principal	*who = &req->who;
	struct audit_entry	 e;
	struct json_object	*body = req->json, *parsed = NULL;
	char			 summary[AUDIT_TRAIL_SUMMARY_MAX], err[64];
	int			 rc;

	if (!api_writes(req))
		return 0;
	/* A refused body was not parsed; show what was tried anyway. */
	if (body == NULL && req->body != NULL && req->body_len > 0 &&
	    req->body_len <= AUDIT_BODY_MAX &&
	    memchr(req->body, '\0', req->body_len) == NULL)
		body = parsed = json_parse_object(req->body, req->body_len, err,
		    sizeof(err));
	audit_trail_summarize(body, res->summary, summary, sizeof(summary));
	json_object_put(parsed);
	memset(&e, 0, sizeof(e));
	e.time = req->now;
	if (who->via == VIA_ADMIN_TOKEN)
		e.actor = "admin.token";
	else
		e.actor = who->user[0] != '\0' ? who->user : "-";
	e.auth = audit_trail_auth(who->via);
	e.token_id = who->token_id[0] != '\0' ? who->token_id : NULL;
	e.role = who->role != ROLE_NONE ? api_role_name(who->role) : NULL;
	e.address = req->address[0] != '\0' ? req->address : NULL;
	e.method = api_method_name(req->method);
	e.resource = req->path;
	e.summary = summary;
	e.status = res->status;
	e.outcome = res->status < 400 ? "success" : res->status < 500 ?
	    "refused" : "failed";
	if (res->status >= 400 && res->json != NULL) {
		e.error = json_get_string(res->json, "error");
		e.message = json_get_string(res->json, "message");
	}
	if ((rc = store_audit_add(api->store, &e)) == -1)
		log_warnx("audit trail: cannot record %s %s by %s",
		    e.method, e.resource, e.actor);
	return rc;
}

/*
 * Record a change made with the outpost-platform user command. Returns
 * 0, or -1.
 */
int
audit_trail_command(struct store *store, int64_t now, const char *actor,
    const char *resource, const char *summary)
{
	struct audit_entry	 e;

	memset(&e, 0, sizeof(e));
	e.time = now;
	e.actor = actor;
	e.auth = "cli";
	e.role = "admin";
	e.method = "CLI";
	e.resource = resource;
	e.summary = summary;
	e.status = 200;
	e.outcome = "success";
	return store_audit_add(store, &e);
}

/*
 * Read string query parameter key into buf (NULL into *out when absent).
 * Returns 0, or -1 with a 400 answer.
 */
static int
audit_trail_query(struct api_request *req, struct api_response *res,
    const char *key, char *buf, size_t len, const char **out)
{
	int	 rc;

	*out = NULL;
	if ((rc = api_query_get(req->query, key, buf, len)) == -1 ||
	    (rc == 0 && buf[0] == '\0')) {
		api_error(res, 400, "invalid_query", key, "bad value");
		return -1;
	}
	if (rc == 0)
		*out = buf;
	return 0;
}

/*
 * GET /api/v1/audit: the records, newest first, filtered by user=,
 * resource= (that path and those below it), method=, outcome=, since=
 * and until= (times); limit= per page and before= (next_before of the
 * previous page) to page.
 */
void
audit_trail_list(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct audit_filter	 f;
	struct json_object	*arr;
	char			 user[PLATFORM_USER_MAX + 16], path[512];
	char			 method[16], outcome[16];
	int64_t			 next;

	memset(&f, 0, sizeof(f));
	f.until = INT64_MAX;
	f.before_id = INT64_MAX;
	f.limit = AUDIT_DEFAULT_LIMIT;
	if (audit_trail_query(req, res, "user", user, sizeof(user),
	    &f.actor) == -1 ||
	    audit_trail_query(req, res, "resource", path, sizeof(path),
	    &f.resource) == -1 ||
	    audit_trail_query(req, res, "method", method, sizeof(method),
	    &f.method) == -1 ||
	    audit_trail_query(req, res, "outcome", outcome, sizeof(outcome),
	    &f.outcome) == -1 ||
	    api_query_int(req, res, "since", 0, INT64_MAX, &f.since) == -1 ||
	    api_query_int(req, res, "until", 0, INT64_MAX, &f.until) == -1 ||
	    api_query_int(req, res, "before", 1, INT64_MAX,
	    &f.before_id) == -1 ||
	    api_query_int(req, res, "limit", 1, AUDIT_MAX_LIMIT,
	    &f.limit) == -1)
		return;
	if (f.outcome != NULL && strcmp(f.outcome, "success") != 0 &&
	    strcmp(f.outcome, "refused") != 0 &&
	    strcmp(f.outcome, "failed") != 0) {
		api_error(res, 400, "invalid_query", "outcome",
		    "expected success, refused or failed");
		return;
	}
	if ((arr = store_audit_list(api->store, &f, &next)) == NULL) {
		api_store_error(res);
		return;
	}
	res->json = json_object_new_object();
	json_add_int64(res->json, "count",
	    (int64_t)json_object_array_length(arr));
	json_object_object_add(res->json, "entries", arr);
	if (next != 0)
		json_add_int64(res->json, "next_before", next);
	else
		json_object_object_add(res->json, "next_before", NULL);
	res->status = 200;
}

/*
 * Delete the records older than the retention time (a batch per call;
 * the maintenance timer). Returns the number deleted, or -1.
 */
int
audit_trail_prune(struct api *api, int64_t now)
{
	int	 n;

	if (api->limits.audit_retention <= 0)
		return 0;
	n = store_audit_prune(api->store, now - api->limits.audit_retention,
	    AUDIT_PRUNE_BATCH);
	if (n > 0)
		log_info("audit trail: %d records older than audit_retention "
		    "(%lld s) deleted", n,
		    (long long)api->limits.audit_retention);
	return n;
}
