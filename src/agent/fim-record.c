/*
 * fim-record.c: audit record text: the fields of a record body, the stamp
 * at its start, and the decoding of an assembled syscall event into struct
 * fim_syscall. No I/O here (see fim-record.h); events are put together by
 * fim-assemble.c and turned into file changes by fim-change.c.
 *
 * The hot path (every record the kernel sends) allocates nothing but one
 * buffer per event: decoding walks each record once, picks the fields it
 * wants by a switch on the name, parses numbers in place and decodes
 * strings into that one allocation.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fim-record.h"

#define FIM_VALUE_MAX		(FIM_PATH_MAX * 2 + 1)	/* a decoded value */

/* ---- Fields ---- */

/* Characters a field name may hold: ASCII letters, digits, '_', '-'. */
static const uint8_t fim_keychar[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
	/* 0x80-0xff: none */
};

/* The value of a hex digit, or -1. */
static const int8_t fim_hexdigit[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -1, -1, -1, -1, -1,
	-1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

/* A cursor over the fields of a record body. */
struct fim_cursor {
	const char	*start;
	const char	*p;
};

/* One key=value field: slices of the body, quotes removed. */
struct fim_token {
	const char	*key;
	size_t		 keylen;
	const char	*val;
	size_t		 vallen;
	int		 quote;		/* '"', '\'' or 0 */
};

/*
 * The next key=value field of the body into t. Words without '=' (as in
 * SELinux records) are skipped. Returns 1, 0 at the end, or -1 (err).
 */
static inline int
fim_next_field(struct fim_cursor *c, struct fim_token *t, char *err,
    size_t errlen)
{
	const char	*p = c->p, *k, *end;

	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0') {
			c->p = p;
			return 0;
		}
		k = p;
		while (fim_keychar[(unsigned char)*p])
			p++;
		if (*p != '=' || p == k) {
			/* Not a field: skip the word (quotes and all). */
			while (*p != '\0' && *p != ' ') {
				if (*p == '"' || *p == '\'') {
					if ((end = strchr(p + 1, *p)) == NULL)
						goto unterminated;
					p = end;
				}
				p++;
			}
			continue;
		}
		t->key = k;
		t->keylen = (size_t)(p - k);
		p++;
		if (*p == '"' || *p == '\'') {
			t->quote = *p;
			if ((end = strchr(p + 1, *p)) == NULL)
				goto unterminated;
			t->val = p + 1;
			t->vallen = (size_t)(end - p - 1);
			p = end + 1;
		} else {
			t->quote = 0;
			t->val = p;
			while (*p != ' ' && *p != '\0')
				p++;
			t->vallen = (size_t)(p - t->val);
		}
		c->p = p;
		return 1;
	}
unterminated:
	snprintf(err, errlen, "offset %zu: unterminated quoted value",
	    (size_t)(p - c->start));
	return -1;
}

/* A field name and its length. */
struct fim_name {
	const char	*name;
	size_t		 len;
};
#define FIM_NAME(s)	{ s, sizeof(s) - 1 }

/* Fields whose unquoted values are hex-encoded untrusted strings. */
static const struct fim_name fim_untrusted[] = {
	FIM_NAME("name"), FIM_NAME("cwd"), FIM_NAME("exe"), FIM_NAME("comm"),
	FIM_NAME("key"), FIM_NAME("proctitle"), FIM_NAME("path"),
	FIM_NAME("dir"), FIM_NAME("old"), FIM_NAME("new")
};
#undef FIM_NAME

/* Does field key hold a hex-encoded untrusted string when unquoted? */
static int
fim_is_untrusted(const char *key, size_t len)
{
	size_t	 i;

	for (i = 0; i < nitems(fim_untrusted); i++)
		if (fim_untrusted[i].len == len &&
		    memcmp(fim_untrusted[i].name, key, len) == 0)
			return 1;
	return 0;
}

/*
 * Decode the value of t into out (room for vallen + 1 bytes): a
 * hex-encoded untrusted string (is_untrusted, unquoted, all hex digits,
 * even length) decoded with NUL bytes as spaces, anything else copied.
 * Returns the decoded length.
 */
