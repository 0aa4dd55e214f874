/*
 * api-admin.h: the handlers of the admin API, /api/v1 (api-admin.c), for
 * the routing table in api.c; and the seed of a new database, for
 * `outpost-platform init`.
 */
#ifndef OUTPOST_API_ADMIN_H
#define OUTPOST_API_ADMIN_H

#include "api.h"
#include "platform.h"

api_handler	 api_admin_agents;
api_handler	 api_admin_agent_get;
api_handler	 api_admin_agent_patch;
api_handler	 api_admin_agent_delete;
api_handler	 api_admin_agent_inventory;
api_handler	 api_admin_agent_fim;
api_handler	 api_admin_agent_downloads;
api_handler	 api_admin_agent_errors;
api_handler	 api_admin_keys;
api_handler	 api_admin_key_create;
api_handler	 api_admin_key_get;
api_handler	 api_admin_key_patch;
api_handler	 api_admin_profiles;
api_handler	 api_admin_profile_create;
api_handler	 api_admin_profile_get;
api_handler	 api_admin_profile_patch;
api_handler	 api_admin_manifests;
api_handler	 api_admin_manifest_publish;
api_handler	 api_admin_manifest_get;
api_handler	 api_admin_settings;
api_handler	 api_admin_settings_patch;
api_handler	 api_admin_scans;
api_handler	 api_admin_assets;
int		 api_admin_seed(struct api *, char [PLATFORM_UUID_LEN + 1],
		    char [PLATFORM_UUID_LEN + 1]);

#endif /* OUTPOST_API_ADMIN_H */
