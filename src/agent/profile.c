/*
 * profile.c: the configuration profile, parsed once (profile.h).
 *
 * One table lists every member the agent applies, with its type, its
 * place in struct profile and its range, as agent-conf.c does for
 * outpost.conf; the "correlation" object has a parser of its own because
 * it is a small structure rather than a scalar. The defaults are those
 * of docs/protocol.md 3.4; intervals are clamped to the platform's own
 * bounds (4.3), with the clamp logged. Members the agent does not apply
 * (the fim rules, which come as the signed fim manifest) are left to the
 * platform.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "answer.h"
#include "compat.h"
#include "correlation-wire.h"
#include "fileio.h"
#include "jsonutil.h"
#include "log.h"
#include "profile.h"
#include "release.h"

#define PROFILE_HEARTBEAT	60		/* docs/protocol.md 3.4 */
#define PROFILE_INVENTORY	3600
#define PROFILE_SETTLE		2		/* inventory_changes */
#define PROFILE_MIN_INTERVAL	10
#define PROFILE_POLL_INTERVAL	60

/* How a member is read. */
enum profile_kind {
	PROFILE_INT64,		/* any integer */
	PROFILE_INT,		/* an integer, clamped into min..max */
	PROFILE_BOOL,		/* true or false */
	PROFILE_TRIBOOL,	/* true, false, or -1 when absent */
	PROFILE_NAME,		/* a string of up to PROFILE_NAME_MAX bytes */
	PROFILE_LOG_LEVEL,	/* error|warn|info|debug, or -1 */
	PROFILE_CORRELATION,	/* the correlation object */
	PROFILE_UPDATE_POLICY,	/* off|latest|pinned */
	PROFILE_RELEASE_VERSION	/* a release version (release.h) */
};

/* One member of the profile the agent applies. */
struct profile_member {
	const char		*object;	/* its object, NULL: top */
	const char		*name;
	enum profile_kind	 kind;
	size_t			 offset;	/* in struct profile */
	int64_t			 min, max;	/* PROFILE_INT */
};

#define F(m)	offsetof(struct profile, m)
static const struct profile_member profile_members[] = {
	{ NULL, "id", PROFILE_INT64, F(id), 0, 0 },
	{ NULL, "version", PROFILE_INT64, F(version), 0, 0 },
	{ NULL, "name", PROFILE_NAME, F(name), 0, 0 },
	{ NULL, "heartbeat_interval", PROFILE_INT, F(heartbeat_interval),
	    PROFILE_HEARTBEAT_MIN, PROFILE_HEARTBEAT_MAX },
	{ NULL, "inventory_interval", PROFILE_INT, F(inventory_interval),
	    PROFILE_INVENTORY_MIN, PROFILE_INVENTORY_MAX },
	{ NULL, "data_collection_paused", PROFILE_BOOL, F(is_paused), 0, 0 },
	{ NULL, "log_level", PROFILE_LOG_LEVEL, F(log_level), 0, 0 },
	{ "fim", "enabled", PROFILE_TRIBOOL, F(fim_enabled), 0, 0 },
	{ "inventory_changes", "enabled", PROFILE_BOOL, F(changes_enabled),
	    0, 0 },
	{ "inventory_changes", "settle", PROFILE_INT, F(changes_settle),
	    1, 300 },
	{ "inventory_changes", "min_interval", PROFILE_INT,
	    F(changes_min_interval), 0, 86400 },
	{ "inventory_changes", "poll_interval", PROFILE_INT,
	    F(changes_poll_interval), 0, 86400 },
	{ NULL, "correlation", PROFILE_CORRELATION, F(correlation), 0, 0 },
	{ "update", "policy", PROFILE_UPDATE_POLICY, F(update_policy), 0, 0 },
	{ "update", "version", PROFILE_RELEASE_VERSION, F(update_version), 0,
	    0 },
	{ "update", "deadline", PROFILE_INT, F(update_deadline), 15, 3600 },
};
#undef F

