/*
 * api-agent.c: the agent API (/agent/v1): activation, heartbeat, profile
 * and manifest downloads, inventory, FIM event batches and error reports,
 * as docs/protocol.md section 3 specifies. Unknown members of agent
 * requests are ignored so that newer agents keep working.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api-agent.h"
#include "api-vuln.h"
#include "api.h"
#include "compat.h"
#include "identity.h"
#include "invitem.h"
#include "jsonutil.h"
#include "log-rate.h"
#include "log.h"
#include "pki.h"
#include "platform.h"
#include "profile-doc.h"
#include "releases.h"
#include "store.h"

#define API_AGENT_MAX_ERRORS		100
#define API_AGENT_MAX_EVENTS		10000
#define API_AGENT_MAX_HOST_MEMBERS	64
#define API_AGENT_MAX_FIM_STATE		4096
#define API_AGENT_MAX_PATH		4096

/* Claims of another agent's identity, at most a few lines per window. */
static struct log_rate api_agent_claims = { "identity claims and clones",
	0, 0, 0 };

static const char *const api_agent_fim_actions[] = {
	"create", "modify", "attrib", "delete", "rename"
};

/*
 * Check the optional "window" of an error report: {"from", "to"}, times
 * with from <= to. Returns 0, or -1 with a 400 answer.
 */
static int
api_agent_check_window(struct api_response *res, struct json_object *e,
    const char *prefix)
{
	struct json_object	*w = NULL;
	char			 field[96];
	int64_t			 from, to;

	if (api_get_object(res, e, prefix, "window", 0, &w) == -1)
		return -1;
	if (w == NULL)
		return 0;
	snprintf(field, sizeof(field), "%s.window", prefix);
	if (api_get_int(res, w, field, "from", 1, 0, INT64_MAX, &from) == -1 ||
	    api_get_int(res, w, field, "to", 1, 0, INT64_MAX, &to) == -1)
		return -1;
	if (to < from) {
		snprintf(field, sizeof(field), "%s.window.to", prefix);
		api_error(res, 400, "invalid_field", field, "before from");
		return -1;
	}
	return 0;
}

/*
 * Check an array of error reports (code, message, time; a loss over a
 * window also window and count) under field.
 * Returns 0, or -1 with a 400 answer.
 */
static int
api_agent_check_errors(struct api_response *res, struct json_object *arr,
    const char *field)
{
	struct json_object	*e;
	const char		*s;
	char			 prefix[64];
	int64_t			 t;
	size_t			 i;

	for (i = 0; i < json_object_array_length(arr); i++) {
		e = json_object_array_get_idx(arr, i);
		snprintf(prefix, sizeof(prefix), "%s[%zu]", field, i);
		if (!json_object_is_type(e, json_type_object)) {
			api_error(res, 400, "invalid_field", prefix,
			    "expected an object");
			return -1;
		}
		if (api_get_string(res, e, prefix, "code", 1, 64, &s) == -1 ||
		    api_get_string(res, e, prefix, "message", 1, 1024,
		    &s) == -1 ||
		    api_get_int(res, e, prefix, "time", 0, 0, INT64_MAX,
		    &t) == -1 ||
		    api_get_int(res, e, prefix, "count", 0, 0, INT64_MAX,
		    &t) == -1 ||
		    api_agent_check_window(res, e, prefix) == -1)
			return -1;
	}
	return 0;
}

/* Store a checked array of error reports. Returns 0, or -1. */
static int
api_agent_store_errors(struct api *api, struct api_request *req,
    struct json_object *arr)
{
	struct json_object		*e, *w;
	struct store_error_window	 win;
	int64_t				 t;
	size_t				 i;

	for (i = 0; i < json_object_array_length(arr); i++) {
		e = json_object_array_get_idx(arr, i);
		t = req->now;
		json_get_int64(e, "time", &t);
		win.from = win.to = win.count = -1;
		if (json_object_object_get_ex(e, "window", &w) && w != NULL) {
			json_get_int64(w, "from", &win.from);
			json_get_int64(w, "to", &win.to);
		}
		json_get_int64(e, "count", &win.count);
		if (store_error_add(api->store, req->agent_id,
		    json_get_string(e, "code"), json_get_string(e, "message"),
		    t, req->now, &win) == -1)
			return -1;
	}
	return 0;
}

/*
 * The checked current_errors of a heartbeat in the stored form: objects
 * of code, message and time only (time defaults to now). Returns a new
 * array.
 */
