/*
 * invparse.c: line parsers for the inventory collectors (see invparse.h).
 */
#include "config.h"

#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include "invparse.h"

#define SHOW(len)	((int)((len) > 48 ? 48 : (len)))

/* Is the span equal to s? */
int
invparse_span_is(const struct invparse_span *sp, const char *s)
{
	return strlen(s) == sp->len && memcmp(sp->p, s, sp->len) == 0;
}

/* Is the line empty or only blanks? */
static int
invparse_is_blank(const char *line, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return 0;
	return 1;
}

/* Does the line hold a NUL byte? Sets err. */
static int
invparse_has_nul(const char *line, size_t len, char *err, size_t errlen)
{
	if (memchr(line, '\0', len) == NULL)
		return 0;
	snprintf(err, errlen, "NUL byte");
	return 1;
}

/* Parse decimal digits as a 32-bit id. Returns 0, or -1. */
static int
invparse_u32(const char *p, size_t len, uint32_t *out)
{
	uint64_t	 v = 0;
	size_t		 i;

	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Parse decimal digits as a 64-bit count. Returns 0, or -1. */
static int
invparse_u64(const char *p, size_t len, uint64_t *out)
{
	uint64_t	 v = 0;
	size_t		 i;

	if (len == 0 || len > 19)
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = v;
	return 0;
}

/* Parse hex digits into a value of up to 64 bits. Returns 0, or -1. */
static int
invparse_hex(const char *p, size_t len, uint64_t *out)
{
	uint64_t	 v = 0;
	size_t		 i;
	int		 d;

	if (len == 0 || len > 16)
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			d = p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			d = p[i] - 'A' + 10;
		else
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

/*
 * Split line at sep into at most max fields. Returns the number of fields
 * (max + 1 means there were more).
 */
static size_t
invparse_split(const char *line, size_t len, char sep,
    struct invparse_span *f, size_t max)
{
	size_t	 n = 0, start = 0, i;

	for (i = 0; i <= len; i++) {
		if (i < len && line[i] != sep)
			continue;
		if (n == max)
			return max + 1;
		f[n].p = line + start;
		f[n].len = i - start;
		n++;
		start = i + 1;
	}
	return n;
}

/*
 * Split line at runs of blanks into at most max words. Returns the number
 * of words (max + 1 means there were more).
 */
static size_t
invparse_words(const char *line, size_t len, struct invparse_span *w,
    size_t max)
{
	size_t	 n = 0, i = 0, start;

	for (;;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t' ||
		    line[i] == '\r'))
			i++;
		if (i == len)
			return n;
		if (n == max)
			return max + 1;
		start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t' &&
		    line[i] != '\r')
			i++;
		w[n].p = line + start;
		w[n].len = i - start;
		n++;
	}
}

