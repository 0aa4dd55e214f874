/*
 * inventory.h: the agent's description of its host for the platform
 * (docs/protocol.md 3.6). A full scan at first activation and every
 * inventory_interval (the safety net), and, as soon as the host changes,
 * a scan of only the sections that changed (invchange.h), each stepped
 * through the collectors (collect.h) from the event loop.
 * After a scan the agent compares each section's digest with the one the
 * platform acknowledged (invstate.h) and spools, through the uploader, a
 * full snapshot or a delta of the sections that changed; at most one such
 * record is on its way at a time. While the profile pauses data
 * collection nothing is scanned and nothing new is uploaded.
 */
#ifndef OUTPOST_INVENTORY_H
#define OUTPOST_INVENTORY_H

#include "module.h"

struct inventory;
struct json_object;

#define INVENTORY_INTERVAL_DEFAULT	3600	/* seconds */

/* Start (reads state_dir/inventory.json). Returns it, or NULL (logged). */
struct inventory	*inventory_new(const struct agent_env *);
/* The module's operations for agent_add_module(). */
extern const struct agent_module_ops inventory_ops;
/*
 * Scan now (outpostctl inventory-scan): done(result, NULL, arg) once the
 * scan is over and its upload decided, or done(NULL, reason, arg) when no
 * scan can run (paused, not activated). result is the callee's.
 */
void	inventory_scan_now(struct inventory *,
	    void (*done)(struct json_object *result, const char *error,
	    void *arg), void *arg);

#endif /* OUTPOST_INVENTORY_H */