/* Put the default correlation settings in s. */
void
profile_correlation_default(struct corr_settings *s)
{
	static const int	 ports[] = CORR_DEFAULT_PORTS;
	size_t			 i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < nitems(ports); i++)
		s->ports[i] = ports[i];
	s->nports = (int)nitems(ports);
}

/* Put the defaults in p, without a document. */
void
profile_default(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	p->heartbeat_interval = PROFILE_HEARTBEAT;
	p->inventory_interval = PROFILE_INVENTORY;
	p->log_level = -1;
	p->fim_enabled = -1;
	p->changes_enabled = 1;
	p->changes_settle = PROFILE_SETTLE;
	p->changes_min_interval = PROFILE_MIN_INTERVAL;
	p->changes_poll_interval = PROFILE_POLL_INTERVAL;
	p->update_deadline = PROFILE_DEADLINE;
	profile_correlation_default(&p->correlation);
}

/* Order ports ascending (qsort). */
static int
profile_port_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Read a boolean member of the correlation object. Returns 0, or -1. */
static int
profile_corr_bool(struct json_object *obj, const char *key, int *out,
    char *err, size_t errlen)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		snprintf(err, errlen, "correlation.%s: expected true or false",
		    key);
		return -1;
	}
	*out = json_object_get_boolean(v);
	return 0;
}

/* Read correlation.ports into s. Returns 0, or -1 with err. */
static int
profile_corr_ports(struct json_object *arr, struct corr_settings *s,
    char *err, size_t errlen)
{
	struct json_object	*v;
	size_t			 i, j, n;
	int64_t			 port;

	if (!json_object_is_type(arr, json_type_array) ||
	    (n = json_object_array_length(arr)) == 0 || n > CORR_MAX_PORTS) {
		snprintf(err, errlen, "correlation.ports: expected an array "
		    "of 1 to %d ports", CORR_MAX_PORTS);
		return -1;
	}
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_int) ||
		    (port = json_object_get_int64(v)) < 1 || port > 65535) {
			snprintf(err, errlen, "correlation.ports[%zu]: "
			    "expected an integer from 1 to 65535", i);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (s->ports[j] == (int)port) {
				snprintf(err, errlen, "correlation.ports[%zu]: "
				    "port %d is listed twice", i, (int)port);
				return -1;
			}
		s->ports[i] = (int)port;
	}
	s->nports = (int)n;
	qsort(s->ports, (size_t)s->nports, sizeof(s->ports[0]),
	    profile_port_cmp);
	return 0;
}

/* Read correlation.approved_networks into s. Returns 0, or -1. */
static int
profile_corr_networks(struct json_object *arr, struct corr_settings *s,
    char *err, size_t errlen)
{
	struct json_object	*v;
	char			 why[128];
	size_t			 i, n;

	if (!json_object_is_type(arr, json_type_array) ||
	    (n = json_object_array_length(arr)) > CORR_MAX_NETWORKS) {
		snprintf(err, errlen, "correlation.approved_networks: expected "
		    "an array of up to %d CIDR networks", CORR_MAX_NETWORKS);
		return -1;
	}
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(err, errlen, "correlation.approved_networks"
			    "[%zu]: expected a string", i);
			return -1;
		}
		if (cidr_parse(json_object_get_string(v), 0, &s->networks[i],
		    why, sizeof(why)) == -1) {
			snprintf(err, errlen, "correlation.approved_networks"
			    "[%zu]: %s", i, why);
			return -1;
		}
	}
	s->nnetworks = (int)n;
	return 0;
}

/*
 * Read the correlation object corr into s (the defaults first; members
 * the agent does not know are ignored). Returns 0, or -1 with err.
 */
