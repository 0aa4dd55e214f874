/*
 * api.c: the routing table of both APIs, authentication of agents (that
 * of admins is session.c's), the run of a handler in a savepoint with the
 * audit record of an admin write, deferred jobs, and the helpers handlers
 * use to validate JSON and answer. It knows nothing of HTTP transport:
 * server.c (and the fuzz target) fill a struct api_request and send the
 * struct api_response.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api-admin.h"
#include "api-agent.h"
#include "api-status.h"
#include "api-vuln.h"
#include "api.h"
#include "audit-trail.h"
#include "compat.h"
#include "json-strict.h"
#include "jsonutil.h"
#include "metrics.h"
#include "pki.h"
#include "platform.h"
#include "releases.h"
#include "scan-merge.h"
#include "session.h"
#include "store.h"
#include "users.h"
#include "utf8.h"

static const struct api_route api_routes[] = {
	{ API_POST, "/agent/v1/activate", AUTH_NONE, 1,
	    api_agent_activate },
	{ API_POST, "/agent/v1/heartbeat", AUTH_AGENT, 1,
	    api_agent_heartbeat },
	{ API_GET, "/agent/v1/profile", AUTH_AGENT, 0,
	    api_agent_profile },
	{ API_GET, "/agent/v1/manifests/*", AUTH_AGENT, 0,
	    api_agent_manifest },
	{ API_POST, "/agent/v1/inventory", AUTH_AGENT, 1,
	    api_agent_inventory },
	{ API_POST, "/agent/v1/fim-events", AUTH_AGENT, 1,
	    api_agent_fim_events },
	{ API_POST, "/agent/v1/errors", AUTH_AGENT, 1,
	    api_agent_errors },
	{ API_POST, "/agent/v1/deregister", AUTH_AGENT, 0,
	    api_agent_deregister },
	{ API_GET, "/agent/v1/releases/*", AUTH_AGENT, 0,
	    api_agent_release },
	{ API_GET, "/agent/v1/releases/*/files/*", AUTH_AGENT, 0,
	    api_agent_release_file },

	{ API_GET, "/api/v1/agents", AUTH_ADMIN, 0,
	    api_admin_agents },
	{ API_GET, "/api/v1/agents/*", AUTH_ADMIN, 0,
	    api_admin_agent_get },
	{ API_PATCH, "/api/v1/agents/*", AUTH_ADMIN, 1,
	    api_admin_agent_patch },
	{ API_DELETE, "/api/v1/agents/*", AUTH_ADMIN, 0,
	    api_admin_agent_delete },
	{ API_GET, "/api/v1/agents/*/inventory", AUTH_ADMIN, 0,
	    api_admin_agent_inventory },
	{ API_GET, "/api/v1/agents/*/fim-events", AUTH_ADMIN, 0,
	    api_admin_agent_fim },
	{ API_GET, "/api/v1/agents/*/errors", AUTH_ADMIN, 0,
	    api_admin_agent_errors },
	{ API_GET, "/api/v1/agents/*/manifest-downloads", AUTH_ADMIN, 0,
	    api_admin_agent_downloads },
	{ API_GET, "/api/v1/agents/*/vulnerabilities", AUTH_ADMIN, 0,
	    api_vuln_agent_list },
	{ API_GET, "/api/v1/vulnerabilities", AUTH_ADMIN, 0, api_vuln_fleet },
	{ API_GET, "/api/v1/feeds", AUTH_ADMIN, 0, api_vuln_feeds },
	{ API_GET, "/api/v1/activation-keys", AUTH_ADMIN, 0,
	    api_admin_keys },
	{ API_POST, "/api/v1/activation-keys", AUTH_ADMIN, 1,
	    api_admin_key_create },
	{ API_GET, "/api/v1/activation-keys/*", AUTH_ADMIN, 0,
	    api_admin_key_get },
	{ API_PATCH, "/api/v1/activation-keys/*", AUTH_ADMIN, 1,
	    api_admin_key_patch },
	{ API_GET, "/api/v1/profiles", AUTH_ADMIN, 0,
	    api_admin_profiles },
	{ API_POST, "/api/v1/profiles", AUTH_ADMIN, 1,
	    api_admin_profile_create },
	{ API_GET, "/api/v1/profiles/*", AUTH_ADMIN, 0,
	    api_admin_profile_get },
	{ API_PATCH, "/api/v1/profiles/*", AUTH_ADMIN, 1,
	    api_admin_profile_patch },
	{ API_GET, "/api/v1/manifests", AUTH_ADMIN, 0,
	    api_admin_manifests },
	{ API_POST, "/api/v1/manifests", AUTH_ADMIN, 1,
	    api_admin_manifest_publish },
	{ API_GET, "/api/v1/manifests/*", AUTH_ADMIN, 0,
	    api_admin_manifest_get },
	{ API_GET, "/api/v1/settings", AUTH_ADMIN, 0,
	    api_admin_settings },
	{ API_PATCH, "/api/v1/settings", AUTH_ADMIN, 1,
	    api_admin_settings_patch },
	{ API_GET, "/api/v1/scans", AUTH_ADMIN, 0,
	    api_admin_scans },
	{ API_POST, "/api/v1/scans", AUTH_ADMIN, 1,
	    scan_merge_submit },
	{ API_GET, "/api/v1/assets", AUTH_ADMIN, 0,
	    api_admin_assets },
	{ API_GET, "/api/v1/session", AUTH_USER, 0,
	    session_get },
	{ API_POST, "/api/v1/session", AUTH_NONE, 1,
	    session_signin },
	{ API_DELETE, "/api/v1/session", AUTH_USER, 0,
	    session_signout },
	{ API_GET, "/api/v1/users", AUTH_ADMIN, 0,
	    users_list },
	{ API_POST, "/api/v1/users", AUTH_ADMIN, 1,
	    users_create },
	{ API_GET, "/api/v1/users/*", AUTH_ADMIN, 0,
	    users_get },
	{ API_PATCH, "/api/v1/users/*", AUTH_ADMIN, 1,
	    users_patch },
	{ API_DELETE, "/api/v1/users/*", AUTH_ADMIN, 0,
	    users_delete },
	{ API_GET, "/api/v1/tokens", AUTH_ADMIN, 0,
	    users_tokens },
	{ API_POST, "/api/v1/tokens", AUTH_USER, 1,
	    users_token_create },
	{ API_DELETE, "/api/v1/tokens/*", AUTH_USER, 0,
	    users_token_revoke },
	{ API_GET, "/api/v1/audit", AUTH_ADMIN, 0,
	    audit_trail_list },
	{ API_GET, "/api/v1/status", AUTH_ADMIN, 0,
	    api_status_get },
	{ API_GET, "/metrics", AUTH_ADMIN, 0,
	    metrics_get },
	{ API_GET, "/api/v1/releases", AUTH_ADMIN, 0,
	    api_admin_releases },
	{ API_GET, "/api/v1/releases/*", AUTH_ADMIN, 0,
	    api_admin_release_get },
	{ API_DELETE, "/api/v1/releases/*", AUTH_ADMIN, 0,
	    api_admin_release_delete },
	{ API_GET, "/api/v1/releases/*/rollout", AUTH_ADMIN, 0,
	    api_admin_release_rollout },
};