static struct json_object *
api_agent_current_errors(struct json_object *arr, int64_t now)
{
	struct json_object	*out = json_object_new_array(), *e, *o;
	int64_t			 t;
	size_t			 i;

	for (i = 0; i < json_object_array_length(arr); i++) {
		e = json_object_array_get_idx(arr, i);
		t = now;
		json_get_int64(e, "time", &t);
		o = json_object_new_object();
		json_add_string(o, "code", json_get_string(e, "code"));
		json_add_string(o, "message", json_get_string(e, "message"));
		json_add_int64(o, "time", t);
		json_object_array_add(out, o);
	}
	return out;
}

/* Whether member key is a UUID; if not, answer 400. Returns 1/0. */
static int
api_agent_uuid(struct api_response *res, const char *key, const char *s)
{
	if (api_is_uuid(s))
		return 1;
	api_error(res, 400, "invalid_field", key, "expected a UUID");
	return 0;
}

/* Check the host facts of an activation. Returns 0, or -1 with a 400. */
static int
api_agent_check_host(struct api_response *res, struct json_object *host)
{
	struct json_object	*ips;
	const char		*s;
	char			 field[96];

	if (json_object_object_length(host) > API_AGENT_MAX_HOST_MEMBERS) {
		api_error(res, 400, "invalid_field", "host",
		    "at most %d members", API_AGENT_MAX_HOST_MEMBERS);
		return -1;
	}
	if (api_get_string(res, host, "host", "hostname", 1, 255, &s) == -1)
		return -1;
	json_object_object_foreach(host, key, val) {
		if (strcmp(key, "hostname") == 0)
			continue;
		if (strcmp(key, "ip_addresses") == 0) {
			if (api_get_array(res, host, "host", key, 0, 256,
			    &ips) == -1 ||
			    api_string_array(res, ips, "host.ip_addresses",
			    64) == -1)
				return -1;
			continue;
		}
		snprintf(field, sizeof(field), "host.%s", key);
		if (val != NULL && !json_object_is_type(val,
		    json_type_string)) {
			api_error(res, 400, "invalid_field", field,
			    "expected a string");
			return -1;
		}
		if (api_get_string(res, host, "host", key, 0, 1024, &s) == -1)
			return -1;
	}
	return 0;
}

/*
 * Add the profile object of profile_id to obj as "profile". Returns 0, or
 * -1 (database error, or no such profile).
 */
static int
api_agent_add_profile(struct api *api, struct json_object *obj,
    int64_t profile_id)
{
	struct json_object	*profile;

	if (store_profile_get(api->store, profile_id, &profile) != 0)
		return -1;
	json_object_object_add(obj, "profile", profile);
	return 0;
}

/*
 * Read the optional instance_id member into *out. Returns 0, or -1 with a
 * 400 answer.
 */
static int
api_agent_instance(struct api_response *res, struct json_object *in,
    const char **out)
{
	if (api_get_string(res, in, NULL, "instance_id", 0,
	    PLATFORM_INSTANCE_LEN, out) == -1)
		return -1;
	if (*out != NULL && !identity_is_instance(*out)) {
		api_error(res, 400, "invalid_field", "instance_id",
		    "expected %d lower-case hex digits", PLATFORM_INSTANCE_LEN);
		return -1;
	}
	return 0;
}

/*
 * Check the members of an activation. Returns 0, or -1 with a 400 answer.
 */
static int
api_agent_check_activation(struct api_response *res, struct json_object *in,
    struct json_object **host, const char **prev_id, const char **prev_cred,
    const char **instance)
{
	const char	*s;

	if (api_get_string(res, in, NULL, "activation_id", 1, 64, &s) == -1 ||
	    !api_agent_uuid(res, "activation_id", s) ||
	    api_get_string(res, in, NULL, "customer_id", 1, 64, &s) == -1 ||
	    !api_agent_uuid(res, "customer_id", s) ||
	    api_get_object(res, in, NULL, "host", 1, host) == -1 ||
	    api_get_string(res, in, NULL, "previous_agent_id", 0, 64,
	    prev_id) == -1 ||
	    (*prev_id != NULL &&
	    !api_agent_uuid(res, "previous_agent_id", *prev_id)) ||
	    api_get_string(res, in, NULL, "previous_credential", 0, 128,
	    prev_cred) == -1 ||
	    api_agent_instance(res, in, instance) == -1 ||
	    api_agent_check_host(res, *host) == -1)
		return -1;
	return 0;
}

/*
 * Decide what an activation naming previous_agent_id gets (identity.c):
 * IDENTITY_NEW when it names no agent of this customer. Returns 0, or -1
 * on a database error.
 */
static int
api_agent_identity(struct api *api, const char *customer_id,
    const char *prev_id, const char *prev_cred, const char *instance,
    enum identity_outcome *out)
{
	struct agent_auth	 old;
	enum agent_lookup	 found;

