/*
 * invstate.c: inventory.json, section digests and their canonical JSON
 * (see invstate.h).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "compat.h"
#include "fileio.h"
#include "invstate.h"
#include "jsonutil.h"

#define INVSTATE_MAX_SIZE	(64 * 1024 * 1024)	/* with item digests */
#define INVSTATE_SECTIONS_MAX	256

/* An empty state. */
int
invstate_init(struct invstate *st, const char *agent_id)
{
	memset(st, 0, sizeof(*st));
	if (agent_id != NULL && (st->agent_id = strdup(agent_id)) == NULL)
		return -1;
	st->acked = json_object_new_object();
	return st->acked != NULL ? 0 : -1;
}

/* Free what it holds. */
void
invstate_free(struct invstate *st)
{
	size_t	 i;

	free(st->agent_id);
	for (i = 0; i < INVITEM_SECTIONS; i++)
		invstate_items_free(&st->items[i]);
	json_object_put(st->acked);
	json_object_put(st->pending);
	memset(st, 0, sizeof(*st));
}

/* Feed bytes to the digest. */
static void
invstate_feed(EVP_MD_CTX *ctx, const char *p, size_t len)
{
	EVP_DigestUpdate(ctx, p, len);
}

/* Feed a JSON string, escaped the canonical way. */
static void
invstate_feed_string(EVP_MD_CTX *ctx, const char *s, size_t len)
{
	char	 esc[8];
	size_t	 i, start = 0;

	invstate_feed(ctx, "\"", 1);
	for (i = 0; i < len; i++) {
		unsigned char	 c = (unsigned char)s[i];

		if (c != '"' && c != '\\' && c >= 0x20)
			continue;
		invstate_feed(ctx, s + start, i - start);
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			invstate_feed(ctx, esc, 2);
		} else {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			invstate_feed(ctx, esc, 6);
		}
		start = i + 1;
	}
	invstate_feed(ctx, s + start, len - start);
	invstate_feed(ctx, "\"", 1);
}

/* Order member names bytewise. */
static int
invstate_key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Feed a value's canonical JSON. Returns 0, or -1 (out of memory). */
static int
invstate_feed_value(EVP_MD_CTX *ctx, struct json_object *v)
{
	struct json_object	*m;
	const char		**keys;
	char			 num[64];
	size_t			 i, n;
	int			 len;

	switch (json_object_get_type(v)) {
	case json_type_null:
		invstate_feed(ctx, "null", 4);
		return 0;
	case json_type_boolean:
		if (json_object_get_boolean(v))
			invstate_feed(ctx, "true", 4);
		else
			invstate_feed(ctx, "false", 5);
		return 0;
	case json_type_int:
		len = snprintf(num, sizeof(num), "%lld",
		    (long long)json_object_get_int64(v));
		invstate_feed(ctx, num, (size_t)len);
		return 0;
	case json_type_double:
		len = snprintf(num, sizeof(num), "%.17g",
		    json_object_get_double(v));
		invstate_feed(ctx, num, (size_t)len);
		return 0;
	case json_type_string:
		invstate_feed_string(ctx, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v));
		return 0;
	case json_type_array:
		invstate_feed(ctx, "[", 1);
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			if (i > 0)
				invstate_feed(ctx, ",", 1);
			if (invstate_feed_value(ctx,
			    json_object_array_get_idx(v, i)) == -1)
				return -1;
		}
		invstate_feed(ctx, "]", 1);
		return 0;
	case json_type_object:
		n = (size_t)json_object_object_length(v);
		if ((keys = calloc(n + 1, sizeof(*keys))) == NULL)
			return -1;
		i = 0;
		{
			json_object_object_foreach(v, key, val) {
				(void)val;
				keys[i++] = key;
			}
		}
		qsort(keys, i, sizeof(*keys), invstate_key_cmp);
		invstate_feed(ctx, "{", 1);
		for (n = i, i = 0; i < n; i++) {
			if (i > 0)
				invstate_feed(ctx, ",", 1);
			invstate_feed_string(ctx, keys[i], strlen(keys[i]));
			invstate_feed(ctx, ":", 1);
			json_object_object_get_ex(v, keys[i], &m);
			if (invstate_feed_value(ctx, m) == -1) {
				free(keys);
				return -1;
			}
		}
		invstate_feed(ctx, "}", 1);
		free(keys);
		return 0;
	}
	return 0;
}

