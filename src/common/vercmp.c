/*
 * vercmp.c: Debian and rpm version comparison (see vercmp.h).
 *
 * The Debian half follows dpkg's parseversion() and verrevcmp()
 * (lib/dpkg/parsehelp.c, lib/dpkg/version.c) rule for rule, including
 * what dpkg does with odd input: blanks around the version are dropped,
 * the epoch is read as strtol(3) reads it, and bytes above 0x7f order as
 * dpkg orders them where char is signed (amd64, i386). The rpm half
 * follows rpmvercmp() (lib/rpmvercmp.c) and parseEVR() (lib/rpmds.c) of
 * rpm 4.18. Nothing allocates: the parts of a version are ranges of the
 * caller's string.
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vercmp.h"

/* A parsed Debian version: an epoch and two ranges of the string. */
struct deb_version {
	long		 epoch;
	const char	*upstream;
	size_t		 upstream_len;
	const char	*revision;
	size_t		 revision_len;
};

/* ASCII classes, whatever the locale (dpkg's c_is*, rpm's ris*). */
static int
vercmp_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

/* Whether c is an ASCII letter. */
static int
vercmp_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Whether c is a blank as dpkg means it (space or tab). */
static int
vercmp_isblank(int c)
{
	return c == ' ' || c == '\t';
}

/* Whether c is white space as strtol(3) skips it in the C locale. */
static int
vercmp_isspace(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* The sign of n as -1, 0 or 1. */
static int
vercmp_sign(long n)
{
	return n < 0 ? -1 : n > 0;
}

/* Copy a reason into err (when there is room for one). */
static void
vercmp_reason(char *err, size_t errlen, const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
}

/*
 * The weight of character c in dpkg's comparison of non-digit runs: the
 * end of the string and digits 0, letters their code, '~' below
 * everything, other characters above every letter. c is the char value as
 * a signed char, as in dpkg on amd64.
 */
static int
deb_order(int c)
{
	if (vercmp_isdigit(c))
		return 0;
	if (vercmp_isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c != 0)
		return c + 256;
	return 0;
}

/* Character i of the range [s, s + len) as dpkg sees it, 0 past the end. */
static int
deb_at(const char *s, size_t len, size_t i)
{
	return i < len ? (signed char)s[i] : 0;
}

/*
 * dpkg's verrevcmp() over two ranges: alternately compare the leading
 * non-digit runs by deb_order() and the digit runs as numbers. Returns
 * <0, 0 or >0.
 */
static int
deb_verrevcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t	 i = 0, j = 0;
	int	 ac, bc, first_diff;

	while (i < alen || j < blen) {
		first_diff = 0;
		while ((i < alen && !vercmp_isdigit(a[i])) ||
		    (j < blen && !vercmp_isdigit(b[j]))) {
			ac = deb_order(deb_at(a, alen, i));
			bc = deb_order(deb_at(b, blen, j));
			if (ac != bc)
				return ac - bc;
			/* Equal weights are never the end of either range. */
			i++;
			j++;
		}
		while (i < alen && a[i] == '0')
			i++;
		while (j < blen && b[j] == '0')
			j++;
		while (i < alen && vercmp_isdigit(a[i]) && j < blen &&
		    vercmp_isdigit(b[j])) {
			if (first_diff == 0)
				first_diff = a[i] - b[j];
			i++;
			j++;
		}
		if (i < alen && vercmp_isdigit(a[i]))
			return 1;
		if (j < blen && vercmp_isdigit(b[j]))
			return -1;
		if (first_diff != 0)
			return first_diff;
	}
	return 0;
}

/*
 * Read the epoch that starts s and ends at colon the way dpkg does, with
 * strtol(3) rules (leading white space, a sign). Returns 0 with *epoch
 * set, or -1 with the reason in err.
 */