/* The name of a method, for logs and Allow headers. */
const char *
api_method_name(enum api_method m)
{
	switch (m) {
	case API_GET:
		return "GET";
	case API_POST:
		return "POST";
	case API_PATCH:
		return "PATCH";
	case API_DELETE:
		return "DELETE";
	case API_PUT:
		return "PUT";
	default:
		return "OTHER";
	}
}

/*
 * Set an error answer: status, stable code, the field at fault (or NULL)
 * and a one-line message.
 */
void
api_error(struct api_response *res, int status, const char *code,
    const char *field, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_put(res->json);
	free(res->text);
	res->text = NULL;
	res->text_len = 0;
	res->content_type = NULL;
	res->status = status;
	res->json = json_object_new_object();
	json_add_string(res->json, "error", code);
	if (field != NULL)
		json_add_string(res->json, "field", field);
	json_add_string(res->json, "message", msg);
}

/* Answer 503 after a database failure. */
void
api_store_error(struct api_response *res)
{
	api_error(res, 503, "store_unavailable", NULL, "database error");
}

/*
 * Answer 403 forbidden with a one-line message and the caller's role
 * ("role" member).
 */
void
api_forbidden(struct api_request *req, struct api_response *res,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[256];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	api_error(res, 403, "forbidden", NULL, "%s", msg);
	json_add_string(res->json, "role", api_role_name(req->who.role));
}