static size_t
fim_decode_into(const struct fim_token *t, int is_untrusted, char *out)
{
	const unsigned char	*v = (const unsigned char *)t->val;
	size_t			 i, n;
	int			 hi, lo;

	if (is_untrusted && t->quote == 0 && t->vallen > 0 &&
	    t->vallen % 2 == 0) {
		n = t->vallen / 2;
		for (i = 0; i < n; i++) {
			hi = fim_hexdigit[v[2 * i]];
			lo = fim_hexdigit[v[2 * i + 1]];
			if ((hi | lo) < 0)
				break;
			out[i] = (char)(hi << 4 | lo);
			if (out[i] == '\0')
				out[i] = ' ';
		}
		if (i == n) {
			out[n] = '\0';
			return n;
		}
	}
	memcpy(out, t->val, t->vallen);
	out[t->vallen] = '\0';
	return t->vallen;
}

/* The length of t's value once decoded (see fim_decode_into). */
static size_t
fim_decoded_len(const struct fim_token *t, int is_untrusted)
{
	const unsigned char	*v = (const unsigned char *)t->val;
	size_t			 i;

	if (!is_untrusted || t->quote != 0 || t->vallen == 0 ||
	    t->vallen % 2 != 0)
		return t->vallen;
	for (i = 0; i < t->vallen; i++)
		if (fim_hexdigit[v[i]] < 0)
			return t->vallen;
	return t->vallen / 2;
}

/*
 * The first field name of body into t. Returns 1, 0 if absent, or -1
 * (malformed, err).
 */
static int
fim_find_field(const char *body, const char *name, struct fim_token *t,
    char *err, size_t errlen)
{
	struct fim_cursor	 c = { body, body };
	size_t			 nlen = strlen(name);
	int			 rc;

	while ((rc = fim_next_field(&c, t, err, errlen)) == 1)
		if (t->keylen == nlen && memcmp(t->key, name, nlen) == 0)
			return 1;
	return rc;
}

/* Find and decode field name of body. Returns 1, 0 if absent, or -1. */
int
fim_field(const char *body, const char *name, char *out, size_t outlen,
    char *err, size_t errlen)
{
	struct fim_token	 t;
	int			 rc, is_untrusted;

	if ((rc = fim_find_field(body, name, &t, err, errlen)) != 1)
		return rc;
	is_untrusted = fim_is_untrusted(t.key, t.keylen);
	if (fim_decoded_len(&t, is_untrusted) >= outlen) {
		snprintf(err, errlen, "field %s: value of %zu bytes too long",
		    name, t.vallen);
		return -1;
	}
	fim_decode_into(&t, is_untrusted, out);
	return 1;
}

/* ---- Stamps ---- */

/* Parse digits at *p into *v (at most max). Returns 0, or -1. */
static int
fim_parse_digits(const char **p, const char *end, uint64_t max, uint64_t *v)
{
	const char	*s = *p, *e;
	uint64_t	 n = 0;
	unsigned int	 d;

	for (e = s; e < end && (d = (unsigned int)(*e - '0')) <= 9; e++)
		n = n * 10 + d;
	if (e == s)
		return -1;
	if (e - s > 19) {
		/* Past 19 digits n wrapped: only leading zeros are fine. */
		while (e - s > 19 && *s == '0')
			s++;
		if (e - s > 19)
			return -1;
		for (n = 0; s < e; s++)
			n = n * 10 + (uint64_t)(*s - '0');
	}
	if (n > max)
		return -1;
	*p = e;
	*v = n;
	return 0;
}

/* Parse "audit(SEC.MSEC:SERIAL): ". Returns the body offset, or -1. */
int
fim_parse_stamp(const char *text, size_t len, struct fim_stamp *st,
    char *err, size_t errlen)
{
	const char	*p = text, *end = text + len;
	uint64_t	 sec, msec, serial;

	if (len < 6 || memcmp(p, "audit(", 6) != 0) {
		snprintf(err, errlen, "offset 0: expected \"audit(\"");
		return -1;
	}
	p += 6;
	if (fim_parse_digits(&p, end, INT64_MAX / 1000, &sec) == -1 ||
	    p >= end || *p++ != '.') {
		snprintf(err, errlen, "offset %zu: expected seconds and '.'",
		    (size_t)(p - text));
		return -1;
	}
	if (fim_parse_digits(&p, end, 999, &msec) == -1 || p >= end ||
	    *p++ != ':') {
		snprintf(err, errlen, "offset %zu: expected milliseconds "
		    "(0-999) and ':'", (size_t)(p - text));
		return -1;
	}
	if (fim_parse_digits(&p, end, UINT32_MAX, &serial) == -1 ||
	    end - p < 2 || p[0] != ')' || p[1] != ':') {
		snprintf(err, errlen, "offset %zu: expected a serial number "
		    "(32 bits) and \"):\"", (size_t)(p - text));
		return -1;
	}
	p += 2;
	if (p < end && *p == ' ')
		p++;
	st->sec = (int64_t)sec;
	st->msec = (int)msec;
	st->serial = (uint32_t)serial;
	return (int)(p - text);
}

