/*
 * profile-doc.c: configuration profile documents (docs/protocol.md 3.4
 * and 4.3): their defaults, and the validation and merge of what an
 * admin sends.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "jsonutil.h"
#include "log.h"
#include "profile-doc.h"
#include "release.h"
#include "releases.h"

#define PROFILE_MAX_RULES	256
#define PROFILE_MAX_EXCLUDES	256
#define PROFILE_MAX_PORTS	16
#define PROFILE_MAX_NETWORKS	64
#define PROFILE_MAX_PATH	4096

static const char *const profile_events[] = {
	"create", "modify", "attrib", "delete", "rename"
};

/* Validation state: where the error goes. */
struct profile_err {
	char	*field;
	size_t	 fieldlen;
	char	*msg;
	size_t	 msglen;
};

/* Record an error on field. Returns -1. */
static int
profile_fail(struct profile_err *e, const char *field, const char *msg)
{
	snprintf(e->field, e->fieldlen, "%s", field);
	snprintf(e->msg, e->msglen, "%s", msg);
	return -1;
}

/* The default "inventory_changes" object (new). */
static struct json_object *
profile_doc_changes_default(void)
{
	struct json_object	*o = json_object_new_object();

	json_add_bool(o, "enabled", 1);
	json_add_int64(o, "settle", 2);
	json_add_int64(o, "min_interval", 10);
	json_add_int64(o, "poll_interval", 60);
	return o;
}

/* The default update policy: off. Returns it (new reference). */
static struct json_object *
profile_update_default(void)
{
	struct json_object	*update = json_object_new_object();

	json_add_string(update, "policy", "off");
	json_add_string(update, "version", NULL);
	json_object_object_add(update, "window", NULL);
	json_add_int64(update, "rollout_percent", 100);
	json_add_int64(update, "deadline", 300);
	return update;
}

/* Make the default profile document. Returns it (new reference). */
struct json_object *
profile_doc_default(void)
{
	struct json_object	*doc, *fim, *corr, *ports;
	int			 p;

	doc = json_object_new_object();
	json_add_int64(doc, "heartbeat_interval", 60);
	json_add_int64(doc, "inventory_interval", 3600);
	json_add_bool(doc, "data_collection_paused", 0);
	fim = json_object_new_object();
	json_add_bool(fim, "enabled", 0);
	json_object_object_add(fim, "rules", json_object_new_array());
	json_add_int64(fim, "hash_max_size", 10 * 1024 * 1024);
	json_object_object_add(doc, "fim", fim);
	corr = json_object_new_object();
	json_add_bool(corr, "enabled", 0);
	ports = json_object_new_array();
	for (p = 10001; p <= 10005; p++)
		json_object_array_add(ports, json_object_new_int(p));
	json_object_object_add(corr, "ports", ports);
	json_add_bool(corr, "bind_all", 0);
	json_object_object_add(corr, "approved_networks",
	    json_object_new_array());
	json_object_object_add(doc, "correlation", corr);
	json_object_object_add(doc, "inventory_changes",
	    profile_doc_changes_default());
	json_add_string(doc, "log_level", "info");
	json_object_object_add(doc, "update", profile_update_default());
	return doc;
}

/* Check v is an integer in min..max. Returns 0, or -1. */
static int
profile_int(struct profile_err *e, struct json_object *v, const char *field,
    int64_t min, int64_t max)
{
	char	 msg[128];
	int64_t	 n;

	if (!json_object_is_type(v, json_type_int))
		return profile_fail(e, field, "expected an integer");
	n = json_object_get_int64(v);
	if (n < min || n > max) {
		snprintf(msg, sizeof(msg), "must be between %lld and %lld",
		    (long long)min, (long long)max);
		return profile_fail(e, field, msg);
	}
	return 0;
}

/* Check v is a boolean. Returns 0, or -1. */
static int
profile_bool(struct profile_err *e, struct json_object *v, const char *field)
{
	if (!json_object_is_type(v, json_type_boolean))
		return profile_fail(e, field, "expected true or false");
	return 0;
}