	*out = IDENTITY_NEW;
	if (prev_id == NULL)
		return 0;
	if ((found = store_agent_auth(api->store, prev_id, &old)) ==
	    AGENT_ERROR)
		return -1;
	if (found == AGENT_FOUND && strcmp(old.customer_id, customer_id) == 0)
		*out = identity_activation(&old, identity_proof(&old, prev_id,
		    prev_cred), instance);
	explicit_bzero(&old, sizeof(old));
	return 0;
}

/*
 * Give agent prev_id (which proved itself) the new credential of a and
 * fill a from its record. Returns the record (new), or NULL.
 */
static struct json_object *
api_agent_rekey(struct api *api, const char *prev_id, struct agent_new *a,
    int retry)
{
	struct json_object	*prev;
	const char		*corr;

	if (store_agent_reactivate(api->store, prev_id, a->cred_hash,
	    a->instance, retry, a->now) != 0 ||
	    (prev = store_agent_json(api->store, prev_id, 0)) == NULL)
		return NULL;
	strlcpy(a->id, prev_id, sizeof(a->id));
	corr = json_get_string(prev, "correlation_id");
	strlcpy(a->correlation_id, corr ? corr : "", sizeof(a->correlation_id));
	json_get_int64(prev, "profile_id", &a->profile_id);
	return prev;
}

/* Insert the new agent a with activation key key. Returns 0, or -1. */
static int
api_agent_create(struct api *api, struct agent_new *a,
    const struct activation_key *key, struct json_object *host)
{
	if (pki_uuid(a->id) == -1 ||
	    pki_random_hex(a->correlation_id,
	    PLATFORM_CORRELATION_LEN / 2) == -1)
		return -1;
	strlcpy(a->customer_id, key->customer_id, sizeof(a->customer_id));
	strlcpy(a->key_id, key->id, sizeof(a->key_id));
	a->profile_id = key->profile_id;
	a->tags = key->tags;
	a->hostname = json_get_string(host, "hostname");
	a->host = api_json_text(host);
	a->agent_version = json_get_string(host, "agent_version");
	return store_agent_insert(api->store, a);
}

/*
 * Make or re-key the agent of an activation as outcome says. Returns the
 * previous record when it was re-keyed (new reference), and sets
 * *failed on an error (answered).
 */
static struct json_object *
api_agent_identify(struct api *api, struct api_response *res,
    struct agent_new *a, const struct activation_key *key,
    struct json_object *host, const char *prev_id,
    enum identity_outcome outcome, int *failed)
{
	struct json_object	*prev = NULL;

	*failed = 0;
	if (outcome == IDENTITY_REKEY || outcome == IDENTITY_RETRY) {
		if ((prev = api_agent_rekey(api, prev_id, a,
		    outcome == IDENTITY_RETRY)) == NULL) {
			api_store_error(res);
			*failed = 1;
		}
		return prev;
	}
	if (outcome == IDENTITY_CLONE)
		a->clone_of = prev_id;
	else if (outcome == IDENTITY_UNPROVEN)
		a->claimed = prev_id;
	if (api_agent_create(api, a, key, host) == -1 ||
	    (outcome == IDENTITY_CLONE &&
	    store_agent_clone_seen(api->store, prev_id, a->now, 1) == -1)) {
		api_store_error(res);
		*failed = 1;
		return NULL;
	}
	if (outcome == IDENTITY_CLONE)
		log_rate_warnx(&api_agent_claims, "agent %s: another host holds "
		    "its identity (a cloned host?); that host is now agent %s",
		    prev_id, a->id);
	else if (outcome == IDENTITY_UNPROVEN)
		log_rate_warnx(&api_agent_claims, "an activation claimed agent "
		    "%s without proof of its credential; it is a new agent %s",
		    prev_id, a->id);
	return prev;
}

/*
 * POST /agent/v1/activate: check the activation key and customer, then
 * create the agent (or re-key one told to reactivate that proves who it
 * is, identity.c) and hand out its credential.
 */
