/*
 * api-status.h: GET /api/v1/status (api-status.c), the platform's own
 * state for admins: its version and time, and what the server adds
 * through struct api's status hook (connections, limits, refusals).
 */
#ifndef OUTPOST_API_STATUS_H
#define OUTPOST_API_STATUS_H

#include "api.h"

api_handler	 api_status_get;

#endif /* OUTPOST_API_STATUS_H */
