/*
 * json-strict.c: an RFC 8259 checking pass over JSON text, run before
 * json-c parses it, and the repair of strings that are not UTF-8 in a
 * parsed document (for data stored before input was checked).
 *
 * json_strict_repair() does the same for a text on its way out (the agent's
 * requests), so that a file name that is not UTF-8 costs one character,
 * not the whole upload.
 *
 * The pass is one loop over the text with an explicit stack of the open
 * arrays and objects (never recursion), so its cost is linear and its
 * depth bounded. It keeps the dotted path of the value it is in
 * ("events[3].path"), so a refused string or number is named the way the
 * API names fields. Member names are decoded and kept per open object in
 * a hash set, so a duplicate is found in constant time whatever the size
 * of the object. Problems of the text itself (syntax, duplicates, depth)
 * stop the pass at once; a refused string or number is remembered (the
 * first one) and the pass goes on, so a text that is both not JSON and
 * holds a bad string is reported as not JSON.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json-strict.h"
#include "utf8.h"

#define JS_NUMBER_MAX	128	/* longest non-integer number accepted */
#define JS_SMALL_KEYS	8	/* member names compared one by one */
#define JS_SMALL_ARENA	128	/* bytes of names kept in place */
#define JS_SMALL_KEY	256	/* bytes of the name being read in place */

/* One member name of an open object, in its level's arena. */
struct js_key {
	uint32_t	 hash;
	uint32_t	 len;
	size_t		 off;
};

/* A slot of a level's hash set: valid when gen is the level's. */
struct js_slot {
	uint32_t	 gen;
	uint32_t	 idx;
};

/*
 * An open array or object. The names of a small object are kept in place
 * and compared one by one; past JS_SMALL_KEYS a hash set finds them. The
 * buffers of a level are kept for the next object at that depth.
 */
struct js_level {
	int		 is_object;
	size_t		 index;		/* the array element being read */
	uint32_t	 gen;		/* which object the set holds */
	struct js_slot	*slots;		/* NULL until needed */
	size_t		 cap;		/* slots, a power of two */
	struct js_key	*keys;
	size_t		 nkeys, keycap;
	char		*arena;
	size_t		 alen, acap;
	struct js_key	 small_keys[JS_SMALL_KEYS];
	char		 small_arena[JS_SMALL_ARENA];
};

struct js_parser {
	const unsigned char	*s;
	size_t			 len, pos;
	struct js_level		 level[JSON_STRICT_MAX_DEPTH];
	int			 depth;
	int			 used;		/* levels ever opened */
	char			 path[JSON_STRICT_FIELD_MAX];
	size_t			 path_len;
	int			 in_key;	/* reading a member name */
	const char		*keyp;		/* the member name read */
	char			*key;		/* its decoded copy, if escaped */
	size_t			 keylen, keycap;
	char			 small_key[JS_SMALL_KEY];
	struct json_strict_error *err;
	enum json_strict_result	 result;	/* first field error, or OK */
	int			 flags;
};

static void	js_path_make(struct js_parser *, int);

/* Stop with a syntax error at the current offset. Returns -1. */
static int __attribute__((format(printf, 2, 3)))
js_syntax(struct js_parser *p, const char *fmt, ...)
{
	va_list	 ap;
	char	 what[128];

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	p->err->offset = p->pos;
	p->err->field[0] = '\0';
	snprintf(p->err->message, sizeof(p->err->message), "offset %zu: %s",
	    p->pos, what);
	p->result = JSON_STRICT_SYNTAX;
	return -1;
}

/* Stop: out of memory. Returns -1. */
static int
js_nomem(struct js_parser *p)
{
	p->err->offset = p->pos;
	p->err->field[0] = '\0';
	snprintf(p->err->message, sizeof(p->err->message), "out of memory");
	p->result = JSON_STRICT_NOMEM;
	return -1;
}

/* Remember the first refused value (at offset off) and go on. */
static void __attribute__((format(printf, 3, 4)))
js_field(struct js_parser *p, size_t off, const char *fmt, ...)
{
	va_list	 ap;

	if (p->result != JSON_STRICT_OK)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
	va_end(ap);
	p->err->offset = off;
	js_path_make(p, !p->in_key);
	memcpy(p->err->field, p->path, p->path_len + 1);
	p->result = JSON_STRICT_FIELD;
}