void
api_agent_activate(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*in = req->json, *host, *prev = NULL;
	struct activation_key	 key;
	struct agent_new	 a;
	enum identity_outcome	 outcome;
	const char		*activation_id, *customer_id, *prev_id;
	const char		*prev_cred, *instance;
	char			 secret[PLATFORM_SECRET_HEX_LEN + 1];
	char			 cred[PLATFORM_UUID_LEN + 2 +
				    PLATFORM_SECRET_HEX_LEN];
	int			 rc, failed;

	if (api_agent_check_activation(res, in, &host, &prev_id, &prev_cred,
	    &instance) == -1)
		return;
	activation_id = json_get_string(in, "activation_id");
	customer_id = json_get_string(in, "customer_id");
	if ((rc = store_key_get(api->store, activation_id, &key)) == -1) {
		api_store_error(res);
		return;
	}
	if (rc == 1) {
		api_error(res, 403, "invalid_activation_id", NULL,
		    "no activation key %s", activation_id);
		return;
	}
	if (strcmp(key.customer_id, customer_id) != 0) {
		api_error(res, 403, "invalid_customer_id", NULL,
		    "activation key %s does not belong to customer %s",
		    activation_id, customer_id);
		goto done;
	}
	if (!key.enabled) {
		api_error(res, 403, "activation_key_disabled", NULL,
		    "activation key %s is disabled", activation_id);
		goto done;
	}
	if (api_agent_identity(api, customer_id, prev_id, prev_cred, instance,
	    &outcome) == -1) {
		api_store_error(res);
		goto done;
	}
	if (pki_random_hex(secret, PLATFORM_SECRET_HEX_LEN / 2) == -1) {
		api_error(res, 500, "internal_error", NULL, "no randomness");
		goto done;
	}
	memset(&a, 0, sizeof(a));
	pki_sha256_hex(secret, PLATFORM_SECRET_HEX_LEN, a.cred_hash);
	a.instance = instance;
	a.now = req->now;
	prev = api_agent_identify(api, res, &a, &key, host, prev_id, outcome,
	    &failed);
	if (failed)
		goto done;
	snprintf(cred, sizeof(cred), "%s.%s", a.id, secret);
	res->json = json_object_new_object();
	json_add_string(res->json, "agent_id", a.id);
	json_add_string(res->json, "credential", cred);
	json_add_string(res->json, "correlation_id", a.correlation_id);
	json_add_string(res->json, "customer_id", customer_id);
	json_add_string(res->json, "status", prev != NULL ?
	    json_get_string(prev, "status") : "provisioned");
	json_add_string(res->json, "manifest_public_key", api->public_pem);
	if (api_agent_add_profile(api, res->json, a.profile_id) == -1) {
		api_store_error(res);
		goto done;
	}
	res->status = 201;
	log_info("agent %s %s (host %s, activation key %s)", a.id,
	    prev_id != NULL ? identity_outcome_name(outcome) : "activated",
	    json_get_string(host, "hostname"), activation_id);
done:
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(cred, sizeof(cred));
	json_object_put(prev);
	store_key_free(&key);
}

/* Check the heartbeat request. Returns 0, or -1 with a 400 answer. */
static int
api_agent_check_heartbeat(struct api_response *res, struct json_object *in,
    struct heartbeat *hb, struct json_object **errors,
    struct json_object **current)
{
	struct json_object	*mv, *fim, *corr, *listeners, *cur;
	int64_t			 n;
	size_t			 i;

	if (api_get_string(res, in, NULL, "status", 0, 64, &hb->status) ==
	    -1 ||
	    api_get_string(res, in, NULL, "agent_version", 0, 64,
	    &hb->agent_version) == -1 ||
	    api_get_int(res, in, NULL, "profile_version", 0, 0, INT64_MAX,
	    &n) == -1 ||
	    api_get_object(res, in, NULL, "manifest_versions", 0, &mv) == -1 ||
	    api_get_array(res, in, NULL, "errors", 0, API_AGENT_MAX_ERRORS,
	    errors) == -1 ||
	    api_get_array(res, in, NULL, "current_errors", 0,
	    API_AGENT_MAX_ERRORS, &cur) == -1 ||
	    api_get_object(res, in, NULL, "fim", 0, &fim) == -1 ||
	    api_get_object(res, in, NULL, "correlation", 0, &corr) == -1)
		return -1;
	if ((*errors != NULL && api_agent_check_errors(res, *errors,
	    "errors") == -1) ||
	    (cur != NULL && api_agent_check_errors(res, cur,
	    "current_errors") == -1))
		return -1;
	if (cur != NULL) {
		*current = api_agent_current_errors(cur, hb->now);
		hb->current_errors = api_json_text(*current);
	}
	if (mv != NULL) {
		for (i = 0; i < MANIFEST_NTYPES; i++)
			if (api_get_int(res, mv, "manifest_versions",
			    manifest_type_name((enum manifest_type)i), 0, 0,
			    INT64_MAX, &n) == -1)
				return -1;
		hb->manifest_versions = api_json_text(mv);
	}
	if (fim != NULL) {
		hb->fim = api_json_text(fim);
		if (strlen(hb->fim) > API_AGENT_MAX_FIM_STATE) {
			api_error(res, 400, "invalid_field", "fim",
			    "larger than %d bytes", API_AGENT_MAX_FIM_STATE);
			return -1;
		}
	}
	if (corr != NULL) {
		if (api_get_array(res, corr, "correlation", "listeners", 0, 64,
		    &listeners) == -1)
			return -1;
		if (listeners != NULL) {
			if (api_string_array(res, listeners,
			    "correlation.listeners", 64) == -1)
				return -1;
			hb->listeners = api_json_text(listeners);
		}
	}
	return 0;
}

