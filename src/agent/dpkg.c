/*
 * dpkg.c: the dpkg status file parser (see dpkg.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dpkg.h"

/* The fields the inventory keeps; the rest are checked and skipped. */
enum dpkg_field {
	DPKG_PACKAGE = 0,
	DPKG_VERSION,
	DPKG_ARCH,
	DPKG_SOURCE,
	DPKG_STATUS,
	DPKG_OTHER
};

static const char *const dpkg_field_names[] = {
	"Package", "Version", "Architecture", "Source", "Status"
};
/* Their lengths, so a field name is compared only with one as long. */
static const size_t dpkg_field_lengths[] = { sizeof("Package") - 1,
    sizeof("Version") - 1, sizeof("Architecture") - 1, sizeof("Source") - 1,
    sizeof("Status") - 1 };

#define DPKG_FIELD_MAX	128	/* longest field name accepted */

/* Start a parser. */
void
dpkg_parser_init(struct dpkg_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->field = DPKG_OTHER;
}

/* Free a package's strings. */
void
dpkg_package_free(struct dpkg_package *pkg)
{
	free(pkg->name);
	free(pkg->version);
	free(pkg->arch);
	free(pkg->source);
	free(pkg->source_version);
	memset(pkg, 0, sizeof(*pkg));
}

/* Free what the parser holds. */
void
dpkg_parser_free(struct dpkg_parser *p)
{
	dpkg_package_free(&p->cur);
	p->in_paragraph = 0;
	p->seen = 0;
}

/* Is the line empty or only blanks? */
static int
dpkg_is_blank(const char *line, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return 0;
	return 1;
}

