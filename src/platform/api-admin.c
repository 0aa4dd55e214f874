/*
 * api-admin.c: the admin API (/api/v1): agents, activation keys,
 * configuration profiles, manifests, settings, scans and assets, as
 * docs/protocol.md section 4 specifies. Unknown members are refused.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api-admin.h"
#include "api-vuln.h"
#include "api.h"
#include "compat.h"
#include "jsonutil.h"
#include "log.h"
#include "pki.h"
#include "platform.h"
#include "profile-doc.h"
#include "releases.h"
#include "store.h"
#include "vuln.h"

#define API_ADMIN_MAX_TAGS	64
#define API_ADMIN_MAX_LIMIT	10000
#define API_ADMIN_DEFAULT_LIMIT	1000
#define API_ADMIN_MAX_PAGE	1000	/* agents in one page of the list */

/* Answer 200 with {"count": n, key: arr}; 503 if arr is NULL. */
static void
api_admin_answer_list(struct api_response *res, const char *key,
    struct json_object *arr)
{
	if (arr == NULL) {
		api_store_error(res);
		return;
	}
	res->json = json_object_new_object();
	json_add_int64(res->json, "count",
	    (int64_t)json_object_array_length(arr));
	json_object_object_add(res->json, key, arr);
	res->status = 200;
}

/*
 * The agent id of the path, which must exist. Returns it, or NULL with a
 * 404 (or 503) answer.
 */
static const char *
api_admin_agent_param(struct api *api, struct api_request *req,
    struct api_response *res)
{
	const char	*id = req->params[0];
	int		 rc;

	if (id == NULL || !api_is_uuid(id) ||
	    (rc = store_agent_exists(api->store, id)) == 1) {
		api_error(res, 404, "not_found", NULL, "no such agent");
		return NULL;
	}
	if (rc == -1) {
		api_store_error(res);
		return NULL;
	}
	return id;
}

/* Check a "tags" array. Returns 0, or -1 with a 400 answer. */
static int
api_admin_check_tags(struct api_response *res, struct json_object *in,
    struct json_object **tags)
{
	if (api_get_array(res, in, NULL, "tags", 0, API_ADMIN_MAX_TAGS, tags) ==
	    -1)
		return -1;
	if (*tags != NULL && api_string_array(res, *tags, "tags", 64) == -1)
		return -1;
	return 0;
}

/* Check a "profile_id" member names a profile. Returns 0, or -1. */
static int
api_admin_check_profile(struct api *api, struct api_response *res,
    struct json_object *in, int64_t *id)
{
	int64_t		 version;
	int		 rc;

	if (!json_object_object_get_ex(in, "profile_id", NULL))
		return 0;
	if (api_get_int(res, in, NULL, "profile_id", 1, 1, INT64_MAX, id) ==
	    -1)
		return -1;
	rc = store_profile_version(api->store, *id, &version, NULL, NULL);
	if (rc == 1) {
		api_error(res, 400, "invalid_field", "profile_id",
		    "no profile %lld", (long long)*id);
		return -1;
	}
	if (rc == -1) {
		api_store_error(res);
		return -1;
	}
	return 0;
}

/*
 * Read text query parameter key into buf when present (*out = buf): at
 * most len - 1 bytes, every one in chars when chars is not NULL. Returns
 * 0, or -1 with a 400 answer.
 */
static int
api_admin_query_text(struct api_request *req, struct api_response *res,
    const char *key, const char *chars, char *buf, size_t len,
    const char **out)
{
	int	 rc;

	rc = api_query_get(req->query, key, buf, len);
	if (rc == 1)
		return 0;
	if (rc == 0 && buf[0] != '\0' &&
	    (chars == NULL || buf[strspn(buf, chars)] == '\0')) {
		*out = buf;
		return 0;
	}
	api_error(res, 400, "invalid_query", key, "expected 1 to %zu bytes%s",
	    len - 1, chars != NULL ? " of letters, digits, . _ -" : "");
	return -1;
}

/*
 * Read query parameter key, which must be one of the NULL-terminated
 * names, into *out (its index; left as is when absent). Returns 0, or -1
 * with a 400 answer.
 */