/* Append len bytes to the path, cut at a character that fits. */
static void
js_path_add(struct js_parser *p, const char *s, size_t len)
{
	size_t	 room = sizeof(p->path) - 1 - p->path_len;

	if (len > room) {
		len = room;
		/* Never cut a UTF-8 sequence. */
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(p->path + p->path_len, s, len);
	p->path_len += len;
	p->path[p->path_len] = '\0';
}

/*
 * Make the dotted path of where the pass is, from the open containers
 * ("events[3].path"): with the innermost member or element when whole is
 * set, else the innermost container only. It is made only when needed
 * (an error), so reading a member costs nothing for it.
 */
static void
js_path_make(struct js_parser *p, int whole)
{
	const struct js_level	*lv;
	const struct js_key	*k;
	char			 buf[32];
	int			 i, n;

	p->path_len = 0;
	p->path[0] = '\0';
	for (i = 0; i < p->depth - (whole ? 0 : 1); i++) {
		lv = &p->level[i];
		if (!lv->is_object) {
			n = snprintf(buf, sizeof(buf), "[%zu]", lv->index);
			js_path_add(p, buf, (size_t)n);
		} else if (lv->nkeys > 0) {
			k = &lv->keys[lv->nkeys - 1];
			if (p->path_len > 0)
				js_path_add(p, ".", 1);
			js_path_add(p, lv->arena + k->off, k->len);
		}
	}
}

/* Skip white space (the four characters RFC 8259 allows). */
static void
js_ws(struct js_parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' ||
	    p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
	    p->s[p->pos] == '\r'))
		p->pos++;
}

/* Append bytes to the member name being read. Returns 0, or -1. */
static int
js_key_add(struct js_parser *p, const void *b, size_t n)
{
	char	*k;
	size_t	 cap;

	if (p->keylen + n > p->keycap) {
		cap = p->keycap * 2;
		while (cap < p->keylen + n)
			cap *= 2;
		if ((k = p->key == p->small_key ? malloc(cap) :
		    realloc(p->key, cap)) == NULL)
			return -1;
		if (p->key == p->small_key)
			memcpy(k, p->small_key, p->keylen);
		p->key = k;
		p->keycap = cap;
	}
	memcpy(p->key + p->keylen, b, n);
	p->keylen += n;
	return 0;
}

