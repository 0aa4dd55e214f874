/*
 * correlation.h: the correlation ID service ("agent scan merge").
 *
 * With the profile's correlation.enabled on, the agent listens on the
 * profile's TCP ports (10001-10005 by default) and answers every
 * connection with one line holding its correlation id (correlation-
 * wire.h), so that an unauthenticated network scan of the host can be
 * merged with the agent's own data on the platform. All of it runs as
 * callbacks on the agent's event base: the accept sockets, the
 * connections, the limits and the re-planning of the listeners when the
 * profile, the identity or (with approved networks) an interface address
 * changes. It logs to agentid.log.
 */
#ifndef OUTPOST_CORRELATION_H
#define OUTPOST_CORRELATION_H

#include "module.h"

struct correlation;

/*
 * Limits of the service (outpostd(8) CORRELATION ID SERVICE). The first
 * four may be set at build time; only bench/correlation-accept.sh does,
 * to measure the service's own throughput with limits that do not bind.
 */
#ifndef CORR_MAX_CONNECTIONS
#define CORR_MAX_CONNECTIONS	128	/* open at once, in total */
#endif
#ifndef CORR_MAX_PER_SOURCE
#define CORR_MAX_PER_SOURCE	16	/* open at once, per source address */
#endif
#ifndef CORR_RATE_BURST
#define CORR_RATE_BURST		32	/* new connections a source may */
#endif
#ifndef CORR_RATE_PER_SEC
#define CORR_RATE_PER_SEC	4	/* ... open at once, then per second */
#endif
#define CORR_MAX_SOURCES	1024	/* source addresses tracked */
#define CORR_TIMEOUT_SEC	5	/* the longest a connection lives */
#define CORR_DISCARD_MAX	1024	/* bytes a client may send (unread) */
#define CORR_ACCEPT_BATCH	16	/* accepts per listener per wake-up */
#define CORR_RETRY_SEC		60	/* retry listeners that failed */
#define CORR_REPORT_SEC		60	/* E802 per source at most this often */

/* Create the service on env's event base; it opens agentid.log. */
struct correlation *correlation_new(const struct agent_env *);
/* The module's operations (module.h). */
extern const struct agent_module_ops correlation_ops;

#endif /* OUTPOST_CORRELATION_H */