static int
deb_epoch(const char *s, const char *colon, long *epoch, char *err,
    size_t errlen)
{
	const char	*p = s;
	unsigned long	 n = 0, limit;
	int		 negative = 0, overflow = 0, digits = 0;

	while (vercmp_isspace(*p))
		p++;
	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	limit = negative ? (unsigned long)LONG_MAX + 1 : LONG_MAX;
	for (; vercmp_isdigit(*p); p++, digits++) {
		if (n > (limit - (unsigned long)(*p - '0')) / 10)
			overflow = 1;
		else
			n = n * 10 + (unsigned long)(*p - '0');
	}
	if (digits == 0) {
		vercmp_reason(err, errlen, "epoch in version is empty");
		return -1;
	}
	if (p != colon) {
		vercmp_reason(err, errlen, "epoch in version is not number");
		return -1;
	}
	if (negative && (overflow || n != 0)) {
		vercmp_reason(err, errlen, "epoch in version is negative");
		return -1;
	}
	if (overflow || n > INT_MAX) {
		vercmp_reason(err, errlen, "epoch in version is too big");
		return -1;
	}
	*epoch = (long)n;
	return 0;
}

/*
 * Parse a Debian version as dpkg's parseversion() does. Returns 0 (valid),
 * 1 (parsed, but dpkg would warn), or -1 (dpkg refuses it), with the
 * reason in err for 1 and -1.
 */
static int
deb_parse(const char *s, struct deb_version *v, char *err, size_t errlen)
{
	const char	*end, *p, *colon, *hyphen;
	size_t		 i;

	memset(v, 0, sizeof(*v));
	while (vercmp_isblank(*s))
		s++;
	if (*s == '\0') {
		vercmp_reason(err, errlen, "version string is empty");
		return -1;
	}
	for (end = s; *end != '\0' && !vercmp_isblank(*end); end++)
		;
	for (p = end; vercmp_isblank(*p); p++)
		;
	if (*p != '\0') {
		vercmp_reason(err, errlen,
		    "version string has embedded spaces");
		return -1;
	}
	/* Only blanks follow end, so a colon is before it. */
	if ((colon = strchr(s, ':')) != NULL) {
		if (deb_epoch(s, colon, &v->epoch, err, errlen) == -1)
			return -1;
		if (colon[1] == '\0') {
			vercmp_reason(err, errlen,
			    "nothing after colon in version number");
			return -1;
		}
		s = colon + 1;
	}
	v->upstream = s;
	v->upstream_len = (size_t)(end - s);
	hyphen = NULL;
	for (p = s; p < end; p++)
		if (*p == '-')
			hyphen = p;
	v->revision = end;
	if (hyphen != NULL) {
		v->upstream_len = (size_t)(hyphen - s);
		v->revision = hyphen + 1;
		if (v->revision == end) {
			vercmp_reason(err, errlen, "revision number is empty");
			return -1;
		}
	}
	v->revision_len = (size_t)(end - v->revision);
	if (v->upstream_len == 0) {
		vercmp_reason(err, errlen, "version number is empty");
		return -1;
	}
	if (!vercmp_isdigit(v->upstream[0])) {
		vercmp_reason(err, errlen,
		    "version number does not start with digit");
		return 1;
	}
	for (i = 1; i < v->upstream_len; i++) {
		p = &v->upstream[i];
		if (!vercmp_isdigit(*p) && !vercmp_isalpha(*p) &&
		    strchr(".-+~:", *p) == NULL) {
			vercmp_reason(err, errlen,
			    "invalid character in version number");
			return 1;
		}
	}
	for (i = 0; i < v->revision_len; i++) {
		p = &v->revision[i];
		if (!vercmp_isdigit(*p) && !vercmp_isalpha(*p) &&
		    strchr(".+~", *p) == NULL) {
			vercmp_reason(err, errlen,
			    "invalid character in revision number");
			return 1;
		}
	}
	return 0;
}

/* Check a Debian version (see vercmp.h). Returns 0, 1, or -1. */
int
vercmp_deb_valid(const char *s, char *err, size_t errlen)
{
	struct deb_version	 v;

	return deb_parse(s, &v, err, errlen);
}

