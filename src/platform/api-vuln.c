/*
 * api-vuln.c: vulnerability detections (docs/protocol.md 4.8). The
 * signatures of a published vulnsigs manifest go to the database; an
 * agent's detections are recomputed in the transaction of each inventory
 * upload that changes its packages, and, after a new vulnsigs version,
 * when they are next read (so what GET /api/v1/agents/{id}/vulnerabilities
 * answers is always computed from the current inventory and vulnsigs,
 * while a publish costs no more than storing the manifest). The heartbeat
 * path never comes here.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api-vuln.h"
#include "api.h"
#include "compat.h"
#include "feed-import.h"
#include "jsonutil.h"
#include "log.h"
#include "store.h"
#include "vuln.h"

/* How long one fleet listing may spend recomputing agents. */
#define API_VULN_FLEET_BUDGET_MS	500

/* What the signature callback needs to record a detection. */
struct api_vuln_match {
	struct store		*store;
	const char		*agent_id;
	struct vuln_host	 host;
	struct vuln_detection	 d;
	const char		*version;	/* the binary version */
	const char		*source_version; /* the source's */
	int64_t			 count;
};

/*
 * Publish the signatures of a hand-written vulnsigs body (one that
 * vuln_sigs_check() accepted) as the "manual" feed: the next vulnsigs
 * version, inside the request's transaction. Returns 0 with *version, or
 * -1.
 */
int
api_vuln_publish(struct api *api, struct json_object *body, int64_t now,
    int64_t *version)
{
	struct feed_import	*fi;
	struct json_object	*sigs;
	struct vuln_sig		 sig;
	size_t			 i, n;
	int			 rc = -1;

	if (!json_object_object_get_ex(body, "signatures", &sigs) ||
	    (fi = malloc(sizeof(*fi))) == NULL)
		return -1;
	if (feed_import_begin(fi, api->store, "manual", FEED_OSV, 0,
	    now) == -1)
		goto done;
	fi->manual = 1;
	n = json_object_array_length(sigs);
	for (i = 0; i < n; i++) {
		vuln_sig_from_json(json_object_array_get_idx(sigs, i), &sig);
		fi->counts.records++;
		fi->counts.signatures++;
		if (feed_import_sig(fi, &sig) == -1)
			goto done;
	}
	if (feed_import_finish(fi, api->signer, "POST /api/v1/manifests",
	    version) != 0)
		goto done;
	log_info("vulnsigs version %lld: %zu hand-written signatures; "
	    "detections are recomputed as agents' vulnerabilities are read",
	    (long long)*version, n);
	rc = 0;
done:
	if (rc == -1)
		feed_import_abort(fi);
	free(fi);
	return rc;
}

/* Check the packages array named prefix. Returns 0, or -1 with a 400. */
static int
api_vuln_check_packages(struct api_response *res, struct json_object *packages,
    const char *prefix)
{
	char	 field[128], msg[128];

	if (vuln_packages_check(packages, prefix, field, sizeof(field), msg,
	    sizeof(msg)) == -1) {
		api_error(res, 400, "invalid_field", field, "%s", msg);
		return -1;
	}
	return 0;
}

/*
 * Check the packages an inventory upload carries (data.packages of a full
 * snapshot; set.packages and items.packages.put of a delta). Returns 0,
 * or -1 with a 400 answer naming the field.
 */
int
api_vuln_inventory_check(struct api_response *res, struct json_object *in)
{
	struct json_object	*section, *packages, *ops, *put;
	const char		*type = json_get_string(in, "type");
	const char		*name;
	char			 prefix[32];

	if (type == NULL)
		return 0;
	name = strcmp(type, "full") == 0 ? "data" : "set";
	if (json_object_object_get_ex(in, name, &section) &&
	    json_object_is_type(section, json_type_object) &&
	    json_object_object_get_ex(section, "packages", &packages)) {
		snprintf(prefix, sizeof(prefix), "%s.packages", name);
		if (api_vuln_check_packages(res, packages, prefix) == -1)
			return -1;
	}
	if (strcmp(type, "delta") == 0 &&
	    json_object_object_get_ex(in, "items", &section) &&
	    json_object_is_type(section, json_type_object) &&
	    json_object_object_get_ex(section, "packages", &ops) &&
	    json_object_is_type(ops, json_type_object) &&
	    json_object_object_get_ex(ops, "put", &put) &&
	    api_vuln_check_packages(res, put, "items.packages.put") == -1)
		return -1;
	return 0;
}

