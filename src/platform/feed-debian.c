/*
 * feed-debian.c: the Debian Security Tracker's JSON into signatures.
 *
 * The document (https://security-tracker.debian.org/tracker/data/json) is an object keyed by source package; each
 * holds an object keyed by CVE (or TEMP-) id with "description", "scope",
 * "debianbug" and "releases", an object keyed by release codename whose
 * values carry "status" (open, resolved, undetermined), "fixed_version",
 * "urgency" and "repositories". Each (package, CVE, release) becomes one
 * signature matched on the source package for that release
 * ("debian:12"):
 *
 *   resolved, fixed_version "0"   not affected: no signature (counted)
 *   resolved, fixed_version V     affected below V, status "fixed"
 *   open                          every version, status "open"; with
 *                                 urgency end-of-life, "end-of-life"
 *   undetermined                  no signature (counted): the tracker
 *                                 has not decided whether it is affected
 *
 * Urgency becomes the severity (unimportant and low: low, medium, high;
 * "not yet assigned" and end-of-life: unknown), a trailing "**" (urgency
 * taken from NVD) dropped; severity_source says which urgency it was.
 * Releases with no VERSION_ID to match (sid) and unknown codenames are
 * skipped and counted.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "feed.h"
#include "jsonutil.h"
#include "vuln.h"

#define FEED_DEBIAN_URL	"https://security-tracker.debian.org/tracker/"

/* Codenames and their VERSION_ID. */
static const struct {
	const char	*codename;
	const char	*version;
} feed_debian_releases[] = {
	{ "wheezy", "7" }, { "jessie", "8" }, { "stretch", "9" },
	{ "buster", "10" }, { "bullseye", "11" }, { "bookworm", "12" },
	{ "trixie", "13" }, { "forky", "14" }, { "duke", "15" },
};

/* Urgencies and the severities they become. */
static const struct {
	const char	*urgency;
	int		 severity;
} feed_debian_urgencies[] = {
	{ "unimportant", VULN_LOW }, { "low", VULN_LOW },
	{ "medium", VULN_MEDIUM }, { "high", VULN_HIGH },
	{ "not yet assigned", VULN_UNKNOWN }, { "end-of-life", VULN_UNKNOWN },
};

/* The VERSION_ID of Debian release codename, or NULL. */
const char *
feed_debian_release(const char *codename)
{
	size_t	 i;

	for (i = 0; i < sizeof(feed_debian_releases) /
	    sizeof(feed_debian_releases[0]); i++)
		if (strcmp(codename, feed_debian_releases[i].codename) == 0)
			return feed_debian_releases[i].version;
	return NULL;
}

/* The severity of a Debian urgency u ("low**" is "low"). */
int
feed_urgency_severity(const char *u)
{
	size_t	 i, len = strlen(u);

	while (len > 0 && u[len - 1] == '*')
		len--;
	for (i = 0; i < sizeof(feed_debian_urgencies) /
	    sizeof(feed_debian_urgencies[0]); i++)
		if (strlen(feed_debian_urgencies[i].urgency) == len &&
		    strncmp(u, feed_debian_urgencies[i].urgency, len) == 0)
			return feed_debian_urgencies[i].severity;
	return VULN_UNKNOWN;
}

/* Whether s is 1..128 bytes of printable ASCII without spaces. 1/0. */
static int
feed_debian_is_token(const char *s, size_t max)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++, n++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return 0;
	return n > 0 && n <= max;
}

/*
 * The signature of CVE id's entry rel for release codename into sig (its
 * strings in bufs). Returns 1 (made), 0 (no signature: counted), or -1
 * (refused: counted).
 */