static int
profile_corr_parse(struct json_object *corr, struct corr_settings *s,
    char *err, size_t errlen)
{
	struct json_object	*arr;

	profile_correlation_default(s);
	if (corr == NULL)
		return 0;
	if (!json_object_is_type(corr, json_type_object)) {
		snprintf(err, errlen, "correlation: expected an object");
		return -1;
	}
	if (profile_corr_bool(corr, "enabled", &s->enabled, err, errlen) == -1 ||
	    profile_corr_bool(corr, "bind_all", &s->bind_all, err,
	    errlen) == -1)
		return -1;
	if (json_object_object_get_ex(corr, "ports", &arr) &&
	    profile_corr_ports(arr, s, err, errlen) == -1)
		return -1;
	if (json_object_object_get_ex(corr, "approved_networks", &arr) &&
	    profile_corr_networks(arr, s, err, errlen) == -1)
		return -1;
	return 0;
}

/* The correlation settings as the profile's JSON object. */
struct json_object *
profile_correlation_json(const struct corr_settings *s)
{
	struct json_object	*obj, *arr;
	char			 text[CIDR_TEXT_MAX];
	int			 i;

	obj = json_object_new_object();
	json_add_bool(obj, "enabled", s->enabled);
	arr = json_object_new_array();
	for (i = 0; i < s->nports; i++)
		json_object_array_add(arr, json_object_new_int(s->ports[i]));
	json_object_object_add(obj, "ports", arr);
	json_add_bool(obj, "bind_all", s->bind_all);
	arr = json_object_new_array();
	for (i = 0; i < s->nnetworks; i++)
		json_object_array_add(arr, json_object_new_string(
		    cidr_format(&s->networks[i], text, sizeof(text))));
	json_object_object_add(obj, "approved_networks", arr);
	return obj;
}

