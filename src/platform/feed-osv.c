/*
 * feed-osv.c: OSV records into signatures.
 *
 * Each affected[] entry (https://ossf.github.io/osv-schema/) whose package.ecosystem is one of a
 * deb or rpm distribution release (table below) gives one signature per
 * affected interval of its ECOSYSTEM ranges: the events, in order, open
 * an interval at "introduced" ("0": every version) and close it at
 * "fixed" (affected below it) or "last_affected" (affected up to it); an
 * interval still open at the end has no fix. Debian and Ubuntu records
 * name source packages, the rpm distributions binary packages. Withdrawn
 * records, other ecosystems and other range types are skipped and
 * counted; "versions" lists are not read (the ranges say the same).
 *
 * The severity is the distribution's own where the record carries it
 * (Debian urgency, the Ubuntu priority, a severity word, the Red Hat
 * rating that starts an AlmaLinux or Rocky summary), else the CVSS v3
 * base score computed from the vector, else unknown; severity_source says
 * which.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "feed.h"
#include "jsonutil.h"
#include "vuln.h"

#define FEED_OSV_URL	"https://osv.dev/vulnerability/"

/* Distributions by the prefix of their OSV ecosystem. */
static const struct {
	const char	*prefix;	/* up to the release */
	const char	*os_id;		/* os-release ID */
	const char	*ecosystem;
	int		 by_source;
} feed_osv_distros[] = {
	{ "Debian:", "debian", "deb", 1 },
	{ "AlmaLinux:", "almalinux", "rpm", 0 },
	{ "Rocky Linux:", "rocky", "rpm", 0 },
	{ "Red Hat:enterprise_linux:", "rhel", "rpm", 0 },
	{ "openSUSE:Leap ", "opensuse-leap", "rpm", 0 },
	{ "SUSE:Linux Enterprise Server ", "sles", "rpm", 0 },
	{ "Mageia:", "mageia", "rpm", 0 },
};

/* Severity words and what they rate. */
static const struct {
	const char	*word;
	int		 severity;
} feed_osv_words[] = {
	{ "negligible", VULN_LOW }, { "low", VULN_LOW },
	{ "medium", VULN_MEDIUM }, { "moderate", VULN_MEDIUM },
	{ "high", VULN_HIGH }, { "important", VULN_HIGH },
	{ "critical", VULN_CRITICAL },
};

/* The severity a word rates (any case), or -1. */
static int
feed_osv_word(const char *w, size_t len)
{
	size_t	 i;

	for (i = 0; i < sizeof(feed_osv_words) / sizeof(feed_osv_words[0]);
	    i++)
		if (strlen(feed_osv_words[i].word) == len &&
		    strncasecmp(w, feed_osv_words[i].word, len) == 0)
			return feed_osv_words[i].severity;
	return -1;
}

/* Whether s[0..len) is digits, or digits.digits when dotted. 1/0. */
static int
feed_osv_is_version(const char *s, size_t len, int dotted)
{
	size_t	 i, dots = 0;

	if (len == 0 || s[0] < '0' || s[0] > '9' || s[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] == '.')
			dots++;
		else if (s[i] < '0' || s[i] > '9')
			return 0;
	return dotted ? dots == 1 : dots == 0;
}

/* The Ubuntu release of "Ubuntu:[Pro:]22.04[:LTS]" into release. 0/-1. */
static int
feed_osv_ubuntu(const char *eco, char *release, size_t releaselen)
{
	const char	*p = eco + strlen("Ubuntu:");
	size_t		 len;

	while (*p != '\0') {
		len = strcspn(p, ":");
		if (feed_osv_is_version(p, len, 1)) {
			snprintf(release, releaselen, "ubuntu:%.*s", (int)len,
			    p);
			return 0;
		}
		p += len;
		if (*p == ':')
			p++;
	}
	return -1;
}

/*
 * The release ("debian:12"), ecosystem ("deb", "rpm") and whether names
 * are source packages, of OSV ecosystem eco. Returns 0, or -1 when it is
 * not a deb or rpm distribution release this importer knows.
 */