/*
 * POST /agent/v1/heartbeat: record the agent's state and answer with its
 * profile version, the newest manifests and pending commands.
 */
void
api_agent_heartbeat(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*errors = NULL, *current = NULL;
	struct identity_beat	 beat;
	struct heartbeat	 hb;
	const char		*instance;
	char			*text, *offer;
	int			 rc;

	if (req->agent_deleted) {
		res->json = json_object_new_object();
		json_add_string(res->json, "agent_id", req->agent_id);
		json_object_object_add(res->json, "commands",
		    json_object_new_array());
		json_object_array_add(json_object_object_get(res->json,
		    "commands"), json_object_new_string("uninstall"));
		json_add_int64(res->json, "server_time", req->now);
		res->status = 200;
		return;
	}
	memset(&hb, 0, sizeof(hb));
	memset(&beat, 0, sizeof(beat));
	hb.now = req->now;
	rc = api_agent_check_heartbeat(res, req->json, &hb, &errors,
	    &current);
	if (rc == 0 && api_agent_instance(res, req->json, &instance) == -1)
		rc = -1;
	if (rc == 0) {
		identity_heartbeat(&req->agent, instance, req->now, &beat);
		hb.instance = beat.instance;
		hb.prev_instance = beat.prev_instance;
		hb.clone_instance = beat.clone_instance;
		if (beat.clone_detected) {
			hb.clone_detected_at = req->now;
			log_rate_warnx(&api_agent_claims, "agent %s: instance %s "
			    "is back while instance %s is alive: two hosts hold "
			    "this identity (a cloned host?); %s is told to "
			    "activate as a new agent", req->agent_id, instance,
			    req->agent.instance, instance);
		}
		if (store_agent_heartbeat(api->store, req->agent_id,
		    &hb) != 0 || (errors != NULL &&
		    api_agent_store_errors(api, req, errors) == -1)) {
			api_store_error(res);
			rc = -1;
		}
	}
	json_object_put(current);
	if (rc == -1)
		return;
	/* Self-update: the agent's state, the release offered to it. */
	if (releases_heartbeat(api, req, res, hb.agent_version, &offer) == -1)
		return;
	/* The hot path: every member is a number or a checked UUID. */
	if (asprintf(&text, "{\"agent_id\":\"%s\",\"profile_id\":%lld,"
	    "\"profile_version\":%lld,\"heartbeat_interval\":%d,"
	    "\"manifests\":{\"inventory\":%lld,\"fim\":%lld,"
	    "\"vulnsigs\":%lld},\"commands\":[%s],%s%s%s\"server_time\":%lld}",
	    req->agent_id, (long long)req->agent.profile_id,
	    (long long)req->agent.profile_version,
	    req->agent.heartbeat_interval,
	    (long long)store_manifest_version(api->store, MANIFEST_INVENTORY),
	    (long long)store_manifest_version(api->store, MANIFEST_FIM),
	    (long long)store_manifest_version(api->store, MANIFEST_VULNSIGS),
	    req->agent.reactivate || beat.reactivate ? "\"reactivate\"" : "",
	    offer != NULL ? "\"update\":" : "", offer != NULL ? offer : "",
	    offer != NULL ? "," : "", (long long)req->now) == -1) {
		free(offer);
		api_error(res, 500, "internal_error", NULL, "out of memory");
		return;
	}
	free(offer);
	res->text = text;
	res->status = 200;
}

/* Whether If-None-Match in req names etag (or is "*"). Returns 1/0. */
static int
api_agent_etag_matches(struct api_request *req, const char *etag)
{
	const char	*h = req->if_none_match;

	if (h == NULL)
		return 0;
	if (strcmp(h, "*") == 0)
		return 1;
	return strstr(h, etag) != NULL;
}

/* GET /agent/v1/profile: the agent's profile, with ETag and 304. */
void
api_agent_profile(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*profile;
	int64_t			 version = 0;
	int			 rc;

	rc = store_profile_get(api->store, req->agent.profile_id, &profile);
	if (rc != 0) {
		api_store_error(res);
		return;
	}
	json_get_int64(profile, "version", &version);
	snprintf(res->etag, sizeof(res->etag), "\"p%lldv%lld\"",
	    (long long)req->agent.profile_id, (long long)version);
	if (api_agent_etag_matches(req, res->etag)) {
		json_object_put(profile);
		res->status = 304;
		return;
	}
	res->json = profile;
	res->status = 200;
}

