/*
 * releases.h: agent releases on the platform (releases.c,
 * docs/protocol.md 3.10 and 4.15): adding one from its archive, the
 * admin API (list, get, delete, rollout summary), the agent API
 * (a release's manifest and ranges of its files), the release a
 * heartbeat offers under the agent's profile policy, and the update
 * state in an agent's detail.
 */
#ifndef OUTPOST_RELEASES_H
#define OUTPOST_RELEASES_H

#include <stddef.h>
#include <stdint.h>

#include "api.h"

struct release_bundle;
struct store;

#define RELEASES_RANGE_MAX	(4 * 1024 * 1024)	/* bytes per answer */
#define RELEASES_UPDATE_MAX	4096	/* bytes of a heartbeat's update */

/* A time of day "HH:MM" (00:00..23:59) in minutes, or -1. */
int	 releases_time_of_day(const char *);
/*
 * Add the release in the archive buf (len bytes) to the store, in the
 * caller's transaction, with its record in the audit trail (actor, the
 * file name file). Returns 0 with b filled, 1 when that version, OS and
 * architecture exist (err says so), or -1 with err.
 */
int	 releases_add(struct store *, const unsigned char *buf, size_t len,
	    const char *file, const char *actor, int64_t now,
	    struct release_bundle *b, char *err, size_t errlen);
/*
 * The heartbeat's part: check and keep the agent's "update" member, and
 * pick the release its profile's policy offers it. Returns 0 with the
 * answer's "update" object as JSON text in *offer (malloc'd; NULL: no
 * offer), or -1 with the error answer set.
 */
int	 releases_heartbeat(struct api *, struct api_request *,
	    struct api_response *, const char *agent_version, char **offer);
/*
 * Add the "update" object (state, versions, error, offer) to an agent's
 * detail obj. Returns 0, or -1.
 */
int	 releases_agent_detail(struct api *, const char *agent_id,
	    struct json_object *obj);

api_handler	 api_agent_release;
api_handler	 api_agent_release_file;
api_handler	 api_admin_releases;
api_handler	 api_admin_release_get;
api_handler	 api_admin_release_delete;
api_handler	 api_admin_release_rollout;

#endif /* OUTPOST_RELEASES_H */