/* Compare two Debian versions as dpkg does. Returns -1, 0, or 1. */
int
vercmp_deb(const char *a, const char *b)
{
	struct deb_version	 va, vb;
	int			 bad_a = 0, bad_b = 0, rc;

	/* dpkg --compare-versions: "" is earlier than any version. */
	if (*a == '\0' || *b == '\0')
		return *a == '\0' ? (*b == '\0' ? 0 : -1) : 1;
	bad_a = deb_parse(a, &va, NULL, 0) == -1;
	bad_b = deb_parse(b, &vb, NULL, 0) == -1;
	if (bad_a || bad_b) {
		if (bad_a && bad_b)
			return vercmp_sign(strcmp(a, b));
		return bad_a ? -1 : 1;
	}
	if (va.epoch != vb.epoch)
		return va.epoch < vb.epoch ? -1 : 1;
	rc = deb_verrevcmp(va.upstream, va.upstream_len, vb.upstream,
	    vb.upstream_len);
	if (rc == 0)
		rc = deb_verrevcmp(va.revision, va.revision_len, vb.revision,
		    vb.revision_len);
	return vercmp_sign(rc);
}

/* Whether c is a letter or digit (rpm's risalnum). */
static int
rpm_isalnum(int c)
{
	return vercmp_isdigit(c) || vercmp_isalpha(c);
}

/* Character p of a range ending at end, 0 past the end. */
static int
rpm_at(const char *p, const char *end)
{
	return p < end ? *p : 0;
}

/*
 * rpm's rpmvercmp() over the ranges [a, aend) and [b, bend). Returns -1,
 * 0, or 1.
 */
static int
rpm_segcmp(const char *a, const char *aend, const char *b, const char *bend)
{
	const char	*one = a, *two = b, *s1, *s2;
	size_t		 l1, l2;
	int		 isnum, rc;

	if (aend - a == bend - b && memcmp(a, b, (size_t)(aend - a)) == 0)
		return 0;
	while (one < aend || two < bend) {
		while (one < aend && !rpm_isalnum(*one) && *one != '~' &&
		    *one != '^')
			one++;
		while (two < bend && !rpm_isalnum(*two) && *two != '~' &&
		    *two != '^')
			two++;
		/* A tilde sorts before everything else. */
		if (rpm_at(one, aend) == '~' || rpm_at(two, bend) == '~') {
			if (rpm_at(one, aend) != '~')
				return 1;
			if (rpm_at(two, bend) != '~')
				return -1;
			one++;
			two++;
			continue;
		}
		/* A caret too, except that it is newer than the end. */
		if (rpm_at(one, aend) == '^' || rpm_at(two, bend) == '^') {
			if (one == aend)
				return -1;
			if (two == bend)
				return 1;
			if (*one != '^')
				return 1;
			if (*two != '^')
				return -1;
			one++;
			two++;
			continue;
		}
		if (one == aend || two == bend)
			break;
		s1 = one;
		s2 = two;
		if (vercmp_isdigit(*s1)) {
			while (s1 < aend && vercmp_isdigit(*s1))
				s1++;
			while (s2 < bend && vercmp_isdigit(*s2))
				s2++;
			isnum = 1;
		} else {
			while (s1 < aend && vercmp_isalpha(*s1))
				s1++;
			while (s2 < bend && vercmp_isalpha(*s2))
				s2++;
			isnum = 0;
		}
		/* Segments of different kinds: numbers are newer. */
		if (two == s2)
			return isnum ? 1 : -1;
		if (isnum) {
			while (one < s1 && *one == '0')
				one++;
			while (two < s2 && *two == '0')
				two++;
			l1 = (size_t)(s1 - one);
			l2 = (size_t)(s2 - two);
			if (l1 != l2)
				return l1 > l2 ? 1 : -1;
		}
		l1 = (size_t)(s1 - one);
		l2 = (size_t)(s2 - two);
		rc = memcmp(one, two, l1 < l2 ? l1 : l2);
		if (rc != 0)
			return rc < 0 ? -1 : 1;
		if (l1 != l2)
			return l1 < l2 ? -1 : 1;
		one = s1;
		two = s2;
	}
	if (one == aend && two == bend)
		return 0;
	return one == aend ? -1 : 1;
}

/* Compare two rpm version strings as rpmvercmp(). Returns -1, 0, or 1. */
int
vercmp_rpm(const char *a, const char *b)
{
	return rpm_segcmp(a, a + strlen(a), b, b + strlen(b));
}

