/*
 * api-status.c: GET /api/v1/status: the platform's version and time, and
 * the server's part (open connections by state, the descriptor limit, the
 * connection limits and what each refused or closed, from conn-limits.c)
 * through the status hook of struct api, so the handler needs no server
 * (the unit tests and the fuzz target have none).
 */
#include "config.h"

#include "api-status.h"
#include "api.h"
#include "jsonutil.h"

/* GET /api/v1/status */
void
api_status_get(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*server;

	res->json = json_object_new_object();
	json_add_string(res->json, "version", PACKAGE_VERSION);
	json_add_int64(res->json, "server_time", req->now);
	if (api->status != NULL &&
	    (server = api->status(api->status_arg)) != NULL) {
		json_object_object_foreach(server, key, val)
			json_object_object_add(res->json, key,
			    json_object_get(val));
		json_object_put(server);
	}
	res->status = 200;
}