/*
 * Record a detection when sig is for the host's release and the installed
 * package (its source, for a signature keyed by source package) is in
 * sig's affected range. Returns 0 (go on), or -1 (database error: stop).
 */
static int
api_vuln_match_cb(void *arg, const struct vuln_sig *sig)
{
	struct api_vuln_match	*m = arg;
	int			 rc;

	if (!vuln_release_matches(sig->release, &m->host))
		return 0;
	m->d.compared_version = sig->by_source ? m->source_version :
	    m->version;
	if (!vuln_affected(sig, m->d.compared_version))
		return 0;
	m->d.sig = sig;
	if ((rc = store_vuln_add(m->store, m->agent_id, &m->d)) == -1)
		return -1;
	if (rc == 0)
		m->count++;
	return 0;
}

/* Evaluate package p of the inventory. Returns 0, or -1. */
static int
api_vuln_package(struct api *api, struct api_vuln_match *m,
    struct json_object *p, int64_t vulnsigs)
{
	const char	*eco = json_get_string(p, "ecosystem");

	m->d.package = json_get_string(p, "name");
	m->version = json_get_string(p, "version");
	if (m->d.package == NULL || m->version == NULL ||
	    !vuln_ecosystem_known(eco))
		return 0;
	m->d.installed_version = m->version;
	if ((m->d.arch = json_get_string(p, "arch")) == NULL)
		m->d.arch = "";
	if ((m->d.source = json_get_string(p, "source")) == NULL)
		m->d.source = m->d.package;
	if ((m->source_version = json_get_string(p, "source_version")) == NULL)
		m->source_version = m->version;
	return store_vulnsig_find(api->store, vulnsigs, eco, m->d.package,
	    m->d.source, api_vuln_match_cb, m) != 0 ? -1 : 0;
}

/*
 * Recompute the detections of agent id from its inventory document doc
 * (inventory version inventory) against the newest vulnsigs signatures.
 * Returns 0, or -1.
 */
static int
api_vuln_refresh(struct api *api, const char *id, int64_t inventory,
    struct json_object *doc, int64_t now)
{
	struct api_vuln_match	 m;
	struct json_object	*packages, *os;
	int64_t			 vulnsigs;
	size_t			 i, n = 0;

	vulnsigs = store_manifest_version(api->store, MANIFEST_VULNSIGS);
	if (store_vuln_clear(api->store, id) == -1)
		return -1;
	memset(&m, 0, sizeof(m));
	m.store = api->store;
	m.agent_id = id;
	if (json_object_object_get_ex(doc, "os", &os) &&
	    json_object_is_type(os, json_type_object)) {
		m.host.os_id = json_get_string(os, "id");
		m.host.os_version_id = json_get_string(os, "version_id");
	}
	if (json_object_object_get_ex(doc, "packages", &packages) &&
	    json_object_is_type(packages, json_type_array))
		n = json_object_array_length(packages);
	for (i = 0; i < n; i++)
		if (api_vuln_package(api, &m,
		    json_object_array_get_idx(packages, i), vulnsigs) == -1)
			return -1;
	if (store_vuln_scan_put(api->store, id, inventory, vulnsigs, m.count,
	    now) == -1)
		return -1;
	log_debug("agent %s: %lld vulnerabilities (inventory %lld, vulnsigs "
	    "%lld)", id, (long long)m.count, (long long)inventory,
	    (long long)vulnsigs);
	return 0;
}

/*
 * Whether an inventory delta sets or removes the packages section. Returns
 * 1/0.
 */