static int
api_admin_query_enum(struct api_request *req, struct api_response *res,
    const char *key, const char *const *names, const char *expected,
    int *out)
{
	char	 buf[32];
	int	 i, rc;

	rc = api_query_get(req->query, key, buf, sizeof(buf));
	if (rc == 1)
		return 0;
	for (i = 0; rc == 0 && names[i] != NULL; i++)
		if (strcmp(buf, names[i]) == 0) {
			*out = i;
			return 0;
		}
	api_error(res, 400, "invalid_query", key, "expected %s", expected);
	return -1;
}

/* GET /api/v1/agents: the agents a filter finds, a page of them. */
void
api_admin_agents(struct api *api, struct api_request *req,
    struct api_response *res)
{
	static const char *const statuses[] = {
		"provisioned", "initial_scan_complete", NULL
	};
	static const char *const booleans[] = { "false", "true", NULL };
	static const char *const sorts[] = {
		[AGENT_SORT_ACTIVATED] = "activated_at",
		[AGENT_SORT_HOSTNAME] = "hostname",
		[AGENT_SORT_CHECKIN] = "last_checkin",
		[AGENT_SORT_STATUS] = "status",
		[AGENT_SORT_VERSION] = "agent_version",
		NULL
	};
	static const char *const orders[] = { "asc", "desc", NULL };
	static const char code_chars[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	struct agent_query	 q;
	struct json_object	*arr;
	char			 error[65], key[PLATFORM_UUID_LEN + 2];
	char			 search[257];
	int64_t			 total;
	int			 status = -1, sort = AGENT_SORT_ACTIVATED;

	memset(&q, 0, sizeof(q));
	q.online = -1;
	q.now = req->now;
	if (api_admin_query_enum(req, res, "status", statuses,
	    "provisioned or initial_scan_complete", &status) == -1 ||
	    api_admin_query_enum(req, res, "online", booleans,
	    "true or false", &q.online) == -1 ||
	    api_admin_query_text(req, res, "error", code_chars, error,
	    sizeof(error), &q.error_code) == -1 ||
	    api_query_int(req, res, "profile_id", 1, INT64_MAX,
	    &q.profile_id) == -1 ||
	    api_admin_query_text(req, res, "activation_id", NULL, key,
	    sizeof(key), &q.activation_id) == -1 ||
	    api_admin_query_text(req, res, "q", NULL, search, sizeof(search),
	    &q.search) == -1 ||
	    api_admin_query_enum(req, res, "sort", sorts, "activated_at, "
	    "hostname, last_checkin, status or agent_version", &sort) == -1 ||
	    api_admin_query_enum(req, res, "order", orders, "asc or desc",
	    &q.descending) == -1 ||
	    api_query_int(req, res, "limit", 1, API_ADMIN_MAX_PAGE,
	    &q.limit) == -1 ||
	    api_query_int(req, res, "offset", 0, INT32_MAX, &q.offset) == -1)
		return;
	if (q.activation_id != NULL && !api_is_uuid(q.activation_id)) {
		api_error(res, 400, "invalid_query", "activation_id",
		    "expected a lower-case UUID");
		return;
	}
	q.status = status >= 0 ? statuses[status] : NULL;
	q.sort = (enum agent_sort)sort;
	arr = store_agent_list(api->store, &q, &total);
	api_admin_answer_list(res, "agents", arr);
	if (arr == NULL)
		return;
	json_add_int64(res->json, "total", total);
	json_add_int64(res->json, "offset", q.offset);
}

/* GET /api/v1/agents/{id}: one agent in detail. */
void
api_admin_agent_get(struct api *api, struct api_request *req,
    struct api_response *res)
{
	const char	*id;

	if ((id = api_admin_agent_param(api, req, res)) == NULL)
		return;
	if (api_vuln_agent_current(api, id, req->now) == -1 ||
	    (res->json = store_agent_json(api->store, id, 1)) == NULL ||
	    releases_agent_detail(api, id, res->json) == -1) {
		api_store_error(res);
		return;
	}
	res->status = 200;
}

/* PATCH /api/v1/agents/{id}: profile, tags, reactivate command. */
void
api_admin_agent_patch(struct api *api, struct api_request *req,
    struct api_response *res)
{
	static const char *const fields[] = {
		"profile_id", "tags", "reactivate", NULL
	};
	struct json_object	*tags;
	const char		*id;
	int64_t			 profile_id = -1;
	int			 reactivate = 0;

