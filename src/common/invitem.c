/*
 * invitem.c: keys, order and item-level deltas of the inventory's array
 * sections (see invitem.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "invitem.h"

/* One put or delete of a delta, by key text. */
struct invitem_change {
	char			*key;
	struct json_object	*item;
	size_t			 index;		/* in its array */
	int			 is_delete;
	int			 is_held;	/* the stored section has it */
};

static int	invitem_cmp_packages(const void *, const void *);
static int	invitem_cmp_listening(const void *, const void *);
static int	invitem_cmp_name(const void *, const void *);

static const struct invitem_key invitem_package_keys[] = {
	{ "name", INVITEM_STRING, 1 },
	{ "arch", INVITEM_STRING, 0 },
	{ "ecosystem", INVITEM_STRING, 0 }
};
static const struct invitem_key invitem_listening_keys[] = {
	{ "protocol", INVITEM_STRING, 1 },
	{ "address", INVITEM_STRING, 1 },
	{ "port", INVITEM_INT, 1 }
};
static const struct invitem_key invitem_name_keys[] = {
	{ "name", INVITEM_STRING, 1 }
};

#define INVITEM_SECTION(name, keys, cmp) \
	{ name, keys, sizeof(keys) / sizeof(keys[0]), cmp }

const struct invitem_section invitem_sections[INVITEM_SECTIONS] = {
	INVITEM_SECTION("packages", invitem_package_keys,
	    invitem_cmp_packages),
	INVITEM_SECTION("interfaces", invitem_name_keys, invitem_cmp_name),
	INVITEM_SECTION("listening", invitem_listening_keys,
	    invitem_cmp_listening),
	INVITEM_SECTION("users", invitem_name_keys, invitem_cmp_name),
	INVITEM_SECTION("groups", invitem_name_keys, invitem_cmp_name),
	INVITEM_SECTION("kernel_modules", invitem_name_keys, invitem_cmp_name)
};

/* The section named name, or NULL. */
const struct invitem_section *
invitem_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < INVITEM_SECTIONS; i++)
		if (strcmp(invitem_sections[i].name, name) == 0)
			return &invitem_sections[i];
	return NULL;
}

/* The index of a section in the table. */
size_t
invitem_index(const struct invitem_section *sec)
{
	return (size_t)(sec - invitem_sections);
}

/* A key member of an item, or NULL when absent or null. */
static struct json_object *
invitem_member(struct json_object *item, const char *name)
{
	struct json_object	*v;

	if (!json_object_is_type(item, json_type_object) ||
	    !json_object_object_get_ex(item, name, &v))
		return NULL;
	return v;
}

/* Order two values of a key member: absent, integers, strings, others. */
static int
invitem_cmp_value(struct json_object *x, struct json_object *y)
{
	int64_t	 a, b;
	int	 rx, ry;

	rx = x == NULL ? 0 : json_object_is_type(x, json_type_int) ? 1 :
	    json_object_is_type(x, json_type_string) ? 2 : 3;
	ry = y == NULL ? 0 : json_object_is_type(y, json_type_int) ? 1 :
	    json_object_is_type(y, json_type_string) ? 2 : 3;
	if (rx != ry)
		return rx < ry ? -1 : 1;
	if (rx == 1) {
		a = json_object_get_int64(x);
		b = json_object_get_int64(y);
		return a < b ? -1 : a > b;
	}
	if (rx == 2)
		return strcmp(json_object_get_string(x),
		    json_object_get_string(y));
	return 0;
}

/* Order two items by the key members of keys. */
static int
invitem_cmp_keys(const struct invitem_key *keys, size_t nkeys,
    const void *a, const void *b)
{
	struct json_object	*x = *(struct json_object *const *)a;
	struct json_object	*y = *(struct json_object *const *)b;
	size_t			 i;
	int			 c;

	for (i = 0; i < nkeys; i++)
		if ((c = invitem_cmp_value(invitem_member(x, keys[i].name),
		    invitem_member(y, keys[i].name))) != 0)
			return c;
	return 0;
}

/* Packages: name, arch, ecosystem. */
static int
invitem_cmp_packages(const void *a, const void *b)
{
	return invitem_cmp_keys(invitem_package_keys,
	    sizeof(invitem_package_keys) / sizeof(invitem_package_keys[0]), a,
	    b);
}

/* Listening sockets: protocol, address, port. */
static int
invitem_cmp_listening(const void *a, const void *b)
{
	return invitem_cmp_keys(invitem_listening_keys,
	    sizeof(invitem_listening_keys) /
	    sizeof(invitem_listening_keys[0]), a, b);
}