int
feed_osv_ecosystem(const char *eco, char *release, size_t releaselen,
    const char **ecosystem, int *by_source)
{
	const char	*v, *sp;
	size_t		 i, len;

	if (strncmp(eco, "Ubuntu:", 7) == 0) {
		*ecosystem = "deb";
		*by_source = 1;
		return feed_osv_ubuntu(eco, release, releaselen);
	}
	for (i = 0; i < sizeof(feed_osv_distros) /
	    sizeof(feed_osv_distros[0]); i++) {
		if (strncmp(eco, feed_osv_distros[i].prefix,
		    strlen(feed_osv_distros[i].prefix)) != 0)
			continue;
		v = eco + strlen(feed_osv_distros[i].prefix);
		len = strcspn(v, ": ");
		*ecosystem = feed_osv_distros[i].ecosystem;
		*by_source = feed_osv_distros[i].by_source;
		if ((sp = strstr(v, " SP")) != NULL && sp == v + len &&
		    feed_osv_is_version(sp + 3, strlen(sp + 3), 0) &&
		    feed_osv_is_version(v, len, 0)) {
			/* "15 SP5" is VERSION_ID 15.5 */
			snprintf(release, releaselen, "%s:%.*s.%s",
			    feed_osv_distros[i].os_id, (int)len, v, sp + 3);
			return 0;
		}
		if (!feed_osv_is_version(v, len, 0) &&
		    !feed_osv_is_version(v, len, 1))
			return -1;
		if (v[len] != '\0' && v[len] != ':')
			return -1;
		snprintf(release, releaselen, "%s:%.*s",
		    feed_osv_distros[i].os_id, (int)len, v);
		return 0;
	}
	return -1;
}

/* The value of CVSS v3 metric name in vector, or '\0'. */
static char
feed_cvss3_metric(const char *vector, const char *name)
{
	const char	*p = vector;
	size_t		 n = strlen(name);

	while ((p = strchr(p, '/')) != NULL) {
		p++;
		if (strncmp(p, name, n) == 0 && p[n] == ':' &&
		    p[n + 1] != '\0' && (p[n + 2] == '/' || p[n + 2] == '\0'))
			return p[n + 1];
	}
	return '\0';
}

/* CVSS v3.1 Roundup: the smallest one-decimal number >= x, times ten. */
static int
feed_cvss3_roundup(double x)
{
	long	 i = lround(x * 100000);

	if (i % 10000 == 0)
		return (int)(i / 10000);
	return (int)(i / 10000) + 1;
}

/* The weight of a C/I/A value. */
static double
feed_cvss3_cia(char v)
{
	return v == 'H' ? 0.56 : v == 'L' ? 0.22 : 0;
}

/*
 * The CVSS v3.0/v3.1 base score of vector ("CVSS:3.1/AV:N/..."), times
 * ten (98 for 9.8), or -1 when it is not a whole base vector.
 */
int
feed_cvss3_score(const char *vector)
{
	char	 av, ac, pr, ui, s, c, i, a;
	double	 wav, wac, wpr, wui, iss, impact, expl;

	if (strncmp(vector, "CVSS:3.0/", 9) != 0 &&
	    strncmp(vector, "CVSS:3.1/", 9) != 0)
		return -1;
	av = feed_cvss3_metric(vector, "AV");
	ac = feed_cvss3_metric(vector, "AC");
	pr = feed_cvss3_metric(vector, "PR");
	ui = feed_cvss3_metric(vector, "UI");
	s = feed_cvss3_metric(vector, "S");
	c = feed_cvss3_metric(vector, "C");
	i = feed_cvss3_metric(vector, "I");
	a = feed_cvss3_metric(vector, "A");
	if (strchr("NALP", av) == NULL || strchr("LH", ac) == NULL ||
	    strchr("NLH", pr) == NULL || strchr("NR", ui) == NULL ||
	    strchr("UC", s) == NULL || strchr("HLN", c) == NULL ||
	    strchr("HLN", i) == NULL || strchr("HLN", a) == NULL ||
	    av == '\0' || ac == '\0' || pr == '\0' || ui == '\0' ||
	    s == '\0' || c == '\0' || i == '\0' || a == '\0')
		return -1;
	wav = av == 'N' ? 0.85 : av == 'A' ? 0.62 : av == 'L' ? 0.55 : 0.2;
	wac = ac == 'L' ? 0.77 : 0.44;
	if (pr == 'N')
		wpr = 0.85;
	else if (pr == 'L')
		wpr = s == 'C' ? 0.68 : 0.62;
	else
		wpr = s == 'C' ? 0.5 : 0.27;
	wui = ui == 'N' ? 0.85 : 0.62;
	iss = 1 - (1 - feed_cvss3_cia(c)) * (1 - feed_cvss3_cia(i)) *
	    (1 - feed_cvss3_cia(a));
	if (s == 'U')
		impact = 6.42 * iss;
	else
		impact = 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15);
	expl = 8.22 * wav * wac * wpr * wui;
	if (impact <= 0)
		return 0;
	if (s == 'U')
		return feed_cvss3_roundup(fmin(impact + expl, 10));
	return feed_cvss3_roundup(fmin(1.08 * (impact + expl), 10));
}