/* A copy of len bytes, or NULL. */
static char *
dpkg_strndup(const char *s, size_t len)
{
	char	*d;

	if ((d = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

/* The entry of the list that is this word of a Status field, or NULL. */
static const char *
dpkg_word_in(const char *word, size_t len, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strncmp(*list, word, len) == 0 && (*list)[len] == '\0')
			return *list;
	return NULL;
}

/*
 * Split a Status value into its three words and check them. Returns 0, or
 * -1 with the reason in err.
 */
static int
dpkg_parse_status(struct dpkg_package *pkg, const char *v, size_t len,
    char *err, size_t errlen)
{
	static const char *const wants[] = { "unknown", "install", "hold",
	    "deinstall", "purge", NULL };
	static const char *const eflags[] = { "ok", "reinstreq", "hold",
	    "hold-reinstreq", NULL };
	static const char *const states[] = { "not-installed",
	    "config-files", "half-installed", "unpacked", "half-configured",
	    "triggers-awaited", "triggers-pending", "installed", NULL };
	static const char *const *const lists[] = { wants, eflags, states };
	const char	**slots[3] = { &pkg->want, &pkg->eflag, &pkg->state };
	size_t		 i, start, end = 0;
	int		 w;

	for (w = 0; w < 3; w++) {
		for (start = end; start < len && v[start] == ' '; start++)
			;
		for (end = start; end < len && v[end] != ' '; end++)
			;
		if (start == end) {
			snprintf(err, errlen, "Status \"%.*s\" has fewer than "
			    "three words", (int)(len > 64 ? 64 : len), v);
			return -1;
		}
		if ((*slots[w] = dpkg_word_in(v + start, end - start,
		    lists[w])) == NULL) {
			snprintf(err, errlen, "Status \"%.*s\": unknown %s "
			    "\"%.*s\"", (int)(len > 64 ? 64 : len), v,
			    w == 0 ? "selection" : w == 1 ? "flag" : "state",
			    (int)(end - start > 32 ? 32 : end - start),
			    v + start);
			return -1;
		}
	}
	for (i = end; i < len; i++)
		if (v[i] != ' ') {
			snprintf(err, errlen, "Status \"%.*s\" has more than "
			    "three words", (int)(len > 64 ? 64 : len), v);
			return -1;
		}
	return 0;
}

/*
 * The version of "Source: openssl (3.0.11-1)" (a binNMU's source version
 * differs from the package's) into pkg->source_version; *namelen is the
 * length of the name. Returns 0, or -1 with err.
 */
static int
dpkg_source_version(struct dpkg_package *pkg, const char *v, size_t len,
    size_t *namelen, char *err, size_t errlen)
{
	const char	*open, *close;
	size_t		 i;

	for (i = 0; i < len && v[i] != ' '; i++)
		;
	*namelen = i;
	if (i == len)
		return 0;
	open = memchr(v + i, '(', len - i);
	close = open != NULL ? memchr(open, ')', len - (size_t)(open - v)) :
	    NULL;
	if (open == NULL || close == NULL || close == open + 1 ||
	    close != v + len - 1 || memchr(open + 1, ' ', (size_t)(close -
	    open - 1)) != NULL) {
		snprintf(err, errlen, "Source \"%.*s\" is not NAME or NAME "
		    "(VERSION)", (int)(len > 64 ? 64 : len), v);
		return -1;
	}
	free(pkg->source_version);
	if ((pkg->source_version = dpkg_strndup(open + 1,
	    (size_t)(close - open - 1))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Store the value of a field the inventory keeps. Returns 0, or -1 with
 * the reason in err.
 */
static int
dpkg_store(struct dpkg_package *pkg, enum dpkg_field f, const char *v,
    size_t len, char *err, size_t errlen)
{
	size_t	 i;
	char	**slot;

	if (len == 0) {
		snprintf(err, errlen, "%s has an empty value",
		    dpkg_field_names[f]);
		return -1;
	}
	if (f == DPKG_STATUS)
		return dpkg_parse_status(pkg, v, len, err, errlen);
	if (f == DPKG_SOURCE && dpkg_source_version(pkg, v, len, &len, err,
	    errlen) == -1)
		return -1;
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] <= ' ' || v[i] == 0x7f) {
			snprintf(err, errlen, "%s \"%.*s\" contains a blank or "
			    "control character", dpkg_field_names[f],
			    (int)(len > 64 ? 64 : len), v);
			return -1;
		}
	slot = f == DPKG_PACKAGE ? &pkg->name : f == DPKG_VERSION ?
	    &pkg->version : f == DPKG_ARCH ? &pkg->arch : &pkg->source;
	if ((*slot = dpkg_strndup(v, len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Close the current paragraph. Returns 1 with *out, or -1 with err. */
static int
dpkg_finish(struct dpkg_parser *p, struct dpkg_package *out, char *err,
    size_t errlen)
{
	p->in_paragraph = 0;
	p->field = DPKG_OTHER;
	if (p->cur.name == NULL) {
		snprintf(err, errlen, "line %zu: paragraph has no Package "
		    "field", p->cur.line);
		dpkg_parser_free(p);
		return -1;
	}
	if (dpkg_package_is_installed(&p->cur) && p->cur.version == NULL) {
		snprintf(err, errlen, "line %zu: installed package %s has no "
		    "Version field", p->cur.line, p->cur.name);
		dpkg_parser_free(p);
		return -1;
	}
	*out = p->cur;
	memset(&p->cur, 0, sizeof(p->cur));
	p->seen = 0;
	return 1;
}

/* Feed one line. Returns 1 (*out), 0, or -1 with err. */
int
dpkg_parser_line(struct dpkg_parser *p, const char *line, size_t len,
    struct dpkg_package *out, char *err, size_t errlen)
{
	const char	*colon, *v;
	size_t		 namelen, vlen, i;
	char		 why[160];
	int		 f;

	p->lineno++;
	if (memchr(line, '\0', len) != NULL) {
		snprintf(err, errlen, "line %zu: NUL byte", p->lineno);
		return -1;
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (dpkg_is_blank(line, len))
		return p->in_paragraph ? dpkg_finish(p, out, err, errlen) : 0;
	if (line[0] == ' ' || line[0] == '\t') {
		if (!p->in_paragraph) {
			snprintf(err, errlen, "line %zu: continuation line "
			    "outside a field", p->lineno);
			return -1;
		}
		if (p->field != DPKG_OTHER) {
			snprintf(err, errlen, "line %zu: %s cannot continue on "
			    "another line", p->lineno,
			    dpkg_field_names[p->field]);
			return -1;
		}
		return 0;
	}
	colon = memchr(line, ':', len);
	if (colon == NULL || colon == line) {
		snprintf(err, errlen, "line %zu: expected \"Field: value\", "
		    "got \"%.*s\"", p->lineno, (int)(len > 48 ? 48 : len),
		    line);
		return -1;
	}
	namelen = (size_t)(colon - line);
	if (line[0] == '#' || line[0] == '-' || namelen > DPKG_FIELD_MAX) {
		snprintf(err, errlen, "line %zu: bad field name \"%.*s\"",
		    p->lineno, (int)(namelen > 48 ? 48 : namelen), line);
		return -1;
	}
	for (i = 0; i < namelen; i++)
		if ((unsigned char)line[i] <= ' ' ||
		    (unsigned char)line[i] >= 0x7f) {
			snprintf(err, errlen, "line %zu: bad character in "
			    "field name \"%.*s\"", p->lineno,
			    (int)(namelen > 48 ? 48 : namelen), line);
			return -1;
		}
	if (!p->in_paragraph) {
		p->in_paragraph = 1;
		p->cur.line = p->lineno;
	}
	for (f = 0; f < DPKG_OTHER; f++)
		if (dpkg_field_lengths[f] == namelen &&
		    strncasecmp(dpkg_field_names[f], line, namelen) == 0)
			break;
	p->field = f;
	if (f == DPKG_OTHER)
		return 0;
	if (p->seen & (1U << f)) {
		snprintf(err, errlen, "line %zu: duplicate %s field",
		    p->lineno, dpkg_field_names[f]);
		return -1;
	}
	p->seen |= 1U << f;
	v = colon + 1;
	vlen = len - namelen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (dpkg_store(&p->cur, f, v, vlen, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "line %zu: %s", p->lineno, why);
		return -1;
	}
	return 0;
}

/* The input ended: the last paragraph, if any. */
int
dpkg_parser_end(struct dpkg_parser *p, struct dpkg_package *out, char *err,
    size_t errlen)
{
	if (!p->in_paragraph)
		return 0;
	return dpkg_finish(p, out, err, errlen);
}

/* Is the package installed (and not broken)? */
int
dpkg_package_is_installed(const struct dpkg_package *pkg)
{
	return pkg->want != NULL && (strcmp(pkg->want, "install") == 0 ||
	    strcmp(pkg->want, "hold") == 0) && strcmp(pkg->eflag, "ok") == 0 &&
	    strcmp(pkg->state, "installed") == 0;
}