/* Add to what the audit trail records of the change ("; "-separated). */
void
api_summary(struct api_response *res, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 used = strlen(res->summary);

	if (used > 0 && used + 2 < sizeof(res->summary)) {
		memcpy(res->summary + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(res->summary + used, sizeof(res->summary) - used, fmt, ap);
	va_end(ap);
}

/* The name of a role: "admin", "reader" or "none". */
const char *
api_role_name(enum api_role role)
{
	switch (role) {
	case ROLE_ADMIN:
		return "admin";
	case ROLE_READER:
		return "reader";
	default:
		return "none";
	}
}

/* Whether req changes something through the admin API. Returns 1/0. */
int
api_writes(const struct api_request *req)
{
	return req->method != API_GET && req->path != NULL &&
	    strncmp(req->path, "/api/v1/", 8) == 0;
}

/* Serialize obj compactly. Returns the text, which lives as long as obj. */
const char *
api_json_text(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
}

/*
 * The answer's body as strict JSON (json-strict.c): what was stored before
 * input was checked (strings that are not UTF-8, NaN, "1.") is repaired,
 * never sent raw. The pre-serialized answers (heartbeats) hold only
 * numbers and checked ids; they are only checked for UTF-8. Returns the
 * text, which lives as long as res, or NULL when there is no body.
 */
const char *
api_response_text(struct api_response *res)
{
	struct json_strict_error	 err;
	struct json_object		*clean;
	const char			*text;
	char				*fixed;

	if (res->text != NULL) {
		if (utf8_check(res->text, strlen(res->text), NULL) != UTF8_OK &&
		    (fixed = utf8_sanitize(res->text, strlen(res->text),
		    NULL)) != NULL) {
			free(res->text);
			res->text = fixed;
		}
		return res->text;
	}
	if (res->json == NULL)
		return NULL;
	text = api_json_text(res->json);
	if (json_strict_check_flags(text, strlen(text),
	    JSON_STRICT_ANY_INTEGER, &err) == JSON_STRICT_OK)
		return text;
	if ((clean = json_strict_sanitize(res->json)) == NULL)
		return text;
	json_object_put(res->json);
	res->json = clean;
	return api_json_text(res->json);
}

/* A signed manifest as both APIs serve it. Returns a new object. */
struct json_object *
api_manifest_json(enum manifest_type type, int64_t version,
    const char *body, const char *sig, int64_t created)
{
	struct json_object	*obj = json_object_new_object();

	json_add_string(obj, "type", manifest_type_name(type));
	json_add_int64(obj, "version", version);
	json_add_int64(obj, "created_at", created);
	json_add_string(obj, "body", body);
	json_add_string(obj, "signature", sig);
	return obj;
}

/* Whether s is a lower-case UUID (8-4-4-4-12 hex digits). Returns 1/0. */
int
api_is_uuid(const char *s)
{
	int	 i;

	for (i = 0; i < PLATFORM_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isdigit((unsigned char)s[i]) &&
		    (s[i] < 'a' || s[i] > 'f'))
			return 0;
	}
	return s[PLATFORM_UUID_LEN] == '\0';
}

/*
 * Match path against a route pattern, saving '*' components in params.
 * Returns 1 on a match, else 0.
 */
static int
api_match(const char *pattern, const char *path, char **params)
{
	const char	*p = pattern, *q = path, *end;
	size_t		 len;
	int		 n = 0;

	while (*p != '\0' && *q != '\0') {
		if (*p == '*') {
			end = strchr(q, '/');
			len = end != NULL ? (size_t)(end - q) : strlen(q);
			if (len == 0 || n >= 2)
				return 0;
			free(params[n]);
			if ((params[n] = strndup(q, len)) == NULL)
				return 0;
			n++;
			p++;
			q += len;
			continue;
		}
		if (*p != *q)
			return 0;
		p++;
		q++;
	}
	return *p == '\0' && *q == '\0';
}

/*
 * Authenticate an agent from "Bearer <agent_id>.<secret>". Returns 0 (the
 * agent is in req), or -1 with the error answer set.
 */
static int
api_auth_agent(struct api *api, struct api_request *req,
    struct api_response *res)
{
	const char		*h = req->authorization, *secret;
	char			 hash[65];
	enum agent_lookup	 found;

	if (h == NULL || h[0] == '\0') {
		api_error(res, 401, "missing_credential", NULL,
		    "send Authorization: Bearer <agent credential>");
		return -1;
	}
	if (strncasecmp(h, "Bearer ", 7) != 0 ||
	    strlen(h + 7) != PLATFORM_UUID_LEN + 1 + PLATFORM_SECRET_HEX_LEN ||
	    h[7 + PLATFORM_UUID_LEN] != '.') {
		api_error(res, 401, "invalid_credential", NULL,
		    "malformed agent credential");
		return -1;
	}
	memcpy(req->agent_id, h + 7, PLATFORM_UUID_LEN);
	req->agent_id[PLATFORM_UUID_LEN] = '\0';
	secret = h + 7 + PLATFORM_UUID_LEN + 1;
	if (!api_is_uuid(req->agent_id) ||
	    strspn(secret, "0123456789abcdef") != PLATFORM_SECRET_HEX_LEN) {
		api_error(res, 401, "invalid_credential", NULL,
		    "malformed agent credential");
		return -1;
	}
	pki_sha256_hex(secret, PLATFORM_SECRET_HEX_LEN, hash);
	found = store_agent_auth(api->store, req->agent_id, &req->agent);
	switch (found) {
	case AGENT_ERROR:
		api_error(res, 503, "store_unavailable", NULL,
		    "database error");
		return -1;
	case AGENT_UNKNOWN:
		api_error(res, 401, "unknown_agent", NULL,
		    "no agent %s is known here", req->agent_id);
		return -1;
	case AGENT_DELETED:
		if (!pki_equal(hash, req->agent.cred_hash)) {
			api_error(res, 401, "invalid_credential", NULL,
			    "wrong agent credential");
			return -1;
		}
		req->agent_deleted = 1;
		if (req->route->handler != api_agent_heartbeat) {
			api_error(res, 410, "agent_uninstalled", NULL,
			    "agent %s was uninstalled", req->agent_id);
			return -1;
		}
		return 0;
	case AGENT_FOUND:
		break;
	}
	if (pki_equal(hash, req->agent.cred_hash))
		return 0;
	if (pki_equal(hash, req->agent.revoked_hash))
		api_error(res, 401, "credential_revoked", NULL,
		    "this credential was replaced by a re-activation");
	else
		api_error(res, 401, "invalid_credential", NULL,
		    "wrong agent credential");
	return -1;
}

/* How many routes the table holds (metrics.c counts by route). */
int
api_route_count(void)
{
	return (int)nitems(api_routes);
}

/* Route i of the table (0 <= i < api_route_count()). */
const struct api_route *
api_route_at(int i)
{
	return &api_routes[i];
}

/* The index of route r in the table, or -1 for NULL. */
int
api_route_index(const struct api_route *r)
{
	return r == NULL ? -1 : (int)(r - api_routes);
}

/*
 * Route the request and authenticate it. Returns 0 (ready for the body
 * and api_execute), or -1 with the answer set (404, 405, 401, 410).
 */
int
api_prepare(struct api *api, struct api_request *req,
    struct api_response *res)
{
	const struct api_route	*r, *found = NULL;
	size_t			 i;
	unsigned int		 allowed = 0;
	int			 matched = 0;

	res->status = 0;
	if (req->path == NULL || req->path[0] != '/') {
		api_error(res, 404, "not_found", NULL, "no such path");
		return -1;
	}
	for (i = 0; i < nitems(api_routes); i++) {
		r = &api_routes[i];
		if (!api_match(r->pattern, req->path, req->params))
			continue;
		matched = 1;
		allowed |= r->method;
		if (r->method == req->method) {
			found = r;
			break;
		}
	}
	if (found == NULL) {
		if (!matched) {
			api_error(res, 404, "not_found", NULL, "no such path");
			return -1;
		}
		res->allow[0] = '\0';
		for (i = 0; i < 5; i++) {
			if ((allowed & (1U << i)) == 0)
				continue;
			if (res->allow[0] != '\0')
				strlcat(res->allow, ", ", sizeof(res->allow));
			strlcat(res->allow,
			    api_method_name((enum api_method)(1U << i)),
			    sizeof(res->allow));
		}
		api_error(res, 405, "method_not_allowed", NULL,
		    "%s is not allowed here (allowed: %s)",
		    api_method_name(req->method), res->allow);
		return -1;
	}
	/* Re-match so params hold this route's components. */
	api_match(found->pattern, req->path, req->params);
	req->route = found;
	switch (found->auth) {
	case AUTH_AGENT:
		return api_auth_agent(api, req, res);
	case AUTH_ADMIN:
	case AUTH_USER:
		return session_authenticate(api, req, res);
	case AUTH_NONE:
		break;
	}
	return 0;
}

/*
 * Hold the body to RFC 8259 and strict UTF-8 (json-strict.c) before json-c
 * parses it. Returns 0, or -1 with 400 invalid_json (not one JSON text) or
 * 400 invalid_field (a string or number refused, the field named).
 */
static int
api_strict_body(struct api_request *req, struct api_response *res)
{
	struct json_strict_error	 e;

	switch (json_strict_check(req->body, req->body_len, &e)) {
	case JSON_STRICT_OK:
		return 0;
	case JSON_STRICT_FIELD:
		api_error(res, 400, "invalid_field", e.field[0] != '\0' ?
		    e.field : NULL, "%s", e.message);
		return -1;
	case JSON_STRICT_NOMEM:
		api_error(res, 500, "internal_error", NULL, "out of memory");
		return -1;
	default:
		api_error(res, 400, "invalid_json", NULL, "%s", e.message);
		return -1;
	}
}

/* Parse the body of req. Returns 0, or -1 with a 400 answer. */
static int
api_parse_body(struct api_request *req, struct api_response *res)
{
	char	 err[PLATFORM_ERRLEN];

	if (req->body == NULL || req->body_len == 0) {
		api_error(res, 400, "invalid_json", NULL,
		    "a JSON object body is required");
		return -1;
	}
	if (api_strict_body(req, res) == -1)
		return -1;
	req->json = json_parse_object(req->body, req->body_len, err,
	    sizeof(err));
	if (req->json == NULL) {
		api_error(res, 400, "invalid_json", NULL, "%s", err);
		return -1;
	}
	return 0;
}

/*
 * After a handler (or a job's done) ran in its savepoint: keep its writes
 * (and the audit record of an admin write, in the same savepoint) on
 * success or keep_writes, else undo them and record the refusal. A
 * deferred job keeps the writes made so far and is answered later.
 */
static void
api_settle(struct api *api, struct api_request *req, struct api_response *res)
{
	int	 keep;

	if (res->job != NULL && res->status != 0) {
		api_job_free(res->job);
		res->job = NULL;
	}
	if (res->job != NULL) {
		if (store_release(api->store, 1) == -1) {
			api_job_free(res->job);
			res->job = NULL;
			api_store_error(res);
		}
		return;
	}
	if (res->status == 0)
		api_error(res, 500, "internal_error", NULL, "no answer");
	keep = res->status < 400 || res->keep_writes;
	if (res->status < 400 && audit_trail_record(api, req, res) == -1) {
		api_store_error(res);
		keep = 0;
	}
	if (store_release(api->store, keep) == -1)
		api_store_error(res);
	if (res->status >= 400)
		audit_trail_record(api, req, res);
}

/*
 * Authorize the request (session.c: CSRF, role), parse its body (when the
 * route takes one) and run the handler inside a savepoint, undone unless
 * the answer is a success or the handler set keep_writes (a record of the
 * refusal itself). An answer already set (a body the transport refused)
 * is only recorded. Sets the answer; res->job when the handler deferred
 * slow work (see api_resume).
 */
void
api_execute(struct api *api, struct api_request *req,
    struct api_response *res)
{
	if (res->status == 0 && session_authorize(api, req, res) == 0 &&
	    req->route->needs_body)
		api_parse_body(req, res);
	if (res->status != 0) {
		audit_trail_record(api, req, res);
		return;
	}
	if (store_savepoint(api->store) == -1) {
		api_store_error(res);
		return;
	}
	req->route->handler(api, req, res);
	api_settle(api, req, res);
}

/*
 * Hand slow work of the request over: job->req becomes a copy of req
 * (what the answer and the audit record need), and res->job the job.
 * Returns 0, or -1 with a 500 answer (the job is the caller's).
 */
int
api_defer(struct api_request *req, struct api_response *res,
    struct api_job *job)
{
	struct api_request	*c = &job->req;

	*c = *req;
	c->params[0] = c->params[1] = NULL;
	c->query = c->authorization = c->if_none_match = NULL;
	c->cookie = c->origin = c->referer = c->host = NULL;
	c->csrf_token = c->fetch_site = c->range = NULL;
	c->body = NULL;
	c->body_len = 0;
	c->json = json_object_get(req->json);
	if ((c->owned_path = strdup(req->path)) == NULL ||
	    (req->params[0] != NULL &&
	    (c->params[0] = strdup(req->params[0])) == NULL) ||
	    (req->params[1] != NULL &&
	    (c->params[1] = strdup(req->params[1])) == NULL)) {
		api_request_clear(c);
		api_error(res, 500, "internal_error", NULL, "out of memory");
		return -1;
	}
	c->path = c->owned_path;
	res->job = job;
	return 0;
}

/*
 * Answer a deferred request once its job ran: job->done in a savepoint,
 * then as api_execute. The job stays the caller's (api_job_free).
 */
void
api_resume(struct api *api, struct api_job *job, struct api_response *res)
{
	if (store_savepoint(api->store) == -1) {
		api_store_error(res);
		audit_trail_record(api, &job->req, res);
		return;
	}
	job->done(api, job, res);
	if (res->job != NULL) {
		/* A job does not defer again. */
		api_job_free(res->job);
		res->job = NULL;
		api_error(res, 500, "internal_error", NULL, "deferred twice");
	}
	api_settle(api, &job->req, res);
}

/*
 * Forget expired sessions and sign-in failures, and audit records past
 * their retention, in a savepoint of their own. Returns 0, or -1.
 */
int
api_maintain(struct api *api, int64_t now)
{
	int	 rc;

	if (store_savepoint(api->store) == -1)
		return -1;
	rc = session_prune(api, now) == -1 || audit_trail_prune(api, now) ==
	    -1 ? -1 : 0;
	if (store_release(api->store, rc == 0) == -1)
		rc = -1;
	return rc;
}

/* Free a job with its copy of the request. */
void
api_job_free(struct api_job *job)
{
	api_request_clear(&job->req);
	job->free(job);
}

/* Free what api_prepare and api_execute attached to req. */
void
api_request_clear(struct api_request *req)
{
	free(req->params[0]);
	free(req->params[1]);
	req->params[0] = req->params[1] = NULL;
	json_object_put(req->json);
	req->json = NULL;
	free(req->owned_path);
	req->owned_path = NULL;
}

/* Free the answer's body (and a job never handed over). */
void
api_response_clear(struct api_response *res)
{
	if (res->job != NULL) {
		api_job_free(res->job);
		res->job = NULL;
	}
	json_object_put(res->json);
	res->json = NULL;
	free(res->text);
	res->text = NULL;
}

/*
 * Find key in an URL query string and percent-decode its value into buf.
 * Returns 0 (found), 1 (absent), or -1 (too long, bad encoding, not
 * strict UTF-8).
 */
int
api_query_get(const char *query, const char *key, char *buf, size_t len)
{
	const char	*p = query, *amp, *eq;
	size_t		 klen = strlen(key), o;
	int		 hi, lo;

	if (query == NULL)
		return 1;
	for (; *p != '\0'; p = *amp == '&' ? amp + 1 : amp) {
		amp = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL || (size_t)(eq - p) != klen ||
		    strncmp(p, key, klen) != 0)
			continue;
		for (p = eq + 1, o = 0; p < amp; p++) {
			if (o + 1 >= len)
				return -1;
			if (*p == '%') {
				if (p + 2 >= amp)
					return -1;
				if ((hi = hex_value(p[1])) == -1 ||
				    (lo = hex_value(p[2])) == -1)
					return -1;
				buf[o] = (char)(hi * 16 + lo);
				if (buf[o] == '\0')
					return -1;
				o++;
				p += 2;
			} else
				buf[o++] = *p == '+' ? ' ' : *p;
		}
		buf[o] = '\0';
		return utf8_check(buf, o, NULL) == UTF8_OK ? 0 : -1;
	}
	return 1;
}