/* Interfaces, users, groups and kernel modules: name. */
static int
invitem_cmp_name(const void *a, const void *b)
{
	return invitem_cmp_keys(invitem_name_keys, 1, a, b);
}

/* The key object of an item (new), or NULL. */
static struct json_object *
invitem_key_object(const struct invitem_section *sec, struct json_object *item)
{
	struct json_object	*key, *v;
	size_t			 i;

	if ((key = json_object_new_object()) == NULL)
		return NULL;
	for (i = 0; i < sec->nkeys; i++)
		if ((v = invitem_member(item, sec->keys[i].name)) != NULL)
			json_object_object_add(key, sec->keys[i].name,
			    json_object_get(v));
	return key;
}

/* The key text of an item (malloc'd), or NULL. */
char *
invitem_key_text(const struct invitem_section *sec, struct json_object *item)
{
	struct json_object	*key;
	char			*text;

	if ((key = invitem_key_object(sec, item)) == NULL)
		return NULL;
	text = strdup(json_object_to_json_string_ext(key,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(key);
	return text;
}

/* Is arr an array of objects in strictly increasing order? */
int
invitem_is_ordered(const struct invitem_section *sec, struct json_object *arr)
{
	struct json_object	*prev = NULL, *cur;
	size_t			 i, n;

	if (!json_object_is_type(arr, json_type_array))
		return 0;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		cur = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(cur, json_type_object))
			return 0;
		if (prev != NULL && sec->cmp(&prev, &cur) >= 0)
			return 0;
		prev = cur;
	}
	return 1;
}

/* Set field to where.member and msg to why. Returns -1. */
static int
invitem_fail(char *field, size_t fieldlen, const char *where,
    const char *member, char *msg, size_t msglen, const char *why)
{
	if (member != NULL)
		snprintf(field, fieldlen, "%s.%s", where, member);
	else
		snprintf(field, fieldlen, "%s", where);
	snprintf(msg, msglen, "%s", why);
	return -1;
}

/* Check an item of a put or a delete. */
int
invitem_check(const struct invitem_section *sec, struct json_object *item,
    const char *where, int is_delete, char *field, size_t fieldlen,
    char *msg, size_t msglen)
{
	struct json_object	*v;
	char			 why[160];
	size_t			 i, len;
	int			 is_key;

	if (!json_object_is_type(item, json_type_object))
		return invitem_fail(field, fieldlen, where, NULL, msg, msglen,
		    "expected an object");
	for (i = 0; i < sec->nkeys; i++) {
		v = invitem_member(item, sec->keys[i].name);
		if (v == NULL) {
			if (sec->keys[i].is_required)
				return invitem_fail(field, fieldlen, where,
				    sec->keys[i].name, msg, msglen,
				    "required (a key member)");
			continue;
		}
		if (sec->keys[i].type == INVITEM_INT) {
			if (!json_object_is_type(v, json_type_int))
				return invitem_fail(field, fieldlen, where,
				    sec->keys[i].name, msg, msglen,
				    "expected an integer");
			continue;
		}
		len = json_object_is_type(v, json_type_string) ?
		    (size_t)json_object_get_string_len(v) : 0;
		if (len == 0 || len > INVITEM_MAX_KEY_LEN ||
		    strlen(json_object_get_string(v)) != len) {
			snprintf(why, sizeof(why), "expected a string of 1..%d "
			    "bytes without NUL", INVITEM_MAX_KEY_LEN);
			return invitem_fail(field, fieldlen, where,
			    sec->keys[i].name, msg, msglen, why);
		}
	}
	if (!is_delete)
		return 0;
	json_object_object_foreach(item, key, val) {
		(void)val;
		for (i = 0, is_key = 0; i < sec->nkeys && !is_key; i++)
			is_key = strcmp(key, sec->keys[i].name) == 0;
		if (!is_key) {
			snprintf(why, sizeof(why), "a delete holds only the "
			    "key members of %s", sec->name);
			return invitem_fail(field, fieldlen, where, key, msg,
			    msglen, why);
		}
	}
	return 0;
}

/* Order changes by key text. */
static int
invitem_change_cmp(const void *a, const void *b)
{
	return strcmp(((const struct invitem_change *)a)->key,
	    ((const struct invitem_change *)b)->key);
}

