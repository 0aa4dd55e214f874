/*
 * releases.c: agent releases on the platform: adding one, the admin API
 * (list, get, delete, rollout summary), the agent API (a release's
 * manifest, ranges of its files), and the release a heartbeat offers
 * under the profile's update policy (releases.h).
 *
 * A release is added from the archive "make agent-release" made
 * (release-tar.c checks it against its manifest), kept in the store with
 * the exact bytes of its signed manifest, and served to agents as that
 * manifest and its signature, then its files in byte ranges. The
 * platform never signs a release and does not hold the release key: the
 * agents check the signature, so a platform that is compromised or
 * spoofed cannot make them run anything.
 *
 * Which release an agent is offered is decided at each heartbeat from
 * its profile's "update" policy (cached per profile version): off, the
 * newest release for the agent's OS and architecture (Debian version
 * order), or a pinned version; only agents in the rollout percentage
 * (a stable hash of the agent id and the version) are offered it, and
 * outside the maintenance window the offer says to wait.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "api.h"
#include "audit-trail.h"
#include "compat.h"
#include "jsonutil.h"
#include "log.h"
#include "platform.h"
#include "release-tar.h"
#include "release.h"
#include "releases.h"
#include "store.h"

#define RELEASES_CACHED		16	/* profiles' policies kept */

/* The update policy of one version of a profile. */
struct releases_policy {
	int64_t		 profile_id;
	int64_t		 profile_version;
	int		 is_set;
	int		 policy;	/* 0 off, 1 latest, 2 pinned */
	char		 version[RELEASE_VERSION_MAX + 1];
	int		 percent;
	int		 deadline;
	int		 window_start;	/* minutes; -1: no window */
	int		 window_end;
};

static struct releases_policy	 releases_cache[RELEASES_CACHED];
static int			 releases_cache_next;

static const char *const releases_states[] = {
	"none", "pending", "downloading", "verifying", "switching", "done",
	"rolled_back", "failed"
};

/* A time of day "HH:MM" in minutes, or -1. */
int
releases_time_of_day(const char *s)
{
	if (strlen(s) != 5 || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	if ((s[0] - '0') * 10 + (s[1] - '0') > 23 || s[3] > '5')
		return -1;
	return ((s[0] - '0') * 10 + (s[1] - '0')) * 60 +
	    (s[3] - '0') * 10 + (s[4] - '0');
}

/* Read the "update" member of a profile document into p. */
static void
releases_policy_parse(struct json_object *doc, struct releases_policy *p)
{
	struct json_object	*u, *w;
	const char		*s;
	int64_t			 n;

	p->policy = 0;
	p->version[0] = '\0';
	p->percent = 100;
	p->deadline = 300;
	p->window_start = p->window_end = -1;
	if (!json_object_object_get_ex(doc, "update", &u) ||
	    !json_object_is_type(u, json_type_object))
		return;
	if ((s = json_get_string(u, "policy")) != NULL)
		p->policy = strcmp(s, "latest") == 0 ? 1 :
		    strcmp(s, "pinned") == 0 ? 2 : 0;
	if ((s = json_get_string(u, "version")) != NULL &&
	    release_version_valid(s))
		strlcpy(p->version, s, sizeof(p->version));
	if (json_get_int64(u, "rollout_percent", &n) == 0 && n >= 0 &&
	    n <= 100)
		p->percent = (int)n;
	if (json_get_int64(u, "deadline", &n) == 0 && n >= 15 && n <= 3600)
		p->deadline = (int)n;
	if (json_object_object_get_ex(u, "window", &w) &&
	    json_object_is_type(w, json_type_object) &&
	    (s = json_get_string(w, "start")) != NULL &&
	    (p->window_start = releases_time_of_day(s)) != -1 &&
	    (s = json_get_string(w, "end")) != NULL)
		p->window_end = releases_time_of_day(s);
	if (p->window_end == -1)
		p->window_start = -1;
	if (p->policy == 2 && p->version[0] == '\0')
		p->policy = 0;
}

/*
 * The update policy of a profile version, from the cache or the store.
 * Returns it, or NULL on a store error.
 */
static const struct releases_policy *
releases_policy(struct store *store, int64_t id, int64_t version)
{
	struct releases_policy	*p;
	struct json_object	*doc;
	int64_t			 stored;
	int			 i;

	for (i = 0; i < RELEASES_CACHED; i++)
		if (releases_cache[i].is_set &&
		    releases_cache[i].profile_id == id &&
		    releases_cache[i].profile_version == version)
			return &releases_cache[i];
	if (store_profile_doc(store, id, &stored, &doc) != 0)
		return NULL;
	p = &releases_cache[releases_cache_next];
	releases_cache_next = (releases_cache_next + 1) % RELEASES_CACHED;
	memset(p, 0, sizeof(*p));
	releases_policy_parse(doc, p);
	json_object_put(doc);
	p->profile_id = id;
	p->profile_version = stored;
	p->is_set = stored == version;
	return p;
}

/* Whether agent id is in the first percent of the rollout of version. */
static int
releases_in_rollout(const char *agent_id, const char *version, int percent)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	char		 key[128];
	uint32_t	 bucket;

	if (percent >= 100)
		return 1;
	snprintf(key, sizeof(key), "%s/%s", agent_id, version);
	if (EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha256(), NULL) !=
	    1)
		return 0;
	bucket = ((uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 |
	    (uint32_t)md[2] << 8 | md[3]) % 100;
	return (int)bucket < percent;
}