static int
api_vuln_delta_touches_packages(struct json_object *in)
{
	struct json_object	*set, *remove, *items, *v;
	size_t			 i;

	if (json_object_object_get_ex(in, "set", &set) &&
	    json_object_is_type(set, json_type_object) &&
	    json_object_object_get_ex(set, "packages", NULL))
		return 1;
	if (json_object_object_get_ex(in, "items", &items) &&
	    json_object_is_type(items, json_type_object) &&
	    json_object_object_get_ex(items, "packages", NULL))
		return 1;
	if (json_object_object_get_ex(in, "remove", &remove) &&
	    json_object_is_type(remove, json_type_array))
		for (i = 0; i < json_object_array_length(remove); i++) {
			v = json_object_array_get_idx(remove, i);
			if (json_object_is_type(v, json_type_string) &&
			    strcmp(json_object_get_string(v), "packages") == 0)
				return 1;
		}
	return 0;
}

/*
 * After an inventory upload in has replaced agent id's inventory
 * old_version by doc (version): recompute its detections, or, for a delta
 * that left the packages alone, carry them over. Returns 0, or -1.
 */
int
api_vuln_inventory_stored(struct api *api, const char *id,
    struct json_object *in, struct json_object *doc, int64_t old_version,
    int64_t version, int64_t now)
{
	const char	*type = json_get_string(in, "type");
	int		 rc;

	if (type != NULL && strcmp(type, "delta") == 0 &&
	    !api_vuln_delta_touches_packages(in)) {
		rc = store_vuln_scan_advance(api->store, id, old_version,
		    version, store_manifest_version(api->store,
		    MANIFEST_VULNSIGS));
		if (rc != 1)
			return rc;
	}
	return api_vuln_refresh(api, id, version, doc, now);
}

/*
 * Make agent id's detections current: recompute them if they were
 * computed from another inventory or vulnsigs version than the current
 * ones. Returns 0, or -1.
 */
int
api_vuln_agent_current(struct api *api, const char *id, int64_t now)
{
	struct json_object	*doc = NULL;
	int64_t			 inventory, updated, scan_inventory;
	int64_t			 vulnsigs, count, computed_at;
	int			 rc;

	rc = store_inventory_get(api->store, id, &inventory, &updated, NULL);
	if (rc != 0)
		return rc == 1 ? 0 : -1;
	rc = store_vuln_scan_get(api->store, id, &scan_inventory, &vulnsigs,
	    &count, &computed_at);
	if (rc == -1)
		return -1;
	if (rc == 0 && scan_inventory == inventory && vulnsigs ==
	    store_manifest_version(api->store, MANIFEST_VULNSIGS))
		return 0;
	if (store_inventory_get(api->store, id, &inventory, &updated,
	    &doc) != 0)
		return -1;
	rc = api_vuln_refresh(api, id, inventory, doc, now);
	json_object_put(doc);
	return rc;
}

/* Add key = n, or null when n is 0 (no such version). */
static void
api_vuln_add_version(struct json_object *obj, const char *key, int64_t n)
{
	if (n == 0)
		json_object_object_add(obj, key, NULL);
	else
		json_add_int64(obj, key, n);
}

/* GET /api/v1/agents/{id}/vulnerabilities: the current detections. */
void
api_vuln_agent_list(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*arr;
	const char		*id = req->params[0];
	int64_t			 inventory = 0, updated, scan_inventory;
	int64_t			 vulnsigs, count, computed_at = 0;
	int			 rc;

	if (id == NULL || !api_is_uuid(id) ||
	    (rc = store_agent_exists(api->store, id)) == 1) {
		api_error(res, 404, "not_found", NULL, "no such agent");
		return;
	}
	if (rc == -1 || api_vuln_agent_current(api, id, req->now) == -1 ||
	    store_inventory_get(api->store, id, &inventory, &updated,
	    NULL) == -1 ||
	    store_vuln_scan_get(api->store, id, &scan_inventory, &vulnsigs,
	    &count, &computed_at) == -1 ||
	    (arr = store_vuln_list(api->store, id)) == NULL) {
		api_store_error(res);
		return;
	}
	res->json = json_object_new_object();
	json_add_string(res->json, "agent_id", id);
	api_vuln_add_version(res->json, "inventory_version", inventory);
	api_vuln_add_version(res->json, "vulnsigs_version",
	    store_manifest_version(api->store, MANIFEST_VULNSIGS));
	api_vuln_add_version(res->json, "computed_at", computed_at);
	json_add_int64(res->json, "count",
	    (int64_t)json_object_array_length(arr));
	json_object_object_add(res->json, "vulnerabilities", arr);
	res->status = 200;
}