	if ((id = api_admin_agent_param(api, req, res)) == NULL ||
	    api_check_fields(res, req->json, NULL, fields) == -1 ||
	    api_admin_check_tags(res, req->json, &tags) == -1 ||
	    api_admin_check_profile(api, res, req->json, &profile_id) == -1 ||
	    api_get_bool(res, req->json, NULL, "reactivate", 0,
	    &reactivate) == -1)
		return;
	if (store_agent_update(api->store, id, profile_id, tags != NULL ?
	    api_json_text(tags) : NULL, reactivate) != 0) {
		api_store_error(res);
		return;
	}
	api_admin_agent_get(api, req, res);
}

/* DELETE /api/v1/agents/{id}: uninstall; the record goes. */
void
api_admin_agent_delete(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*agent;
	const char		*id;

	if ((id = api_admin_agent_param(api, req, res)) == NULL)
		return;
	/* What the audit trail shows of the agent once it is gone. */
	if ((agent = store_agent_json(api->store, id, 0)) != NULL)
		api_summary(res, "hostname %s",
		    json_get_string(agent, "hostname"));
	json_object_put(agent);
	if (store_agent_delete(api->store, id) != 0) {
		api_store_error(res);
		return;
	}
	res->json = json_object_new_object();
	json_add_string(res->json, "agent_id", id);
	json_add_bool(res->json, "deleted", 1);
	res->status = 200;
	log_info("agent %s deleted through the admin API", id);
}

/* GET /api/v1/agents/{id}/inventory: the stored inventory. */
void
api_admin_agent_inventory(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*doc;
	const char		*id;
	int64_t			 version, updated;
	int			 rc;

	if ((id = api_admin_agent_param(api, req, res)) == NULL)
		return;
	rc = store_inventory_get(api->store, id, &version, &updated, &doc);
	if (rc == 1) {
		api_error(res, 404, "not_found", NULL,
		    "agent %s uploaded no inventory", id);
		return;
	}
	if (rc == -1) {
		api_store_error(res);
		return;
	}
	res->json = json_object_new_object();
	json_add_string(res->json, "agent_id", id);
	json_add_int64(res->json, "inventory_version", version);
	json_add_int64(res->json, "updated_at", updated);
	json_object_object_add(res->json, "data", doc);
	res->status = 200;
}

/* GET /api/v1/agents/{id}/fim-events: filtered FIM events. */
void
api_admin_agent_fim(struct api *api, struct api_request *req,
    struct api_response *res)
{
	static const char *const orders[] = { "asc", "desc", NULL };
	struct fim_filter	 f;
	struct json_object	*arr;
	const char		*id;
	char			 path[4097], action[16];
	int			 rc;

	if ((id = api_admin_agent_param(api, req, res)) == NULL)
		return;
	memset(&f, 0, sizeof(f));
	f.until = INT64_MAX;
	f.limit = API_ADMIN_DEFAULT_LIMIT;
	if ((rc = api_query_get(req->query, "path", path, sizeof(path))) ==
	    -1) {
		api_error(res, 400, "invalid_query", "path", "bad value");
		return;
	}
	if (rc == 0)
		f.path_prefix = path;
	if ((rc = api_query_get(req->query, "action", action,
	    sizeof(action))) == 0) {
		if (strcmp(action, "create") != 0 &&
		    strcmp(action, "modify") != 0 &&
		    strcmp(action, "attrib") != 0 &&
		    strcmp(action, "delete") != 0 &&
		    strcmp(action, "rename") != 0) {
			api_error(res, 400, "invalid_query", "action",
			    "expected create, modify, attrib, delete or "
			    "rename");
			return;
		}
		f.action = action;
	} else if (rc == -1) {
		api_error(res, 400, "invalid_query", "action", "bad value");
		return;
	}
	if (api_query_int(req, res, "since", 0, INT64_MAX, &f.since) == -1 ||
	    api_query_int(req, res, "until", 0, INT64_MAX, &f.until) == -1 ||
	    api_query_int(req, res, "limit", 1, API_ADMIN_MAX_LIMIT,
	    &f.limit) == -1 ||
	    api_admin_query_enum(req, res, "order", orders, "asc or desc",
	    &f.newest_first) == -1)
		return;
	if ((arr = store_fim_list(api->store, id, &f)) == NULL) {
		api_store_error(res);
		return;
	}
	api_admin_answer_list(res, "events", arr);
	json_add_string(res->json, "agent_id", id);
}

/* GET /api/v1/agents/{id}/errors: the errors an agent reported. */
void
api_admin_agent_errors(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*arr;
	const char		*id;
	int64_t			 limit = API_ADMIN_DEFAULT_LIMIT;

	if ((id = api_admin_agent_param(api, req, res)) == NULL ||
	    api_query_int(req, res, "limit", 1, API_ADMIN_MAX_LIMIT,
	    &limit) == -1)
		return;
	if ((arr = store_error_list(api->store, id, limit)) == NULL) {
		api_store_error(res);
		return;
	}
	api_admin_answer_list(res, "errors", arr);
	json_add_string(res->json, "agent_id", id);
}

/*
 * GET /api/v1/agents/{id}/manifest-downloads: the platform's record of
 * the agent's manifest requests, newest first; type=, outcome=, since=,
 * limit= narrow it.
 */
void
api_admin_agent_downloads(struct api *api, struct api_request *req,
    struct api_response *res)
{
	static const char *const outcomes[] = {
		"served", "not_modified", "paused", "not_found"
	};
	struct json_object	*arr;
	enum manifest_type	 type;
	const char		*id, *tp = NULL, *op = NULL;
	char			 tbuf[16], obuf[16];
	int64_t			 limit = API_ADMIN_DEFAULT_LIMIT, since = 0;
	size_t			 i;
	int			 rc;