/* An rpm EVR split as parseEVR() splits it; release NULL when absent. */
struct rpm_evr {
	const char	*epoch;
	const char	*epoch_end;
	const char	*version;
	const char	*version_end;
	const char	*release;
	const char	*release_end;
};

/* Split s into epoch, version and release as rpm's parseEVR(). */
static void
rpm_evr_split(const char *s, struct rpm_evr *e)
{
	static const char	 zero[] = "0";
	const char		*p = s, *end = s + strlen(s), *hyphen;

	while (vercmp_isdigit(*p))
		p++;
	hyphen = strrchr(p, '-');
	if (*p == ':') {
		e->epoch = s;
		e->epoch_end = p;
		e->version = p + 1;
	} else {
		e->epoch = e->epoch_end = NULL;
		e->version = s;
	}
	/* A missing or empty epoch is "0". */
	if (e->epoch == e->epoch_end) {
		e->epoch = zero;
		e->epoch_end = zero + 1;
	}
	if (hyphen != NULL) {
		e->version_end = hyphen;
		e->release = hyphen + 1;
		e->release_end = end;
	} else {
		e->version_end = end;
		e->release = e->release_end = NULL;
	}
}

/* Compare two rpm EVR strings as labelCompare(). Returns -1, 0, or 1. */
int
vercmp_rpm_evr(const char *a, const char *b)
{
	struct rpm_evr	 ea, eb;
	int		 rc;

	rpm_evr_split(a, &ea);
	rpm_evr_split(b, &eb);
	if ((rc = rpm_segcmp(ea.epoch, ea.epoch_end, eb.epoch,
	    eb.epoch_end)) != 0)
		return rc;
	if ((rc = rpm_segcmp(ea.version, ea.version_end, eb.version,
	    eb.version_end)) != 0)
		return rc;
	if (ea.release == NULL || eb.release == NULL)
		return ea.release == eb.release ? 0 :
		    ea.release == NULL ? -1 : 1;
	return rpm_segcmp(ea.release, ea.release_end, eb.release,
	    eb.release_end);
}

/* Whether [p, end) is a non-empty run of rpm version characters. */
static int
rpm_valid_part(const char *p, const char *end)
{
	if (p == end)
		return 0;
	for (; p < end; p++)
		if (!rpm_isalnum(*p) && strchr("._+~^", *p) == NULL)
			return 0;
	return 1;
}

/* Check an rpm EVR string (see vercmp.h). Returns 0, or -1. */
int
vercmp_rpm_valid(const char *s, char *err, size_t errlen)
{
	const char	*p, *hyphen, *vend, *end = s + strlen(s);
	uint64_t	 epoch = 0;

	if (*s == '\0') {
		vercmp_reason(err, errlen, "version string is empty");
		return -1;
	}
	/* As parseEVR(): an epoch is the digits before a first ':'. */
	for (p = s; vercmp_isdigit(*p); p++)
		if (epoch <= UINT32_MAX)
			epoch = epoch * 10 + (uint64_t)(*p - '0');
	if (*p == ':') {
		if (p == s) {
			vercmp_reason(err, errlen, "epoch is empty");
			return -1;
		}
		if (epoch > UINT32_MAX) {
			vercmp_reason(err, errlen, "epoch is too big");
			return -1;
		}
		s = p + 1;
	}
	if (strchr(s, ':') != NULL) {
		vercmp_reason(err, errlen,
		    "':' is only allowed after a numeric epoch");
		return -1;
	}
	hyphen = strrchr(s, '-');
	vend = hyphen != NULL ? hyphen : end;
	if (!rpm_valid_part(s, vend)) {
		vercmp_reason(err, errlen, s == vend ? "version is empty" :
		    "invalid character in version (allowed: letters, digits "
		    "and ._+~^)");
		return -1;
	}
	if (hyphen != NULL && !rpm_valid_part(hyphen + 1, end)) {
		vercmp_reason(err, errlen, hyphen + 1 == end ?
		    "release is empty" : "invalid character in release "
		    "(allowed: letters, digits and ._+~^)");
		return -1;
	}
	return 0;
}
