/*
 * update.h: the agent's self-update as a module (update.c, module.h):
 * the profile's update policy and the release the platform offers in the
 * heartbeat answer decide what to install; the release is downloaded,
 * checked with the release key and installed under state_dir/versions;
 * then the module asks the agent to stop and switch to it
 * (update-launch.c). In the new version it ends the trial with the first
 * check-in. Its state is in "outpostctl status", the heartbeat and on the
 * platform. outpostd(8), SELF-UPDATE.
 */
#ifndef OUTPOST_UPDATE_H
#define OUTPOST_UPDATE_H

#include "module.h"

struct update;
struct update_switch;

/*
 * Asked of the agent when a verified release is installed: stop (as for
 * a restart) and execute sw->program (update_switch_exec()).
 */
typedef void	(*update_switch_fn)(void *arg, const struct update_switch *sw);

/*
 * Start the module: read update.json, end the trial of this process if
 * it is one, report a rollback the launcher recorded. Returns it, or NULL
 * (logged).
 */
struct update	*update_new(const struct agent_env *, update_switch_fn,
		    void *arg);
/* The module's operations. */
extern const struct agent_module_ops update_ops;

#endif /* OUTPOST_UPDATE_H */