/* The policy called name: its enum profile_update_policy, or -1. */
static int
profile_policy_parse(const char *name)
{
	static const char *const names[] = { "off", "latest", "pinned" };
	size_t			 i;

	for (i = 0; i < nitems(names); i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

/*
 * Read one scalar member v into its field. Returns 0, 1 when the value
 * was clamped into its range (why says how), or -1 with why (the field
 * keeps its default).
 */
static int
profile_scalar(const struct profile_member *m, struct json_object *v,
    void *field, char *why, size_t whylen)
{
	enum log_level	 level;
	int64_t		 n;
	int		 clamped;

	switch (m->kind) {
	case PROFILE_INT64:
	case PROFILE_INT:
		if (!json_object_is_type(v, json_type_int))
			break;
		n = json_object_get_int64(v);
		if (m->kind == PROFILE_INT64) {
			*(int64_t *)field = n;
			return 0;
		}
		*(int *)field = (int)answer_clamp(n, m->min, m->max, &clamped);
		if (!clamped)
			return 0;
		snprintf(why, whylen, "%lld is outside the platform's "
		    "%lld..%lld; using %d", (long long)n, (long long)m->min,
		    (long long)m->max, *(int *)field);
		return 1;
	case PROFILE_BOOL:
	case PROFILE_TRIBOOL:
		if (!json_object_is_type(v, json_type_boolean))
			break;
		*(int *)field = json_object_get_boolean(v);
		return 0;
	case PROFILE_NAME:
		if (!json_object_is_type(v, json_type_string))
			break;
		strlcpy(field, json_object_get_string(v), PROFILE_NAME_MAX + 1);
		return 0;
	case PROFILE_UPDATE_POLICY:
		if (!json_object_is_type(v, json_type_string))
			break;
		if ((n = profile_policy_parse(json_object_get_string(v))) >= 0) {
			*(int *)field = (int)n;
			return 0;
		}
		break;
	case PROFILE_RELEASE_VERSION:
		if (json_object_is_type(v, json_type_null))
			return 0;
		if (json_object_is_type(v, json_type_string) &&
		    release_version_valid(json_object_get_string(v))) {
			strlcpy(field, json_object_get_string(v),
			    PROFILE_VERSION_MAX + 1);
			return 0;
		}
		break;
	case PROFILE_LOG_LEVEL:
		if (json_object_is_type(v, json_type_string) &&
		    log_level_parse(json_object_get_string(v), &level) == 0) {
			*(int *)field = (int)level;
			return 0;
		}
		break;
	default:
		break;
	}
	snprintf(why, whylen, "not a value of its type");
	return -1;
}

/* Read member m of doc into p, logging a value it cannot use. */
static void
profile_member_parse(struct profile *p, const struct profile_member *m,
    struct json_object *doc)
{
	struct json_object	*obj = doc, *v = NULL;
	char			 why[128];
	void			*field = (char *)p + m->offset;

	if (m->object != NULL &&
	    (!json_object_object_get_ex(doc, m->object, &obj) ||
	    !json_object_is_type(obj, json_type_object)))
		return;
	json_object_object_get_ex(obj, m->name, &v);
	if (m->kind == PROFILE_CORRELATION) {
		if (profile_corr_parse(v, field, p->correlation_error,
		    sizeof(p->correlation_error)) == -1)
			profile_correlation_default(field);
		return;
	}
	if (v == NULL)
		return;
	switch (profile_scalar(m, v, field, why, sizeof(why))) {
	case -1:
		log_warnx("profile %lld version %lld: %s%s%s: %s; using the "
		    "default", (long long)p->id, (long long)p->version,
		    m->object != NULL ? m->object : "",
		    m->object != NULL ? "." : "", m->name, why);
		break;
	case 1:
		log_warnx("profile %lld version %lld: %s%s%s: %s",
		    (long long)p->id, (long long)p->version,
		    m->object != NULL ? m->object : "",
		    m->object != NULL ? "." : "", m->name, why);
		break;
	}
}

/* Parse doc into p. Returns 0, or -1 when doc is not an object. */
int
profile_parse(struct profile *p, struct json_object *doc, char *err,
    size_t errlen)
{
	const char	*text;
	size_t		 i;

	profile_clear(p);
	if (doc == NULL || !json_object_is_type(doc, json_type_object)) {
		snprintf(err, errlen, "the profile is not a JSON object");
		return -1;
	}
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text == NULL || (p->text = strdup(text)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->len = strlen(p->text);
	/* id and version come first: the other lines name them. */
	for (i = 0; i < nitems(profile_members); i++)
		profile_member_parse(p, &profile_members[i], doc);
	return 0;
}

/* Release p's document; put the defaults back. */
void
profile_clear(struct profile *p)
{
	free(p->text);
	profile_default(p);
}

/* The cache's path in state_dir. */
static void
profile_path(const char *state_dir, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", state_dir, PROFILE_FILE);
}

/* Load the cached document. Returns 0, or -errno / -EINVAL with err. */
int
profile_load(struct profile *p, const char *state_dir, char *err,
    size_t errlen)
{
	const struct answer_budget *b = &answer_contract(ANSWER_PROFILE)->budget;
	struct json_object	*doc;
	char			 path[PATH_MAX], *text;
	size_t			 len;
	int			 rc;

	profile_path(state_dir, path, sizeof(path));
	if ((rc = fileio_read_all(path, b->max_bytes, &text, &len)) < 0) {
		snprintf(err, errlen, "%s", strerror(-rc));
		return rc;
	}
	rc = answer_parse(text, len, b, &doc, err, errlen);
	free(text);
	if (rc != ERR_NONE)
		return -EINVAL;
	rc = profile_parse(p, doc, err, errlen);
	json_object_put(doc);
	return rc == 0 ? 0 : -EINVAL;
}

/* Cache p's document. Returns 0, or -errno. */
int
profile_save(const struct profile *p, const char *state_dir)
{
	char		 path[PATH_MAX];

	if (p->text == NULL)
		return -EINVAL;
	profile_path(state_dir, path, sizeof(path));
	return fileio_write_atomic(path, p->text, p->len, 0600);
}

/* Remove the cached document. Returns 0, or -errno. */
int
profile_remove(const char *state_dir)
{
	char	 path[PATH_MAX];

	profile_path(state_dir, path, sizeof(path));
	if (unlink(path) == -1 && errno != ENOENT)
		return -errno;
	return 0;
}