	if ((id = api_admin_agent_param(api, req, res)) == NULL)
		return;
	if ((rc = api_query_get(req->query, "type", tbuf, sizeof(tbuf))) ==
	    0) {
		if (manifest_type_parse(tbuf, &type) == -1) {
			api_error(res, 400, "invalid_query", "type",
			    "expected inventory, fim or vulnsigs");
			return;
		}
		tp = manifest_type_name(type);
	} else if (rc == -1) {
		api_error(res, 400, "invalid_query", "type", "bad value");
		return;
	}
	if ((rc = api_query_get(req->query, "outcome", obuf,
	    sizeof(obuf))) == 0) {
		for (i = 0; i < nitems(outcomes); i++)
			if (strcmp(obuf, outcomes[i]) == 0)
				op = outcomes[i];
		if (op == NULL) {
			api_error(res, 400, "invalid_query", "outcome",
			    "expected served, not_modified, paused or "
			    "not_found");
			return;
		}
	} else if (rc == -1) {
		api_error(res, 400, "invalid_query", "outcome", "bad value");
		return;
	}
	if (api_query_int(req, res, "since", 0, INT64_MAX, &since) == -1 ||
	    api_query_int(req, res, "limit", 1, API_ADMIN_MAX_LIMIT,
	    &limit) == -1)
		return;
	if ((arr = store_download_list(api->store, id, tp, op, since,
	    limit)) == NULL) {
		api_store_error(res);
		return;
	}
	api_admin_answer_list(res, "downloads", arr);
	json_add_string(res->json, "agent_id", id);
}

/* GET /api/v1/activation-keys */
void
api_admin_keys(struct api *api, struct api_request *req,
    struct api_response *res)
{
	api_admin_answer_list(res, "activation_keys",
	    store_key_list(api->store));
}

/*
 * Check the fields of an activation key create or patch into k. Returns 0,
 * or -1 with the error answer set.
 */
static int
api_admin_check_key(struct api *api, struct api_response *res,
    struct json_object *in, int creating, struct activation_key *k,
    struct json_object **tags)
{
	const char	*name;

	if (api_get_string(res, in, NULL, "name", creating, 128, &name) ==
	    -1 ||
	    api_admin_check_tags(res, in, tags) == -1 ||
	    api_admin_check_profile(api, res, in, &k->profile_id) == -1 ||
	    api_get_bool(res, in, NULL, "enabled", 0, &k->enabled) == -1)
		return -1;
	if (name != NULL) {
		free(k->name);
		if ((k->name = strdup(name)) == NULL) {
			api_error(res, 500, "internal_error", NULL,
			    "out of memory");
			return -1;
		}
	}
	if (*tags != NULL) {
		free(k->tags);
		if ((k->tags = strdup(api_json_text(*tags))) == NULL) {
			api_error(res, 500, "internal_error", NULL,
			    "out of memory");
			return -1;
		}
	}
	return 0;
}

/* POST /api/v1/activation-keys: a new key for the platform's customer. */
void
api_admin_key_create(struct api *api, struct api_request *req,
    struct api_response *res)
{
	static const char *const fields[] = {
		"name", "profile_id", "tags", "enabled", NULL
	};
	struct activation_key	 k;
	struct json_object	*tags;