/*
 * Read integer query parameter key within min..max into *out (left as is
 * when absent): decimal digits with an optional '-', never clamped.
 * Returns 0, or -1 with a 400 answer set.
 */
int
api_query_int(struct api_request *req, struct api_response *res,
    const char *key, int64_t min, int64_t max, int64_t *out)
{
	char		 buf[32], *end;
	long long	 n;
	int		 rc;

	rc = api_query_get(req->query, key, buf, sizeof(buf));
	if (rc == 1)
		return 0;
	if (rc == 0 && strspn(buf + (buf[0] == '-'), "0123456789") ==
	    strlen(buf + (buf[0] == '-')) && buf[buf[0] == '-'] != '\0') {
		errno = 0;
		n = strtoll(buf, &end, 10);
		if (errno == 0 && *end == '\0' && n >= min && n <= max) {
			*out = n;
			return 0;
		}
	}
	api_error(res, 400, "invalid_query", key,
	    "expected an integer between %lld and %lld", (long long)min,
	    (long long)max);
	return -1;
}

/* Make the dotted name of field key under prefix in buf. Returns buf. */
static const char *
api_field(char *buf, size_t len, const char *prefix, const char *key)
{
	if (prefix == NULL)
		snprintf(buf, len, "%s", key);
	else
		snprintf(buf, len, "%s.%s", prefix, key);
	return buf;
}