/*
 * The version p picks for os and arch into buf. Returns 1 (there is
 * one), 0 (none), or -1.
 */
static int
releases_pick(struct store *store, const struct releases_policy *p,
    const char *os, const char *arch, char *buf, size_t len)
{
	struct json_object	*versions;
	const char		*v, *best = NULL;
	size_t			 i, n;
	int			 found = 0;

	if ((versions = store_release_versions(store, os, arch)) == NULL)
		return -1;
	n = json_object_array_length(versions);
	for (i = 0; i < n; i++) {
		v = json_object_get_string(json_object_array_get_idx(versions,
		    i));
		if (p->policy == 2 && strcmp(v, p->version) == 0)
			best = v;
		else if (p->policy == 1 && (best == NULL ||
		    release_version_cmp(v, best) > 0))
			best = v;
	}
	if (best != NULL) {
		strlcpy(buf, best, len);
		found = 1;
	}
	json_object_put(versions);
	return found;
}

/*
 * The offer of policy p to the agent of req on os/arch running current:
 * its version into version ("" for none) and the answer's JSON text into
 * *offer. Returns 0, or -1 (store or memory).
 */
static int
releases_offer(struct api *api, struct api_request *req,
    const struct releases_policy *p, const char *os, const char *arch,
    const char *current, char *version, size_t len, char **offer)
{
	char	 wait[128];
	int	 rc, minute;

	*offer = NULL;
	version[0] = '\0';
	if (p->policy == 0 || os == NULL || arch == NULL)
		return 0;
	if ((rc = releases_pick(api->store, p, os, arch, version, len)) != 1) {
		version[0] = '\0';
		return rc;
	}
	if ((current != NULL && strcmp(version, current) == 0) ||
	    !releases_in_rollout(req->agent_id, version, p->percent)) {
		version[0] = '\0';
		return 0;
	}
	wait[0] = '\0';
	minute = (int)((req->now % 86400) / 60);
	if (p->window_start >= 0 && !(p->window_start < p->window_end ?
	    minute >= p->window_start && minute < p->window_end :
	    minute >= p->window_start || minute < p->window_end))
		snprintf(wait, sizeof(wait), ",\"wait\":\"outside the "
		    "maintenance window %02d:%02d-%02d:%02d UTC\"",
		    p->window_start / 60, p->window_start % 60,
		    p->window_end / 60, p->window_end % 60);
	/* Versions are [0-9A-Za-z.+~-]: nothing to escape. */
	if (asprintf(offer, "{\"version\":\"%s\",\"pinned\":%s,"
	    "\"deadline\":%d%s}", version, p->policy == 2 ? "true" : "false",
	    p->deadline, wait) == -1) {
		*offer = NULL;
		return -1;
	}
	return 0;
}