	memset(&k, 0, sizeof(k));
	k.enabled = 1;
	k.profile_id = store_default_profile(api->store);
	if (api_check_fields(res, req->json, NULL, fields) == -1 ||
	    api_admin_check_key(api, res, req->json, 1, &k, &tags) == -1)
		goto done;
	if (store_setting_get(api->store, "customer_id", k.customer_id,
	    sizeof(k.customer_id)) != 0 || k.profile_id < 0) {
		api_store_error(res);
		goto done;
	}
	if (pki_uuid(k.id) == -1) {
		api_error(res, 500, "internal_error", NULL, "no randomness");
		goto done;
	}
	if (store_key_create(api->store, &k, req->now) == -1 ||
	    (res->json = store_key_json(api->store, k.id)) == NULL) {
		api_store_error(res);
		goto done;
	}
	res->status = 201;
	log_info("activation key %s (%s) created", k.id, k.name);
done:
	store_key_free(&k);
}

/* GET /api/v1/activation-keys/{id} */
void
api_admin_key_get(struct api *api, struct api_request *req,
    struct api_response *res)
{
	if (!api_is_uuid(req->params[0]) ||
	    (res->json = store_key_json(api->store, req->params[0])) == NULL) {
		api_error(res, 404, "not_found", NULL,
		    "no such activation key");
		return;
	}
	res->status = 200;
}

/*
 * PATCH /api/v1/activation-keys/{id}: change the key; with
 * apply_to_all_agents, move every agent activated with it to its profile
 * and tags.
 */
void
api_admin_key_patch(struct api *api, struct api_request *req,
    struct api_response *res)
{
	static const char *const fields[] = {
		"name", "profile_id", "tags", "enabled",
		"apply_to_all_agents", NULL
	};
	struct activation_key	 k;
	struct json_object	*tags;
	int			 apply = 0, applied = 0, rc;

	memset(&k, 0, sizeof(k));
	if (!api_is_uuid(req->params[0]) ||
	    (rc = store_key_get(api->store, req->params[0], &k)) == 1) {
		api_error(res, 404, "not_found", NULL,
		    "no such activation key");
		return;
	}
	if (rc == -1) {
		api_store_error(res);
		return;
	}
	if (api_check_fields(res, req->json, NULL, fields) == -1 ||
	    api_admin_check_key(api, res, req->json, 0, &k, &tags) == -1 ||
	    api_get_bool(res, req->json, NULL, "apply_to_all_agents", 0,
	    &apply) == -1)
		goto done;
	if (store_key_update(api->store, &k, req->now) != 0 ||
	    (apply && (applied = store_key_apply_all(api->store, k.id,
	    k.profile_id, k.tags)) == -1) ||
	    (res->json = store_key_json(api->store, k.id)) == NULL) {
		api_store_error(res);
		goto done;
	}
	if (apply) {
		json_add_int64(res->json, "applied_to", applied);
		log_info("activation key %s applied to %d agents", k.id,
		    applied);
	}
	res->status = 200;
done:
	store_key_free(&k);
}

/* GET /api/v1/profiles */
void
api_admin_profiles(struct api *api, struct api_request *req,
    struct api_response *res)
{
	api_admin_answer_list(res, "profiles", store_profile_list(api->store));
}

/* Answer 400 for a profile document error. */
static void
api_admin_profile_invalid(struct api_response *res, const char *field,
    const char *msg)
{
	api_error(res, 400, "invalid_field", field, "%s", msg);
}

/* POST /api/v1/profiles: a new profile at version 1. */
void
api_admin_profile_create(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*doc;
	const char		*name;
	char			 field[128], msg[160];
	int64_t			 id;
	int			 rc;

	if (api_get_string(res, req->json, NULL, "name", 1, 128, &name) == -1)
		return;
	doc = profile_doc_default();
	if (profile_doc_apply(doc, req->json, field, sizeof(field), msg,
	    sizeof(msg)) == -1) {
		api_admin_profile_invalid(res, field, msg);
		goto done;
	}
	if ((rc = store_profile_name_used(api->store, name, -1)) == 0) {
		api_error(res, 409, "conflict", "name",
		    "a profile named \"%s\" exists", name);
		goto done;
	}
	if (rc == -1 || store_profile_create(api->store, name,
	    api_json_text(doc), req->now, &id) == -1 ||
	    store_profile_get(api->store, id, &res->json) != 0) {
		api_store_error(res);
		goto done;
	}
	res->status = 201;
	log_info("profile %lld (%s) created", (long long)id, name);
done:
	json_object_put(doc);
}

/* The profile id of the path into *id. Returns 0, or -1 with a 404. */
static int
api_admin_profile_param(struct api_request *req, struct api_response *res,
    int64_t *id)
{
	char		*end;
	long long	 n;

	n = strtoll(req->params[0], &end, 10);
	if (*end != '\0' || n <= 0 || req->params[0][0] == '+') {
		api_error(res, 404, "not_found", NULL, "no such profile");
		return -1;
	}
	*id = n;
	return 0;
}

/* GET /api/v1/profiles/{id} */
void
api_admin_profile_get(struct api *api, struct api_request *req,
    struct api_response *res)
{
	int64_t	 id;
	int	 rc;