/* Check v is an absolute path. Returns 0, or -1. */
static int
profile_path(struct profile_err *e, struct json_object *v, const char *field)
{
	const char	*s;

	if (!json_object_is_type(v, json_type_string))
		return profile_fail(e, field, "expected a string");
	s = json_object_get_string(v);
	if (s[0] != '/' || strlen(s) > PROFILE_MAX_PATH ||
	    strlen(s) != (size_t)json_object_get_string_len(v))
		return profile_fail(e, field, "expected an absolute path");
	return 0;
}

/* Check v is a CIDR network ("10.0.0.0/8", "2001:db8::/32"). */
static int
profile_cidr(struct profile_err *e, struct json_object *v, const char *field)
{
	unsigned char	 addr[16];
	char		 buf[64], *slash, *end;
	long		 bits;
	int		 af;

	if (!json_object_is_type(v, json_type_string) ||
	    strlen(json_object_get_string(v)) >= sizeof(buf))
		return profile_fail(e, field, "expected a CIDR network");
	snprintf(buf, sizeof(buf), "%s", json_object_get_string(v));
	if ((slash = strchr(buf, '/')) == NULL)
		return profile_fail(e, field, "expected a CIDR network "
		    "(address/prefix length)");
	*slash++ = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1)
		af = 32;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		af = 128;
	else
		return profile_fail(e, field, "not an IPv4 or IPv6 address");
	bits = strtol(slash, &end, 10);
	if (*slash == '\0' || *end != '\0' || bits < 0 || bits > af)
		return profile_fail(e, field, "bad prefix length");
	return 0;
}

/* Check one FIM rule and fill its defaults. Returns 0, or -1. */
static int
profile_rule(struct profile_err *e, struct json_object *rule, size_t idx)
{
	struct json_object	*v, *events;
	char			 field[96];
	size_t			 i, j, n;

	if (!json_object_is_type(rule, json_type_object)) {
		snprintf(field, sizeof(field), "fim.rules[%zu]", idx);
		return profile_fail(e, field, "expected an object");
	}
	json_object_object_foreach(rule, key, val) {
		snprintf(field, sizeof(field), "fim.rules[%zu].%s", idx, key);
		if (strcmp(key, "path") == 0) {
			if (profile_path(e, val, field) == -1)
				return -1;
		} else if (strcmp(key, "recursive") == 0) {
			if (profile_bool(e, val, field) == -1)
				return -1;
		} else if (strcmp(key, "events") == 0) {
			if (!json_object_is_type(val, json_type_array) ||
			    json_object_array_length(val) == 0)
				return profile_fail(e, field, "expected a "
				    "non-empty array");
			n = json_object_array_length(val);
			for (i = 0; i < n; i++) {
				v = json_object_array_get_idx(val, i);
				for (j = 0; j < nitems(profile_events); j++)
					if (json_object_is_type(v,
					    json_type_string) && strcmp(
					    json_object_get_string(v),
					    profile_events[j]) == 0)
						break;
				if (j == nitems(profile_events)) {
					snprintf(field, sizeof(field),
					    "fim.rules[%zu].events[%zu]", idx,
					    i);
					return profile_fail(e, field, "expected "
					    "one of create, modify, attrib, "
					    "delete, rename");
				}
			}
		} else if (strcmp(key, "excludes") == 0) {
			if (!json_object_is_type(val, json_type_array) ||
			    json_object_array_length(val) >
			    PROFILE_MAX_EXCLUDES)
				return profile_fail(e, field, "expected an array "
				    "of up to 256 paths");
			n = json_object_array_length(val);
			for (i = 0; i < n; i++) {
				snprintf(field, sizeof(field),
				    "fim.rules[%zu].excludes[%zu]", idx, i);
				if (profile_path(e,
				    json_object_array_get_idx(val, i),
				    field) == -1)
					return -1;
			}
		} else
			return profile_fail(e, field, "unknown field");
	}
	if (json_object_object_get_ex(rule, "path", &v) == 0) {
		snprintf(field, sizeof(field), "fim.rules[%zu].path", idx);
		return profile_fail(e, field, "required");
	}
	if (!json_object_object_get_ex(rule, "recursive", NULL))
		json_add_bool(rule, "recursive", 1);
	if (!json_object_object_get_ex(rule, "events", NULL)) {
		events = json_object_new_array();
		for (j = 0; j < nitems(profile_events); j++)
			json_object_array_add(events,
			    json_object_new_string(profile_events[j]));
		json_object_object_add(rule, "events", events);
	}
	if (!json_object_object_get_ex(rule, "excludes", NULL))
		json_object_object_add(rule, "excludes",
		    json_object_new_array());
	return 0;
}

