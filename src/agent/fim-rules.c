/*
 * fim-rules.c: the fim manifest's watch rules: parsing, matching, and the
 * kernel watches they need.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "compat.h"
#include "fim-rules.h"

#define FIM_ALL_EVENTS	((1u << FIM_NACTIONS) - 1)

/* Free the rules. */
void
fim_rules_free(struct fim_rules *r)
{
	int	 i, j;

	for (i = 0; i < r->nrules; i++) {
		free(r->rules[i].path);
		for (j = 0; j < r->rules[i].nexcludes; j++)
			free(r->rules[i].excludes[j]);
		free(r->rules[i].excludes);
	}
	free(r->rules);
	memset(r, 0, sizeof(*r));
	r->hash_max_size = -1;
}

/* Check and clean an absolute path. Returns a copy, or NULL (err). */
static char *
fim_rules_path(struct json_object *v, const char *where, char *err,
    size_t errlen)
{
	const char	*s;
	char		 clean[FIM_PATH_MAX];
	char		*copy;

	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "%s: expected a string", where);
		return NULL;
	}
	s = json_object_get_string(v);
	if (s[0] != '/' || strlen(s) >= FIM_PATH_MAX ||
	    strlen(s) != (size_t)json_object_get_string_len(v)) {
		snprintf(err, errlen, "%s: expected an absolute path of at "
		    "most %d bytes", where, FIM_PATH_MAX - 1);
		return NULL;
	}
	if (fim_path_join(NULL, s, clean, sizeof(clean)) == -1) {
		snprintf(err, errlen, "%s: path too long", where);
		return NULL;
	}
	if ((copy = strdup(clean)) == NULL)
		snprintf(err, errlen, "out of memory");
	return copy;
}

/* Parse one rule at index i. Returns 0, or -1 (err). */
static int
fim_rules_one(struct json_object *o, int i, struct fim_rule *rule, char *err,
    size_t errlen)
{
	struct json_object	*v, *e;
	char			 where[64];
	size_t			 n, k;
	int			 a;

	memset(rule, 0, sizeof(*rule));
	rule->is_recursive = 1;
	rule->events = FIM_ALL_EVENTS;
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "fim.rules[%d]: expected an object", i);
		return -1;
	}
	snprintf(where, sizeof(where), "fim.rules[%d].path", i);
	if (!json_object_object_get_ex(o, "path", &v)) {
		snprintf(err, errlen, "%s: missing", where);
		return -1;
	}
	if ((rule->path = fim_rules_path(v, where, err, errlen)) == NULL)
		return -1;
	if (json_object_object_get_ex(o, "recursive", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_boolean)) {
			snprintf(err, errlen, "fim.rules[%d].recursive: "
			    "expected true or false", i);
			return -1;
		}
		rule->is_recursive = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(o, "events", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_array)) {
			snprintf(err, errlen, "fim.rules[%d].events: expected "
			    "an array", i);
			return -1;
		}
		rule->events = 0;
		n = json_object_array_length(v);
		for (k = 0; k < n; k++) {
			e = json_object_array_get_idx(v, k);
			if (!json_object_is_type(e, json_type_string) ||
			    (a = fim_action_parse(json_object_get_string(e))) ==
			    -1) {
				snprintf(err, errlen, "fim.rules[%d].events[%zu]:"
				    " expected create, modify, attrib, delete "
				    "or rename", i, k);
				return -1;
			}
			rule->events |= 1u << a;
		}
	}
	if (json_object_object_get_ex(o, "excludes", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_array) ||
		    json_object_array_length(v) > FIM_EXCLUDES_MAX) {
			snprintf(err, errlen, "fim.rules[%d].excludes: expected "
			    "an array of at most %d paths", i,
			    FIM_EXCLUDES_MAX);
			return -1;
		}
		n = json_object_array_length(v);
		if (n > 0 && (rule->excludes = calloc(n,
		    sizeof(*rule->excludes))) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (k = 0; k < n; k++) {
			snprintf(where, sizeof(where),
			    "fim.rules[%d].excludes[%zu]", i, k);
			if ((rule->excludes[k] = fim_rules_path(
			    json_object_array_get_idx(v, k), where, err,
			    errlen)) == NULL)
				return -1;
			rule->nexcludes++;
		}
	}
	return 0;
}

/* Parse the "fim" object. Returns 0, or -1 (err). */
int
fim_rules_parse(struct json_object *fim, struct fim_rules *r, char *err,
    size_t errlen)
{
	struct json_object	*v;
	size_t			 n, i;
	int64_t			 size;

	memset(r, 0, sizeof(*r));
	r->hash_max_size = -1;
	if (fim == NULL)
		return 0;
	if (!json_object_is_type(fim, json_type_object)) {
		snprintf(err, errlen, "fim: expected an object");
		return -1;
	}
	if (json_object_object_get_ex(fim, "enabled", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_boolean)) {
			snprintf(err, errlen, "fim.enabled: expected true or "
			    "false");
			return -1;
		}
		r->is_enabled = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(fim, "hash_max_size", &v) && v != NULL) {
		size = json_object_get_int64(v);
		if (!json_object_is_type(v, json_type_int) || size < 0) {
			snprintf(err, errlen, "fim.hash_max_size: expected an "
			    "integer >= 0");
			return -1;
		}
		r->hash_max_size = size;
	}
	if (!json_object_object_get_ex(fim, "rules", &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_array) ||
	    json_object_array_length(v) > FIM_RULES_MAX) {
		snprintf(err, errlen, "fim.rules: expected an array of at most "
		    "%d rules", FIM_RULES_MAX);
		return -1;
	}
	n = json_object_array_length(v);
	if (n == 0)
		return 0;
	if ((r->rules = calloc(n, sizeof(*r->rules))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		r->nrules++;
		if (fim_rules_one(json_object_array_get_idx(v, i), (int)i,
		    &r->rules[i], err, errlen) == -1) {
			fim_rules_free(r);
			return -1;
		}
	}
	return 0;
}