/*
 * Refuse members of obj not in the NULL-terminated allowed list. Returns
 * 0, or -1 with a 400 answer naming the field.
 */
int
api_check_fields(struct api_response *res, struct json_object *obj,
    const char *prefix, const char *const *allowed)
{
	const char *const	*a;
	char			 field[160];

	json_object_object_foreach(obj, key, val) {
		(void)val;
		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (*a == NULL) {
			api_error(res, 400, "invalid_field",
			    api_field(field, sizeof(field), prefix, key),
			    "unknown field");
			return -1;
		}
	}
	return 0;
}

/*
 * Look up member key into *v (NULL if absent). Returns 0, or -1 with a
 * 400 answer when a required member is missing.
 */
static int
api_member(struct api_response *res, struct json_object *obj,
    const char *prefix, const char *key, int required,
    struct json_object **v)
{
	char	 field[160];

	*v = NULL;
	if (!json_object_object_get_ex(obj, key, v) || *v == NULL) {
		*v = NULL;
		if (required) {
			api_error(res, 400, "invalid_field",
			    api_field(field, sizeof(field), prefix, key),
			    "required");
			return -1;
		}
	}
	return 0;
}

/* Answer 400 naming field prefix.key with msg. Returns -1. */
static int
api_bad(struct api_response *res, const char *prefix, const char *key,
    const char *msg)
{
	char	 field[160];

	api_error(res, 400, "invalid_field", api_field(field, sizeof(field),
	    prefix, key), "%s", msg);
	return -1;
}