/* The rating of a CVSS score times ten. */
static int
feed_cvss3_rating(int score)
{
	if (score >= 90)
		return VULN_CRITICAL;
	if (score >= 70)
		return VULN_HIGH;
	if (score >= 40)
		return VULN_MEDIUM;
	return score > 0 ? VULN_LOW : VULN_UNKNOWN;
}

/* The array member key of obj, or NULL. */
static struct json_object *
feed_osv_array(struct json_object *obj, const char *key)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_array))
		return NULL;
	return v;
}

/* Rate from a severity word of obj.key (e.g. "Moderate"). 1 if rated. */
static int
feed_osv_rate_word(struct json_object *obj, const char *key, const char *where,
    int *severity, char *source, size_t sourcelen)
{
	const char	*w;
	int		 sev;

	if (obj == NULL || (w = json_get_string(obj, key)) == NULL ||
	    (sev = feed_osv_word(w, strlen(w))) == -1)
		return 0;
	*severity = sev;
	snprintf(source, sourcelen, "osv %s \"%.32s\"", where, w);
	return 1;
}

/* Rate from the record's severity[] of type (Ubuntu, CVSS_V3). 1/0. */
static int
feed_osv_rate_list(struct json_object *rec, const char *type, int *severity,
    char *source, size_t sourcelen)
{
	struct json_object	*list, *e;
	const char		*t, *score;
	size_t			 i;
	int			 sev, cvss;

	if ((list = feed_osv_array(rec, "severity")) == NULL)
		return 0;
	for (i = 0; i < json_object_array_length(list); i++) {
		e = json_object_array_get_idx(list, i);
		if (!json_object_is_type(e, json_type_object) ||
		    (t = json_get_string(e, "type")) == NULL ||
		    strcmp(t, type) != 0 ||
		    (score = json_get_string(e, "score")) == NULL)
			continue;
		if (strcmp(type, "CVSS_V3") == 0) {
			if ((cvss = feed_cvss3_score(score)) == -1)
				continue;
			*severity = feed_cvss3_rating(cvss);
			snprintf(source, sourcelen, "osv CVSS_V3 %d.%d %.96s",
			    cvss / 10, cvss % 10, score);
			return 1;
		}
		if ((sev = feed_osv_word(score, strlen(score))) == -1)
			continue;
		*severity = sev;
		snprintf(source, sourcelen, "osv severity %s \"%.32s\"", type,
		    score);
		return 1;
	}
	return 0;
}

/*
 * The severity of affected entry aff of record rec, and where it came
 * from, in the order the file's comment gives.
 */