/* ---- Decoding ---- */

/* Parse a signed decimal. Returns 0, or -1. */
static int
fim_int(const char *s, int64_t *v)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*v = (int64_t)n;
	return 0;
}

/* Parse an unsigned number in base. Returns 0, or -1. */
static int
fim_uint(const char *s, int base, uint64_t *v)
{
	char			*end;
	unsigned long long	 n;

	if (*s == '-' || *s == '+' || *s == '\0')
		return -1;
	errno = 0;
	n = strtoull(s, &end, base);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*v = (uint64_t)n;
	return 0;
}

/*
 * A value of t as a NUL-terminated string in buf (FIM_VALUE_MAX bytes),
 * for the strto*() that read the unusual forms. Returns buf.
 */
static const char *
fim_token_string(const struct fim_token *t, char *buf)
{
	memcpy(buf, t->val, t->vallen);
	buf[t->vallen] = '\0';
	return buf;
}

/*
 * Parse the value of t as a signed decimal, as fim_int() would: the usual
 * form ([-]digits, up to 18) here, any other through strtoll(). Returns 0,
 * or -1.
 */
static inline int
fim_token_int(const struct fim_token *t, char *buf, int64_t *v)
{
	const char	*s = t->val;
	size_t		 i = 0;
	uint64_t	 n = 0;
	unsigned int	 d;

	if (t->vallen > 0 && s[0] == '-')
		i = 1;
	if (i == t->vallen || t->vallen - i > 18)
		return fim_int(fim_token_string(t, buf), v);
	for (; i < t->vallen; i++) {
		if ((d = (unsigned int)(s[i] - '0')) > 9)
			return fim_int(fim_token_string(t, buf), v);
		n = n * 10 + d;
	}
	*v = s[0] == '-' ? -(int64_t)n : (int64_t)n;
	return 0;
}

/*
 * Parse the value of t as an unsigned number in base 8, 10 or 16, as
 * fim_uint() would: plain digits that cannot overflow here, any other
 * form through strtoull(). Returns 0, or -1.
 */
static inline int
fim_token_uint(const struct fim_token *t, int base, char *buf, uint64_t *v)
{
	const unsigned char	*s = (const unsigned char *)t->val;
	const unsigned char	*e = s + t->vallen;
	uint64_t		 n = 0;
	int			 d;

	if (base == 16) {
		if (t->vallen == 0 || t->vallen > 16)
			goto other;
		for (; s < e; s++) {
			if ((d = fim_hexdigit[*s]) < 0)
				goto other;
			n = n << 4 | (unsigned int)d;
		}
	} else {
		if (t->vallen == 0 || t->vallen > (base == 10 ? 19 : 21))
			goto other;
		for (; s < e; s++) {
			if ((d = *s - '0') < 0 || d >= base)
				goto other;
			n = n * (unsigned int)base + (unsigned int)d;
		}
	}
	*v = n;
	return 0;
other:
	return fim_uint(fim_token_string(t, buf), base, v);
}

/* An id field: a number, 4294967295 (unset) is -1. Returns 0, or -1. */
static inline int
fim_token_id(const struct fim_token *t, char *buf, int64_t *v)
{
	if (fim_token_int(t, buf, v) == -1)
		return -1;
	if (*v == 4294967295LL)
		*v = -1;
	return 0;
}

/* Does the value of t read exactly s? */
static int
fim_token_is(const struct fim_token *t, const char *s, size_t len)
{
	return t->vallen == len && memcmp(t->val, s, len) == 0;
}