/* os-release: KEY=VALUE. Returns 1, 0 (comment, blank), or -1. */
int
invparse_os_release(const char *line, size_t len, struct invparse_span *key,
    char *value, size_t valuelen, char *err, size_t errlen)
{
	size_t	 i = 0, o = 0;
	char	 c, quote = 0;

	if (invparse_has_nul(line, len, err, errlen))
		return -1;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len || line[i] == '#' || invparse_is_blank(line, len))
		return 0;
	key->p = line + i;
	if (!((line[i] >= 'A' && line[i] <= 'Z') ||
	    (line[i] >= 'a' && line[i] <= 'z') || line[i] == '_')) {
		snprintf(err, errlen, "expected KEY=value, got \"%.*s\"",
		    SHOW(len), line);
		return -1;
	}
	while (i < len && ((line[i] >= 'A' && line[i] <= 'Z') ||
	    (line[i] >= 'a' && line[i] <= 'z') ||
	    (line[i] >= '0' && line[i] <= '9') || line[i] == '_'))
		i++;
	key->len = (size_t)(line + i - key->p);
	if (i == len || line[i] != '=') {
		snprintf(err, errlen, "expected KEY=value, got \"%.*s\"",
		    SHOW(len), line);
		return -1;
	}
	for (i++; i < len; i++) {
		c = line[i];
		if (quote == '\'') {
			if (c == '\'') {
				quote = 0;
				continue;
			}
		} else if (quote == '"') {
			if (c == '"') {
				quote = 0;
				continue;
			}
			if (c == '\\' && i + 1 < len && (line[i + 1] == '"' ||
			    line[i + 1] == '\\' || line[i + 1] == '$' ||
			    line[i + 1] == '`'))
				c = line[++i];
		} else {
			if (c == '\'' || c == '"') {
				quote = c;
				continue;
			}
			if (c == ' ' || c == '\t' || c == '\r') {
				if (!invparse_is_blank(line + i, len - i)) {
					snprintf(err, errlen, "%.*s: unquoted "
					    "blank in the value",
					    SHOW(key->len), key->p);
					return -1;
				}
				break;
			}
			if (c == '\\') {
				if (i + 1 == len) {
					snprintf(err, errlen, "%.*s: value ends "
					    "with a backslash",
					    SHOW(key->len), key->p);
					return -1;
				}
				c = line[++i];
			} else if (c == '$' || c == '`' || c == ';' ||
			    c == '|' || c == '&' || c == '<' || c == '>' ||
			    c == '(' || c == ')') {
				snprintf(err, errlen, "%.*s: unquoted shell "
				    "character '%c' in the value",
				    SHOW(key->len), key->p, c);
				return -1;
			}
		}
		if (o + 1 >= valuelen) {
			snprintf(err, errlen, "%.*s: value longer than %zu "
			    "bytes", SHOW(key->len), key->p, valuelen - 1);
			return -1;
		}
		value[o++] = c;
	}
	if (quote != 0) {
		snprintf(err, errlen, "%.*s: unterminated %s quote",
		    SHOW(key->len), key->p, quote == '"' ? "double" :
		    "single");
		return -1;
	}
	value[o] = '\0';
	return 1;
}

/*
 * A line of a colon-separated account file (passwd, group) split into
 * exactly nf fields, the first (the name of a what) not empty. Returns 1,
 * 0 (comment, blank, NIS), or -1 with err.
 */
static int
invparse_colon_line(const char *line, size_t len, struct invparse_span *f,
    size_t nf, const char *what, char *err, size_t errlen)
{
	size_t	 n;

	if (invparse_has_nul(line, len, err, errlen))
		return -1;
	if (invparse_is_blank(line, len) || line[0] == '#' ||
	    line[0] == '+' || line[0] == '-')
		return 0;
	if ((n = invparse_split(line, len, ':', f, nf)) != nf) {
		snprintf(err, errlen, "expected %zu colon-separated fields, "
		    "got %s%zu", nf, n > nf ? "more than " : "",
		    n > nf ? nf : n);
		return -1;
	}
	if (f[0].len == 0) {
		snprintf(err, errlen, "empty %s name", what);
		return -1;
	}
	return 1;
}

/* passwd(5). Returns 1, 0 (comment, blank, NIS), or -1. */
int
invparse_passwd(const char *line, size_t len, struct invparse_user *u,
    char *err, size_t errlen)
{
	struct invparse_span	 f[7];
	int			 rc;

	if ((rc = invparse_colon_line(line, len, f, 7, "user", err,
	    errlen)) != 1)
		return rc;
	if (invparse_u32(f[2].p, f[2].len, &u->uid) == -1) {
		snprintf(err, errlen, "user %.*s: bad uid \"%.*s\"",
		    SHOW(f[0].len), f[0].p, SHOW(f[2].len), f[2].p);
		return -1;
	}
	if (invparse_u32(f[3].p, f[3].len, &u->gid) == -1) {
		snprintf(err, errlen, "user %.*s: bad gid \"%.*s\"",
		    SHOW(f[0].len), f[0].p, SHOW(f[3].len), f[3].p);
		return -1;
	}
	u->name = f[0];
	u->home = f[5];
	u->shell = f[6];
	return 1;
}

/* group(5). Returns 1, 0 (comment, blank, NIS), or -1. */
int
invparse_group(const char *line, size_t len, struct invparse_group *g,
    char *err, size_t errlen)
{
	struct invparse_span	 f[4];
	int			 rc;

	if ((rc = invparse_colon_line(line, len, f, 4, "group", err,
	    errlen)) != 1)
		return rc;
	if (invparse_u32(f[2].p, f[2].len, &g->gid) == -1) {
		snprintf(err, errlen, "group %.*s: bad gid \"%.*s\"",
		    SHOW(f[0].len), f[0].p, SHOW(f[2].len), f[2].p);
		return -1;
	}
	g->name = f[0];
	g->members = f[3];
	return 1;
}