/* The value of four hex digits at s, or -1. */
static long
js_hex4(const unsigned char *s)
{
	long	 v = 0;
	int	 i, d;

	for (i = 0; i < 4; i++) {
		if ((d = (s[i] >= '0' && s[i] <= '9') ? s[i] - '0' :
		    (s[i] >= 'a' && s[i] <= 'f') ? s[i] - 'a' + 10 :
		    (s[i] >= 'A' && s[i] <= 'F') ? s[i] - 'A' + 10 : -1) == -1)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Encode code point cp as UTF-8 into out. Returns the length. */
static size_t
js_utf8_put(unsigned long cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Read a \u escape at p->pos (on the backslash), and the low half of a
 * surrogate pair after it. Returns the code point, 0 when refused (the
 * field error noted), or -1 on a syntax error.
 */
static long
js_unicode_escape(struct js_parser *p, const char *what)
{
	size_t	 at = p->pos;
	long	 cp, lo;

	if (p->len - p->pos < 6 || (cp = js_hex4(p->s + p->pos + 2)) == -1)
		return js_syntax(p, "\\u must be followed by four hex digits");
	p->pos += 6;
	if (cp >= 0xdc00 && cp <= 0xdfff) {
		js_field(p, at, "%slone UTF-16 surrogate \\u%04lx", what, cp);
		return 0;
	}
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (p->len - p->pos < 6 || p->s[p->pos] != '\\' ||
		    p->s[p->pos + 1] != 'u' ||
		    (lo = js_hex4(p->s + p->pos + 2)) < 0xdc00 || lo > 0xdfff) {
			js_field(p, at, "%slone UTF-16 surrogate \\u%04lx",
			    what, cp);
			return 0;
		}
		p->pos += 6;
		return 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0) {
		js_field(p, at, "%sNUL character (\\u0000)", what);
		return 0;
	}
	return cp;
}

/* Read a backslash escape; decode it into the key when is_key. */
static int
js_escape(struct js_parser *p, int is_key, const char *what)
{
	static const char	 from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char		*e;
	unsigned char		 buf[4];
	long			 cp;

	if (p->pos + 1 >= p->len)
		return js_syntax(p, "the text ends inside a string");
	if (p->s[p->pos + 1] == 'u') {
		if ((cp = js_unicode_escape(p, what)) == -1)
			return -1;
		if (cp > 0 && is_key && js_key_add(p, buf,
		    js_utf8_put((unsigned long)cp, buf)) == -1)
			return js_nomem(p);
		return 0;
	}
	if (p->s[p->pos + 1] == '\0' ||
	    (e = strchr(from, p->s[p->pos + 1])) == NULL) {
		p->pos++;
		return js_syntax(p, "invalid escape in a string");
	}
	if (is_key && js_key_add(p, &to[e - from], 1) == -1)
		return js_nomem(p);
	p->pos += 2;
	return 0;
}

/*
 * Read a string at p->pos (on its opening quote). A member name (is_key)
 * is left in p->keyp and p->keylen: the bytes of the text itself, or,
 * once it has an escape, its decoded copy in p->key. Returns 0, or -1 on
 * a syntax error.
 */
static int
js_string(struct js_parser *p, int is_key)
{
	const char	*what = is_key ? "member name: " : "";
	enum utf8_error	 uerr;
	unsigned char	 c;
	size_t		 n, start, begin;
	int		 copy = 0;

	begin = ++p->pos;
	p->keylen = 0;
	for (;;) {
		start = p->pos;
		/* The common case: a run of plain ASCII. */
		while (p->pos < p->len && (c = p->s[p->pos]) >= 0x20 &&
		    c < 0x80 && c != '"' && c != '\\')
			p->pos++;
		if (copy && p->pos > start &&
		    js_key_add(p, p->s + start, p->pos - start) == -1)
			return js_nomem(p);
		if (p->pos >= p->len)
			return js_syntax(p, "the text ends inside a string");
		c = p->s[p->pos];
		if (c == '"') {
			if (is_key && !copy) {
				p->keyp = (const char *)p->s + begin;
				p->keylen = p->pos - begin;
			} else if (is_key)
				p->keyp = p->key;
			p->pos++;
			return 0;
		}
		if (c == '\\') {
			/* A name with an escape is compared decoded. */
			if (is_key && !copy) {
				copy = 1;
				if (js_key_add(p, p->s + begin,
				    p->pos - begin) == -1)
					return js_nomem(p);
			}
			if (js_escape(p, copy, what) == -1)
				return -1;
			continue;
		}
		if (c < 0x20)
			return js_syntax(p, "control character 0x%02x in a "
			    "string (it must be escaped)", c);
		if ((n = utf8_sequence(p->s + p->pos, p->len - p->pos,
		    &uerr)) == 0) {
			js_field(p, p->pos, "%snot UTF-8: %s at byte %zu",
			    what, utf8_error_text(uerr), p->pos);
			p->pos++;
			continue;
		}
		if (copy && js_key_add(p, p->s + p->pos, n) == -1)
			return js_nomem(p);
		p->pos += n;
	}
}

/* Whether the byte at p->pos is a digit. Returns 1 or 0. */
static int
js_digit(struct js_parser *p)
{
	return p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9';
}

/* Check an integer's digits fit in int64. */
static void
js_integer(struct js_parser *p, size_t start, int neg)
{
	const char	*limit = neg ? "9223372036854775808" :
			    "9223372036854775807";
	size_t		 ndig = p->pos - start;

	if (ndig < 19 || (ndig == 19 &&
	    memcmp(p->s + start, limit, 19) <= 0))
		return;
	js_field(p, start, "integer out of range (a number from "
	    "-9223372036854775808 to 9223372036854775807 is expected)");
}

/* Read a number (RFC 8259 grammar). Returns 0, or -1. */
static int
js_number(struct js_parser *p)
{
	char	 buf[JS_NUMBER_MAX + 1];
	size_t	 start = p->pos, digits;
	int	 neg = 0, is_int = 1;
	double	 d;

	if (p->s[p->pos] == '-') {
		neg = 1;
		p->pos++;
	}
	digits = p->pos;
	if (!js_digit(p))
		return js_syntax(p, "a digit is expected");
	if (p->s[p->pos] == '0')
		p->pos++;
	else
		while (js_digit(p))
			p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		is_int = 0;
		if (!js_digit(p))
			return js_syntax(p, "a digit is expected after '.'");
		while (js_digit(p))
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		is_int = 0;
		if (p->pos < p->len && (p->s[p->pos] == '+' ||
		    p->s[p->pos] == '-'))
			p->pos++;
		if (!js_digit(p))
			return js_syntax(p, "a digit is expected in the "
			    "exponent");
		while (js_digit(p))
			p->pos++;
	}
	if (is_int) {
		if ((p->flags & JSON_STRICT_ANY_INTEGER) == 0)
			js_integer(p, digits, neg);
		return 0;
	}
	if (p->pos - start > JS_NUMBER_MAX) {
		js_field(p, start, "number longer than %d characters",
		    JS_NUMBER_MAX);
		return 0;
	}
	memcpy(buf, p->s + start, p->pos - start);
	buf[p->pos - start] = '\0';
	errno = 0;
	d = strtod(buf, NULL);
	if (isinf(d))
		js_field(p, start, "number out of range");
	return 0;
}

/* Read true, false or null. Returns 0, or -1. */
static int
js_literal(struct js_parser *p)
{
	static const char *const words[] = { "true", "false", "null" };
	size_t			 i, n;

	for (i = 0; i < 3; i++) {
		n = strlen(words[i]);
		if (p->len - p->pos >= n &&
		    memcmp(p->s + p->pos, words[i], n) == 0) {
			p->pos += n;
			return 0;
		}
	}
	return js_syntax(p, "unexpected word (only true, false and null "
	    "are JSON)");
}

/* FNV-1a of len bytes. Returns it. */
static uint32_t
js_hash(const char *s, size_t len)
{
	uint32_t	 h = 2166136261U;
	size_t		 i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619U;
	}
	return h;
}