static void
feed_osv_severity(struct json_object *rec, struct json_object *aff,
    int *severity, char *source, size_t sourcelen)
{
	struct json_object	*es = NULL, *ds = NULL, *rds = NULL;
	const char		*summary, *u;
	size_t			 len;

	json_object_object_get_ex(aff, "ecosystem_specific", &es);
	json_object_object_get_ex(aff, "database_specific", &ds);
	json_object_object_get_ex(rec, "database_specific", &rds);
	if (es != NULL && (u = json_get_string(es, "urgency")) != NULL) {
		*severity = feed_urgency_severity(u);
		snprintf(source, sourcelen, "osv debian urgency \"%.32s\"", u);
		return;
	}
	if (feed_osv_rate_list(rec, "Ubuntu", severity, source, sourcelen) ||
	    feed_osv_rate_word(es, "severity", "ecosystem_specific.severity",
	    severity, source, sourcelen) ||
	    feed_osv_rate_word(ds, "severity", "database_specific.severity",
	    severity, source, sourcelen) ||
	    feed_osv_rate_word(rds, "severity", "database_specific.severity",
	    severity, source, sourcelen))
		return;
	if ((summary = json_get_string(rec, "summary")) != NULL &&
	    (len = strcspn(summary, ":")) < 16 && summary[len] == ':' &&
	    (*severity = feed_osv_word(summary, len)) != -1) {
		snprintf(source, sourcelen, "osv summary rating \"%.*s\"",
		    (int)len, summary);
		return;
	}
	if (feed_osv_rate_list(rec, "CVSS_V3", severity, source, sourcelen))
		return;
	*severity = VULN_UNKNOWN;
	snprintf(source, sourcelen, "osv: no severity in the record");
}

/* Append the strings of rec.key (CVE ids only when cves_only) to buf. */
static void
feed_osv_aliases(struct json_object *rec, const char *key, int cves_only,
    char *buf, size_t len)
{
	struct json_object	*arr, *v;
	const char		*s;
	size_t			 i, used;

	if ((arr = feed_osv_array(rec, key)) == NULL)
		return;
	for (i = 0; i < json_object_array_length(arr); i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string))
			continue;
		s = json_object_get_string(v);
		if ((cves_only && strncmp(s, "CVE-", 4) != 0) ||
		    strchr(s, ',') != NULL || s[0] == '\0')
			continue;
		used = strlen(buf);
		if (used + strlen(s) + 2 >= len)
			return;
		snprintf(buf + used, len - used, "%s%s", used > 0 ? "," : "",
		    s);
	}
}

/* Check the version of event key, and give it (NULL for "0"). 0/-1. */
static int
feed_osv_event_version(const struct feed_sink *sink, const char *id,
    const char *ecosystem, const char *key, const char *v, const char **out)
{
	char	 why[128];

	*out = NULL;
	if (strcmp(key, "introduced") == 0 && strcmp(v, "0") == 0)
		return 0;
	if (feed_version_valid(ecosystem, v, why, sizeof(why)) == -1) {
		feed_invalid(sink, "%s: %s \"%.64s\": %s", id, key, v, why);
		return -1;
	}
	*out = v;
	return 0;
}

/* Hand sig to the sink. Returns 0, or -1 to stop. */
static int
feed_osv_emit(const struct feed_sink *sink, struct vuln_sig *sig)
{
	sig->status = sig->fixed != NULL || sig->last_affected != NULL ?
	    "fixed" : "open";
	sink->counts->signatures++;
	return sink->fn(sink->arg, sig) != 0 ? -1 : 0;
}

/* The signatures of one ECOSYSTEM range. Returns 0, or -1 to stop. */
static int
feed_osv_range(const struct feed_sink *sink, struct vuln_sig *sig,
    struct json_object *events)
{
	struct json_object	*ev;
	const char		*v;
	size_t			 i;
	int			 open = 0, bad = 0;

	for (i = 0; i < json_object_array_length(events); i++) {
		ev = json_object_array_get_idx(events, i);
		if (!json_object_is_type(ev, json_type_object))
			continue;
		json_object_object_foreach(ev, key, val) {
			if (!json_object_is_type(val, json_type_string))
				continue;
			if (strcmp(key, "introduced") == 0) {
				bad = feed_osv_event_version(sink, sig->id,
				    sig->ecosystem, key,
				    json_object_get_string(val), &v);
				sig->introduced = v;
				open = 1;
			} else if (open && (strcmp(key, "fixed") == 0 ||
			    strcmp(key, "last_affected") == 0)) {
				open = 0;
				if (feed_osv_event_version(sink, sig->id,
				    sig->ecosystem, key,
				    json_object_get_string(val), &v) == -1 ||
				    bad)
					continue;
				sig->fixed = key[0] == 'f' ? v : NULL;
				sig->last_affected = key[0] == 'l' ? v : NULL;
				if (feed_osv_emit(sink, sig) == -1)
					return -1;
			}
		}
	}
	if (open && !bad) {
		sig->fixed = sig->last_affected = NULL;
		return feed_osv_emit(sink, sig);
	}
	return 0;
}

