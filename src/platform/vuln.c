/*
 * vuln.c: vulnsigs manifest bodies and affected ranges (docs/protocol.md
 * 4.4 and 4.8): the validation of what an admin publishes, of the package
 * lists agents upload, and the test of one installed version against one
 * signature with the comparison of its ecosystem.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "jsonutil.h"
#include "vercmp.h"
#include "vuln.h"

#define VULN_MAX_ID		128
#define VULN_MAX_TITLE		1024
#define VULN_MAX_PACKAGE	256
#define VULN_MAX_VERSION	256
#define VULN_MAX_DESCRIPTION	8192
#define VULN_MAX_REFERENCES	64
#define VULN_MAX_REFERENCE	2048
#define VULN_MAX_FIELD		256	/* package name, arch and source */

static const char *const vuln_severities[] = {
	"unknown", "low", "medium", "high", "critical"
};

/* Validation state: where the error goes. */
struct vuln_err {
	char	*field;
	size_t	 fieldlen;
	char	*msg;
	size_t	 msglen;
};

/* Record an error on prefix.key (or prefix alone). Returns -1. */
static int
vuln_fail(struct vuln_err *e, const char *prefix, const char *key,
    const char *msg)
{
	if (key == NULL)
		snprintf(e->field, e->fieldlen, "%s", prefix);
	else
		snprintf(e->field, e->fieldlen, "%s.%s", prefix, key);
	snprintf(e->msg, e->msglen, "%s", msg);
	return -1;
}

/* The name of severity n (0..4), or NULL. */
const char *
vuln_severity_name(int n)
{
	if (n < VULN_UNKNOWN || n > VULN_CRITICAL)
		return NULL;
	return vuln_severities[n];
}

/* The severity named s (low to critical, as a signature names it), or -1. */
int
vuln_severity_parse(const char *s)
{
	int	 i;

	for (i = VULN_LOW; i <= VULN_CRITICAL; i++)
		if (strcmp(s, vuln_severities[i]) == 0)
			return i;
	return -1;
}

/* Whether detections are computed for packages of ecosystem s (1/0). */
int
vuln_ecosystem_known(const char *s)
{
	return s != NULL && (strcmp(s, "deb") == 0 || strcmp(s, "rpm") == 0);
}

/*
 * Check member key of obj is a string of 1..maxlen bytes without NUL, and
 * set *out (NULL when absent and not required). Returns 0, or -1.
 */
static int
vuln_string(struct vuln_err *e, struct json_object *obj, const char *prefix,
    const char *key, int required, size_t maxlen, const char **out)
{
	struct json_object	*v;
	char			 msg[64];
	size_t			 len;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || v == NULL) {
		if (required)
			return vuln_fail(e, prefix, key, "required");
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return vuln_fail(e, prefix, key, "expected a string");
	len = (size_t)json_object_get_string_len(v);
	if (len == 0 || len > maxlen ||
	    strlen(json_object_get_string(v)) != len) {
		snprintf(msg, sizeof(msg), "expected 1 to %zu bytes", maxlen);
		return vuln_fail(e, prefix, key, msg);
	}
	*out = json_object_get_string(v);
	return 0;
}