/* Find key (hash h) in lv's set. Returns its slot (free or taken). */
static struct js_slot *
js_set_find(struct js_level *lv, const char *key, size_t len, uint32_t h)
{
	struct js_slot	*sl;
	struct js_key	*k;
	size_t		 i = h & (lv->cap - 1);

	for (;; i = (i + 1) & (lv->cap - 1)) {
		sl = &lv->slots[i];
		if (sl->gen != lv->gen)
			return sl;
		k = &lv->keys[sl->idx];
		if (k->hash == h && k->len == len &&
		    memcmp(lv->arena + k->off, key, len) == 0)
			return sl;
	}
}

/* Double lv's set (or make it) and put its keys in. Returns 0, or -1. */
static int
js_set_grow(struct js_level *lv)
{
	struct js_slot	*old = lv->slots, *sl;
	struct js_key	*k;
	size_t		 i, cap = lv->cap == 0 ? 4 * JS_SMALL_KEYS : lv->cap * 2;

	if ((lv->slots = calloc(cap, sizeof(*lv->slots))) == NULL) {
		lv->slots = old;
		return -1;
	}
	free(old);
	for (i = 0; lv->cap == 0 && i < lv->nkeys; i++) {
		/* From comparing one by one: the names get their hash. */
		k = &lv->keys[i];
		k->hash = js_hash(lv->arena + k->off, k->len);
	}
	lv->cap = cap;
	for (i = 0; i < lv->nkeys; i++) {
		k = &lv->keys[i];
		sl = js_set_find(lv, lv->arena + k->off, k->len, k->hash);
		sl->gen = lv->gen;
		sl->idx = (uint32_t)i;
	}
	return 0;
}

/*
 * Grow *buf (in place at first, small) to hold need units of size.
 * Returns 0, or -1.
 */
static int
js_grow(void **buf, const void *small, size_t *cap, size_t need, size_t size)
{
	void	*nb;
	size_t	 n = *cap;

	if (need <= n)
		return 0;
	while (n < need)
		n *= 2;
	if (*buf == small) {
		if ((nb = reallocarray(NULL, n, size)) == NULL)
			return -1;
		memcpy(nb, small, *cap * size);
	} else if ((nb = reallocarray(*buf, n, size)) == NULL)
		return -1;
	*buf = nb;
	*cap = n;
	return 0;
}