/* Zero sc but for its items (each is zeroed when decoded). */
static void
fim_syscall_zero(struct fim_syscall *sc)
{
	memset(sc, 0, offsetof(struct fim_syscall, items));
	sc->strings = NULL;
}

/* Free what a decoded event holds. */
void
fim_syscall_clear(struct fim_syscall *sc)
{
	free(sc->strings);
	fim_syscall_zero(sc);
}

/*
 * Where a decoded event's strings go: one allocation, sized for the
 * bodies it is decoded from (a decoded value is never longer than the
 * field it comes from, with its name and '=').
 */
struct fim_arena {
	char	*p;
	char	*end;
};

/*
 * Decode the value of t into the arena. Returns the string (its length in
 * *lenp), or NULL if it would be max bytes or more long (nothing is then
 * taken from the arena).
 */
static char *
fim_arena_value(struct fim_arena *a, const struct fim_token *t,
    int is_untrusted, size_t max, size_t *lenp)
{
	char	*s = a->p;
	size_t	 n;

	if (t->vallen + 1 > (size_t)(a->end - a->p))
		return NULL;	/* cannot happen: the arena fits the bodies */
	n = fim_decode_into(t, is_untrusted, s);
	if (n >= max)
		return NULL;
	a->p += n + 1;
	*lenp = n;
	return s;
}

/* Is s (of length n) "(null)" or "(none)", an absent string? */
static int
fim_is_none(const char *s, size_t n)
{
	return n == 6 && (memcmp(s, "(null)", 6) == 0 ||
	    memcmp(s, "(none)", 6) == 0);
}

/*
 * Set *dst to the decoded value of t (shorter than max), or to NULL for
 * "(null)" and "(none)", whose space goes back to the arena. Returns 0,
 * or -1 if the value is too long.
 */
static int
fim_arena_string(struct fim_arena *a, const struct fim_token *t,
    int is_untrusted, size_t max, char **dst)
{
	char	*s;
	size_t	 n;

	if ((s = fim_arena_value(a, t, is_untrusted, max, &n)) == NULL)
		return -1;
	*dst = s;
	if (fim_is_none(s, n)) {
		*dst = NULL;
		a->p = s;
	}
	return 0;
}

/* The fields of a SYSCALL record that decoding reads. */
enum fim_sc_field {
	FIM_SC_OTHER = 0,
	FIM_SC_ARCH, FIM_SC_SYSCALL, FIM_SC_SUCCESS, FIM_SC_EXIT,
	FIM_SC_A0, FIM_SC_A1, FIM_SC_A2, FIM_SC_A3,
	FIM_SC_PID, FIM_SC_PPID, FIM_SC_UID, FIM_SC_GID, FIM_SC_EUID,
	FIM_SC_AUID, FIM_SC_SES, FIM_SC_COMM, FIM_SC_EXE, FIM_SC_KEY,
	FIM_SC_TTY
};

/* Which SYSCALL field a name is. */
static enum fim_sc_field
fim_sc_field(const char *k, size_t len)
{
	switch (len) {
	case 2:
		if (k[0] == 'a' && k[1] >= '0' && k[1] <= '3')
			return FIM_SC_A0 + (k[1] - '0');
		break;
	case 3:
		if (memcmp(k, "pid", 3) == 0)
			return FIM_SC_PID;
		if (memcmp(k, "uid", 3) == 0)
			return FIM_SC_UID;
		if (memcmp(k, "gid", 3) == 0)
			return FIM_SC_GID;
		if (memcmp(k, "ses", 3) == 0)
			return FIM_SC_SES;
		if (memcmp(k, "exe", 3) == 0)
			return FIM_SC_EXE;
		if (memcmp(k, "key", 3) == 0)
			return FIM_SC_KEY;
		if (memcmp(k, "tty", 3) == 0)
			return FIM_SC_TTY;
		break;
	case 4:
		if (memcmp(k, "arch", 4) == 0)
			return FIM_SC_ARCH;
		if (memcmp(k, "exit", 4) == 0)
			return FIM_SC_EXIT;
		if (memcmp(k, "ppid", 4) == 0)
			return FIM_SC_PPID;
		if (memcmp(k, "euid", 4) == 0)
			return FIM_SC_EUID;
		if (memcmp(k, "auid", 4) == 0)
			return FIM_SC_AUID;
		if (memcmp(k, "comm", 4) == 0)
			return FIM_SC_COMM;
		break;
	case 7:
		if (memcmp(k, "syscall", 7) == 0)
			return FIM_SC_SYSCALL;
		if (memcmp(k, "success", 7) == 0)
			return FIM_SC_SUCCESS;
		break;
	}
	return FIM_SC_OTHER;
}

