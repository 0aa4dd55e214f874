/*
 * correlation-int.h: what the files of the correlation ID service share
 * (correlation.c: the module; correlation-plan.c: which listeners are
 * open; correlation-admit.c: the connections and their limits). Nothing
 * outside these three files includes it.
 */
#ifndef OUTPOST_CORRELATION_INT_H
#define OUTPOST_CORRELATION_INT_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <time.h>

#include <event2/util.h>

#include "correlation-wire.h"
#include "correlation.h"
#include "healthcheck.h"
#include "profile.h"

#define CORR_LOG_NAME		"agentid"
#define CORR_MANIFEST_DIR	"correlation/manifests"
#define CORR_MANIFEST_FILE	"correlation.json"
#define CORR_MAX_TARGETS	64	/* addresses listened on */
#define CORR_MAX_LISTENERS	256
#define CORR_BACKLOG		128
#define CORR_HEARTBEAT_MAX	64	/* listeners named in a heartbeat */
#define CORR_HC_TIMEOUT_SEC	3
#define CORR_REPORT_MIN_SEC	5	/* E802 at most this often overall */
#define CORR_NAME_LEN		(INET6_ADDRSTRLEN + IF_NAMESIZE + 16)

/* Why a connection was refused: the limit it hit. */
enum corr_limit {
	CORR_LIMIT_TOTAL = 0,
	CORR_LIMIT_SOURCE,
	CORR_LIMIT_RATE,
	CORR_LIMIT_COUNT
};

struct correlation;

/* An address the service listens on (its port is 0). */
struct corr_target {
	struct sockaddr_storage	 addr;
	socklen_t		 len;
	char			 text[CORR_NAME_LEN];	/* "10.0.0.5" */
};

/* One listening socket. */
struct corr_listener {
	TAILQ_ENTRY(corr_listener) entry;
	struct correlation	*corr;
	struct sockaddr_storage	 addr;		/* with the port */
	socklen_t		 len;
	int			 port;
	int			 fd;
	struct event		*ev;
	char			 name[CORR_NAME_LEN];	/* "10.0.0.5:10001" */
	int			 is_kept;		/* by this plan */
	unsigned long		 accepted;
};

/* What the limits remember of one source address. */
struct corr_source {
	int		 in_use;
	int		 family;
	uint8_t		 addr[16];
	int		 active;		/* open connections */
	double		 tokens;		/* rate limit bucket */
	struct timespec	 refilled;		/* monotonic */
	time_t		 reported;		/* monotonic s, 0: never */
	unsigned long	 refused;		/* since the last report */
};

/* One accepted connection, being written or waiting for the close. */
struct corr_conn {
	TAILQ_ENTRY(corr_conn)	 entry;
	struct correlation	*corr;
	struct corr_source	*source;	/* NULL when exempt */
	int			 fd;
	struct event		*ev;
	struct timespec		 accepted;	/* monotonic */
	size_t			 written;
	size_t			 discarded;
	char			 peer[CORR_NAME_LEN];
	char			 listener[CORR_NAME_LEN];
};

/* One health check connection to a listener. */
struct corr_probe {
	TAILQ_ENTRY(corr_probe)	 entry;
	struct correlation	*corr;
	struct healthcheck	*hc;
	int			 fd;
	struct event		*ev;
	struct sockaddr_storage	 local;		/* exempt from the limits */
	socklen_t		 locallen;
	char			 name[CORR_NAME_LEN];
	char			 buf[CORR_WIRE_LEN + 16];
	size_t			 len;
};

/* The service. */
struct correlation {
	const struct agent_env	*env;
	struct log_file		*log;		/* agentid.log */
	struct corr_settings	 settings;
	int			 has_settings;
	int64_t			 profile_id;
	int64_t			 profile_version;
	char			 cid[CORR_ID_LEN + 1];	/* "" : none */
	char			 line[CORR_WIRE_LEN + 1];
	size_t			 linelen;
	TAILQ_HEAD(, corr_listener) listeners;
	int			 nlisteners;
	TAILQ_HEAD(, corr_conn)	 conns;
	int			 nconns;
	TAILQ_HEAD(, corr_probe) probes;
	struct corr_source	*sources;	/* CORR_MAX_SOURCES */
	struct event		*retry;
	int			 is_serving;
	int			 is_stopping;
	struct json_object	*taken;		/* "addr:port" found taken */
	char			 taken_text[512];	/* last logged */
	char			 plan_error[512];	/* E801 standing, "" */
	char			 manifest[4096];	/* last stored text */
	unsigned long		 batch;		/* accept batches so far */
	unsigned long		 reaped_batch;	/* corr_reap() ran in it */
	time_t			 last_report;	/* any E802, monotonic s */
	time_t			 table_full_reported;
	unsigned long		 accepted;
	unsigned long		 refused[CORR_LIMIT_COUNT];
	unsigned long		 timeouts;
	unsigned long		 discarded_closes;
	unsigned long		 accept_errors;
};

/* correlation-plan.c: the listeners. */

/* Bring the listeners in line with settings, identity and addresses. */
void		 corr_plan(struct correlation *, const char *why);
/* Retry the listeners that could not be opened (timer callback). */
void		 corr_retry_cb(evutil_socket_t, short, void *);
/* Close a listener, logging why. */
void		 corr_listener_close(struct corr_listener *, const char *why);
/* Do a and b name the same address (ports aside)? */
int		 corr_addr_equal(const struct sockaddr_storage *,
		    const struct sockaddr_storage *);
/* The port of an address. */
int		 corr_addr_port(const struct sockaddr_storage *);
/* Is this a wildcard address (0.0.0.0 or ::)? */
int		 corr_addr_is_any(const struct sockaddr_storage *);
/* Why the service serves nothing now, or NULL when it should serve. */
const char	*corr_idle_reason(struct correlation *);
/* Format an address, with ":port" when with_port. Returns buf. */
const char	*corr_addr_text(const struct sockaddr_storage *, int with_port,
		    char *buf, size_t len);

/* correlation-admit.c: connections and their limits. */

/* A listener is readable: accept a bounded batch (event callback). */
void		 corr_accept_cb(evutil_socket_t, short, void *);
/* Close and free a connection; how says why when it is not the usual. */
void		 corr_conn_close(struct corr_conn *, const char *how);
/* Describe a limit for the log. Returns buf. */
const char	*corr_limit_text(enum corr_limit, char *buf, size_t len);

#endif /* OUTPOST_CORRELATION_INT_H */