/* Order changes by key text, then puts before deletes, then index. */
static int
invitem_change_order(const void *a, const void *b)
{
	const struct invitem_change	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->key, y->key)) != 0)
		return c;
	if (x->is_delete != y->is_delete)
		return x->is_delete - y->is_delete;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Free n changes. */
static void
invitem_changes_free(struct invitem_change *c, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(c[i].key);
	free(c);
}

/*
 * Check one section's changes (named where) and list them sorted by key.
 * Returns 0 with *out and *nout, or -1 with the field and why.
 */
static int
invitem_changes(const struct invitem_section *sec, struct json_object *ops,
    const char *where, struct invitem_change **out, size_t *nout,
    char *field, size_t fieldlen, char *msg, size_t msglen)
{
	static const char *const names[] = { "put", "delete" };
	struct invitem_change	*c = NULL;
	struct json_object	*arr[2] = { NULL, NULL }, *item;
	char			 at[128], why[160], other[128];
	size_t			 i, j, n = 0, total = 0;
	int			 found;

	*out = NULL;
	*nout = 0;
	if (!json_object_is_type(ops, json_type_object))
		return invitem_fail(field, fieldlen, where, NULL, msg, msglen,
		    "expected an object with put and delete");
	json_object_object_foreach(ops, key, val) {
		for (i = 0, found = 0; i < 2; i++)
			if (strcmp(key, names[i]) == 0) {
				arr[i] = val;
				found = 1;
			}
		if (!found)
			return invitem_fail(field, fieldlen, where, key, msg,
			    msglen, "unknown member (put or delete)");
	}
	for (i = 0; i < 2; i++) {
		if (arr[i] == NULL)
			continue;
		if (!json_object_is_type(arr[i], json_type_array))
			return invitem_fail(field, fieldlen, where, names[i],
			    msg, msglen, "expected an array");
		if (json_object_array_length(arr[i]) > INVITEM_MAX_ITEMS) {
			snprintf(why, sizeof(why), "at most %d elements",
			    INVITEM_MAX_ITEMS);
			return invitem_fail(field, fieldlen, where, names[i],
			    msg, msglen, why);
		}
		total += json_object_array_length(arr[i]);
	}
	if (total > 0 && (c = calloc(total, sizeof(*c))) == NULL)
		return invitem_fail(field, fieldlen, where, NULL, msg, msglen,
		    "out of memory");
	for (i = 0; i < 2; i++) {
		for (j = 0; arr[i] != NULL &&
		    j < json_object_array_length(arr[i]); j++) {
			item = json_object_array_get_idx(arr[i], j);
			snprintf(at, sizeof(at), "%s.%s[%zu]", where, names[i],
			    j);
			if (invitem_check(sec, item, at, i == 1, field,
			    fieldlen, msg, msglen) == -1)
				goto fail;
			if ((c[n].key = invitem_key_text(sec, item)) == NULL) {
				invitem_fail(field, fieldlen, at, NULL, msg,
				    msglen, "out of memory");
				goto fail;
			}
			c[n].item = item;
			c[n].index = j;
			c[n].is_delete = i == 1;
			n++;
		}
	}
	if (n > 1)
		qsort(c, n, sizeof(*c), invitem_change_order);
	for (i = 1; i < n; i++)
		if (strcmp(c[i - 1].key, c[i].key) == 0) {
			snprintf(at, sizeof(at), "%s.%s[%zu]", where,
			    names[c[i].is_delete], c[i].index);
			snprintf(other, sizeof(other), "%s.%s[%zu]", where,
			    names[c[i - 1].is_delete], c[i - 1].index);
			snprintf(why, sizeof(why), "names the same item as %s",
			    other);
			invitem_fail(field, fieldlen, at, NULL, msg, msglen,
			    why);
			goto fail;
		}
	*out = c;
	*nout = n;
	return 0;
fail:
	invitem_changes_free(c, n);
	return -1;
}

/*
 * The section held in old with the changes applied (new array), NULL
 * with rc 1 (an item a delete names is not held) or -1 (too many items,
 * out of memory) and the field and why.
 */
