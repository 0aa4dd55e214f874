/*
 * fim.h: file integrity monitoring through the kernel audit system.
 *
 * The module installs the fim manifest's watch rules as kernel audit rules
 * tagged with a key of its own installation, FIM_AUDIT_KEY "-" and the
 * installation's id (only ever touching rules with that key),
 * claims the audit pid or, while another process (auditd) holds it, reads
 * the read-only multicast copy of the records and retries the claim every
 * audit_retry_interval seconds; it assembles the records into events,
 * turns them into FIM events (actor, file state, SHA-256) and spools them
 * for the platform. Losses are counted by cause and reported.
 */
#ifndef OUTPOST_FIM_H
#define OUTPOST_FIM_H

#include "module.h"

/*
 * The key of every kernel audit rule this agent installs is FIM_AUDIT_KEY,
 * "-" and its installation's id (state_dir/fim-id), so that two agents on
 * one host never touch each other's rules. FIM_AUDIT_KEY alone was the
 * key of agents before 2026-12: their rules are removed once, by the
 * upgraded agent of the same installation.
 */
#define FIM_AUDIT_KEY		"outpost-fim"
#define FIM_KEY_MAX		64

struct fim;

/*
 * Start: open the audit transport, install the cached manifest's rules
 * (before the event loop runs) and start receiving. Returns the module,
 * or NULL when out of memory (an unusable audit system is reported, not
 * fatal).
 */
struct fim	*fim_new(const struct agent_env *);
extern const struct agent_module_ops fim_ops;

#endif /* OUTPOST_FIM_H */