/* Do the two rule sets hold the same rules? */
int
fim_rules_equal(const struct fim_rules *a, const struct fim_rules *b)
{
	int	 i, j;

	if (a->is_enabled != b->is_enabled || a->nrules != b->nrules ||
	    a->hash_max_size != b->hash_max_size)
		return 0;
	for (i = 0; i < a->nrules; i++) {
		if (strcmp(a->rules[i].path, b->rules[i].path) != 0 ||
		    a->rules[i].is_recursive != b->rules[i].is_recursive ||
		    a->rules[i].events != b->rules[i].events ||
		    a->rules[i].nexcludes != b->rules[i].nexcludes)
			return 0;
		for (j = 0; j < a->rules[i].nexcludes; j++)
			if (strcmp(a->rules[i].excludes[j],
			    b->rules[i].excludes[j]) != 0)
				return 0;
	}
	return 1;
}

/* Is path prefix itself or below it? */
static int
fim_rules_below(const char *prefix, const char *path)
{
	size_t	 n = strlen(prefix);

	if (n == 1 && prefix[0] == '/')
		return 1;
	return strncmp(path, prefix, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

/* Is path prefix itself or a direct entry of it? */
static int
fim_rules_child(const char *prefix, const char *path)
{
	size_t	 n = strlen(prefix);
	const char *rest;

	if (!fim_rules_below(prefix, path))
		return 0;
	rest = path + n;
	if (*rest == '/')
		rest++;
	return strchr(rest, '/') == NULL;
}

/* Is path excluded by rule? */
int
fim_rules_excluded(const struct fim_rule *rule, const char *path)
{
	int	 j;

	for (j = 0; j < rule->nexcludes; j++)
		if (fim_rules_below(rule->excludes[j], path))
			return 1;
	return 0;
}

/* The deciding rule for action on path, or -1. */
int
fim_rules_match(const struct fim_rules *r, const char *path,
    enum fim_action action)
{
	const struct fim_rule	*rule;
	size_t			 best_len = 0;
	int			 i, best = -1;

	for (i = 0; i < r->nrules; i++) {
		rule = &r->rules[i];
		if (!(rule->is_recursive ? fim_rules_below(rule->path, path) :
		    fim_rules_child(rule->path, path)))
			continue;
		if (best == -1 || strlen(rule->path) > best_len) {
			best = i;
			best_len = strlen(rule->path);
		}
	}
	if (best == -1)
		return -1;
	rule = &r->rules[best];
	if (!(rule->events & (1u << action)) ||
	    fim_rules_excluded(rule, path))
		return -1;
	return best;
}

/* Free kernel watches. */
void
fim_kwatches_free(struct fim_kwatch *w, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		free(w[i].path);
	free(w);
}

/* The kernel watches of the rules. Returns their number, or -1. */
int
fim_rules_kwatches(const struct fim_rules *r,
    int (*is_dir)(const char *, void *), void *arg, struct fim_kwatch **out)
{
	struct fim_kwatch	*w;
	unsigned int		 perm;
	int			 i, j, n = 0, tree, kind;

	*out = NULL;
	if (r->nrules == 0)
		return 0;
	if ((w = calloc((size_t)r->nrules, sizeof(*w))) == NULL)
		return -1;
	for (i = 0; i < r->nrules; i++) {
		perm = 0;
		if (r->rules[i].events & ((1u << FIM_CREATE) |
		    (1u << FIM_MODIFY) | (1u << FIM_DELETE) |
		    (1u << FIM_RENAME)))
			perm |= AUDIT_WATCH_WRITE;
		if (r->rules[i].events & (1u << FIM_ATTRIB))
			perm |= AUDIT_WATCH_ATTR;
		if (perm == 0)
			continue;
		kind = is_dir != NULL ? is_dir(r->rules[i].path, arg) : -1;
		tree = kind == 1 || (kind == -1 && r->rules[i].is_recursive);
		for (j = 0; j < n; j++)
			if (strcmp(w[j].path, r->rules[i].path) == 0)
				break;
		if (j < n) {
			/* One kernel rule per path: the union. */
			w[j].perm |= perm;
			w[j].is_tree |= tree;
			continue;
		}
		if ((w[n].path = strdup(r->rules[i].path)) == NULL) {
			fim_kwatches_free(w, n);
			return -1;
		}
		w[n].perm = perm;
		w[n].is_tree = tree;
		n++;
	}
	if (n == 0) {
		free(w);
		return 0;
	}
	*out = w;
	return n;
}