/* Validate the "fim" member in and merge it into fim. Returns 0, or -1. */
static int
profile_fim(struct profile_err *e, struct json_object *fim,
    struct json_object *in)
{
	char	 field[64];
	size_t	 i, n;

	if (!json_object_is_type(in, json_type_object))
		return profile_fail(e, "fim", "expected an object");
	json_object_object_foreach(in, key, val) {
		snprintf(field, sizeof(field), "fim.%s", key);
		if (strcmp(key, "enabled") == 0) {
			if (profile_bool(e, val, field) == -1)
				return -1;
		} else if (strcmp(key, "hash_max_size") == 0) {
			if (profile_int(e, val, field, 0, 1LL << 30) == -1)
				return -1;
		} else if (strcmp(key, "rules") == 0) {
			if (!json_object_is_type(val, json_type_array) ||
			    json_object_array_length(val) > PROFILE_MAX_RULES)
				return profile_fail(e, field, "expected an array "
				    "of up to 256 rules");
			n = json_object_array_length(val);
			for (i = 0; i < n; i++)
				if (profile_rule(e,
				    json_object_array_get_idx(val, i), i) == -1)
					return -1;
		} else
			return profile_fail(e, field, "unknown field");
		json_object_object_add(fim, key, json_object_get(val));
	}
	return 0;
}

/* Validate "correlation" in and merge it into corr. Returns 0, or -1. */
static int
profile_correlation(struct profile_err *e, struct json_object *corr,
    struct json_object *in)
{
	struct json_object	*v;
	char			 field[80];
	size_t			 i, j, n;

	if (!json_object_is_type(in, json_type_object))
		return profile_fail(e, "correlation", "expected an object");
	json_object_object_foreach(in, key, val) {
		snprintf(field, sizeof(field), "correlation.%s", key);
		if (strcmp(key, "enabled") == 0 ||
		    strcmp(key, "bind_all") == 0) {
			if (profile_bool(e, val, field) == -1)
				return -1;
		} else if (strcmp(key, "ports") == 0) {
			if (!json_object_is_type(val, json_type_array) ||
			    json_object_array_length(val) == 0 ||
			    json_object_array_length(val) > PROFILE_MAX_PORTS)
				return profile_fail(e, field, "expected an array "
				    "of 1 to 16 ports");
			n = json_object_array_length(val);
			for (i = 0; i < n; i++) {
				v = json_object_array_get_idx(val, i);
				snprintf(field, sizeof(field),
				    "correlation.ports[%zu]", i);
				if (profile_int(e, v, field, 1, 65535) == -1)
					return -1;
				for (j = 0; j < i; j++)
					if (json_object_get_int(v) ==
					    json_object_get_int(
					    json_object_array_get_idx(val, j)))
						return profile_fail(e, field,
						    "duplicate port");
			}
		} else if (strcmp(key, "approved_networks") == 0) {
			if (!json_object_is_type(val, json_type_array) ||
			    json_object_array_length(val) >
			    PROFILE_MAX_NETWORKS)
				return profile_fail(e, field, "expected an array "
				    "of up to 64 CIDR networks");
			n = json_object_array_length(val);
			for (i = 0; i < n; i++) {
				snprintf(field, sizeof(field),
				    "correlation.approved_networks[%zu]", i);
				if (profile_cidr(e,
				    json_object_array_get_idx(val, i),
				    field) == -1)
					return -1;
			}
		} else
			return profile_fail(e, field, "unknown field");
		json_object_object_add(corr, key, json_object_get(val));
	}
	return 0;
}

/* Check v is a time of day "HH:MM" (UTC). Returns 0, or -1. */
static int
profile_time_of_day(struct profile_err *e, struct json_object *v,
    const char *field)
{
	if (!json_object_is_type(v, json_type_string) ||
	    releases_time_of_day(json_object_get_string(v)) == -1)
		return profile_fail(e, field, "expected a time of day, HH:MM "
		    "(UTC)");
	return 0;
}