/*
 * Build and sign the fim manifest of an agent: the published body with the
 * agent's profile folded in. Returns the manifest object, or NULL.
 */
static struct json_object *
api_agent_fim_manifest(struct api *api, const char *published, int64_t version,
    int64_t profile_id, int64_t profile_version, struct json_object *doc,
    int64_t created)
{
	struct json_object	*body, *pub, *fim, *obj;
	const char		*text;
	char			*sig;

	if ((pub = json_tokener_parse(published)) == NULL)
		pub = json_object_new_object();
	body = json_object_new_object();
	json_object_object_add(body, "published", pub);
	json_add_int64(body, "profile_id", profile_id);
	json_add_int64(body, "profile_version", profile_version);
	if (json_object_object_get_ex(doc, "fim", &fim))
		json_object_object_add(body, "fim", json_object_get(fim));
	text = api_json_text(body);
	if ((sig = pki_manifest_sign(api->signer, "fim", version, text,
	    strlen(text))) == NULL) {
		json_object_put(body);
		return NULL;
	}
	obj = api_manifest_json(MANIFEST_FIM, version, text, sig,
	    created);
	free(sig);
	json_object_put(body);
	return obj;
}

/*
 * Add to the platform's record of manifest downloads what this request
 * for a type manifest got. A failure to record is logged, not answered:
 * the agent still gets its manifest.
 */
static void
api_agent_manifest_record(struct api *api, struct api_request *req,
    struct api_response *res, enum manifest_type type, int64_t version,
    const char *outcome, int status)
{
	if (store_download_add(api->store, req->agent_id,
	    manifest_type_name(type), version, outcome, status,
	    req->now) == -1)
		log_warnx("agent %s: cannot record a %s manifest download",
		    req->agent_id, manifest_type_name(type));
	else
		res->keep_writes = 1;
}

/*
 * GET /agent/v1/manifests/{type}: the newest signed manifest. Every answer
 * for a known type is added to the record of manifest downloads.
 */
void
api_agent_manifest(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*doc = NULL;
	enum manifest_type	 type;
	int64_t			 version, created, pversion;
	char			*body = NULL, *sig = NULL;
	int			 rc;

	if (manifest_type_parse(req->params[0], &type) == -1) {
		api_error(res, 404, "not_found", NULL, "no manifest type %.32s",
		    req->params[0]);
		return;
	}
	if (type == MANIFEST_FIM && store_profile_doc(api->store,
	    req->agent.profile_id, &pversion, &doc) != 0) {
		api_store_error(res);
		return;
	}
	if (doc != NULL && profile_doc_is_paused(doc)) {
		api_error(res, 409, "data_collection_paused", NULL,
		    "data collection is paused in this agent's profile");
		api_agent_manifest_record(api, req, res, type, 0, "paused",
		    409);
		goto done;
	}
	rc = store_manifest_latest(api->store, type, &version, &body, &sig,
	    &created);
	if (rc == -1) {
		api_store_error(res);
		goto done;
	}
	if (rc == 1) {
		api_error(res, 404, "not_found", NULL, "no %s manifest was "
		    "published", manifest_type_name(type));
		api_agent_manifest_record(api, req, res, type, 0, "not_found",
		    404);
		goto done;
	}
	if (type == MANIFEST_FIM)
		snprintf(res->etag, sizeof(res->etag),
		    "\"fim-%lld-p%lldv%lld\"", (long long)version,
		    (long long)req->agent.profile_id, (long long)pversion);
	else
		snprintf(res->etag, sizeof(res->etag), "\"%s-%lld\"",
		    manifest_type_name(type), (long long)version);
	if (api_agent_etag_matches(req, res->etag)) {
		res->status = 304;
		api_agent_manifest_record(api, req, res, type, version,
		    "not_modified", 304);
		goto done;
	}
	if (type == MANIFEST_FIM)
		res->json = api_agent_fim_manifest(api, body, version,
		    req->agent.profile_id, pversion, doc, created);
	else
		res->json = api_manifest_json(type, version, body, sig,
		    created);
	if (res->json == NULL)
		api_error(res, 500, "internal_error", NULL,
		    "cannot sign the manifest");
	else {
		res->status = 200;
		api_agent_manifest_record(api, req, res, type, version,
		    "served", 200);
	}
done:
	free(body);
	free(sig);
	json_object_put(doc);
}