/* Make room for one more key of len bytes in lv. Returns 0, or -1. */
static int
js_set_reserve(struct js_level *lv, size_t len)
{
	if (js_grow((void **)&lv->keys, lv->small_keys, &lv->keycap,
	    lv->nkeys + 1, sizeof(*lv->keys)) == -1 ||
	    js_grow((void **)&lv->arena, lv->small_arena, &lv->acap,
	    lv->alen + len, 1) == -1)
		return -1;
	/* A hash set once the object is not small, kept half empty. */
	if ((lv->cap > 0 || lv->nkeys + 1 > JS_SMALL_KEYS) &&
	    (lv->nkeys + 1) * 2 > lv->cap && js_set_grow(lv) == -1)
		return -1;
	return 0;
}

/* Whether lv holds the key (hash h) already. Returns 1/0. */
static int
js_set_has(struct js_level *lv, const char *key, size_t len, uint32_t h)
{
	struct js_key	*k;
	size_t		 i;

	if (lv->cap > 0)
		return js_set_find(lv, key, len, h)->gen == lv->gen;
	for (i = 0; i < lv->nkeys; i++) {
		k = &lv->keys[i];
		if (k->hash == h && k->len == len &&
		    memcmp(lv->arena + k->off, key, len) == 0)
			return 1;
	}
	return 0;
}

/*
 * The member name in p->keyp was read: refuse a duplicate, remember it
 * (its level's current member, which the field path names). Returns 0,
 * or -1.
 */
static int
js_member(struct js_parser *p)
{
	struct js_level	*lv = &p->level[p->depth - 1];
	struct js_slot	*sl;
	struct js_key	*k;
	uint32_t	 h;

	if (p->keylen > UINT32_MAX || js_set_reserve(lv, p->keylen) == -1)
		return js_nomem(p);
	/* Small objects compare names one by one: no hash needed. */
	h = lv->cap > 0 ? js_hash(p->keyp, p->keylen) : 0;
	if (js_set_has(lv, p->keyp, p->keylen, h)) {
		js_path_make(p, 0);
		if (p->path_len > 0)
			js_path_add(p, ".", 1);
		js_path_add(p, p->keyp, p->keylen);
		return js_syntax(p, "duplicate member name %s", p->path);
	}
	k = &lv->keys[lv->nkeys];
	k->hash = h;
	k->len = (uint32_t)p->keylen;
	k->off = lv->alen;
	memcpy(lv->arena + lv->alen, p->keyp, p->keylen);
	lv->alen += p->keylen;
	if (lv->cap > 0) {
		sl = js_set_find(lv, p->keyp, p->keylen, h);
		sl->gen = lv->gen;
		sl->idx = (uint32_t)lv->nkeys;
	}
	lv->nkeys++;
	return 0;
}

/* Open an array or object. Returns 0, or -1 when nested too deep. */
static int
js_push(struct js_parser *p, int is_object)
{
	struct js_level	*lv;

	if (p->depth == JSON_STRICT_MAX_DEPTH)
		return js_syntax(p, "nested deeper than %d arrays and objects",
		    JSON_STRICT_MAX_DEPTH);
	lv = &p->level[p->depth++];
	if (p->depth > p->used) {
		/* First use of this depth: its buffers in place. */
		p->used = p->depth;
		lv->slots = NULL;
		lv->cap = 0;
		lv->gen = 0;
		lv->keys = lv->small_keys;
		lv->keycap = JS_SMALL_KEYS;
		lv->arena = lv->small_arena;
		lv->acap = JS_SMALL_ARENA;
	}
	lv->is_object = is_object;
	lv->index = 0;
	lv->gen++;
	lv->nkeys = 0;
	lv->alen = 0;
	p->pos++;
	return 0;
}

/*
 * After a value: the end of the text, or of its container, or the next
 * element. Returns 1 (the text is done), 0 (read a member or element
 * next: *member says which), or -1.
 */
