/*
 * feed.h: vulnerability feeds (docs/protocol.md 4.13). Importers turn the
 * records of a feed into vulnsigs signatures: feed-debian.c reads the
 * Debian Security Tracker JSON, feed-osv.c OSV records (feed-zip.c opens
 * the per-ecosystem zip), both through feed-json.c's streaming reader so
 * that a feed of any size is read one record at a time. feed-import.c
 * stores what they make as a new generation of the feed's signatures and
 * publishes a vulnsigs version when the content changed; feed-fetch.c
 * fetches the feeds named in platform.conf over HTTPS on their interval.
 */
#ifndef OUTPOST_FEED_H
#define OUTPOST_FEED_H

#include <stddef.h>
#include <stdint.h>

struct json_object;
struct vuln_sig;

/* The biggest top-level record (one source package, one OSV record). */
#define FEED_MAX_RECORD		(64 * 1024 * 1024)
/* The biggest key of a top-level member (a source package name). */
#define FEED_MAX_KEY		4096
/* Signatures one feed may hold. */
#define FEED_MAX_SIGNATURES	20000000
/* Feeds platform.conf may name. */
#define FEED_MAX_FEEDS		16

/* Formats of feeds. */
enum feed_format {
	FEED_DEBIAN_TRACKER = 0,
	FEED_OSV
};

/* What an importer counts while it reads; printed and kept per feed. */
struct feed_counts {
	int64_t		 records;	/* CVEs (tracker) or OSV records read */
	int64_t		 signatures;	/* signatures made */
	int64_t		 not_affected;	/* tracker fixed_version "0" */
	int64_t		 undetermined;	/* tracker status undetermined */
	int64_t		 skipped;	/* other ecosystems, withdrawn, ... */
	int64_t		 invalid;	/* refused versions or shapes */
	char		 first_invalid[256];
};

/* Called for each signature an importer makes; non-zero stops it. */
typedef int	(*feed_sig_fn)(void *arg, const struct vuln_sig *);

/* An importer's destination. */
struct feed_sink {
	feed_sig_fn		 fn;
	void			*arg;
	const char		*feed;	/* the feed's name */
	struct feed_counts	*counts;
};

/* feed-json.c: a top-level JSON value read in chunks, record by record. */
struct feed_json;
/* Called with each record (key NULL outside MEMBERS); non-zero stops. */
typedef int	(*feed_record_fn)(void *arg, const char *key,
		    struct json_object *value);
enum feed_json_shape {
	FEED_JSON_MEMBERS,	/* {"key": {...}, ...}: each member */
	FEED_JSON_RECORDS	/* {...} or [{...}, ...]: each object */
};
struct feed_json *feed_json_new(enum feed_json_shape, feed_record_fn,
		    void *);
int		 feed_json_feed(struct feed_json *, const char *, size_t,
		    char *err, size_t errlen);
int		 feed_json_end(struct feed_json *, char *err, size_t errlen);
void		 feed_json_free(struct feed_json *);

/* feed-debian.c */
int		 feed_debian_package(const struct feed_sink *,
		    const char *package, struct json_object *cves);
const char	*feed_debian_release(const char *codename);
int		 feed_urgency_severity(const char *urgency);

/* feed-osv.c */
int		 feed_osv_record(const struct feed_sink *,
		    struct json_object *record);
int		 feed_osv_ecosystem(const char *ecosystem, char *release,
		    size_t releaselen, const char **ecosystem_out,
		    int *by_source);
int		 feed_cvss3_score(const char *vector);

/* feed-zip.c: the entries of a zip archive, streamed. */
typedef int	(*feed_zip_entry_fn)(void *arg, const char *name);
typedef int	(*feed_zip_data_fn)(void *arg, const char *buf, size_t len);
int		 feed_zip_read(int fd, feed_zip_entry_fn, feed_zip_data_fn,
		    void *arg, char *err, size_t errlen);

/* feed.c: shared by the importers. */
int		 feed_format_parse(const char *, enum feed_format *);
const char	*feed_format_name(enum feed_format);
void		 feed_invalid(const struct feed_sink *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
int		 feed_version_valid(const char *ecosystem, const char *version,
		    char *why, size_t whylen);
void		 feed_title(char *buf, size_t len, const char *text);

#endif /* OUTPOST_FEED_H */