/* The value of t in an error message: its first 64 bytes, decoded. */
static int
fim_shown_len(const struct fim_token *t)
{
	return t->vallen > 64 ? 64 : (int)t->vallen;
}

/* Decode a SYSCALL record body into sc. Returns 0, or -1 (err). */
static int
fim_decode_syscall(const char *body, struct fim_syscall *sc,
    struct fim_arena *a, char *buf, char *err, size_t errlen)
{
	struct fim_cursor	 c = { body, body };
	struct fim_token	 t;
	enum fim_sc_field	 f;
	uint64_t		 u = 0;
	int64_t			 n = 0;
	int			 rc, bad;

	sc->has_syscall = 1;
	sc->success = -1;
	sc->auid = sc->ses = -1;
	while ((rc = fim_next_field(&c, &t, err, errlen)) == 1) {
		if ((f = fim_sc_field(t.key, t.keylen)) == FIM_SC_OTHER)
			continue;
		/* Strings are measured decoded, below. */
		if (f < FIM_SC_COMM && t.vallen >= FIM_VALUE_MAX)
			goto too_long;
		bad = 0;
		switch (f) {
		case FIM_SC_ARCH:
			bad = fim_token_uint(&t, 16, buf, &u) == -1 ||
			    u > UINT32_MAX;
			sc->arch = (uint32_t)u;
			break;
		case FIM_SC_SYSCALL:
			bad = fim_token_int(&t, buf, &n) == -1 || n < 0 ||
			    n > 100000;
			sc->syscall = (int)n;
			break;
		case FIM_SC_SUCCESS:
			sc->success = fim_token_is(&t, "yes", 3) ? 1 :
			    fim_token_is(&t, "no", 2) ? 0 : -1;
			break;
		case FIM_SC_EXIT:
			bad = fim_token_int(&t, buf, &sc->exit) == -1;
			break;
		case FIM_SC_A0:
		case FIM_SC_A1:
		case FIM_SC_A2:
		case FIM_SC_A3:
			bad = fim_token_uint(&t, 16, buf,
			    &sc->a[f - FIM_SC_A0]) == -1;
			break;
		case FIM_SC_PID:
			bad = fim_token_int(&t, buf, &sc->pid) == -1;
			break;
		case FIM_SC_PPID:
			bad = fim_token_int(&t, buf, &sc->ppid) == -1;
			break;
		case FIM_SC_UID:
			bad = fim_token_id(&t, buf, &sc->uid) == -1;
			break;
		case FIM_SC_GID:
			bad = fim_token_id(&t, buf, &sc->gid) == -1;
			break;
		case FIM_SC_EUID:
			bad = fim_token_id(&t, buf, &sc->euid) == -1;
			break;
		case FIM_SC_AUID:
			bad = fim_token_id(&t, buf, &sc->auid) == -1;
			break;
		case FIM_SC_SES:
			bad = fim_token_id(&t, buf, &sc->ses) == -1;
			break;
		case FIM_SC_COMM:
			if (fim_arena_string(a, &t, 1, FIM_VALUE_MAX,
			    &sc->comm) == -1)
				goto too_long;
			break;
		case FIM_SC_EXE:
			if (fim_arena_string(a, &t, 1, FIM_VALUE_MAX,
			    &sc->exe) == -1)
				goto too_long;
			break;
		case FIM_SC_KEY:
			if (fim_arena_string(a, &t, 1, FIM_VALUE_MAX,
			    &sc->key) == -1)
				goto too_long;
			break;
		case FIM_SC_TTY:
			if (fim_arena_string(a, &t, 0, FIM_VALUE_MAX,
			    &sc->tty) == -1)
				goto too_long;
			break;
		case FIM_SC_OTHER:
			break;
		}
		if (bad) {
			snprintf(err, errlen, "SYSCALL: field %.*s: bad value "
			    "\"%.*s\"", (int)t.keylen, t.key, fim_shown_len(&t),
			    t.val);
			return -1;
		}
	}
	return rc;
too_long:
	snprintf(err, errlen, "SYSCALL: field %.*s too long", (int)t.keylen,
	    t.key);
	return -1;
}