/*
 * Apply an inventory delta (set, remove, items) to doc. Returns 0, or -1
 * with a 400 or a 409 full_inventory_required answer.
 */
static int
api_agent_inventory_delta(struct api_response *res, struct json_object *in,
    struct json_object *doc)
{
	struct json_object	*set, *remove, *items, *v;
	char			 field[128], msg[256];
	size_t			 i;
	int			 rc;

	if (api_get_object(res, in, NULL, "set", 0, &set) == -1 ||
	    api_get_array(res, in, NULL, "remove", 0, 4096, &remove) == -1 ||
	    api_get_object(res, in, NULL, "items", 0, &items) == -1)
		return -1;
	if (remove != NULL && api_string_array(res, remove, "remove",
	    256) == -1)
		return -1;
	if (items != NULL) {
		json_object_object_foreach(items, key, val) {
			(void)val;
			if (set != NULL &&
			    json_object_object_get_ex(set, key, NULL)) {
				snprintf(field, sizeof(field), "items.%.64s",
				    key);
				api_error(res, 400, "invalid_field", field,
				    "the section is also in set");
				return -1;
			}
			for (i = 0; remove != NULL &&
			    i < json_object_array_length(remove); i++)
				if (strcmp(json_object_get_string(
				    json_object_array_get_idx(remove, i)),
				    key) == 0) {
					snprintf(field, sizeof(field),
					    "items.%.64s", key);
					api_error(res, 400, "invalid_field",
					    field, "the section is also in "
					    "remove");
					return -1;
				}
		}
		rc = invitem_apply(doc, items, field, sizeof(field), msg,
		    sizeof(msg));
		if (rc == -1) {
			api_error(res, 400, "invalid_field", field, "%s", msg);
			return -1;
		}
		if (rc == 1) {
			api_error(res, 409, "full_inventory_required", NULL,
			    "%s", msg);
			return -1;
		}
	}
	if (set != NULL) {
		json_object_object_foreach(set, key, val)
			json_object_object_add(doc, key, json_object_get(val));
	}
	if (remove != NULL)
		for (i = 0; i < json_object_array_length(remove); i++) {
			v = json_object_array_get_idx(remove, i);
			json_object_object_del(doc, json_object_get_string(v));
		}
	return 0;
}

/* POST /agent/v1/inventory: store a full snapshot or apply a delta. */
void
api_agent_inventory(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*in = req->json, *data, *doc = NULL;
	const char		*type;
	int64_t			 version = 0, updated, base = -1;
	int			 rc;

	if (api_get_string(res, in, NULL, "type", 1, 16, &type) == -1)
		return;
	if (strcmp(type, "full") != 0 && strcmp(type, "delta") != 0) {
		api_error(res, 400, "invalid_field", "type",
		    "expected \"full\" or \"delta\"");
		return;
	}
	if (api_vuln_inventory_check(res, in) == -1)
		return;
	rc = store_inventory_get(api->store, req->agent_id, &version, &updated,
	    strcmp(type, "delta") == 0 ? &doc : NULL);
	if (rc == -1) {
		api_store_error(res);
		return;
	}
	if (strcmp(type, "full") == 0) {
		if (api_get_object(res, in, NULL, "data", 1, &data) == -1)
			return;
		doc = json_object_get(data);
	} else {
		if (api_get_int(res, in, NULL, "base_version", 0, 0, INT64_MAX,
		    &base) == -1)
			goto done;
		if (rc == 1 || (base != -1 && base != version)) {
			api_error(res, 409, "full_inventory_required", NULL,
			    rc == 1 ? "no full inventory was uploaded yet" :
			    "delta base %lld is not the stored version %lld",
			    (long long)base, (long long)version);
			goto done;
		}
		if (api_agent_inventory_delta(res, in, doc) == -1)
			goto done;
	}
	version++;
	if (store_inventory_put(api->store, req->agent_id, version,
	    api_json_text(doc), req->now) == -1 ||
	    store_agent_status(api->store, req->agent_id,
	    "initial_scan_complete") == -1 ||
	    api_vuln_inventory_stored(api, req->agent_id, in, doc, version - 1,
	    version, req->now) == -1) {
		api_store_error(res);
		goto done;
	}
	res->json = json_object_new_object();
	json_add_int64(res->json, "inventory_version", version);
	json_add_string(res->json, "status", "initial_scan_complete");
	res->status = 200;
done:
	json_object_put(doc);
}