static int
js_after_value(struct js_parser *p, int *member)
{
	struct js_level	*lv;
	unsigned char	 c;

	for (;;) {
		js_ws(p);
		if (p->depth == 0) {
			if (p->pos < p->len)
				return js_syntax(p, "data after the JSON text");
			return 1;
		}
		lv = &p->level[p->depth - 1];
		if (p->pos >= p->len)
			return js_syntax(p, "the text ends inside %s",
			    lv->is_object ? "an object" : "an array");
		c = p->s[p->pos];
		if (c == (lv->is_object ? '}' : ']')) {
			p->pos++;
			p->depth--;
			continue;
		}
		if (c != ',')
			return js_syntax(p, "'%c' expected after a value",
			    lv->is_object ? '}' : ']');
		p->pos++;
		js_ws(p);
		*member = lv->is_object;
		if (!lv->is_object)
			lv->index++;
		return 0;
	}
}

/* Read an object's member name and the ':' after it. Returns 0, or -1. */
static int
js_member_name(struct js_parser *p)
{
	if (p->pos >= p->len || p->s[p->pos] != '"')
		return js_syntax(p, "a member name in double quotes is "
		    "expected");
	p->in_key = 1;
	if (js_string(p, 1) == -1)
		return -1;
	p->in_key = 0;
	if (js_member(p) == -1)
		return -1;
	js_ws(p);
	if (p->pos >= p->len || p->s[p->pos] != ':')
		return js_syntax(p, "':' expected after a member name");
	p->pos++;
	js_ws(p);
	return 0;
}

/*
 * Read the value at p->pos: a scalar, or the opening of a container
 * (*opened: 1 for an object whose first member is next, 2 for an array
 * whose first element is next, 0 when the value is complete). Returns 0,
 * or -1.
 */
static int
js_value(struct js_parser *p, int *opened)
{
	unsigned char	 c;
	int		 is_object;

	*opened = 0;
	if (p->pos >= p->len)
		return js_syntax(p, "a value is expected");
	c = p->s[p->pos];
	if (c == '{' || c == '[') {
		is_object = c == '{';
		if (js_push(p, is_object) == -1)
			return -1;
		js_ws(p);
		if (p->pos < p->len && p->s[p->pos] == (is_object ? '}' : ']')) {
			p->pos++;
			p->depth--;
			return 0;
		}
		*opened = is_object ? 1 : 2;
		return 0;
	}
	if (c == '"')
		return js_string(p, 0);
	if (c == 't' || c == 'f' || c == 'n')
		return js_literal(p);
	if (c == '-' || (c >= '0' && c <= '9'))
		return js_number(p);
	if (c >= 0x20 && c < 0x7f)
		return js_syntax(p, "unexpected character '%c'", c);
	return js_syntax(p, "unexpected byte 0x%02x", c);
}

/* The loop over the text. Returns 0 (it was read whole), or -1. */
static int
js_run(struct js_parser *p)
{
	int	 opened, member = 0, rc;

	js_ws(p);
	for (;;) {
		if (member && js_member_name(p) == -1)
			return -1;
		if (js_value(p, &opened) == -1)
			return -1;
		if (opened != 0) {
			member = opened == 1;
			continue;
		}
		if ((rc = js_after_value(p, &member)) != 0)
			return rc == 1 ? 0 : -1;
	}
}

/*
 * Check that len bytes are exactly one strict JSON text. Returns
 * JSON_STRICT_OK, or the problem with err filled.
 */
enum json_strict_result
json_strict_check(const char *buf, size_t len, struct json_strict_error *err)
{
	return json_strict_check_flags(buf, len, 0, err);
}

/* The same with flags (JSON_STRICT_ANY_INTEGER). Returns the result. */
enum json_strict_result
json_strict_check_flags(const char *buf, size_t len, int flags,
    struct json_strict_error *err)
{
	struct js_parser	 p;	/* on the stack: no allocation if small */
	struct js_level		*lv;
	int			 i;