/* The fields of a PATH record that decoding reads. */
enum fim_path_field {
	FIM_PA_OTHER = 0,
	FIM_PA_ITEM, FIM_PA_NAME, FIM_PA_INODE, FIM_PA_DEV, FIM_PA_MODE,
	FIM_PA_OUID, FIM_PA_OGID, FIM_PA_NAMETYPE
};

/* Which PATH field a name is. */
static enum fim_path_field
fim_path_field(const char *k, size_t len)
{
	switch (len) {
	case 3:
		if (memcmp(k, "dev", 3) == 0)
			return FIM_PA_DEV;
		break;
	case 4:
		if (memcmp(k, "item", 4) == 0)
			return FIM_PA_ITEM;
		if (memcmp(k, "name", 4) == 0)
			return FIM_PA_NAME;
		if (memcmp(k, "mode", 4) == 0)
			return FIM_PA_MODE;
		if (memcmp(k, "ouid", 4) == 0)
			return FIM_PA_OUID;
		if (memcmp(k, "ogid", 4) == 0)
			return FIM_PA_OGID;
		break;
	case 5:
		if (memcmp(k, "inode", 5) == 0)
			return FIM_PA_INODE;
		break;
	case 8:
		if (memcmp(k, "nametype", 8) == 0)
			return FIM_PA_NAMETYPE;
		break;
	}
	return FIM_PA_OTHER;
}

/* The name type of a PATH item. */
static enum fim_nametype
fim_nametype(const struct fim_token *t)
{
	if (fim_token_is(t, "NORMAL", 6))
		return FIM_NAME_NORMAL;
	if (fim_token_is(t, "PARENT", 6))
		return FIM_NAME_PARENT;
	if (fim_token_is(t, "CREATE", 6))
		return FIM_NAME_CREATE;
	if (fim_token_is(t, "DELETE", 6))
		return FIM_NAME_DELETE;
	return FIM_NAME_UNKNOWN;
}

/* Decode a PATH record body into the next item. Returns 0, or -1. */
static int
fim_decode_path(const char *body, struct fim_syscall *sc,
    struct fim_arena *a, char *buf, char *err, size_t errlen)
{
	struct fim_cursor	 c = { body, body };
	struct fim_token	 t;
	enum fim_path_field	 f;
	struct fim_item		*it;
	uint64_t		 u = 0;
	int64_t			 n = 0;
	char			*name;
	size_t			 len;
	int			 rc, bad;

	if (sc->nitems >= FIM_EVENT_ITEMS)
		return 0;
	it = &sc->items[sc->nitems];
	memset(it, 0, sizeof(*it));
	it->index = -1;
	it->ouid = it->ogid = -1;
	while ((rc = fim_next_field(&c, &t, err, errlen)) == 1) {
		if ((f = fim_path_field(t.key, t.keylen)) == FIM_PA_OTHER)
			continue;
		/* The name is measured decoded, below. */
		if (f != FIM_PA_NAME && t.vallen >= FIM_VALUE_MAX)
			goto too_long;
		bad = 0;
		switch (f) {
		case FIM_PA_ITEM:
			bad = fim_token_int(&t, buf, &n) == -1 || n < 0 ||
			    n > 65535;
			it->index = (int)n;
			break;
		case FIM_PA_NAME:
			it->name = NULL;
			if ((name = fim_arena_value(a, &t, 1, FIM_VALUE_MAX,
			    &len)) == NULL)
				goto too_long;
			if (len == 6 && memcmp(name, "(null)", 6) == 0)
				a->p = name;
			else if (len >= FIM_PATH_MAX) {
				snprintf(err, errlen, "PATH: field name: bad "
				    "value \"%.64s\"", name);
				return -1;
			} else
				it->name = name;
			break;
		case FIM_PA_INODE:
			bad = fim_token_uint(&t, 10, buf, &it->inode) == -1;
			it->has_inode = !bad;
			break;
		case FIM_PA_DEV:
			bad = t.vallen >= sizeof(it->dev);
			len = bad ? sizeof(it->dev) - 1 : t.vallen;
			memcpy(it->dev, t.val, len);
			it->dev[len] = '\0';
			break;
		case FIM_PA_MODE:
			bad = fim_token_uint(&t, 8, buf, &u) == -1 ||
			    u > 0177777;
			it->mode = (unsigned int)u;
			it->has_mode = !bad;
			break;
		case FIM_PA_OUID:
			bad = fim_token_id(&t, buf, &it->ouid) == -1;
			break;
		case FIM_PA_OGID:
			bad = fim_token_id(&t, buf, &it->ogid) == -1;
			break;
		case FIM_PA_NAMETYPE:
			it->nametype = fim_nametype(&t);
			break;
		case FIM_PA_OTHER:
			break;
		}
		if (bad) {
			snprintf(err, errlen, "PATH: field %.*s: bad value "
			    "\"%.*s\"", (int)t.keylen, t.key, fim_shown_len(&t),
			    t.val);
			return -1;
		}
	}
	if (rc == -1)
		return -1;
	sc->nitems++;
	return 0;
too_long:
	snprintf(err, errlen, "PATH: field %.*s too long", (int)t.keylen,
	    t.key);
	return -1;
}

