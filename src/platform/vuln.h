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

/* Severities, lowest first; the wire uses their names. */
enum vuln_severity {
	VULN_LOW = 1,
	VULN_MEDIUM,
	VULN_HIGH,
	VULN_CRITICAL
};

/* One signature of a vulnsigs manifest, as stored. */
struct vuln_sig {
	const char	*id;
	const char	*title;
	int		 severity;
	const char	*package;
	const char	*ecosystem;
	const char	*introduced;	/* NULL: all versions before fixed */
	const char	*fixed;		/* NULL: no fixed version */
};

/* One detection: a signature matching an installed package. */
struct vuln_detection {
	const struct vuln_sig	*sig;
	const char		*arch;	/* "" when not reported */
	const char		*installed_version;
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
int		 vuln_packages_check(struct json_object *packages,
		    const char *prefix, char *field, size_t fieldlen, char *msg,
		    size_t msglen);

#endif /* OUTPOST_VULN_H */
