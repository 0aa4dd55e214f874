/*
 * scan-merge.c: scan merge by correlation id (POST /api/v1/scans).
 *
 * A scan result (from outpost-scan or another scanner) names a target,
 * the address scanned, the scanner and the open ports it saw. When the
 * setting accept_correlation_id is on and the result carries the
 * correlation id of an agent, the scan is merged into that agent's asset;
 * otherwise it is stored as an unmerged asset of its target. The decision
 * is made once, at submission. A merge whose scanned address is not one
 * the agent reported (activation host facts, inventory interfaces) is
 * still recorded but flagged address_mismatch: a copied, spoofed or
 * NAT'd id must be visible. A result whose ports answered with different
 * ids ("correlation_ids") is a conflict: stored and shown as such, never
 * merged into any of the agents it names.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "compat.h"
#include "jsonutil.h"
#include "log.h"
#include "platform.h"
#include "scan-merge.h"
#include "store.h"

#define SCAN_MERGE_MAX_ADDRESS	64	/* "fe80::1%eth0" with room */
#define SCAN_MERGE_MAX_PORTS	65536
#define SCAN_MERGE_MAX_FINDINGS	10000
#define SCAN_MERGE_MAX_IDS	16	/* ids of one conflict */

/*
 * Canonical text of an IP address ("2001:DB8::0:1" -> "2001:db8::1"),
 * without an IPv6 zone ("%eth0"). Returns 0, or -1 if text is not an
 * IPv4 or IPv6 address.
 */
int
scan_merge_address_canonical(const char *text, char *out, size_t len)
{
	unsigned char	 bin[sizeof(struct in6_addr)];
	char		 buf[SCAN_MERGE_MAX_ADDRESS + 1];
	size_t		 n;

	if ((n = strcspn(text, "%")) > SCAN_MERGE_MAX_ADDRESS)
		return -1;
	memcpy(buf, text, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, bin) == 1)
		return inet_ntop(AF_INET, bin, out, (socklen_t)len) ? 0 : -1;
	if (text[n] == '%' && (text[n + 1] == '\0' ||
	    strlen(text + n + 1) > 32))
		return -1;
	if (inet_pton(AF_INET6, buf, bin) == 1)
		return inet_ntop(AF_INET6, bin, out, (socklen_t)len) ? 0 : -1;
	return -1;
}

/*
 * Check the "ports" array: objects with port (1..65535, required),
 * protocol ("tcp" or "udp") and service (1..64 bytes); other members are
 * kept as given. Returns 0, or -1 with a 400 answer.
 */
static int
scan_merge_check_ports(struct api_response *res, struct json_object *ports)
{
	struct json_object	*p;
	const char		*proto, *service;
	char			 prefix[48];
	size_t			 i, n = json_object_array_length(ports);
	int64_t			 port;

	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(ports, i);
		snprintf(prefix, sizeof(prefix), "ports[%zu]", i);
		if (!json_object_is_type(p, json_type_object)) {
			api_error(res, 400, "invalid_field", prefix,
			    "expected an object with a port");
			return -1;
		}
		if (api_get_int(res, p, prefix, "port", 1, 1, 65535,
		    &port) == -1 ||
		    api_get_string(res, p, prefix, "protocol", 0, 3,
		    &proto) == -1 ||
		    api_get_string(res, p, prefix, "service", 0, 64,
		    &service) == -1)
			return -1;
		if (proto != NULL && strcmp(proto, "tcp") != 0 &&
		    strcmp(proto, "udp") != 0) {
			snprintf(prefix, sizeof(prefix), "ports[%zu].protocol",
			    i);
			api_error(res, 400, "invalid_field", prefix,
			    "expected tcp or udp");
			return -1;
		}
	}
	return 0;
}

/* Is s a correlation id (32 lower-case hex digits)? */
static int
scan_merge_is_cid(const char *s)
{
	return s != NULL && strlen(s) == PLATFORM_CORRELATION_LEN &&
	    strspn(s, "0123456789abcdef") == PLATFORM_CORRELATION_LEN;
}