/* Whether every byte of s is printable ASCII other than space (1/0). */
static int
vuln_is_token(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* Whether s is a Debian package name (policy 5.6.1; 1/0). */
static int
vuln_is_deb_name(const char *s)
{
	const char	*p;

	if (strlen(s) < 2 || !((s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '+' || *p == '-' || *p == '.'))
			return 0;
	return 1;
}

/*
 * Check member key of sig (when present) is a valid version of ecosystem
 * eco. Returns 0 with *out set (NULL if absent), or -1.
 */
static int
vuln_version(struct vuln_err *e, struct json_object *obj, const char *prefix,
    const char *key, const char *eco, const char **out)
{
	char	 why[96], msg[160];
	int	 rc;

	if (vuln_string(e, obj, prefix, key, 0, VULN_MAX_VERSION, out) == -1)
		return -1;
	if (*out == NULL)
		return 0;
	if (strcmp(eco, "deb") == 0) {
		if (strpbrk(*out, " \t\n\v\f\r") != NULL)
			return vuln_fail(e, prefix, key,
			    "invalid Debian version: it contains white space");
		rc = vercmp_deb_valid(*out, why, sizeof(why));
		if (rc != 0) {
			snprintf(msg, sizeof(msg), "invalid Debian version: %s",
			    why);
			return vuln_fail(e, prefix, key, msg);
		}
	} else if (vercmp_rpm_valid(*out, why, sizeof(why)) != 0) {
		snprintf(msg, sizeof(msg), "invalid rpm version: %s", why);
		return vuln_fail(e, prefix, key, msg);
	}
	return 0;
}

/* Refuse members of obj not in the NULL-terminated list. 0, or -1. */
static int
vuln_known_fields(struct vuln_err *e, struct json_object *obj,
    const char *prefix, const char *const *allowed)
{
	const char *const	*a;

	json_object_object_foreach(obj, key, val) {
		(void)val;
		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (*a == NULL)
			return vuln_fail(e, prefix, key, "unknown field");
	}
	return 0;
}

/* Check the optional description and references of a signature. */
static int
vuln_check_texts(struct vuln_err *e, struct json_object *sig,
    const char *prefix)
{
	struct json_object	*refs, *v;
	const char		*s;
	char			 field[96], msg[64];
	size_t			 i, len;

	if (vuln_string(e, sig, prefix, "description", 0, VULN_MAX_DESCRIPTION,
	    &s) == -1)
		return -1;
	if (!json_object_object_get_ex(sig, "references", &refs) ||
	    refs == NULL)
		return 0;
	if (!json_object_is_type(refs, json_type_array))
		return vuln_fail(e, prefix, "references", "expected an array");
	if (json_object_array_length(refs) > VULN_MAX_REFERENCES) {
		snprintf(msg, sizeof(msg), "at most %d elements",
		    VULN_MAX_REFERENCES);
		return vuln_fail(e, prefix, "references", msg);
	}
	for (i = 0; i < json_object_array_length(refs); i++) {
		v = json_object_array_get_idx(refs, i);
		len = json_object_is_type(v, json_type_string) ?
		    (size_t)json_object_get_string_len(v) : 0;
		if (len == 0 || len > VULN_MAX_REFERENCE ||
		    strlen(json_object_get_string(v)) != len) {
			snprintf(field, sizeof(field), "%s.references[%zu]",
			    prefix, i);
			snprintf(msg, sizeof(msg),
			    "expected a string of 1 to %d bytes",
			    VULN_MAX_REFERENCE);
			return vuln_fail(e, field, NULL, msg);
		}
	}
	return 0;
}

/* Check one signature, the i-th. Returns 0, or -1. */
static int
vuln_check_sig(struct vuln_err *e, struct json_object *sig, size_t i)
{
	static const char *const fields[] = {
		"id", "title", "severity", "package", "ecosystem",
		"fixed_version", "affected", "description", "references", NULL
	};
	static const char *const range_fields[] = {
		"introduced", "fixed", NULL
	};
	struct json_object	*affected;
	const char		*s, *eco, *pkg, *fixed_version, *introduced;
	const char		*fixed;
	char			 prefix[48], range[64];
	int			(*cmp)(const char *, const char *);

	snprintf(prefix, sizeof(prefix), "signatures[%zu]", i);
	if (!json_object_is_type(sig, json_type_object))
		return vuln_fail(e, prefix, NULL, "expected an object");
	if (vuln_known_fields(e, sig, prefix, fields) == -1)
		return -1;
	if (vuln_string(e, sig, prefix, "id", 1, VULN_MAX_ID, &s) == -1)
		return -1;
	if (!vuln_is_token(s))
		return vuln_fail(e, prefix, "id",
		    "expected printable ASCII without spaces");
	if (vuln_string(e, sig, prefix, "title", 1, VULN_MAX_TITLE, &s) == -1)
		return -1;
	if (vuln_string(e, sig, prefix, "severity", 1, 16, &s) == -1)
		return -1;
	if (vuln_severity_parse(s) == -1)
		return vuln_fail(e, prefix, "severity",
		    "expected low, medium, high or critical");
	if (vuln_string(e, sig, prefix, "ecosystem", 1, 16, &eco) == -1)
		return -1;
	if (!vuln_ecosystem_known(eco))
		return vuln_fail(e, prefix, "ecosystem",
		    "expected \"deb\" or \"rpm\"");
	if (vuln_string(e, sig, prefix, "package", 1, VULN_MAX_PACKAGE,
	    &pkg) == -1)
		return -1;
	if (strcmp(eco, "deb") == 0 ? !vuln_is_deb_name(pkg) :
	    !vuln_is_token(pkg))
		return vuln_fail(e, prefix, "package", strcmp(eco, "deb") == 0 ?
		    "expected a Debian package name ([a-z0-9][a-z0-9+.-]+)" :
		    "expected printable ASCII without spaces");
	if (vuln_version(e, sig, prefix, "fixed_version", eco,
	    &fixed_version) == -1)
		return -1;
	introduced = fixed = NULL;
	snprintf(range, sizeof(range), "%s.affected", prefix);
	if (json_object_object_get_ex(sig, "affected", &affected) &&
	    affected != NULL) {
		if (!json_object_is_type(affected, json_type_object))
			return vuln_fail(e, range, NULL, "expected an object");
		if (vuln_known_fields(e, affected, range, range_fields) == -1 ||
		    vuln_version(e, affected, range, "introduced", eco,
		    &introduced) == -1 ||
		    vuln_version(e, affected, range, "fixed", eco,
		    &fixed) == -1)
			return -1;
	}
	cmp = strcmp(eco, "deb") == 0 ? vercmp_deb : vercmp_rpm_evr;
	if (fixed != NULL && fixed_version != NULL &&
	    cmp(fixed, fixed_version) != 0)
		return vuln_fail(e, range, "fixed",
		    "differs from fixed_version");
	if (fixed == NULL)
		fixed = fixed_version;
	if (introduced != NULL && fixed != NULL && cmp(introduced, fixed) >= 0)
		return vuln_fail(e, range, "introduced",
		    "must be lower than the fixed version");
	return vuln_check_texts(e, sig, prefix);
}

/*
 * Check a vulnsigs manifest body. Returns 0, or -1 with the field at
 * fault (relative to the body: "signatures[3].ecosystem") and why.
 */
int
vuln_sigs_check(struct json_object *body, char *field, size_t fieldlen,
    char *msg, size_t msglen)
{
	static const char *const fields[] = { "signatures", NULL };
	struct vuln_err		 e = { field, fieldlen, msg, msglen };
	struct json_object	*sigs;
	char			 m[64];
	size_t			 i, n;

	if (!json_object_is_type(body, json_type_object))
		return vuln_fail(&e, "", NULL, "expected an object");
	json_object_object_foreach(body, key, val) {
		(void)val;
		if (strcmp(key, fields[0]) != 0) {
			snprintf(field, fieldlen, "%s", key);
			snprintf(msg, msglen, "unknown field");
			return -1;
		}
	}
	if (!json_object_object_get_ex(body, "signatures", &sigs) ||
	    sigs == NULL) {
		snprintf(field, fieldlen, "signatures");
		snprintf(msg, msglen, "required");
		return -1;
	}
	if (!json_object_is_type(sigs, json_type_array)) {
		snprintf(field, fieldlen, "signatures");
		snprintf(msg, msglen, "expected an array");
		return -1;
	}
	n = json_object_array_length(sigs);
	if (n > VULN_MAX_SIGNATURES) {
		snprintf(m, sizeof(m), "at most %d elements",
		    VULN_MAX_SIGNATURES);
		snprintf(field, fieldlen, "signatures");
		snprintf(msg, msglen, "%s", m);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (vuln_check_sig(&e, json_object_array_get_idx(sigs, i),
		    i) == -1)
			return -1;
	return 0;
}

/* Fill sig from a signature that vuln_sigs_check() accepted. */
void
vuln_sig_from_json(struct json_object *obj, struct vuln_sig *sig)
{
	struct json_object	*affected;
	const char		*severity;

	memset(sig, 0, sizeof(*sig));
	sig->id = json_get_string(obj, "id");
	sig->title = json_get_string(obj, "title");
	severity = json_get_string(obj, "severity");
	sig->severity = severity != NULL ? vuln_severity_parse(severity) :
	    VULN_LOW;
	sig->package = json_get_string(obj, "package");
	sig->ecosystem = json_get_string(obj, "ecosystem");
	sig->fixed = json_get_string(obj, "fixed_version");
	if (json_object_object_get_ex(obj, "affected", &affected)) {
		sig->introduced = json_get_string(affected, "introduced");
		if (json_get_string(affected, "fixed") != NULL)
			sig->fixed = json_get_string(affected, "fixed");
	}
}

/*
 * Whether the installed version is in the affected range of sig
 * (introduced <= installed < fixed, or <= last_affected, with the
 * ecosystem's comparison). A Debian version dpkg refuses is never
 * affected. Returns 1 or 0.
 */
int
vuln_affected(const struct vuln_sig *sig, const char *installed)
{
	int	(*cmp)(const char *, const char *);

	if (strcmp(sig->ecosystem, "deb") == 0) {
		if (vercmp_deb_valid(installed, NULL, 0) == -1)
			return 0;
		cmp = vercmp_deb;
	} else
		cmp = vercmp_rpm_evr;
	if (sig->introduced != NULL && cmp(installed, sig->introduced) < 0)
		return 0;
	if (sig->fixed != NULL && cmp(installed, sig->fixed) >= 0)
		return 0;
	if (sig->last_affected != NULL &&
	    cmp(installed, sig->last_affected) > 0)
		return 0;
	return 1;
}

/*
 * Whether a signature's release ("debian:12", "almalinux:9", NULL for
 * every release) is the host's: the ID matches the os-release ID and the
 * version its VERSION_ID, or VERSION_ID's major part ("9" of "9.3").
 * Returns 1 or 0.
 */
int
vuln_release_matches(const char *release, const struct vuln_host *host)
{
	const char	*colon, *ver, *dot;
	size_t		 idlen, vlen;

	if (release == NULL)
		return 1;
	if (host->os_id == NULL || host->os_version_id == NULL ||
	    (colon = strchr(release, ':')) == NULL)
		return 0;
	idlen = (size_t)(colon - release);
	if (strlen(host->os_id) != idlen ||
	    strncmp(release, host->os_id, idlen) != 0)
		return 0;
	ver = colon + 1;
	if (strcmp(ver, host->os_version_id) == 0)
		return 1;
	if ((dot = strchr(host->os_version_id, '.')) == NULL)
		return 0;
	vlen = (size_t)(dot - host->os_version_id);
	return strlen(ver) == vlen &&
	    strncmp(ver, host->os_version_id, vlen) == 0;
}

/*
 * Check the "packages" section of an inventory upload (named prefix, e.g.
 * "data.packages"): an array of objects with name and version strings
 * and optional arch, ecosystem and source strings; other members are
 * ignored. Returns 0, or -1 with the field and why.
 */
int
vuln_packages_check(struct json_object *packages, const char *prefix,
    char *field, size_t fieldlen, char *msg, size_t msglen)
{
	static const char *const optional[] = {
		"arch", "ecosystem", "source", "source_version"
	};
	struct vuln_err		 e = { field, fieldlen, msg, msglen };
	struct json_object	*p;
	const char		*s;
	char			 item[96], m[64];
	size_t			 i, j, n;

	if (!json_object_is_type(packages, json_type_array))
		return vuln_fail(&e, prefix, NULL, "expected an array");
	n = json_object_array_length(packages);
	if (n > VULN_MAX_PACKAGES) {
		snprintf(m, sizeof(m), "at most %d elements",
		    VULN_MAX_PACKAGES);
		return vuln_fail(&e, prefix, NULL, m);
	}
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(packages, i);
		snprintf(item, sizeof(item), "%s[%zu]", prefix, i);
		if (!json_object_is_type(p, json_type_object))
			return vuln_fail(&e, item, NULL, "expected an object");
		if (vuln_string(&e, p, item, "name", 1, VULN_MAX_FIELD,
		    &s) == -1 ||
		    vuln_string(&e, p, item, "version", 1, VULN_MAX_VERSION,
		    &s) == -1)
			return -1;
		for (j = 0; j < nitems(optional); j++)
			if (vuln_string(&e, p, item, optional[j], 0,
			    VULN_MAX_FIELD, &s) == -1)
				return -1;
	}
	return 0;
}