/*
 * Make agents' detections current (GET /api/v1/vulnerabilities lists what
 * is stored), for at most API_VULN_FLEET_BUDGET_MS so that the loop is
 * not held: *stale is how many are left. Returns 0, or -1.
 */
static int
api_vuln_fleet_current(struct api *api, int64_t now, int64_t *stale)
{
	struct timespec	 start, t;
	char		 id[PLATFORM_UUID_LEN + 1];
	int		 rc;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while ((rc = store_vuln_stale(api->store,
	    store_manifest_version(api->store, MANIFEST_VULNSIGS), id,
	    stale)) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - start.tv_sec) * 1000 + (t.tv_nsec -
		    start.tv_nsec) / 1000000 >= API_VULN_FLEET_BUDGET_MS)
			return 0;
		if (api_vuln_agent_current(api, id, now) == -1)
			return -1;
	}
	return rc == 1 ? 0 : -1;
}

/* Answer 200 with the vulnsigs version in force and arr as key. */
static void
api_vuln_answer(struct api *api, struct api_response *res, const char *key,
    struct json_object *arr)
{
	res->json = json_object_new_object();
	api_vuln_add_version(res->json, "vulnsigs_version",
	    store_manifest_version(api->store, MANIFEST_VULNSIGS));
	json_object_object_add(res->json, key, arr);
	res->status = 200;
}

/* Read query key into buf (NULL *out when absent). 0, or -1 with a 400. */
static int
api_vuln_query(struct api_request *req, struct api_response *res,
    const char *key, char *buf, size_t len, const char **out)
{
	int	 rc = api_query_get(req->query, key, buf, len);

	*out = rc == 0 ? buf : NULL;
	if (rc == -1) {
		api_error(res, 400, "invalid_query", key, "bad value");
		return -1;
	}
	return 0;
}

/*
 * GET /api/v1/vulnerabilities: the detections of every agent, worst
 * first, filtered by cve= (an id or alias), package= (binary or source),
 * severity= and release=, at most limit= (default 1000).
 */
void
api_vuln_fleet(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct store_vuln_filter	 f;
	struct json_object		*arr;
	const char			*sev;
	int64_t				 stale;
	char				 cve[160], pkg[272], sevbuf[16];
	char				 rel[80];

	memset(&f, 0, sizeof(f));
	f.severity = -1;
	f.limit = 1000;
	if (api_vuln_query(req, res, "cve", cve, sizeof(cve), &f.id) == -1 ||
	    api_vuln_query(req, res, "package", pkg, sizeof(pkg),
	    &f.package) == -1 ||
	    api_vuln_query(req, res, "severity", sevbuf, sizeof(sevbuf),
	    &sev) == -1 ||
	    api_vuln_query(req, res, "release", rel, sizeof(rel),
	    &f.release) == -1 ||
	    api_query_int(req, res, "limit", 1, 100000, &f.limit) == -1)
		return;
	if (sev != NULL && (f.severity = strcmp(sev, "unknown") == 0 ?
	    VULN_UNKNOWN : vuln_severity_parse(sev)) == -1) {
		api_error(res, 400, "invalid_query", "severity",
		    "expected unknown, low, medium, high or critical");
		return;
	}
	if (api_vuln_fleet_current(api, req->now, &stale) == -1 ||
	    (arr = store_vuln_fleet(api->store, &f)) == NULL) {
		api_store_error(res);
		return;
	}
	api_vuln_answer(api, res, "vulnerabilities", arr);
	json_add_int64(res->json, "stale_agents", stale);
	json_add_int64(res->json, "count",
	    (int64_t)json_object_array_length(arr));
}

/* GET /api/v1/feeds: each feed, its content and its last fetch. */
void
api_vuln_feeds(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*arr;

	(void)req;
	if ((arr = store_feed_list(api->store)) == NULL) {
		api_store_error(res);
		return;
	}
	api_vuln_answer(api, res, "feeds", arr);
}
