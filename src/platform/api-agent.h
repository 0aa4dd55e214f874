/*
 * api-agent.h: the handlers of the agent API, /agent/v1 (api-agent.c),
 * for the routing table in api.c.
 */
#ifndef OUTPOST_API_AGENT_H
#define OUTPOST_API_AGENT_H

#include "api.h"

api_handler	 api_agent_activate;
api_handler	 api_agent_heartbeat;
api_handler	 api_agent_profile;
api_handler	 api_agent_manifest;
api_handler	 api_agent_inventory;
api_handler	 api_agent_fim_events;
api_handler	 api_agent_errors;
api_handler	 api_agent_deregister;

#endif /* OUTPOST_API_AGENT_H */