	if (api_admin_profile_param(req, res, &id) == -1)
		return;
	rc = store_profile_get(api->store, id, &res->json);
	if (rc == 1)
		api_error(res, 404, "not_found", NULL, "no such profile");
	else if (rc == -1)
		api_store_error(res);
	else
		res->status = 200;
}

/* PATCH /api/v1/profiles/{id}: merge fields; the version bumps on change. */
void
api_admin_profile_patch(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*doc = NULL, *cur = NULL;
	const char		*name, *oldname;
	char			 field[128], msg[160], *before = NULL;
	int64_t			 id, version;
	int			 rc;

	if (api_admin_profile_param(req, res, &id) == -1)
		return;
	if ((rc = store_profile_doc(api->store, id, &version, &doc)) == 1) {
		api_error(res, 404, "not_found", NULL, "no such profile");
		return;
	}
	if (rc == -1 || store_profile_get(api->store, id, &cur) != 0) {
		api_store_error(res);
		goto done;
	}
	if (api_get_string(res, req->json, NULL, "name", 0, 128, &name) == -1)
		goto done;
	oldname = json_get_string(cur, "name");
	if (name == NULL)
		name = oldname;
	if ((before = strdup(api_json_text(doc))) == NULL) {
		api_error(res, 500, "internal_error", NULL, "out of memory");
		goto done;
	}
	if (profile_doc_apply(doc, req->json, field, sizeof(field), msg,
	    sizeof(msg)) == -1) {
		api_admin_profile_invalid(res, field, msg);
		goto done;
	}
	if ((rc = store_profile_name_used(api->store, name, id)) == 0) {
		api_error(res, 409, "conflict", "name",
		    "a profile named \"%s\" exists", name);
		goto done;
	}
	if (rc == -1) {
		api_store_error(res);
		goto done;
	}
	/* A document serializes in member order, so equal text = no change. */
	if (strcmp(before, api_json_text(doc)) != 0 ||
	    strcmp(name, oldname) != 0) {
		version++;
		if (store_profile_update(api->store, id, name,
		    api_json_text(doc), version, req->now) != 0) {
			api_store_error(res);
			goto done;
		}
		log_info("profile %lld changed, now version %lld",
		    (long long)id, (long long)version);
		api_summary(res, "version %lld -> %lld",
		    (long long)version - 1, (long long)version);
	}
	if (store_profile_get(api->store, id, &res->json) != 0) {
		api_store_error(res);
		goto done;
	}
	res->status = 200;
done:
	free(before);
	json_object_put(doc);
	json_object_put(cur);
}

/*
 * Sign and store body as the next version of manifest type. Returns 0
 * with *version set, or -1.
 */
static int
api_admin_publish(struct api *api, enum manifest_type type, const char *body,
    int64_t now, int64_t *version)
{
	char	*sig;
	int	 rc;

	*version = store_manifest_version(api->store, type) + 1;
	if ((sig = pki_manifest_sign(api->signer, manifest_type_name(type),
	    *version, body, strlen(body))) == NULL) {
		log_warnx("cannot sign the %s manifest",
		    manifest_type_name(type));
		return -1;
	}
	rc = store_manifest_add(api->store, type, body, sig, now, version);
	free(sig);
	return rc;
}

/* GET /api/v1/manifests: the newest version of each type. */
void
api_admin_manifests(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*arr = json_object_new_array(), *obj;
	int64_t			 version, created;
	int			 i, rc;

	for (i = 0; i < MANIFEST_NTYPES; i++) {
		rc = store_manifest_latest(api->store, (enum manifest_type)i,
		    &version, NULL, NULL, &created);
		if (rc == -1) {
			json_object_put(arr);
			api_store_error(res);
			return;
		}
		if (rc == 1)
			continue;
		obj = json_object_new_object();
		json_add_string(obj, "type",
		    manifest_type_name((enum manifest_type)i));
		json_add_int64(obj, "version", version);
		json_add_int64(obj, "created_at", created);
		json_object_array_add(arr, obj);
	}
	api_admin_answer_list(res, "manifests", arr);
}

/* Answer with the newest manifest of type (status on success). */
static void
api_admin_manifest_answer(struct api *api, struct api_response *res,
    enum manifest_type type, int status)
{
	int64_t	 version, created;
	char	*body, *sig;
	int	 rc;

