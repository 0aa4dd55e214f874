/*
 * api-vuln.h: vulnerability detections in the APIs (api-vuln.c): what the
 * manifest and inventory handlers call to keep each agent's detections
 * current, and the handlers of GET /api/v1/agents/{id}/vulnerabilities,
 * /api/v1/vulnerabilities (the fleet) and /api/v1/feeds.
 */
#ifndef OUTPOST_API_VULN_H
#define OUTPOST_API_VULN_H

#include <stdint.h>

#include "api.h"

struct json_object;

int		 api_vuln_publish(struct api *, struct json_object *body,
		    int64_t now, int64_t *version);
int		 api_vuln_inventory_check(struct api_response *,
		    struct json_object *in);
int		 api_vuln_inventory_stored(struct api *, const char *agent_id,
		    struct json_object *in, struct json_object *doc,
		    int64_t old_version, int64_t version, int64_t now);
int		 api_vuln_agent_current(struct api *, const char *agent_id,
		    int64_t now);
api_handler	 api_vuln_agent_list;
api_handler	 api_vuln_fleet;
api_handler	 api_vuln_feeds;

#endif /* OUTPOST_API_VULN_H */