/* Check the update.window member v. Returns 0, or -1. */
static int
profile_window(struct profile_err *e, struct json_object *v)
{
	struct json_object	*t;
	int			 n = 0;

	if (json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return profile_fail(e, "update.window", "expected null or an "
		    "object with start and end");
	json_object_object_foreach(v, key, val) {
		if (strcmp(key, "start") != 0 && strcmp(key, "end") != 0) {
			snprintf(e->field, e->fieldlen, "update.window.%s", key);
			snprintf(e->msg, e->msglen, "unknown field");
			return -1;
		}
		if (profile_time_of_day(e, val, strcmp(key, "start") == 0 ?
		    "update.window.start" : "update.window.end") == -1)
			return -1;
		n++;
	}
	if (n != 2)
		return profile_fail(e, "update.window", "start and end are "
		    "both required");
	json_object_object_get_ex(v, "start", &t);
	if (strcmp(json_object_get_string(t), json_get_string(v, "end")) == 0)
		return profile_fail(e, "update.window.end", "differs from "
		    "start");
	return 0;
}

/* Validate "update" in and merge it into update. Returns 0, or -1. */
static int
profile_update(struct profile_err *e, struct json_object *update,
    struct json_object *in)
{
	const char	*policy, *version;
	char		 field[64];

	if (!json_object_is_type(in, json_type_object))
		return profile_fail(e, "update", "expected an object");
	json_object_object_foreach(in, key, val) {
		snprintf(field, sizeof(field), "update.%s", key);
		if (strcmp(key, "policy") == 0) {
			policy = json_object_is_type(val, json_type_string) ?
			    json_object_get_string(val) : "";
			if (strcmp(policy, "off") != 0 &&
			    strcmp(policy, "latest") != 0 &&
			    strcmp(policy, "pinned") != 0)
				return profile_fail(e, field, "expected one of "
				    "off, latest, pinned");
		} else if (strcmp(key, "version") == 0) {
			if (!json_object_is_type(val, json_type_null) &&
			    (!json_object_is_type(val, json_type_string) ||
			    !release_version_valid(json_object_get_string(val))))
				return profile_fail(e, field, "expected null or "
				    "a release version (1 to 64 of 0-9 A-Z a-z . "
				    "+ ~ -, a digit first)");
		} else if (strcmp(key, "window") == 0) {
			if (profile_window(e, val) == -1)
				return -1;
		} else if (strcmp(key, "rollout_percent") == 0) {
			if (profile_int(e, val, field, 0, 100) == -1)
				return -1;
		} else if (strcmp(key, "deadline") == 0) {
			if (profile_int(e, val, field, 15, 3600) == -1)
				return -1;
		} else
			return profile_fail(e, field, "unknown field");
		json_object_object_add(update, key, json_object_get(val));
	}
	policy = json_get_string(update, "policy");
	version = json_get_string(update, "version");
	if (policy != NULL && strcmp(policy, "pinned") == 0 && version == NULL)
		return profile_fail(e, "update.version", "required when the "
		    "policy is pinned");
	return 0;
}

/*
 * Validate "inventory_changes" in and merge it into doc's (made with the
 * defaults when the stored profile predates it). Returns 0, or -1.
 */
static int
profile_changes(struct profile_err *e, struct json_object *doc,
    struct json_object *in)
{
	static const struct {
		const char	*name;
		int64_t		 min, max;	/* min > max: a boolean */
	} members[] = {
		{ "enabled", 1, 0 },
		{ "settle", 1, 300 },
		{ "min_interval", 0, 86400 },
		{ "poll_interval", 0, 86400 }
	};
	struct json_object	*sub;
	char			 field[80];
	size_t			 i;

	if (!json_object_is_type(in, json_type_object))
		return profile_fail(e, "inventory_changes",
		    "expected an object");
	if (!json_object_object_get_ex(doc, "inventory_changes", &sub)) {
		sub = profile_doc_changes_default();
		json_object_object_add(doc, "inventory_changes", sub);
	}
	json_object_object_foreach(in, key, val) {
		snprintf(field, sizeof(field), "inventory_changes.%.48s", key);
		for (i = 0; i < nitems(members); i++)
			if (strcmp(key, members[i].name) == 0)
				break;
		if (i == nitems(members))
			return profile_fail(e, field, "unknown field");
		if (members[i].min > members[i].max ?
		    profile_bool(e, val, field) == -1 :
		    profile_int(e, val, field, members[i].min,
		    members[i].max) == -1)
			return -1;
		json_object_object_add(sub, key, json_object_get(val));
	}
	return 0;
}

/*
 * Validate the admin's document in (ignoring "name") and merge it into doc:
 * top-level fields replace, fim, correlation, inventory_changes and update
 * merge member by member; a result agents would refuse as too large is
 * refused.
 * Returns 0, or -1 with the faulty field and why. doc may be changed even
 * on failure; callers work on a copy.
 */
int
profile_doc_apply(struct json_object *doc, struct json_object *in,
    char *field, size_t fieldlen, char *msg, size_t msglen)
{
	struct profile_err	 e = { field, fieldlen, msg, msglen };
	struct json_object	*sub;
	enum log_level		 level;
	size_t			 n;

	json_object_object_foreach(in, key, val) {
		if (strcmp(key, "name") == 0)
			continue;
		if (strcmp(key, "heartbeat_interval") == 0) {
			if (profile_int(&e, val, key, 10, 86400) == -1)
				return -1;
		} else if (strcmp(key, "inventory_interval") == 0) {
			if (profile_int(&e, val, key, 60, 604800) == -1)
				return -1;
		} else if (strcmp(key, "data_collection_paused") == 0) {
			if (profile_bool(&e, val, key) == -1)
				return -1;
		} else if (strcmp(key, "log_level") == 0) {
			if (!json_object_is_type(val, json_type_string) ||
			    log_level_parse(json_object_get_string(val),
			    &level) == -1)
				return profile_fail(&e, key, "expected one of "
				    "error, warn, info, debug");
		} else if (strcmp(key, "fim") == 0) {
			if (!json_object_object_get_ex(doc, "fim", &sub))
				return profile_fail(&e, key, "missing in profile");
			if (profile_fim(&e, sub, val) == -1)
				return -1;
			continue;
		} else if (strcmp(key, "correlation") == 0) {
			if (!json_object_object_get_ex(doc, "correlation",
			    &sub))
				return profile_fail(&e, key, "missing in profile");
			if (profile_correlation(&e, sub, val) == -1)
				return -1;
			continue;
		} else if (strcmp(key, "inventory_changes") == 0) {
			if (profile_changes(&e, doc, val) == -1)
				return -1;
			continue;
		} else if (strcmp(key, "update") == 0) {
			/* Profiles made before self-update have none. */
			if (!json_object_object_get_ex(doc, "update", &sub)) {
				sub = profile_update_default();
				json_object_object_add(doc, "update", sub);
			}
			if (profile_update(&e, sub, val) == -1)
				return -1;
			continue;
		} else
			return profile_fail(&e, key, "unknown field");
		json_object_object_add(doc, key, json_object_get(val));
	}
	/* What agents take (docs/protocol.md 7), with room for the rest. */
	if ((n = strlen(json_object_to_json_string_ext(doc,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE))) >
	    PROFILE_DOC_MAX) {
		snprintf(msg, msglen, "the profile would take %zu bytes of "
		    "JSON; agents accept at most %d", n, PROFILE_DOC_MAX);
		snprintf(field, fieldlen, "%s", json_object_object_get_ex(in,
		    "fim", NULL) ? "fim" : "");
		return -1;
	}
	return 0;
}

/* The heartbeat interval of a profile document, in seconds. */
int
profile_doc_heartbeat_interval(struct json_object *doc)
{
	int64_t	 n;

	if (json_get_int64(doc, "heartbeat_interval", &n) == -1 || n <= 0)
		return 60;
	return (int)n;
}

/* Whether data collection is paused in a profile document (1/0). */
int
profile_doc_is_paused(struct json_object *doc)
{
	int	 b;

	if (json_get_bool(doc, "data_collection_paused", &b) == -1)
		return 0;
	return b;
}