	rc = store_manifest_latest(api->store, type, &version, &body, &sig,
	    &created);
	if (rc == 1) {
		api_error(res, 404, "not_found", NULL, "no %s manifest",
		    manifest_type_name(type));
		return;
	}
	if (rc == -1) {
		api_store_error(res);
		return;
	}
	res->json = api_manifest_json(type, version, body, sig,
	    created);
	res->status = status;
	free(body);
	free(sig);
}

/*
 * The most a served manifest of each type may take: what agents accept
 * (docs/protocol.md 7); for fim, what the profile folded into it leaves.
 */
static const size_t api_admin_manifest_cap[MANIFEST_NTYPES] = {
	256 * 1024, 512 * 1024, 16 * 1024 * 1024
};

/*
 * Would body, served as a manifest of type, pass what agents accept?
 * Returns 0, or -1 with a 400 answer.
 */
static int
api_admin_manifest_fits(struct api_response *res, enum manifest_type type,
    const char *body)
{
	struct json_object	*served;
	size_t			 n;

	/* The envelope: body as a JSON string, type, version, signature. */
	served = api_manifest_json(type, INT64_MAX, body, "sig", INT64_MAX);
	n = strlen(api_json_text(served)) + 88;
	json_object_put(served);
	if (n <= api_admin_manifest_cap[type])
		return 0;
	api_error(res, 400, "invalid_field", "body", "served, the %s manifest "
	    "would take %zu bytes; agents accept at most %zu",
	    manifest_type_name(type), n, api_admin_manifest_cap[type]);
	return -1;
}

/* POST /api/v1/manifests: publish a new signed version. */
void
api_admin_manifest_publish(struct api *api, struct api_request *req,
    struct api_response *res)
{
	static const char *const fields[] = { "type", "body", NULL };
	struct json_object	*body;
	enum manifest_type	 type;
	const char		*name;
	char			 rel[128], field[160], msg[192];
	int64_t			 version;

	if (api_check_fields(res, req->json, NULL, fields) == -1 ||
	    api_get_string(res, req->json, NULL, "type", 1, 16, &name) == -1 ||
	    api_get_object(res, req->json, NULL, "body", 1, &body) == -1)
		return;
	if (manifest_type_parse(name, &type) == -1) {
		api_error(res, 400, "invalid_field", "type",
		    "expected inventory, fim or vulnsigs");
		return;
	}
	if (api_admin_manifest_fits(res, type, api_json_text(body)) == -1)
		return;
	if (type == MANIFEST_VULNSIGS && vuln_sigs_check(body, rel,
	    sizeof(rel), msg, sizeof(msg)) == -1) {
		snprintf(field, sizeof(field), "body%s%s",
		    rel[0] != '\0' ? "." : "", rel);
		api_error(res, 400, "invalid_field", field, "%s", msg);
		return;
	}
	if (type == MANIFEST_VULNSIGS ? api_vuln_publish(api, body, req->now,
	    &version) == -1 : api_admin_publish(api, type, api_json_text(body),
	    req->now, &version) == -1) {
		api_store_error(res);
		return;
	}
	log_info("%s manifest version %lld published", name,
	    (long long)version);
	api_admin_manifest_answer(api, res, type, 201);
}

/* GET /api/v1/manifests/{type} */
void
api_admin_manifest_get(struct api *api, struct api_request *req,
    struct api_response *res)
{
	enum manifest_type	 type;

	if (manifest_type_parse(req->params[0], &type) == -1) {
		api_error(res, 404, "not_found", NULL, "no such manifest type");
		return;
	}
	api_admin_manifest_answer(api, res, type, 200);
}

/* GET /api/v1/settings */
void
api_admin_settings(struct api *api, struct api_request *req,
    struct api_response *res)
{
	int	 accept;