/* /proc/modules. Returns 1, 0 (blank), or -1. */
int
invparse_module(const char *line, size_t len, struct invparse_span *name,
    uint64_t *size, char *err, size_t errlen)
{
	struct invparse_span	 w[7];
	size_t			 n;

	if (invparse_has_nul(line, len, err, errlen))
		return -1;
	if ((n = invparse_words(line, len, w, 7)) == 0)
		return 0;
	if (n < 6) {
		snprintf(err, errlen, "expected \"name size refcount deps "
		    "state address\", got \"%.*s\"", SHOW(len), line);
		return -1;
	}
	if (invparse_u64(w[1].p, w[1].len, size) == -1) {
		snprintf(err, errlen, "module %.*s: bad size \"%.*s\"",
		    SHOW(w[0].len), w[0].p, SHOW(w[1].len), w[1].p);
		return -1;
	}
	*name = w[0];
	return 1;
}

/* "key : value". Returns 1, 0 (blank), or -1. */
int
invparse_colon(const char *line, size_t len, struct invparse_span *key,
    struct invparse_span *value, char *err, size_t errlen)
{
	const char	*colon;
	size_t		 klen;

	if (invparse_has_nul(line, len, err, errlen))
		return -1;
	if (invparse_is_blank(line, len))
		return 0;
	if ((colon = memchr(line, ':', len)) == NULL) {
		snprintf(err, errlen, "expected \"key: value\", got \"%.*s\"",
		    SHOW(len), line);
		return -1;
	}
	klen = (size_t)(colon - line);
	while (klen > 0 && (line[klen - 1] == ' ' || line[klen - 1] == '\t'))
		klen--;
	if (klen == 0) {
		snprintf(err, errlen, "empty key in \"%.*s\"", SHOW(len), line);
		return -1;
	}
	key->p = line;
	key->len = klen;
	value->p = colon + 1;
	value->len = len - (size_t)(colon + 1 - line);
	while (value->len > 0 && (value->p[0] == ' ' || value->p[0] == '\t')) {
		value->p++;
		value->len--;
	}
	while (value->len > 0 && (value->p[value->len - 1] == ' ' ||
	    value->p[value->len - 1] == '\t' ||
	    value->p[value->len - 1] == '\r'))
		value->len--;
	return 1;
}

/* "16318412 kB" in bytes. Returns 0, or -1. */
int
invparse_kib(const struct invparse_span *v, uint64_t *bytes)
{
	struct invparse_span	 w[3];
	uint64_t		 n;
	size_t			 nw;

	nw = invparse_words(v->p, v->len, w, 2);
	if (nw < 1 || nw > 2 || invparse_u64(w[0].p, w[0].len, &n) == -1)
		return -1;
	if (nw == 2) {
		if (!invparse_span_is(&w[1], "kB"))
			return -1;
		if (n > UINT64_MAX / 1024)
			return -1;
		n *= 1024;
	}
	*bytes = n;
	return 0;
}