static int
feed_debian_release_sig(const struct feed_sink *sink, const char *package,
    const char *id, const char *codename, struct json_object *rel,
    struct vuln_sig *sig, char *release, size_t releaselen, char *source,
    size_t sourcelen)
{
	const char	*version, *status, *fixed, *urgency;
	char		 why[128];

	if ((version = feed_debian_release(codename)) == NULL) {
		sink->counts->skipped++;
		return 0;
	}
	if (!json_object_is_type(rel, json_type_object) ||
	    (status = json_get_string(rel, "status")) == NULL) {
		feed_invalid(sink, "%s %s %s: no status", package, id,
		    codename);
		return -1;
	}
	fixed = json_get_string(rel, "fixed_version");
	if ((urgency = json_get_string(rel, "urgency")) == NULL)
		urgency = "not yet assigned";
	snprintf(release, releaselen, "debian:%s", version);
	sig->release = release;
	sig->severity = feed_urgency_severity(urgency);
	snprintf(source, sourcelen, "debian-tracker urgency \"%s\"", urgency);
	sig->severity_source = source;
	sig->fixed = NULL;
	if (strcmp(status, "undetermined") == 0) {
		sink->counts->undetermined++;
		return 0;
	}
	if (strcmp(status, "resolved") == 0) {
		if (fixed == NULL) {
			feed_invalid(sink, "%s %s %s: resolved without "
			    "fixed_version", package, id, codename);
			return -1;
		}
		if (strcmp(fixed, "0") == 0) {
			sink->counts->not_affected++;
			return 0;
		}
		if (feed_version_valid("deb", fixed, why, sizeof(why)) == -1) {
			feed_invalid(sink, "%s %s %s: fixed_version \"%.64s\": "
			    "%s", package, id, codename, fixed, why);
			return -1;
		}
		sig->fixed = fixed;
		sig->status = "fixed";
		return 1;
	}
	if (strcmp(status, "open") == 0) {
		sig->status = strncmp(urgency, "end-of-life", 11) == 0 ?
		    "end-of-life" : "open";
		return 1;
	}
	feed_invalid(sink, "%s %s %s: unknown status \"%.32s\"", package, id,
	    codename, status);
	return -1;
}

/* The signatures of CVE id of package (entry). Returns 0, or -1 to stop. */
static int
feed_debian_cve(const struct feed_sink *sink, const char *package,
    const char *id, struct json_object *entry)
{
	struct json_object	*releases;
	struct vuln_sig		 sig;
	const char		*text;
	char			 title[256], url[256], release[32];
	char			 source[96];

	if (!json_object_is_type(entry, json_type_object)) {
		feed_invalid(sink, "%s %s: not an object", package, id);
		return 0;
	}
	sink->counts->records++;
	if (!feed_debian_is_token(id, 128)) {
		feed_invalid(sink, "%s: id \"%.64s\" is not 1..128 bytes of "
		    "printable ASCII", package, id);
		return 0;
	}
	if (!json_object_object_get_ex(entry, "releases", &releases) ||
	    !json_object_is_type(releases, json_type_object))
		return 0;	/* "releases": [] names none */
	memset(&sig, 0, sizeof(sig));
	text = json_get_string(entry, "description");
	feed_title(title, sizeof(title), text != NULL && text[0] != '\0' ?
	    text : id);
	snprintf(url, sizeof(url), "%s%s", FEED_DEBIAN_URL, id);
	sig.id = id;
	sig.title = title;
	sig.package = package;
	sig.ecosystem = "deb";
	sig.by_source = 1;
	sig.feed = sink->feed;
	sig.record_url = url;
	json_object_object_foreach(releases, codename, rel) {
		if (feed_debian_release_sig(sink, package, id, codename, rel,
		    &sig, release, sizeof(release), source,
		    sizeof(source)) != 1)
			continue;
		sink->counts->signatures++;
		if (sink->fn(sink->arg, &sig) != 0)
			return -1;
	}
	return 0;
}

/*
 * The signatures of one member of the tracker's document: source package
 * and its CVEs. Returns 0, or -1 when the sink refused one (stop).
 */
int
feed_debian_package(const struct feed_sink *sink, const char *package,
    struct json_object *cves)
{
	if (!feed_debian_is_token(package, 256)) {
		feed_invalid(sink, "package \"%.64s\" is not 1..256 bytes of "
		    "printable ASCII", package);
		return 0;
	}
	json_object_object_foreach(cves, id, entry)
		if (feed_debian_cve(sink, package, id, entry) == -1)
			return -1;
	return 0;
}