/* Check the heartbeat's "update" member. Returns 0, or -1 with a 400. */
static int
releases_check_update(struct api_response *res, struct json_object *u,
    const char **os, const char **arch, const char **current)
{
	const char	*s;
	size_t		 i;

	*os = *arch = *current = NULL;
	if (strlen(api_json_text(u)) > RELEASES_UPDATE_MAX) {
		api_error(res, 400, "invalid_field", "update", "larger than %d "
		    "bytes", RELEASES_UPDATE_MAX);
		return -1;
	}
	if (api_get_string(res, u, "update", "state", 0, 16, &s) == -1 ||
	    api_get_string(res, u, "update", "os", 0, RELEASE_NAME_MAX,
	    os) == -1 ||
	    api_get_string(res, u, "update", "arch", 0, RELEASE_NAME_MAX,
	    arch) == -1 ||
	    api_get_string(res, u, "update", "current", 0, 64, current) == -1)
		return -1;
	for (i = 0; s != NULL && i < nitems(releases_states); i++)
		if (strcmp(s, releases_states[i]) == 0)
			break;
	if (s != NULL && i == nitems(releases_states)) {
		api_error(res, 400, "invalid_field", "update.state", "expected "
		    "one of none, pending, downloading, verifying, switching, "
		    "done, rolled_back, failed");
		return -1;
	}
	if ((*os != NULL && !release_name_valid(*os)) ||
	    (*arch != NULL && !release_name_valid(*arch))) {
		api_error(res, 400, "invalid_field", *os != NULL &&
		    !release_name_valid(*os) ? "update.os" : "update.arch",
		    "expected 1 to 64 of A-Z a-z 0-9 . _ -");
		return -1;
	}
	return 0;
}

/* The heartbeat's part: keep the update state, pick the offer. */
int
releases_heartbeat(struct api *api, struct api_request *req,
    struct api_response *res, const char *agent_version, char **offer)
{
	const struct releases_policy	*p;
	struct json_object		*u;
	const char			*os = NULL, *arch = NULL, *current;
	char				 version[RELEASE_VERSION_MAX + 1];

	*offer = NULL;
	if (json_object_object_get_ex(req->json, "update", &u) &&
	    u != NULL) {
		if (!json_object_is_type(u, json_type_object)) {
			api_error(res, 400, "invalid_field", "update",
			    "expected an object");
			return -1;
		}
		if (releases_check_update(res, u, &os, &arch, &current) == -1)
			return -1;
		if (current != NULL)
			agent_version = current;
	} else
		u = NULL;
	/*
	 * An agent that reports no update state (older than self-update)
	 * is never offered anything (no os, arch): nothing to write.
	 */
	if ((p = releases_policy(api->store, req->agent.profile_id,
	    req->agent.profile_version)) == NULL ||
	    releases_offer(api, req, p, os, arch, agent_version, version,
	    sizeof(version), offer) == -1 ||
	    ((u != NULL || version[0] != '\0') &&
	    store_agent_update_put(api->store, req->agent_id, u != NULL ?
	    api_json_text(u) : NULL, version[0] != '\0' ? version : NULL) ==
	    -1)) {
		free(*offer);
		*offer = NULL;
		api_store_error(res);
		return -1;
	}
	return 0;
}

/* The update object of an agent's row (store_agent_update_list). */
static struct json_object *
releases_agent_update(struct json_object *row)
{
	struct json_object	*o, *u, *v;
	const char		*state = "none";

	o = json_object_new_object();
	u = json_object_object_get(row, "update");
	if (u != NULL && json_get_string(u, "state") != NULL)
		state = json_get_string(u, "state");
	json_add_string(o, "state", state);
	json_add_string(o, "current_version", json_get_string(row,
	    "agent_version"));
	json_add_string(o, "target_version", u != NULL &&
	    json_get_string(u, "target") != NULL ? json_get_string(u,
	    "target") : json_get_string(row, "offered"));
	json_add_string(o, "previous_version", u != NULL ?
	    json_get_string(u, "previous") : NULL);
	json_add_string(o, "offered_version", json_get_string(row,
	    "offered"));
	v = u != NULL ? json_object_object_get(u, "time") : NULL;
	json_object_object_add(o, "time", json_object_get(v));
	v = u != NULL ? json_object_object_get(u, "error") : NULL;
	json_object_object_add(o, "error", json_object_get(v));
	v = u != NULL ? json_object_object_get(u, "progress") : NULL;
	json_object_object_add(o, "progress", json_object_get(v));
	json_add_string(o, "note", u != NULL ? json_get_string(u, "note") :
	    NULL);
	json_add_string(o, "os", u != NULL ? json_get_string(u, "os") : NULL);
	json_add_string(o, "arch", u != NULL ? json_get_string(u, "arch") :
	    NULL);
	return o;
}