/* Parse "HEXADDR:HEXPORT" of /proc/net. Returns 0, or -1. */
static int
invparse_net_addr(const struct invparse_span *w, int family, void *addr,
    uint16_t *port)
{
	uint64_t	 v;
	uint32_t	 word;
	size_t		 alen = family == AF_INET ? 8 : 32, i;

	if (w->len != alen + 5 || w->p[alen] != ':')
		return -1;
	for (i = 0; i < alen; i += 8) {
		if (invparse_hex(w->p + i, 8, &v) == -1)
			return -1;
		/* The kernel prints each 32-bit word in host order. */
		word = (uint32_t)v;
		memcpy((char *)addr + i / 2, &word, 4);
	}
	if (invparse_hex(w->p + alen + 1, 4, &v) == -1)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* A line of /proc/net/{tcp,udp}[6]. Returns 1, 0 (header), or -1. */
int
invparse_net(const char *line, size_t len, int family,
    struct invparse_socket *s, char *err, size_t errlen)
{
	struct invparse_span	 w[11];
	uint64_t		 st;
	size_t			 n;

	if (invparse_has_nul(line, len, err, errlen))
		return -1;
	n = invparse_words(line, len, w, 10);
	if (n == 0 || (n > 0 && invparse_span_is(&w[0], "sl")))
		return 0;
	if (n < 10) {
		snprintf(err, errlen, "expected at least 10 fields, got %zu",
		    n);
		return -1;
	}
	memset(s, 0, sizeof(*s));
	s->family = family;
	if (w[0].len < 2 || w[0].p[w[0].len - 1] != ':') {
		snprintf(err, errlen, "bad slot \"%.*s\"", SHOW(w[0].len),
		    w[0].p);
		return -1;
	}
	if (invparse_net_addr(&w[1], family, &s->local, &s->local_port) ==
	    -1 || invparse_net_addr(&w[2], family, &s->remote,
	    &s->remote_port) == -1) {
		snprintf(err, errlen, "bad %s address \"%.*s\"",
		    family == AF_INET ? "IPv4" : "IPv6", SHOW(w[1].len),
		    w[1].p);
		return -1;
	}
	if (w[3].len != 2 || invparse_hex(w[3].p, 2, &st) == -1) {
		snprintf(err, errlen, "bad state \"%.*s\"", SHOW(w[3].len),
		    w[3].p);
		return -1;
	}
	s->state = (unsigned int)st;
	if (invparse_u64(w[9].p, w[9].len, &s->inode) == -1) {
		snprintf(err, errlen, "bad inode \"%.*s\"", SHOW(w[9].len),
		    w[9].p);
		return -1;
	}
	return 1;
}

/* hosts(5). Returns 1, 0 (comment, blank), or -1. */
int
invparse_hosts(const char *line, size_t len, struct invparse_span *addr,
    struct invparse_span *names, size_t max, size_t *nnames, char *err,
    size_t errlen)
{
	struct invparse_span	 w[17];
	const char		*hash;
	size_t			 n, i;

	if (invparse_has_nul(line, len, err, errlen))
		return -1;
	if ((hash = memchr(line, '#', len)) != NULL)
		len = (size_t)(hash - line);
	if (max > 16)
		max = 16;
	if ((n = invparse_words(line, len, w, max + 1)) == 0)
		return 0;
	if (n == 1) {
		snprintf(err, errlen, "address %.*s without a name",
		    SHOW(w[0].len), w[0].p);
		return -1;
	}
	if (n > max + 1)
		n = max + 1;	/* more aliases than wanted: ignored */
	*addr = w[0];
	for (i = 1; i < n; i++)
		names[i - 1] = w[i];
	*nnames = n - 1;
	return 1;
}

/* One line of the rpm query. Returns 1, 0 (blank), or -1. */
int
invparse_rpm(const char *line, size_t len, struct invparse_rpm *r,
    char *err, size_t errlen)
{
	struct invparse_span	 f[6];
	uint32_t		 epoch;
	size_t			 n, i;

	if (invparse_has_nul(line, len, err, errlen))
		return -1;
	if (len == 0)
		return 0;
	if ((n = invparse_split(line, len, '\t', f, 6)) != 6) {
		snprintf(err, errlen, "expected 6 tab-separated fields, got "
		    "%s%zu", n > 6 ? "more than " : "", n > 6 ? 6 : n);
		return -1;
	}
	for (i = 0; i < 6; i++) {
		if (f[i].len == 0 && i != 5) {
			snprintf(err, errlen, "empty field %zu", i + 1);
			return -1;
		}
		if (memchr(f[i].p, ' ', f[i].len) != NULL) {
			snprintf(err, errlen, "blank in field %zu \"%.*s\"",
			    i + 1, SHOW(f[i].len), f[i].p);
			return -1;
		}
	}
	if (!invparse_span_is(&f[1], "(none)") &&
	    invparse_u32(f[1].p, f[1].len, &epoch) == -1) {
		snprintf(err, errlen, "package %.*s: bad epoch \"%.*s\"",
		    SHOW(f[0].len), f[0].p, SHOW(f[1].len), f[1].p);
		return -1;
	}
	r->name = f[0];
	r->epoch = f[1];
	r->version = f[2];
	r->release = f[3];
	r->arch = f[4];
	r->source = f[5];
	return 1;
}