static struct json_object *
invitem_apply_section(const struct invitem_section *sec,
    struct json_object *old, struct invitem_change *c, size_t n,
    const char *where, int *rc, char *field, size_t fieldlen, char *msg,
    size_t msglen)
{
	struct invitem_change	 probe, *hit;
	struct json_object	*arr, *item;
	char			 why[160];
	size_t			 i, len = json_object_array_length(old);

	*rc = -1;
	if ((arr = json_object_new_array()) == NULL) {
		invitem_fail(field, fieldlen, where, NULL, msg, msglen,
		    "out of memory");
		return NULL;
	}
	for (i = 0; i < len; i++) {
		item = json_object_array_get_idx(old, i);
		hit = NULL;
		if (n > 0) {
			if ((probe.key = invitem_key_text(sec, item)) == NULL) {
				invitem_fail(field, fieldlen, where, NULL, msg,
				    msglen, "out of memory");
				goto fail;
			}
			hit = bsearch(&probe, c, n, sizeof(*c),
			    invitem_change_cmp);
			free(probe.key);
		}
		if (hit != NULL)
			hit->is_held = 1;
		else
			json_object_array_add(arr, json_object_get(item));
	}
	for (i = 0; i < n; i++) {
		if (c[i].is_delete && !c[i].is_held) {
			*rc = 1;
			snprintf(field, fieldlen, "%s.delete[%zu]", where,
			    c[i].index);
			snprintf(msg, msglen, "%s.delete[%zu]: the item %s is "
			    "not held", where, c[i].index, c[i].key);
			goto fail;
		}
		if (!c[i].is_delete)
			json_object_array_add(arr, json_object_get(c[i].item));
	}
	if (json_object_array_length(arr) > INVITEM_MAX_ITEMS) {
		snprintf(why, sizeof(why), "more than %d items once applied",
		    INVITEM_MAX_ITEMS);
		invitem_fail(field, fieldlen, where, NULL, msg, msglen, why);
		goto fail;
	}
	json_object_array_sort(arr, sec->cmp);
	*rc = 0;
	return arr;
fail:
	json_object_put(arr);
	return NULL;
}

/* Apply a delta's items to doc. */
int
invitem_apply(struct json_object *doc, struct json_object *items,
    char *field, size_t fieldlen, char *msg, size_t msglen)
{
	const struct invitem_section	*sec;
	struct invitem_change		*c[INVITEM_SECTIONS] = { NULL };
	struct json_object		*ops[INVITEM_SECTIONS] = { NULL };
	struct json_object		*next[INVITEM_SECTIONS] = { NULL };
	struct json_object		*old;
	size_t				 n[INVITEM_SECTIONS] = { 0 }, i;
	char				 where[64];
	int				 rc = -1;

	if (!json_object_is_type(items, json_type_object))
		return invitem_fail(field, fieldlen, "items", NULL, msg,
		    msglen, "expected an object");
	json_object_object_foreach(items, key, val) {
		if ((sec = invitem_find(key)) == NULL) {
			snprintf(where, sizeof(where), "items.%.48s", key);
			return invitem_fail(field, fieldlen, where, NULL, msg,
			    msglen, "not a section with item changes "
			    "(packages, interfaces, listening, users, groups, "
			    "kernel_modules)");
		}
		ops[invitem_index(sec)] = val;
	}
	/* Everything is checked before anything is applied. */
	for (i = 0; i < INVITEM_SECTIONS; i++) {
		if (ops[i] == NULL)
			continue;
		snprintf(where, sizeof(where), "items.%s",
		    invitem_sections[i].name);
		if (invitem_changes(&invitem_sections[i], ops[i], where, &c[i],
		    &n[i], field, fieldlen, msg, msglen) == -1)
			goto done;
	}
	for (i = 0; i < INVITEM_SECTIONS; i++) {
		if (ops[i] == NULL)
			continue;
		snprintf(where, sizeof(where), "items.%s",
		    invitem_sections[i].name);
		if (!json_object_object_get_ex(doc, invitem_sections[i].name,
		    &old) || !json_object_is_type(old, json_type_array)) {
			snprintf(field, fieldlen, "%s", where);
			snprintf(msg, msglen, "%s: the section is not held as "
			    "an array", where);
			rc = 1;
			goto done;
		}
		next[i] = invitem_apply_section(&invitem_sections[i], old,
		    c[i], n[i], where, &rc, field, fieldlen, msg, msglen);
		if (next[i] == NULL)
			goto done;
	}
	for (i = 0; i < INVITEM_SECTIONS; i++)
		if (next[i] != NULL) {
			json_object_object_add(doc, invitem_sections[i].name,
			    next[i]);
			next[i] = NULL;
		}
	rc = 0;
done:
	for (i = 0; i < INVITEM_SECTIONS; i++) {
		invitem_changes_free(c[i], n[i]);
		json_object_put(next[i]);
	}
	return rc;
}