/*
 * Check "correlation_ids", the ids of a conflict: 2..16 distinct
 * correlation ids, and no "correlation_id" beside them. Returns 0, or -1
 * with a 400 answer.
 */
static int
scan_merge_check_ids(struct api_response *res, struct json_object *ids,
    const char *correlation_id)
{
	struct json_object	*v;
	char			 field[48];
	size_t			 i, j, n = json_object_array_length(ids);

	if (correlation_id != NULL) {
		api_error(res, 400, "invalid_field", "correlation_ids",
		    "a conflict carries no correlation_id");
		return -1;
	}
	if (n < 2) {
		api_error(res, 400, "invalid_field", "correlation_ids",
		    "a conflict names at least 2 correlation ids");
		return -1;
	}
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(ids, i);
		snprintf(field, sizeof(field), "correlation_ids[%zu]", i);
		if (!json_object_is_type(v, json_type_string) ||
		    !scan_merge_is_cid(json_object_get_string(v))) {
			api_error(res, 400, "invalid_field", field,
			    "expected 32 lower-case hex digits");
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(json_object_get_string(v),
			    json_object_get_string(json_object_array_get_idx(
			    ids, j))) == 0) {
				api_error(res, 400, "invalid_field", field,
				    "named twice");
				return -1;
			}
	}
	return 0;
}

/*
 * Is address (canonical) among the addresses agent reported? Returns 1
 * or 0, or -1 on a database error. The list goes to *known (a new
 * reference) for the log.
 */
static int
scan_merge_address_known(struct api *api, const char *agent,
    const char *address, struct json_object **known)
{
	struct json_object	*v;
	char			 canon[INET6_ADDRSTRLEN];
	size_t			 i, n;

	if ((*known = store_agent_addresses(api->store, agent)) == NULL)
		return -1;
	if (address == NULL)
		return 0;
	n = json_object_array_length(*known);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(*known, i);
		if (scan_merge_address_canonical(json_object_get_string(v),
		    canon, sizeof(canon)) == 0 && strcmp(canon, address) == 0)
			return 1;
	}
	return 0;
}

/* POST /api/v1/scans: store a scan result, merged when allowed. */
void
scan_merge_submit(struct api *api, struct api_request *req,
    struct api_response *res)
{
	static const char *const fields[] = {
		"target", "scanned_at", "correlation_id", "ports", "findings",
		"scanner", "address", "correlation_ids", NULL
	};
	struct scan_new		 scan;
	struct json_object	*ports, *findings, *doc, *known = NULL, *ids;
	const char		*address, *scanned;
	char			 agent_id[PLATFORM_UUID_LEN + 1];
	char			 canon[INET6_ADDRSTRLEN];
	char			 target[INET6_ADDRSTRLEN];
	int64_t			 id;
	int			 accept = 0, rc;