/* The signatures of affected entry aff. Returns 0, or -1 to stop. */
static int
feed_osv_affected(const struct feed_sink *sink, struct json_object *rec,
    struct json_object *aff, struct vuln_sig *sig)
{
	struct json_object	*pkg, *ranges, *r, *events;
	const char		*eco, *type;
	char			 release[64], source[160];
	size_t			 i;

	if (!json_object_is_type(aff, json_type_object) ||
	    !json_object_object_get_ex(aff, "package", &pkg) ||
	    (eco = json_get_string(pkg, "ecosystem")) == NULL ||
	    (sig->package = json_get_string(pkg, "name")) == NULL ||
	    sig->package[0] == '\0' || strlen(sig->package) > 256) {
		feed_invalid(sink, "%s: an affected entry without a package",
		    sig->id);
		return 0;
	}
	if (feed_osv_ecosystem(eco, release, sizeof(release), &sig->ecosystem,
	    &sig->by_source) == -1) {
		sink->counts->skipped++;
		return 0;
	}
	sig->release = release;
	feed_osv_severity(rec, aff, &sig->severity, source, sizeof(source));
	sig->severity_source = source;
	if ((ranges = feed_osv_array(aff, "ranges")) == NULL)
		return 0;
	for (i = 0; i < json_object_array_length(ranges); i++) {
		r = json_object_array_get_idx(ranges, i);
		if (!json_object_is_type(r, json_type_object) ||
		    (type = json_get_string(r, "type")) == NULL ||
		    strcmp(type, "ECOSYSTEM") != 0 ||
		    (events = feed_osv_array(r, "events")) == NULL) {
			sink->counts->skipped++;
			continue;
		}
		if (feed_osv_range(sink, sig, events) == -1)
			return -1;
	}
	return 0;
}

/* The signatures of one OSV record. Returns 0, or -1 when told to stop. */
int
feed_osv_record(const struct feed_sink *sink, struct json_object *rec)
{
	struct json_object	*affected;
	struct vuln_sig		 sig;
	const char		*text;
	char			 title[256], url[256], aliases[1024];
	size_t			 i;

	sink->counts->records++;
	memset(&sig, 0, sizeof(sig));
	if ((sig.id = json_get_string(rec, "id")) == NULL ||
	    sig.id[0] == '\0' || strlen(sig.id) > 128 ||
	    strpbrk(sig.id, " \t\r\n") != NULL) {
		feed_invalid(sink, "a record without a usable id");
		return 0;
	}
	if (json_object_object_get_ex(rec, "withdrawn", NULL)) {
		sink->counts->skipped++;
		return 0;
	}
	if ((text = json_get_string(rec, "summary")) == NULL || text[0] == '\0')
		text = json_get_string(rec, "details");
	feed_title(title, sizeof(title), text != NULL && text[0] != '\0' ?
	    text : sig.id);
	snprintf(url, sizeof(url), "%s%s", FEED_OSV_URL, sig.id);
	aliases[0] = '\0';
	feed_osv_aliases(rec, "aliases", 0, aliases, sizeof(aliases));
	feed_osv_aliases(rec, "upstream", 0, aliases, sizeof(aliases));
	feed_osv_aliases(rec, "related", 1, aliases, sizeof(aliases));
	sig.title = title;
	sig.feed = sink->feed;
	sig.record_url = url;
	sig.aliases = aliases[0] != '\0' ? aliases : NULL;
	if ((affected = feed_osv_array(rec, "affected")) == NULL)
		return 0;
	for (i = 0; i < json_object_array_length(affected); i++)
		if (feed_osv_affected(sink, rec,
		    json_object_array_get_idx(affected, i), &sig) == -1)
			return -1;
	return 0;
}
