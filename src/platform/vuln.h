/*
 * vuln.h: vulnerability detections on the platform (issue 5).
 *
 * An admin publishes a vulnsigs manifest (docs/protocol.md 4.4); vuln.c
 * validates its body and decides whether an installed version is in a
 * signature's affected range, api-vuln.c keeps each agent's detections
 * current and answers GET /api/v1/agents/{id}/vulnerabilities, and
 * store.c keeps the signatures of the newest version and the detections
 * with the inventory and vulnsigs versions they were computed from.
 */
#ifndef OUTPOST_VULN_H
#define OUTPOST_VULN_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "platform.h"

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

/* api-vuln.c */
int	 vuln_publish(struct api *, struct json_object *body,
	    int64_t version);
int	 vuln_inventory_check(struct api_response *, struct json_object *in);
int	 vuln_inventory_stored(struct api *, const char *agent_id,
	    struct json_object *in, struct json_object *doc,
	    int64_t old_version, int64_t version, int64_t now);
int	 vuln_agent_current(struct api *, const char *agent_id, int64_t now);
void	 admin_agent_vulnerabilities(struct api *, struct api_request *,
	    struct api_response *);

/* store.c */
typedef int	(*vuln_sig_cb)(void *, const struct vuln_sig *);

int	 store_vulnsig_add(struct store *, int64_t version, int64_t seq,
	    const struct vuln_sig *);
int	 store_vulnsig_prune(struct store *, int64_t keep_version);
int	 store_vulnsig_find(struct store *, int64_t version,
	    const char *ecosystem, const char *package, vuln_sig_cb, void *);
int	 store_vuln_clear(struct store *, const char *agent_id);
int	 store_vuln_add(struct store *, const char *agent_id,
	    const struct vuln_detection *);
int	 store_vuln_scan_put(struct store *, const char *agent_id,
	    int64_t inventory_version, int64_t vulnsigs_version,
	    int64_t count, int64_t now);
int	 store_vuln_scan_get(struct store *, const char *agent_id,
	    int64_t *inventory_version, int64_t *vulnsigs_version,
	    int64_t *count, int64_t *computed_at);
int	 store_vuln_scan_advance(struct store *, const char *agent_id,
	    int64_t from_version, int64_t to_version,
	    int64_t vulnsigs_version);
struct json_object *store_vuln_list(struct store *, const char *agent_id);

#endif /* OUTPOST_VULN_H */