	if (store_setting_get_bool(api->store, "accept_correlation_id",
	    &accept) == -1) {
		api_store_error(res);
		return;
	}
	res->json = json_object_new_object();
	json_add_bool(res->json, "accept_correlation_id", accept);
	res->status = 200;
}

/* PATCH /api/v1/settings */
void
api_admin_settings_patch(struct api *api, struct api_request *req,
    struct api_response *res)
{
	static const char *const fields[] = { "accept_correlation_id", NULL };
	int	 accept = -1;

	if (api_check_fields(res, req->json, NULL, fields) == -1 ||
	    api_get_bool(res, req->json, NULL, "accept_correlation_id", 0,
	    &accept) == -1)
		return;
	if (accept != -1 && store_setting_set(api->store,
	    "accept_correlation_id", accept ? "true" : "false") == -1) {
		api_store_error(res);
		return;
	}
	api_admin_settings(api, req, res);
}

/* GET /api/v1/scans */
void
api_admin_scans(struct api *api, struct api_request *req,
    struct api_response *res)
{
	static const char *const booleans[] = { "false", "true", NULL };
	const char	*agent = NULL;
	char		 id[PLATFORM_UUID_LEN + 2];
	int64_t		 limit = API_ADMIN_DEFAULT_LIMIT;
	int		 merged = -1, mismatch = -1;

	if (api_query_int(req, res, "limit", 1, API_ADMIN_MAX_LIMIT,
	    &limit) == -1 ||
	    api_admin_query_text(req, res, "agent_id", NULL, id, sizeof(id),
	    &agent) == -1 ||
	    api_admin_query_enum(req, res, "merged", booleans,
	    "true or false", &merged) == -1 ||
	    api_admin_query_enum(req, res, "address_mismatch", booleans,
	    "true or false", &mismatch) == -1)
		return;
	if (agent != NULL && !api_is_uuid(agent)) {
		api_error(res, 400, "invalid_query", "agent_id",
		    "expected a lower-case UUID");
		return;
	}
	api_admin_answer_list(res, "scans", store_scan_list(api->store, agent,
	    merged, mismatch, limit));
}

/*
 * GET /api/v1/assets: agents with the scans merged into them, and the
 * other scanned targets. POST /api/v1/scans is in scan-merge.c.
 */
void
api_admin_assets(struct api *api, struct api_request *req,
    struct api_response *res)
{
	api_admin_answer_list(res, "assets", store_asset_list(api->store));
}

/*
 * Fill a new database (inside the caller's transaction): the customer, the
 * default profile, the first activation key and version 1 of each
 * manifest. The new ids go to customer_id and activation_id. Returns 0,
 * or -1.
 */
int
api_admin_seed(struct api *api, char customer_id[PLATFORM_UUID_LEN + 1],
    char activation_id[PLATFORM_UUID_LEN + 1])
{
	static const char *const bodies[MANIFEST_NTYPES] = {
		("{\"collectors\":[\"os\",\"host\",\"cpu\",\"memory\","
		    "\"interfaces\",\"packages\",\"listening\",\"users\","
		    "\"groups\",\"kernel_modules\"]}"),
		"{}",
		"{\"signatures\":0,\"feeds\":[]}"
	};
	struct activation_key	 key;
	struct json_object	*doc;
	int64_t			 now = (int64_t)time(NULL), version;
	int			 i, rc = -1;

	memset(&key, 0, sizeof(key));
	doc = profile_doc_default();
	if (pki_uuid(customer_id) == -1 || pki_uuid(activation_id) == -1 ||
	    store_customer_create(api->store, customer_id, "default",
	    now) == -1 ||
	    store_setting_set(api->store, "customer_id", customer_id) == -1 ||
	    store_profile_create(api->store, "default", api_json_text(doc),
	    now, &key.profile_id) == -1)
		goto done;
	strlcpy(key.id, activation_id, sizeof(key.id));
	strlcpy(key.customer_id, customer_id, sizeof(key.customer_id));
	key.name = "default";
	key.tags = "[]";
	key.enabled = 1;
	if (store_key_create(api->store, &key, now) == -1)
		goto done;
	for (i = 0; i < MANIFEST_NTYPES; i++)
		if (api_admin_publish(api, (enum manifest_type)i, bodies[i],
		    now, &version) == -1)
			goto done;
	rc = 0;
done:
	json_object_put(doc);
	return rc;
}