	memset(&scan, 0, sizeof(scan));
	scan.scanned_at = req->now;
	scan.now = req->now;
	if (api_check_fields(res, req->json, NULL, fields) == -1 ||
	    api_get_string(res, req->json, NULL, "target", 1, 255,
	    &scan.target) == -1 ||
	    api_get_int(res, req->json, NULL, "scanned_at", 0, 0, INT64_MAX,
	    &scan.scanned_at) == -1 ||
	    api_get_string(res, req->json, NULL, "correlation_id", 0,
	    PLATFORM_CORRELATION_LEN, &scan.correlation_id) == -1 ||
	    api_get_string(res, req->json, NULL, "scanner", 0, 255,
	    &scan.scanner) == -1 ||
	    api_get_string(res, req->json, NULL, "address", 0,
	    SCAN_MERGE_MAX_ADDRESS, &address) == -1 ||
	    api_get_array(res, req->json, NULL, "ports", 0,
	    SCAN_MERGE_MAX_PORTS, &ports) == -1 ||
	    api_get_array(res, req->json, NULL, "findings", 0,
	    SCAN_MERGE_MAX_FINDINGS, &findings) == -1 ||
	    api_get_array(res, req->json, NULL, "correlation_ids", 0,
	    SCAN_MERGE_MAX_IDS, &ids) == -1)
		return;
	if (scan.correlation_id != NULL &&
	    !scan_merge_is_cid(scan.correlation_id)) {
		api_error(res, 400, "invalid_field", "correlation_id",
		    "expected 32 lower-case hex digits");
		return;
	}
	if (ids != NULL && scan_merge_check_ids(res, ids,
	    scan.correlation_id) == -1)
		return;
	if (address != NULL) {
		if (scan_merge_address_canonical(address, canon,
		    sizeof(canon)) == -1) {
			api_error(res, 400, "invalid_field", "address",
			    "expected an IPv4 or IPv6 address");
			return;
		}
		scan.address = canon;
	}
	if (ports != NULL && scan_merge_check_ports(res, ports) == -1)
		return;
	if (store_setting_get_bool(api->store, "accept_correlation_id",
	    &accept) == -1) {
		api_store_error(res);
		return;
	}
	if (accept && scan.correlation_id != NULL)
		scan.agent_id = store_agent_by_correlation(api->store,
		    scan.correlation_id, agent_id);
	if (scan.agent_id != NULL) {
		/* The address scanned: "address", else a literal target. */
		scanned = scan.address;
		if (scanned == NULL && scan_merge_address_canonical(scan.target,
		    target, sizeof(target)) == 0)
			scanned = target;
		if ((rc = scan_merge_address_known(api, scan.agent_id, scanned,
		    &known)) == -1) {
			api_store_error(res);
			return;
		}
		scan.address_mismatch = rc == 0;
	}
	doc = json_object_new_object();
	json_object_object_add(doc, "ports", ports != NULL ?
	    json_object_get(ports) : json_object_new_array());
	json_object_object_add(doc, "findings", findings != NULL ?
	    json_object_get(findings) : json_object_new_array());
	if (ids != NULL)
		json_object_object_add(doc, "correlation_ids",
		    json_object_get(ids));
	scan.doc = api_json_text(doc);
	if (store_scan_add(api->store, &scan, &id) == -1) {
		json_object_put(doc);
		json_object_put(known);
		api_store_error(res);
		return;
	}
	if (scan.address_mismatch)
		log_warnx("scan %lld of %s (address %s, scanner %s) carries "
		    "the correlation id of agent %s, but the agent reported "
		    "only %s: merged, flagged address_mismatch", (long long)id,
		    scan.target, scan.address ? scan.address : "not given",
		    scan.scanner ? scan.scanner : "unnamed", scan.agent_id,
		    api_json_text(known));
	else if (scan.agent_id != NULL)
		log_info("scan %lld of %s merged into agent %s", (long long)id,
		    scan.target, scan.agent_id);
	else if (ids != NULL)
		log_warnx("scan %lld of %s (address %s, scanner %s): its ports "
		    "answered with different correlation ids %s; stored as a "
		    "conflict, merged into no agent", (long long)id,
		    scan.target, scan.address ? scan.address : "not given",
		    scan.scanner ? scan.scanner : "unnamed",
		    api_json_text(ids));
	json_object_put(doc);
	json_object_put(known);
	res->json = json_object_new_object();
	json_add_int64(res->json, "scan_id", id);
	json_add_string(res->json, "target", scan.target);
	json_add_string(res->json, "address", scan.address);
	json_add_string(res->json, "correlation_id", scan.correlation_id);
	json_add_string(res->json, "agent_id", scan.agent_id);
	json_add_bool(res->json, "merged", scan.agent_id != NULL);
	json_add_bool(res->json, "address_mismatch", scan.address_mismatch);
	json_add_bool(res->json, "correlation_conflict", ids != NULL);
	if (ids != NULL)
		json_object_object_add(res->json, "correlation_ids",
		    json_object_get(ids));
	res->status = 201;
}
