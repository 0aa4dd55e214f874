/*
 * vuln.h: vulnerability detections on the platform.
 *
 * An admin publishes a vulnsigs manifest (docs/protocol.md 4.4); vuln.c
 * validates its body and decides whether an installed version is in a
 * signature's affected range, api-vuln.c keeps each agent's detections
 * current and answers GET /api/v1/agents/{id}/vulnerabilities, and
 * store-vulns.c keeps the signatures of the newest version and the
 * detections with the inventory and vulnsigs versions they were computed
 * from.
 */
#ifndef OUTPOST_VULN_H
#define OUTPOST_VULN_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

#define VULN_MAX_SIGNATURES	200000
#define VULN_MAX_PACKAGES	100000

/*
 * Severities, lowest first; the wire uses their names. VULN_UNKNOWN is
 * what an imported record carries when its feed rates it nowhere.
 */
enum vuln_severity {
	VULN_UNKNOWN = 0,
	VULN_LOW,
	VULN_MEDIUM,
	VULN_HIGH,
	VULN_CRITICAL
};

/*
 * One signature, as stored: a hand-written one of a vulnsigs manifest, or
 * one an importer (feed-debian.c, feed-osv.c) made of a feed's record.
 */
struct vuln_sig {
	const char	*id;
	const char	*title;
	int		 severity;
	const char	*package;	/* binary name, or source when by_source */
	const char	*ecosystem;
	const char	*introduced;	/* NULL: all versions before fixed */
	const char	*fixed;		/* NULL: no fixed version */
	const char	*last_affected;	/* NULL, or the last affected version */
	const char	*release;	/* "debian:12"; NULL: every release */
	int		 by_source;	/* package names the source package */
	const char	*status;	/* "fixed", "open", "end-of-life"; NULL */
	const char	*feed;		/* the feed's name; NULL: "manual" */
	const char	*record_url;	/* the record it came from, or NULL */
	const char	*severity_source; /* where severity came from, or NULL */
	const char	*aliases;	/* "CVE-2024-1,CVE-2024-2", or NULL */
};

/* What a detection matched on the host: its release and source package. */
struct vuln_host {
	const char	*os_id;		/* os-release ID, or NULL */
	const char	*os_version_id;	/* os-release VERSION_ID, or NULL */
};

/* One detection: a signature matching an installed package. */
struct vuln_detection {
	const struct vuln_sig	*sig;
	const char		*package;	/* the installed binary package */
	const char		*arch;		/* "" when not reported */
	const char		*installed_version;
	const char		*source;	/* its source package, or NULL */
	const char		*compared_version; /* what was compared */
};

/* vuln.c */
const char	*vuln_severity_name(int);
int		 vuln_ecosystem_known(const char *);
int		 vuln_sigs_check(struct json_object *body, char *field,
		    size_t fieldlen, char *msg, size_t msglen);
void		 vuln_sig_from_json(struct json_object *,
		    struct vuln_sig *);
int		 vuln_affected(const struct vuln_sig *,
		    const char *installed);
int		 vuln_release_matches(const char *release,
		    const struct vuln_host *);
int		 vuln_severity_parse(const char *);
int		 vuln_packages_check(struct json_object *packages,
		    const char *prefix, char *field, size_t fieldlen, char *msg,
		    size_t msglen);

#endif /* OUTPOST_VULN_H */