/*
 * String member key (1..maxlen bytes, no NUL) into *out (NULL when absent
 * and optional). Returns 0, or -1 with a 400 answer.
 */
int
api_get_string(struct api_response *res, struct json_object *obj,
    const char *prefix, const char *key, int required, size_t maxlen,
    const char **out)
{
	struct json_object	*v;
	size_t			 len;
	char			 msg[64];

	*out = NULL;
	if (api_member(res, obj, prefix, key, required, &v) == -1)
		return -1;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return api_bad(res, prefix, key, "expected a string");
	len = (size_t)json_object_get_string_len(v);
	if (len == 0 || len > maxlen || strlen(json_object_get_string(v)) !=
	    len) {
		snprintf(msg, sizeof(msg), "expected 1 to %zu bytes", maxlen);
		return api_bad(res, prefix, key, msg);
	}
	*out = json_object_get_string(v);
	return 0;
}

/*
 * Integer member key within min..max into *out (unchanged if absent).
 * Returns 0, or -1 with a 400 answer.
 */
int
api_get_int(struct api_response *res, struct json_object *obj,
    const char *prefix, const char *key, int required, int64_t min,
    int64_t max, int64_t *out)
{
	struct json_object	*v;
	int64_t			 n;
	char			 msg[96];

	if (api_member(res, obj, prefix, key, required, &v) == -1)
		return -1;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return api_bad(res, prefix, key, "expected an integer");
	errno = 0;
	n = json_object_get_int64(v);
	if (n < min || n > max || errno == ERANGE) {
		snprintf(msg, sizeof(msg), "must be between %lld and %lld",
		    (long long)min, (long long)max);
		return api_bad(res, prefix, key, msg);
	}
	*out = n;
	return 0;
}