/* Add the update object to an agent's detail. Returns 0, or -1. */
int
releases_agent_detail(struct api *api, const char *agent_id,
    struct json_object *obj)
{
	struct json_object	*rows;

	if ((rows = store_agent_update_list(api->store, agent_id)) == NULL)
		return -1;
	if (json_object_array_length(rows) > 0)
		json_object_object_add(obj, "update", releases_agent_update(
		    json_object_array_get_idx(rows, 0)));
	json_object_put(rows);
	return 0;
}

/* Find the release's name in its file list. */
static const struct release_tar_entry *
releases_entry(const struct release_bundle *b, const char *name)
{
	int	 i;

	for (i = 0; i < b->nentries; i++)
		if (strcmp(b->entries[i].name, name) == 0)
			return &b->entries[i];
	return NULL;
}

/* Add a release from its archive, with its audit record. */
int
releases_add(struct store *store, const unsigned char *buf, size_t len,
    const char *file, const char *actor, int64_t now,
    struct release_bundle *b, char *err, size_t errlen)
{
	const struct release_tar_entry	*e;
	struct release_file_row		 f;
	struct release_row		 r;
	char				*manifest, resource[128], summary[256];
	int64_t				 id;
	int				 i, rc;

	if (release_bundle_read(buf, len, b, err, errlen) == -1)
		return -1;
	if ((manifest = strndup(b->manifest, b->manifest_len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.version = b->m.version;
	r.os = b->m.os;
	r.arch = b->m.arch;
	r.manifest = manifest;
	r.signature = b->signature;
	r.created_at = b->m.created_at;
	for (i = 0; i < b->m.nfiles; i++)
		r.size += (int64_t)b->m.files[i].size;
	r.added_by = actor;
	r.now = now;
	rc = store_release_add(store, &r, &id);
	free(manifest);
	if (rc == 1) {
		snprintf(err, errlen, "release %s for %s/%s exists; delete it "
		    "first (outpost-platform release del)", b->m.version,
		    b->m.os, b->m.arch);
		return 1;
	}
	for (i = 0; rc == 0 && i < b->m.nfiles; i++) {
		e = releases_entry(b, b->m.files[i].name);
		f.name = b->m.files[i].name;
		f.size = (int64_t)b->m.files[i].size;
		f.sha256 = b->m.files[i].sha256;
		f.mode = b->m.files[i].mode;
		f.data = e->data;
		rc = store_release_file_add(store, id, &f);
	}
	snprintf(resource, sizeof(resource), "/api/v1/releases/%s",
	    b->m.version);
	snprintf(summary, sizeof(summary), "release add %.64s: %s/%s, %d "
	    "files, %lld bytes", file, b->m.os, b->m.arch, b->m.nfiles,
	    (long long)r.size);
	if (rc != 0 || audit_trail_command(store, now, actor, resource,
	    summary) == -1) {
		snprintf(err, errlen, "database error");
		return -1;
	}
	return 0;
}

/*
 * The os and arch query parameters of req (required). Returns 0, or -1
 * with a 400 answer.
 */
static int
releases_platform_query(struct api_request *req, struct api_response *res,
    char *os, char *arch, size_t len)
{
	if (api_query_get(req->query, "os", os, len) != 0 ||
	    !release_name_valid(os)) {
		api_error(res, 400, "invalid_query", "os", "the agent's OS is "
		    "required (os=linux)");
		return -1;
	}
	if (api_query_get(req->query, "arch", arch, len) != 0 ||
	    !release_name_valid(arch)) {
		api_error(res, 400, "invalid_query", "arch", "the agent's "
		    "architecture is required (arch=x86_64)");
		return -1;
	}
	return 0;
}

/* The {version} of the path. Returns it, or NULL with a 404 answer. */
static const char *
releases_version_param(struct api_request *req, struct api_response *res)
{
	if (req->params[0] == NULL || !release_version_valid(req->params[0])) {
		api_error(res, 404, "not_found", NULL, "no such release");
		return NULL;
	}
	return req->params[0];
}

/* GET /agent/v1/releases/{version}?os=&arch=: manifest and signature. */
void
api_agent_release(struct api *api, struct api_request *req,
    struct api_response *res)
{
	const char	*version;
	char		 os[RELEASE_NAME_MAX + 2], arch[RELEASE_NAME_MAX + 2];
	char		*manifest, *sig;
	int64_t		 created;
	int		 rc;

	if ((version = releases_version_param(req, res)) == NULL ||
	    releases_platform_query(req, res, os, arch, sizeof(os)) == -1)
		return;
	rc = store_release_get(api->store, version, os, arch, &manifest, &sig,
	    &created);
	if (rc == 1) {
		api_error(res, 404, "not_found", NULL, "no release %s for "
		    "%s/%s", version, os, arch);
		return;
	}
	if (rc == -1) {
		api_store_error(res);
		return;
	}
	res->json = json_object_new_object();
	json_add_string(res->json, "version", version);
	json_add_string(res->json, "os", os);
	json_add_string(res->json, "arch", arch);
	json_add_int64(res->json, "created_at", created);
	json_add_string(res->json, "manifest", manifest);
	json_add_string(res->json, "signature", sig);
	res->status = 200;
	free(manifest);
	free(sig);
}

/*
 * Parse "bytes=FIRST-[LAST]" of a file of size bytes into first and
 * last (inclusive, clamped to the file). Returns 0, 1 (not satisfiable)
 * or -1 (malformed: the whole file is sent).
 */
static int
releases_range(const char *h, int64_t size, int64_t *first, int64_t *last)
{
	char		*end;
	long long	 a, b;

	if (strncmp(h, "bytes=", 6) != 0 || !isdigit((unsigned char)h[6]))
		return -1;
	a = strtoll(h + 6, &end, 10);
	if (*end != '-' || a < 0)
		return -1;
	if (end[1] == '\0')
		b = size - 1;
	else {
		if (!isdigit((unsigned char)end[1]))
			return -1;
		b = strtoll(end + 1, &end, 10);
		if (*end != '\0' || b < a)
			return -1;
	}
	if (a >= size)
		return 1;
	*first = a;
	*last = b >= size ? size - 1 : b;
	if (*last - *first + 1 > RELEASES_RANGE_MAX)
		*last = *first + RELEASES_RANGE_MAX - 1;
	return 0;
}

/*
 * GET /agent/v1/releases/{version}/files/{name}?os=&arch=: the file, or
 * the range the Range header asks (206, at most RELEASES_RANGE_MAX).
 */
void
api_agent_release_file(struct api *api, struct api_request *req,
    struct api_response *res)
{
	const char	*version;
	char		 os[RELEASE_NAME_MAX + 2], arch[RELEASE_NAME_MAX + 2];
	int64_t		 rowid, size, first = 0, last;
	int		 rc;

	if ((version = releases_version_param(req, res)) == NULL ||
	    releases_platform_query(req, res, os, arch, sizeof(os)) == -1)
		return;
	rc = req->params[1] != NULL && release_name_valid(req->params[1]) ?
	    store_release_file(api->store, version, os, arch, req->params[1],
	    &rowid, &size) : 1;
	if (rc != 0) {
		if (rc == 1)
			api_error(res, 404, "not_found", NULL, "no such file in "
			    "release %s for %s/%s", version, os, arch);
		else
			api_store_error(res);
		return;
	}
	last = size - 1;
	rc = req->range != NULL ? releases_range(req->range, size, &first,
	    &last) : -1;
	if (rc == 1) {
		api_error(res, 416, "range_not_satisfiable", NULL, "the file "
		    "has %lld bytes", (long long)size);
		snprintf(res->content_range, sizeof(res->content_range),
		    "bytes */%lld", (long long)size);
		return;
	}
	if ((res->text = malloc(size > 0 ? (size_t)(last - first + 1) :
	    1)) == NULL) {
		api_error(res, 500, "internal_error", NULL, "out of memory");
		return;
	}
	res->text_len = size > 0 ? (size_t)(last - first + 1) : 0;
	if (res->text_len > 0 && store_release_read(api->store, rowid, first,
	    res->text, res->text_len) == -1) {
		api_store_error(res);
		return;
	}
	res->content_type = "application/octet-stream";
	if (rc == 0) {
		snprintf(res->content_range, sizeof(res->content_range),
		    "bytes %lld-%lld/%lld", (long long)first, (long long)last,
		    (long long)size);
		res->status = 206;
	} else
		res->status = 200;
}

/* GET /api/v1/releases: every release. */
void
api_admin_releases(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*arr;

	if ((arr = store_release_list(api->store, NULL)) == NULL) {
		api_store_error(res);
		return;
	}
	res->json = json_object_new_object();
	json_add_int64(res->json, "count",
	    (int64_t)json_object_array_length(arr));
	json_object_object_add(res->json, "releases", arr);
	res->status = 200;
}

/* GET /api/v1/releases/{version}: the releases of a version. */
void
api_admin_release_get(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*arr;
	const char		*version;

	if ((version = releases_version_param(req, res)) == NULL)
		return;
	if ((arr = store_release_list(api->store, version)) == NULL) {
		api_store_error(res);
		return;
	}
	if (json_object_array_length(arr) == 0) {
		json_object_put(arr);
		api_error(res, 404, "not_found", NULL, "no release %s",
		    version);
		return;
	}
	res->json = json_object_new_object();
	json_add_string(res->json, "version", version);
	json_add_int64(res->json, "count",
	    (int64_t)json_object_array_length(arr));
	json_object_object_add(res->json, "releases", arr);
	res->status = 200;
}

/*
 * Read an optional os or arch query parameter into buf (*out NULL when
 * absent). Returns 0, or -1 with a 400 answer.
 */
static int
releases_query_name(struct api_request *req, struct api_response *res,
    const char *key, char *buf, size_t len, const char **out)
{
	int	 rc = api_query_get(req->query, key, buf, len);

	*out = NULL;
	if (rc == 1)
		return 0;
	if (rc == -1 || !release_name_valid(buf)) {
		api_error(res, 400, "invalid_query", key, "expected 1 to 64 of "
		    "A-Z a-z 0-9 . _ -");
		return -1;
	}
	*out = buf;
	return 0;
}

/* DELETE /api/v1/releases/{version}[?os=&arch=]: remove releases. */
void
api_admin_release_delete(struct api *api, struct api_request *req,
    struct api_response *res)
{
	const char	*version, *os, *arch;
	char		 obuf[RELEASE_NAME_MAX + 2], abuf[RELEASE_NAME_MAX + 2];
	int64_t		 count = 0;

	if ((version = releases_version_param(req, res)) == NULL ||
	    releases_query_name(req, res, "os", obuf, sizeof(obuf),
	    &os) == -1 ||
	    releases_query_name(req, res, "arch", abuf, sizeof(abuf),
	    &arch) == -1)
		return;
	if (store_release_delete(api->store, version, os, arch, &count) ==
	    -1) {
		api_store_error(res);
		return;
	}
	if (count == 0) {
		api_error(res, 404, "not_found", NULL, "no release %s%s%s%s%s",
		    version, os != NULL ? " for " : "", os != NULL ? os : "",
		    arch != NULL ? "/" : "", arch != NULL ? arch : "");
		return;
	}
	api_summary(res, "%lld release%s deleted", (long long)count,
	    count == 1 ? "" : "s");
	res->json = json_object_new_object();
	json_add_string(res->json, "version", version);
	json_add_int64(res->json, "deleted", count);
	res->status = 200;
}

/*
 * The state of an agent (row of store_agent_update_list) in the rollout
 * of version: what it reports for that target, done when it runs it,
 * pending when it was offered it, else none.
 */
static const char *
releases_rollout_state(struct json_object *row, const char *version)
{
	struct json_object	*u = json_object_object_get(row, "update");
	const char		*s;

	if (u != NULL && (s = json_get_string(u, "target")) != NULL &&
	    strcmp(s, version) == 0 && json_get_string(u, "state") != NULL)
		return json_get_string(u, "state");
	if ((s = json_get_string(row, "agent_version")) != NULL &&
	    strcmp(s, version) == 0)
		return "done";
	if ((s = json_get_string(row, "offered")) != NULL &&
	    strcmp(s, version) == 0)
		return "pending";
	return "none";
}

/* One agent of a rollout. */
static struct json_object *
releases_rollout_agent(struct json_object *row, const char *state)
{
	struct json_object	*o, *u, *e = NULL;

	o = json_object_new_object();
	json_add_string(o, "agent_id", json_get_string(row, "agent_id"));
	json_add_string(o, "hostname", json_get_string(row, "hostname"));
	json_add_string(o, "state", state);
	json_add_string(o, "current_version", json_get_string(row,
	    "agent_version"));
	u = json_object_object_get(row, "update");
	if (u != NULL && strcmp(state, json_get_string(u, "state") != NULL ?
	    json_get_string(u, "state") : "") == 0) {
		e = json_object_get(json_object_object_get(u, "error"));
		json_object_object_add(o, "time", json_object_get(
		    json_object_object_get(u, "time")));
	} else
		json_object_object_add(o, "time", NULL);
	json_object_object_add(o, "error", e);
	return o;
}

/* GET /api/v1/releases/{version}/rollout: agents per state. */
void
api_admin_release_rollout(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*rows, *releases, *states, *agents, *row;
	const char		*version, *state;
	int64_t			 counts[nitems(releases_states)], limit = 1000;
	size_t			 i, j, n;

	if ((version = releases_version_param(req, res)) == NULL ||
	    api_query_int(req, res, "limit", 1, 100000, &limit) == -1)
		return;
	if ((releases = store_release_list(api->store, version)) == NULL ||
	    (rows = store_agent_update_list(api->store, NULL)) == NULL) {
		json_object_put(releases);
		api_store_error(res);
		return;
	}
	memset(counts, 0, sizeof(counts));
	agents = json_object_new_array();
	n = json_object_array_length(rows);
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		state = releases_rollout_state(row, version);
		for (j = 0; j < nitems(releases_states); j++)
			if (strcmp(state, releases_states[j]) == 0)
				break;
		if (j == nitems(releases_states))
			continue;
		counts[j]++;
		if (j != 0 && (int64_t)json_object_array_length(agents) < limit)
			json_object_array_add(agents,
			    releases_rollout_agent(row, state));
	}
	if (json_object_array_length(releases) == 0 &&
	    (int64_t)n == counts[0]) {
		json_object_put(releases);
		json_object_put(rows);
		json_object_put(agents);
		api_error(res, 404, "not_found", NULL, "no release %s, and no "
		    "agent runs or was offered it", version);
		return;
	}
	states = json_object_new_object();
	for (j = 0; j < nitems(releases_states); j++)
		json_add_int64(states, releases_states[j], counts[j]);
	res->json = json_object_new_object();
	json_add_string(res->json, "version", version);
	row = json_object_new_array();
	for (i = 0; i < json_object_array_length(releases); i++) {
		json_object_array_add(row, json_object_new_object());
		json_add_string(json_object_array_get_idx(row, i), "os",
		    json_get_string(json_object_array_get_idx(releases, i),
		    "os"));
		json_add_string(json_object_array_get_idx(row, i), "arch",
		    json_get_string(json_object_array_get_idx(releases, i),
		    "arch"));
	}
	json_object_object_add(res->json, "builds", row);
	json_add_int64(res->json, "total", (int64_t)n);
	json_object_object_add(res->json, "states", states);
	json_object_object_add(res->json, "agents", agents);
	res->status = 200;
	json_object_put(releases);
	json_object_put(rows);
}