	err->offset = 0;
	err->field[0] = '\0';
	err->message[0] = '\0';
	p.s = (const unsigned char *)buf;
	p.len = len;
	p.pos = 0;
	p.depth = 0;
	p.used = 0;
	p.path[0] = '\0';
	p.path_len = 0;
	p.in_key = 0;
	p.key = p.small_key;
	p.keylen = 0;
	p.keycap = sizeof(p.small_key);
	p.err = err;
	p.result = JSON_STRICT_OK;
	p.flags = flags;
	if (js_run(&p) == -1 && p.result == JSON_STRICT_OK)
		p.result = JSON_STRICT_SYNTAX;
	for (i = 0; i < p.used; i++) {
		lv = &p.level[i];
		free(lv->slots);
		if (lv->keys != lv->small_keys)
			free(lv->keys);
		if (lv->arena != lv->small_arena)
			free(lv->arena);
	}
	if (p.key != p.small_key)
		free(p.key);
	return p.result;
}

/*
 * Whether every string and member name in obj is clean and every number
 * finite. Returns 1/0.
 */
int
json_strict_is_clean(struct json_object *obj)
{
	size_t	 i, n;

	switch (json_object_get_type(obj)) {
	case json_type_double:
		return isfinite(json_object_get_double(obj));
	case json_type_string:
		return utf8_check(json_object_get_string(obj),
		    (size_t)json_object_get_string_len(obj), NULL) == UTF8_OK;
	case json_type_array:
		n = json_object_array_length(obj);
		for (i = 0; i < n; i++)
			if (!json_strict_is_clean(
			    json_object_array_get_idx(obj, i)))
				return 0;
		return 1;
	case json_type_object: {
		json_object_object_foreach(obj, key, val) {
			if (utf8_check(key, strlen(key), NULL) != UTF8_OK ||
			    !json_strict_is_clean(val))
				return 0;
		}
		return 1;
	}
	default:
		return 1;
	}
}

/* A new string object of len bytes made valid. Returns it, or NULL. */
static struct json_object *
json_strict_clean_string(const char *s, size_t len)
{
	struct json_object	*obj;
	char			*fixed;
	size_t			 n;

	if ((fixed = utf8_sanitize(s, len, &n)) == NULL)
		return NULL;
	obj = json_object_new_string_len(fixed, (int)n);
	free(fixed);
	return obj;
}

/*
 * A copy of obj with its strings made valid, its numbers JSON numbers.
 * Returns it, or NULL.
 */
struct json_object *
json_strict_sanitize(struct json_object *obj)
{
	struct json_object	*out;
	char			*k;
	size_t			 i, n;
	double			 d;

	switch (json_object_get_type(obj)) {
	case json_type_double:
		/* Not NaN or Infinity, nor the text it was parsed from. */
		d = json_object_get_double(obj);
		return isfinite(d) ? json_object_new_double(d) : NULL;
	case json_type_string:
		if (json_strict_is_clean(obj))
			return json_object_get(obj);
		return json_strict_clean_string(json_object_get_string(obj),
		    (size_t)json_object_get_string_len(obj));
	case json_type_array:
		if ((out = json_object_new_array()) == NULL)
			return NULL;
		n = json_object_array_length(obj);
		for (i = 0; i < n; i++)
			json_object_array_add(out, json_strict_sanitize(
			    json_object_array_get_idx(obj, i)));
		return out;
	case json_type_object: {
		if ((out = json_object_new_object()) == NULL)
			return NULL;
		json_object_object_foreach(obj, key, val) {
			if ((k = utf8_sanitize(key, strlen(key), NULL)) ==
			    NULL)
				continue;
			json_object_object_add(out, k,
			    json_strict_sanitize(val));
			free(k);
		}
		return out;
	}
	default:
		return json_object_get(obj);
	}
}

/* Repair a JSON text's strings. Returns a new text, or NULL. */
char *
json_strict_repair(const char *buf, size_t len, size_t *outlen)
{
	struct json_tokener	*tok;
	struct json_object	*obj, *clean;
	const char		*text;
	char			*out = NULL;

	if (len > INT32_MAX ||
	    (tok = json_tokener_new_ex(JSON_STRICT_MAX_DEPTH + 1)) == NULL)
		return NULL;
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	if (obj != NULL && json_tokener_get_error(tok) == json_tokener_success &&
	    (clean = json_strict_sanitize(obj)) != NULL) {
		text = json_object_to_json_string_ext(clean,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		if ((out = strdup(text)) != NULL)
			*outlen = strlen(out);
		json_object_put(clean);
	}
	json_object_put(obj);
	json_tokener_free(tok);
	return out;
}