/* The digest of a JSON value (32 bytes into md). Returns 0, or -1. */
static int
invstate_digest_raw(struct json_object *v, unsigned char *md)
{
	EVP_MD_CTX	*ctx;
	unsigned char	 buf[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	int		 rc = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    invstate_feed_value(ctx, v) == 0 &&
	    EVP_DigestFinal_ex(ctx, buf, &mdlen) == 1 &&
	    mdlen == INVSTATE_DIGEST_SIZE) {
		memcpy(md, buf, INVSTATE_DIGEST_SIZE);
		rc = 0;
	}
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* The digest of a JSON value as 64 hex digits. Returns 0, or -1. */
int
invstate_digest(struct json_object *v, char *hex)
{
	unsigned char	 md[INVSTATE_DIGEST_SIZE];

	if (invstate_digest_raw(v, md) == -1)
		return -1;
	hex_encode(md, INVSTATE_DIGEST_SIZE, hex);
	return 0;
}

/* {"section": "digest"} of every member (new object). */
static struct json_object *
invstate_digests(struct json_object *sections)
{
	struct json_object	*o = json_object_new_object();
	char			 hex[INVSTATE_DIGEST_LEN + 1];

	json_object_object_foreach(sections, key, val) {
		if (invstate_digest(val, hex) == -1) {
			json_object_put(o);
			return NULL;
		}
		json_add_string(o, key, hex);
	}
	return o;
}

/* The digests after a record body applies to base. */
struct json_object *
invstate_apply(struct json_object *base, struct json_object *body,
    char *err, size_t errlen)
{
	struct json_object	*out, *data, *set, *remove, *v, *d;
	const char		*type = json_get_string(body, "type");
	size_t			 i;

	if (type != NULL && strcmp(type, "full") == 0) {
		if (!json_object_object_get_ex(body, "data", &data) ||
		    !json_object_is_type(data, json_type_object)) {
			snprintf(err, errlen, "full record without data");
			return NULL;
		}
		if ((out = invstate_digests(data)) == NULL)
			snprintf(err, errlen, "out of memory");
		return out;
	}
	if (type == NULL || strcmp(type, "delta") != 0) {
		snprintf(err, errlen, "record type is neither full nor delta");
		return NULL;
	}
	out = json_object_new_object();
	json_object_object_foreach(base, key, val)
		json_object_object_add(out, key, json_object_get(val));
	if (json_object_object_get_ex(body, "set", &set) &&
	    json_object_is_type(set, json_type_object)) {
		if ((d = invstate_digests(set)) == NULL) {
			json_object_put(out);
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		json_object_object_foreach(d, k2, v2)
			json_object_object_add(out, k2, json_object_get(v2));
		json_object_put(d);
	}
	if (json_object_object_get_ex(body, "remove", &remove) &&
	    json_object_is_type(remove, json_type_array))
		for (i = 0; i < json_object_array_length(remove); i++) {
			v = json_object_array_get_idx(remove, i);
			if (json_object_is_type(v, json_type_string))
				json_object_object_del(out,
				    json_object_get_string(v));
		}
	/*
	 * A section changed item by item has a digest only the scan knew:
	 * without it, the next change of the section goes whole.
	 */
	if (json_object_object_get_ex(body, "items", &d) &&
	    json_object_is_type(d, json_type_object)) {
		json_object_object_foreach(d, k3, v3) {
			(void)v3;
			json_object_object_del(out, k3);
		}
	}
	return out;
}

/* A digest map as JSON: a copy of map. */
static struct json_object *
invstate_map_copy(struct json_object *map)
{
	struct json_object	*o = json_object_new_object();

	if (map != NULL) {
		json_object_object_foreach(map, key, val)
			json_object_object_add(o, key, json_object_get(val));
	}
	return o;
}

/* {"section": {"key text": "digest"}} of the known item sections. */
static struct json_object *
invstate_items_json(const struct invstate *st)
{
	struct json_object	*o = json_object_new_object(), *m;
	const struct invstate_items *its;
	char			 hex[INVSTATE_DIGEST_LEN + 1];
	size_t			 i, j;

	for (i = 0; i < INVITEM_SECTIONS; i++) {
		its = &st->items[i];
		if (!its->is_known)
			continue;
		m = json_object_new_object();
		for (j = 0; j < its->n; j++) {
			hex_encode(its->v[j].digest, INVSTATE_DIGEST_SIZE, hex);
			json_add_string(m, its->v[j].key, hex);
		}
		json_object_object_add(o, invitem_sections[i].name, m);
	}
	return o;
}

/* The text of inventory.json. */
char *
invstate_text(const struct invstate *st)
{
	struct json_object	*o, *a, *p;
	char			*text;

	o = json_object_new_object();
	json_add_int64(o, "format", INVSTATE_FORMAT);
	json_add_string(o, "agent_id", st->agent_id);
	a = json_object_new_object();
	json_add_int64(a, "inventory_version", st->acked_version);
	json_add_int64(a, "sequence", (int64_t)st->acked_sequence);
	json_add_int64(a, "time", (int64_t)st->acked_time);
	json_object_object_add(a, "digests", invstate_map_copy(st->acked));
	json_object_object_add(a, "items", invstate_items_json(st));
	json_object_object_add(o, "acked", a);
	if (st->pending_sequence != 0) {
		p = json_object_new_object();
		json_add_int64(p, "sequence", (int64_t)st->pending_sequence);
		json_add_string(p, "type", st->pending_is_full ? "full" :
		    "delta");
		json_add_int64(p, "base_version", st->pending_base);
		json_add_int64(p, "time", (int64_t)st->pending_time);
		json_object_object_add(p, "digests",
		    invstate_map_copy(st->pending));
		json_object_object_add(o, "pending", p);
	} else
		json_object_object_add(o, "pending", NULL);
	json_add_int64(o, "last_scan", (int64_t)st->last_scan);
	text = strdup(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

/* Write inventory.json atomically. Returns 0, or -errno. */
int
invstate_save(const char *dir, const struct invstate *st)
{
	char	 path[PATH_MAX], *text;
	int	 rc;

	if ((text = invstate_text(st)) == NULL)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%s", dir, INVSTATE_FILE_NAME);
	rc = fileio_write_atomic(path, text, strlen(text), 0600);
	free(text);
	return rc;
}

/* Remove inventory.json. */
int
invstate_remove(const char *dir)
{
	char	 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, INVSTATE_FILE_NAME);
	if (unlink(path) == -1 && errno != ENOENT)
		return -errno;
	return 0;
}

/* An integer member >= 0. Returns 0, or -1 with err. */
static int
invstate_get_count(struct json_object *o, const char *where, const char *key,
    int64_t *out, char *err, size_t errlen)
{
	if (json_get_int64(o, key, out) == -1 || *out < 0) {
		snprintf(err, errlen, "%s%s: expected an integer >= 0", where,
		    key);
		return -1;
	}
	return 0;
}

/* A digest map: {"section": 64 hex digits}. Returns it, or NULL. */
static struct json_object *
invstate_get_digests(struct json_object *o, const char *where, char *err,
    size_t errlen)
{
	struct json_object	*m;
	const char		*s;
	size_t			 i;

	if (!json_object_object_get_ex(o, "digests", &m) ||
	    !json_object_is_type(m, json_type_object)) {
		snprintf(err, errlen, "%sdigests: expected an object", where);
		return NULL;
	}
	if (json_object_object_length(m) > INVSTATE_SECTIONS_MAX) {
		snprintf(err, errlen, "%sdigests: more than %d sections",
		    where, INVSTATE_SECTIONS_MAX);
		return NULL;
	}
	json_object_object_foreach(m, key, val) {
		if (!json_object_is_type(val, json_type_string) ||
		    json_object_get_string_len(val) != INVSTATE_DIGEST_LEN) {
			snprintf(err, errlen, "%sdigests.%.64s: expected %d "
			    "hex digits", where, key, INVSTATE_DIGEST_LEN);
			return NULL;
		}
		s = json_object_get_string(val);
		for (i = 0; i < INVSTATE_DIGEST_LEN; i++)
			if (!((s[i] >= '0' && s[i] <= '9') ||
			    (s[i] >= 'a' && s[i] <= 'f'))) {
				snprintf(err, errlen, "%sdigests.%.64s: expected "
				    "%d hex digits", where, key,
				    INVSTATE_DIGEST_LEN);
				return NULL;
			}
	}
	return invstate_map_copy(m);
}

/* Is s 64 lower-case hex digits? */
static int
invstate_is_hex(const char *s, size_t len)
{
	size_t	 i;

	if (len != INVSTATE_DIGEST_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return 1;
}

/* A hex digit's value. */
static int
invstate_nibble(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

/* Order items by key text. */
static int
invstate_item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct invstate_item *)a)->key,
	    ((const struct invstate_item *)b)->key);
}

/*
 * acked.items (optional): {"section": {"key text": "digest"}}, each key
 * text the JSON object of an item's key. Returns 0, or -1 with err.
 */
static int
invstate_get_items(struct json_object *a, struct invstate *st, char *err,
    size_t errlen)
{
	const struct invitem_section *sec;
	struct invstate_items	*its;
	struct json_object	*m, *key;
	const char		*s;
	size_t			 i, n;

	if (!json_object_object_get_ex(a, "items", &m) || m == NULL)
		return 0;
	if (!json_object_is_type(m, json_type_object)) {
		snprintf(err, errlen, "acked.items: expected an object");
		return -1;
	}
	json_object_object_foreach(m, name, map) {
		if ((sec = invitem_find(name)) == NULL) {
			snprintf(err, errlen, "acked.items.%.64s: not a section "
			    "with items", name);
			return -1;
		}
		if (!json_object_is_type(map, json_type_object)) {
			snprintf(err, errlen, "acked.items.%s: expected an "
			    "object", name);
			return -1;
		}
		its = &st->items[invitem_index(sec)];
		n = (size_t)json_object_object_length(map);
		if (n > INVITEM_MAX_ITEMS) {
			snprintf(err, errlen, "acked.items.%s: more than %d "
			    "items", name, INVITEM_MAX_ITEMS);
			return -1;
		}
		if (n > 0 && (its->v = calloc(n, sizeof(*its->v))) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		its->is_known = 1;
		json_object_object_foreach(map, k, v) {
			s = json_object_is_type(v, json_type_string) ?
			    json_object_get_string(v) : "";
			if (!invstate_is_hex(s, strlen(s))) {
				snprintf(err, errlen, "acked.items.%s.%.64s: "
				    "expected %d hex digits", name, k,
				    INVSTATE_DIGEST_LEN);
				return -1;
			}
			key = json_tokener_parse(k);
			if (!json_object_is_type(key, json_type_object)) {
				json_object_put(key);
				snprintf(err, errlen, "acked.items.%s.%.64s: the "
				    "key is not a JSON object", name, k);
				return -1;
			}
			json_object_put(key);
			if ((its->v[its->n].key = strdup(k)) == NULL) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			for (i = 0; i < INVSTATE_DIGEST_SIZE; i++)
				its->v[its->n].digest[i] = (unsigned char)
				    (invstate_nibble(s[2 * i]) << 4 |
				    invstate_nibble(s[2 * i + 1]));
			its->n++;
		}
		if (its->n > 1)
			qsort(its->v, its->n, sizeof(*its->v),
			    invstate_item_cmp);
	}
	return 0;
}

/* Parse inventory.json. Returns 0, or -1 with err. */
int
invstate_parse(const char *text, size_t len, struct invstate *st, char *err,
    size_t errlen)
{
	struct json_object	*o, *a, *p;
	const char		*s;
	int64_t			 v;

	memset(st, 0, sizeof(*st));
	if ((o = json_parse_object(text, len, err, errlen)) == NULL)
		return -1;
	if (json_get_int64(o, "format", &v) == -1 || v != INVSTATE_FORMAT) {
		snprintf(err, errlen, "format: expected %d", INVSTATE_FORMAT);
		goto fail;
	}
	if ((s = json_get_string(o, "agent_id")) != NULL &&
	    (st->agent_id = strdup(s)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (!json_object_object_get_ex(o, "acked", &a) ||
	    !json_object_is_type(a, json_type_object)) {
		snprintf(err, errlen, "acked: expected an object");
		goto fail;
	}
	if (invstate_get_count(a, "acked.", "inventory_version",
	    &st->acked_version, err, errlen) == -1 ||
	    invstate_get_count(a, "acked.", "sequence", &v, err, errlen) == -1)
		goto fail;
	st->acked_sequence = (uint64_t)v;
	if (invstate_get_count(a, "acked.", "time", &v, err, errlen) == -1)
		goto fail;
	st->acked_time = (time_t)v;
	if ((st->acked = invstate_get_digests(a, "acked.", err, errlen)) ==
	    NULL)
		goto fail;
	if (invstate_get_items(a, st, err, errlen) == -1)
		goto fail;
	if (json_object_object_get_ex(o, "pending", &p) && p != NULL) {
		if (!json_object_is_type(p, json_type_object)) {
			snprintf(err, errlen, "pending: expected an object or "
			    "null");
			goto fail;
		}
		if (invstate_get_count(p, "pending.", "sequence", &v, err,
		    errlen) == -1)
			goto fail;
		if (v == 0) {
			snprintf(err, errlen, "pending.sequence: expected an "
			    "integer >= 1");
			goto fail;
		}
		st->pending_sequence = (uint64_t)v;
		s = json_get_string(p, "type");
		if (s == NULL || (strcmp(s, "full") != 0 &&
		    strcmp(s, "delta") != 0)) {
			snprintf(err, errlen, "pending.type: expected \"full\" "
			    "or \"delta\"");
			goto fail;
		}
		st->pending_is_full = strcmp(s, "full") == 0;
		if (invstate_get_count(p, "pending.", "base_version",
		    &st->pending_base, err, errlen) == -1 ||
		    invstate_get_count(p, "pending.", "time", &v, err,
		    errlen) == -1)
			goto fail;
		st->pending_time = (time_t)v;
		if ((st->pending = invstate_get_digests(p, "pending.", err,
		    errlen)) == NULL)
			goto fail;
	}
	if (invstate_get_count(o, "", "last_scan", &v, err, errlen) == -1)
		goto fail;
	st->last_scan = (time_t)v;
	json_object_put(o);
	return 0;
fail:
	json_object_put(o);
	invstate_free(st);
	return -1;
}

/* Read inventory.json. Returns 0, -ENOENT, -EINVAL (err), or -errno. */
int
invstate_load(const char *dir, struct invstate *st, char *err, size_t errlen)
{
	char	 path[PATH_MAX], *text;
	size_t	 len;
	int	 rc;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "%s/%s", dir, INVSTATE_FILE_NAME);
	if ((rc = fileio_read_all(path, INVSTATE_MAX_SIZE, &text, &len)) < 0) {
		if (rc == -EFBIG)
			snprintf(err, errlen, "larger than %d bytes",
			    INVSTATE_MAX_SIZE);
		else
			snprintf(err, errlen, "%s", strerror(-rc));
		return rc == -EFBIG ? -EINVAL : rc;
	}
	rc = invstate_parse(text, len, st, err, errlen);
	free(text);
	return rc == 0 ? 0 : -EINVAL;
}

/* Free the items of a section. */
void
invstate_items_free(struct invstate_items *its)
{
	size_t	 i;

	for (i = 0; i < its->n; i++)
		free(its->v[i].key);
	free(its->v);
	memset(its, 0, sizeof(*its));
}

/* The items of arr sorted by key text. Returns 0, 1 (unusable), or -1. */
int
invstate_items_build(const struct invitem_section *sec,
    struct json_object *arr, struct invstate_items *its)
{
	struct json_object	*item;
	size_t			 i, n;

	memset(its, 0, sizeof(*its));
	if (!invitem_is_ordered(sec, arr))
		return 1;
	n = json_object_array_length(arr);
	if (n > 0 && (its->v = calloc(n, sizeof(*its->v))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		item = json_object_array_get_idx(arr, i);
		its->v[i].index = i;
		its->n = i + 1;
		if ((its->v[i].key = invitem_key_text(sec, item)) == NULL ||
		    invstate_digest_raw(item, its->v[i].digest) == -1) {
			invstate_items_free(its);
			return -1;
		}
	}
	if (n > 1)
		qsort(its->v, n, sizeof(*its->v), invstate_item_cmp);
	its->is_known = 1;
	return 0;
}

/* The item changes from acked to now. Returns their number, or -1. */
long
invstate_items_diff(const struct invstate_items *acked,
    const struct invstate_items *now, struct json_object *arr,
    struct json_object **put, struct json_object **del)
{
	struct json_object	*key;
	size_t			 i = 0, j = 0;
	long			 n = 0;
	int			 c;

	*put = json_object_new_array();
	*del = json_object_new_array();
	while (i < acked->n || j < now->n) {
		if (i == acked->n)
			c = 1;
		else if (j == now->n)
			c = -1;
		else
			c = strcmp(acked->v[i].key, now->v[j].key);
		if (c < 0) {
			/* Gone: its key. */
			if ((key = json_tokener_parse(acked->v[i].key)) ==
			    NULL)
				goto fail;
			json_object_array_add(*del, key);
			i++;
			n++;
			continue;
		}
		if (c > 0 || memcmp(acked->v[i].digest, now->v[j].digest,
		    INVSTATE_DIGEST_SIZE) != 0) {
			/* New or changed: the whole item. */
			json_object_array_add(*put, json_object_get(
			    json_object_array_get_idx(arr, now->v[j].index)));
			n++;
		}
		if (c == 0)
			i++;
		j++;
	}
	return n;
fail:
	json_object_put(*put);
	json_object_put(*del);
	*put = *del = NULL;
	return -1;
}

/*
 * Apply one section's put and delete to its, keeping it sorted. Returns
 * 0, or -1 (out of memory).
 */
static int
invstate_items_change(const struct invitem_section *sec,
    struct invstate_items *its, struct json_object *ops)
{
	struct invstate_items	 ch, out;
	struct json_object	*put = NULL, *del = NULL, *item;
	size_t			 i, j, np, nd, k;
	int			 c;

	memset(&ch, 0, sizeof(ch));
	memset(&out, 0, sizeof(out));
	if (json_object_is_type(ops, json_type_object)) {
		json_object_object_get_ex(ops, "put", &put);
		json_object_object_get_ex(ops, "delete", &del);
	}
	np = json_object_is_type(put, json_type_array) ?
	    json_object_array_length(put) : 0;
	nd = json_object_is_type(del, json_type_array) ?
	    json_object_array_length(del) : 0;
	/* The changes, sorted; a delete is marked by index SIZE_MAX. */
	if (np + nd > 0 && (ch.v = calloc(np + nd, sizeof(*ch.v))) == NULL)
		return -1;
	for (i = 0; i < np + nd; i++) {
		item = i < np ? json_object_array_get_idx(put, i) :
		    json_object_array_get_idx(del, i - np);
		ch.n = i + 1;
		ch.v[i].index = i < np ? i : SIZE_MAX;
		if ((ch.v[i].key = invitem_key_text(sec, item)) == NULL ||
		    (i < np && invstate_digest_raw(item, ch.v[i].digest) ==
		    -1))
			goto fail;
	}
	if (ch.n > 1)
		qsort(ch.v, ch.n, sizeof(*ch.v), invstate_item_cmp);
	if (its->n + ch.n > 0 &&
	    (out.v = calloc(its->n + ch.n, sizeof(*out.v))) == NULL)
		goto fail;
	for (i = j = k = 0; i < its->n || j < ch.n; ) {
		if (i == its->n)
			c = 1;
		else if (j == ch.n)
			c = -1;
		else
			c = strcmp(its->v[i].key, ch.v[j].key);
		if (c < 0) {
			out.v[k++] = its->v[i];
			its->v[i++].key = NULL;
			continue;
		}
		if (c == 0)
			i++;	/* replaced or deleted */
		if (ch.v[j].index != SIZE_MAX) {
			out.v[k] = ch.v[j];
			out.v[k++].index = 0;
			ch.v[j].key = NULL;
		}
		j++;
	}
	out.n = k;
	out.is_known = 1;
	invstate_items_free(its);
	*its = out;
	invstate_items_free(&ch);
	return 0;
fail:
	invstate_items_free(&ch);
	free(out.v);
	return -1;
}

/* The items the platform holds once it applied body. */
int
invstate_items_apply(struct invstate *st, struct json_object *body)
{
	const struct invitem_section *sec;
	struct json_object	*data, *remove, *items, *v;
	const char		*type = json_get_string(body, "type");
	size_t			 i;
	int			 is_full = type != NULL &&
				    strcmp(type, "full") == 0;

	if (is_full)
		for (i = 0; i < INVITEM_SECTIONS; i++)
			invstate_items_free(&st->items[i]);
	if (json_object_object_get_ex(body, is_full ? "data" : "set", &data) &&
	    json_object_is_type(data, json_type_object)) {
		json_object_object_foreach(data, key, val) {
			if ((sec = invitem_find(key)) == NULL)
				continue;
			i = invitem_index(sec);
			invstate_items_free(&st->items[i]);
			if (invstate_items_build(sec, val, &st->items[i]) == -1)
				goto fail;
		}
	}
	if (!is_full && json_object_object_get_ex(body, "remove", &remove) &&
	    json_object_is_type(remove, json_type_array))
		for (i = 0; i < json_object_array_length(remove); i++) {
			v = json_object_array_get_idx(remove, i);
			if ((sec = invitem_find(json_object_get_string(v))) !=
			    NULL)
				invstate_items_free(
				    &st->items[invitem_index(sec)]);
		}
	if (!is_full && json_object_object_get_ex(body, "items", &items) &&
	    json_object_is_type(items, json_type_object)) {
		json_object_object_foreach(items, key, val) {
			if ((sec = invitem_find(key)) == NULL)
				continue;
			i = invitem_index(sec);
			if (st->items[i].is_known && invstate_items_change(sec,
			    &st->items[i], val) == -1)
				goto fail;
		}
	}
	return 0;
fail:
	for (i = 0; i < INVITEM_SECTIONS; i++)
		invstate_items_free(&st->items[i]);
	return -1;
}