/*
 * Boolean member key into *out (unchanged if absent). Returns 0, or -1
 * with a 400 answer.
 */
int
api_get_bool(struct api_response *res, struct json_object *obj,
    const char *prefix, const char *key, int required, int *out)
{
	struct json_object	*v;

	if (api_member(res, obj, prefix, key, required, &v) == -1)
		return -1;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return api_bad(res, prefix, key, "expected true or false");
	*out = json_object_get_boolean(v);
	return 0;
}

/*
 * Array member key of at most max elements into *out (NULL if absent).
 * Returns 0, or -1 with a 400 answer.
 */
int
api_get_array(struct api_response *res, struct json_object *obj,
    const char *prefix, const char *key, int required, size_t max,
    struct json_object **out)
{
	struct json_object	*v;
	char			 msg[64];

	*out = NULL;
	if (api_member(res, obj, prefix, key, required, &v) == -1)
		return -1;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return api_bad(res, prefix, key, "expected an array");
	if (json_object_array_length(v) > max) {
		snprintf(msg, sizeof(msg), "at most %zu elements", max);
		return api_bad(res, prefix, key, msg);
	}
	*out = v;
	return 0;
}

/*
 * Object member key into *out (NULL if absent). Returns 0, or -1 with a
 * 400 answer.
 */
int
api_get_object(struct api_response *res, struct json_object *obj,
    const char *prefix, const char *key, int required,
    struct json_object **out)
{
	struct json_object	*v;

	*out = NULL;
	if (api_member(res, obj, prefix, key, required, &v) == -1)
		return -1;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return api_bad(res, prefix, key, "expected an object");
	*out = v;
	return 0;
}

/*
 * Check every element of arr is a string of 1..maxlen bytes. Returns 0,
 * or -1 with a 400 answer naming field[i].
 */
int
api_string_array(struct api_response *res, struct json_object *arr,
    const char *field, size_t maxlen)
{
	struct json_object	*v;
	size_t			 i, n = json_object_array_length(arr), len;
	char			 name[160];

	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(arr, i);
		len = json_object_is_type(v, json_type_string) ?
		    (size_t)json_object_get_string_len(v) : 0;
		if (len == 0 || len > maxlen ||
		    strlen(json_object_get_string(v)) != len) {
			snprintf(name, sizeof(name), "%s[%zu]", field, i);
			api_error(res, 400, "invalid_field", name,
			    "expected a string of 1 to %zu bytes", maxlen);
			return -1;
		}
	}
	return 0;
}