/* Check one FIM event. Returns 0, or -1 with a 400 answer. */
static int
api_agent_check_event(struct api_response *res, struct json_object *e,
    size_t idx)
{
	const char	*s, *old;
	char		 prefix[48];
	int64_t		 t;
	size_t		 i;

	snprintf(prefix, sizeof(prefix), "events[%zu]", idx);
	if (!json_object_is_type(e, json_type_object)) {
		api_error(res, 400, "invalid_field", prefix,
		    "expected an object");
		return -1;
	}
	if (api_get_int(res, e, prefix, "time", 1, 0, INT64_MAX, &t) == -1 ||
	    api_get_string(res, e, prefix, "path", 1, API_AGENT_MAX_PATH,
	    &s) == -1 ||
	    api_get_string(res, e, prefix, "action", 1, 16, &s) == -1 ||
	    api_get_string(res, e, prefix, "old_path", 0, API_AGENT_MAX_PATH,
	    &old) == -1)
		return -1;
	for (i = 0; i < nitems(api_agent_fim_actions); i++)
		if (strcmp(s, api_agent_fim_actions[i]) == 0)
			return 0;
	snprintf(prefix, sizeof(prefix), "events[%zu].action", idx);
	api_error(res, 400, "invalid_field", prefix,
	    "expected one of create, modify, attrib, delete, rename");
	return -1;
}

/* POST /agent/v1/fim-events: store a batch once per sequence number. */
void
api_agent_fim_events(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*events, *e;
	int64_t			 seq, t;
	size_t			 i, n;
	int			 rc;

	if (api_get_int(res, req->json, NULL, "sequence", 1, 1, INT64_MAX,
	    &seq) == -1 ||
	    api_get_array(res, req->json, NULL, "events", 1,
	    API_AGENT_MAX_EVENTS, &events) == -1)
		return;
	n = json_object_array_length(events);
	for (i = 0; i < n; i++)
		if (api_agent_check_event(res,
		    json_object_array_get_idx(events, i), i) == -1)
			return;
	rc = store_fim_batch_add(api->store, req->agent_id, seq, (int64_t)n,
	    req->now);
	if (rc == -1) {
		api_store_error(res);
		return;
	}
	for (i = 0; rc == 0 && i < n; i++) {
		e = json_object_array_get_idx(events, i);
		json_get_int64(e, "time", &t);
		if (store_fim_event_add(api->store, req->agent_id, seq, t,
		    json_get_string(e, "path"), json_get_string(e, "action"),
		    api_json_text(e), json_get_string(e, "old_path")) == -1) {
			api_store_error(res);
			return;
		}
	}
	res->json = json_object_new_object();
	json_add_int64(res->json, "sequence", seq);
	json_add_int64(res->json, "stored", rc == 0 ? (int64_t)n : 0);
	json_add_bool(res->json, "duplicate", rc == 1);
	res->status = 200;
}

/* POST /agent/v1/errors: store the errors an agent reports. */
void
api_agent_errors(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*errors;
	int64_t			 seq = 0, n;
	int			 rc = 0;

	if (api_get_array(res, req->json, NULL, "errors", 1,
	    API_AGENT_MAX_ERRORS, &errors) == -1 ||
	    api_agent_check_errors(res, errors, "errors") == -1)
		return;
	if (json_object_object_get_ex(req->json, "sequence", NULL) &&
	    api_get_int(res, req->json, NULL, "sequence", 1, 1, INT64_MAX,
	    &seq) == -1)
		return;
	n = (int64_t)json_object_array_length(errors);
	/* The spool's sequence numbers are unique across upload kinds. */
	if (seq > 0 && (rc = store_fim_batch_add(api->store, req->agent_id,
	    seq, n, req->now)) == -1) {
		api_store_error(res);
		return;
	}
	if (rc == 0 && api_agent_store_errors(api, req, errors) == -1) {
		api_store_error(res);
		return;
	}
	res->json = json_object_new_object();
	json_add_int64(res->json, "stored", rc == 0 ? n : 0);
	if (seq > 0) {
		json_add_int64(res->json, "sequence", seq);
		json_add_bool(res->json, "duplicate", rc == 1);
	}
	res->status = 200;
}

/*
 * POST /agent/v1/deregister: the agent asks to be deleted (outpostctl
 * uninstall --deregister), as an admin DELETE would.
 */
void
api_agent_deregister(struct api *api, struct api_request *req,
    struct api_response *res)
{
	if (store_agent_delete(api->store, req->agent_id) != 0) {
		api_store_error(res);
		return;
	}
	res->json = json_object_new_object();
	json_add_string(res->json, "agent_id", req->agent_id);
	json_add_bool(res->json, "deleted", 1);
	res->status = 200;
	log_info("agent %s deregistered itself (uninstall --deregister)",
	    req->agent_id);
}