/*
 * Set *dst to the first field name of body, decoded, as fim_field() into a
 * buffer of max bytes would read it. Returns 1, 0 if absent, or -1
 * (malformed or too long, err).
 */
static int
fim_decode_one(const char *body, const char *name, size_t max,
    struct fim_arena *a, char **dst, char *err, size_t errlen)
{
	struct fim_token	 t;
	int			 rc;

	if ((rc = fim_find_field(body, name, &t, err, errlen)) != 1)
		return rc;
	if (fim_arena_string(a, &t, fim_is_untrusted(t.key, t.keylen), max,
	    dst) == -1) {
		snprintf(err, errlen, "field %s: value of %zu bytes too long",
		    name, t.vallen);
		return -1;
	}
	return 1;
}

/* Decode an assembled event. Returns 1 (syscall event), 0, or -1. */
int
fim_syscall_decode(const struct fim_raw_event *ev, struct fim_syscall *sc,
    char *err, size_t errlen)
{
	struct fim_arena	 a;
	char			 buf[FIM_VALUE_MAX];
	size_t			 size = 1;
	int			 i, rc = 0, has_syscall = 0;

	fim_syscall_zero(sc);
	sc->stamp = ev->stamp;
	sc->complete = ev->complete;
	for (i = 0; i < ev->nrecords; i++)
		switch (ev->records[i].type) {
		case FIM_T_SYSCALL:
			has_syscall = 1;
			/* FALLTHROUGH */
		case FIM_T_CWD:
		case FIM_T_PATH:
		case FIM_T_PROCTITLE:
			size += strlen(ev->records[i].body) + 1;
			break;
		}
	if (!has_syscall)
		return 0;
	if ((sc->strings = malloc(size)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a.p = sc->strings;
	a.end = sc->strings + size;
	for (i = 0; i < ev->nrecords && rc == 0; i++) {
		switch (ev->records[i].type) {
		case FIM_T_SYSCALL:
			if (sc->has_syscall)
				break;
			rc = fim_decode_syscall(ev->records[i].body, sc, &a,
			    buf, err, errlen);
			break;
		case FIM_T_CWD:
			if (fim_decode_one(ev->records[i].body, "cwd",
			    FIM_PATH_MAX, &a, &sc->cwd, err, errlen) == -1)
				rc = -1;
			break;
		case FIM_T_PATH:
			rc = fim_decode_path(ev->records[i].body, sc, &a, buf,
			    err, errlen);
			break;
		case FIM_T_PROCTITLE:
			/* A very long title is not worth failing for. */
			(void)fim_decode_one(ev->records[i].body, "proctitle",
			    FIM_VALUE_MAX, &a, &sc->proctitle, err, errlen);
			break;
		default:
			break;
		}
	}
	if (rc != 0) {
		fim_syscall_clear(sc);
		return -1;
	}
	return 1;
}
