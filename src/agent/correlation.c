/*
 * correlation.c: the correlation ID service on the agent's event base.
 *
 * The listeners are planned from three inputs: the profile's settings,
 * the identity (its correlation id) and, with approved networks, the
 * interface addresses. corr_plan() compares what should be open with
 * what is, keeps what stays, closes what goes (saying why) and opens what
 * is missing, so a change never drops a listener that stays.
 *
 * A connection is accepted, admitted by the limits (in total, per source
 * address, and a token bucket per source) or closed at once with a reset,
 * written the one line, shut down for writing and then held until the
 * client closes, at most CORR_TIMEOUT_SEC. What the client sends is read
 * only to be thrown away (never looked at), at most CORR_DISCARD_MAX
 * bytes. Each listener accepts at most CORR_ACCEPT_BATCH connections per
 * wake-up, so a flood cannot keep the loop from the heartbeat and the
 * other callbacks.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/util.h>
#include <json-c/json.h>

#include "agent-conf.h"
#include "checkin.h"
#include "clock.h"
#include "compat.h"
#include "correlation.h"
#include "correlation-wire.h"
#include "fileio.h"
#include "healthcheck.h"
#include "jsonutil.h"
#include "log.h"
#include "route.h"
#include "state.h"

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

/* Describe a limit for the log. Returns buf. */
static const char *
corr_limit_text(enum corr_limit kind, char *buf, size_t len)
{
	switch (kind) {
	case CORR_LIMIT_TOTAL:
		snprintf(buf, len, "the limit of %d open connections in total",
		    CORR_MAX_CONNECTIONS);
		break;
	case CORR_LIMIT_SOURCE:
		snprintf(buf, len, "the limit of %d open connections per "
		    "source address", CORR_MAX_PER_SOURCE);
		break;
	default:
		snprintf(buf, len, "the rate limit of %d connections at once, "
		    "then %d per second, per source address", CORR_RATE_BURST,
		    CORR_RATE_PER_SEC);
		break;
	}
	return buf;
}

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

static void	corr_plan(struct correlation *, const char *why);
static void	corr_conn_close(struct corr_conn *, const char *how);
static void	corr_probe_finish(struct corr_probe *, enum hc_result,
		    const char *hint, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));

/*
 * Settings
 */

/* Put the default settings in s: disabled, ports 10001-10005. */
static void
corr_settings_default(struct corr_settings *s)
{
	static const int	 ports[] = CORR_DEFAULT_PORTS;
	size_t			 i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < nitems(ports); i++)
		s->ports[i] = ports[i];
	s->nports = (int)nitems(ports);
}

/* Order ports ascending (qsort). */
static int
corr_port_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Read a boolean member. Returns 0, or -1 with err. */
static int
corr_parse_bool(struct json_object *obj, const char *key, int *out,
    char *err, size_t errlen)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		snprintf(err, errlen, "correlation.%s: expected true or false",
		    key);
		return -1;
	}
	*out = json_object_get_boolean(v);
	return 0;
}

/* Read the "correlation" member of a profile. Returns 0, or -1. */
int
correlation_settings_parse(struct json_object *profile,
    struct corr_settings *s, char *err, size_t errlen)
{
	struct json_object	*corr, *arr, *v;
	char			 why[128];
	size_t			 i, j, n;
	int64_t			 port;

	corr_settings_default(s);
	if (profile == NULL ||
	    !json_object_is_type(profile, json_type_object)) {
		snprintf(err, errlen, "the profile is not a JSON object");
		return -1;
	}
	if (!json_object_object_get_ex(profile, "correlation", &corr) ||
	    corr == NULL)
		return 0;
	if (!json_object_is_type(corr, json_type_object)) {
		snprintf(err, errlen, "correlation: expected an object");
		return -1;
	}
	if (corr_parse_bool(corr, "enabled", &s->enabled, err, errlen) == -1 ||
	    corr_parse_bool(corr, "bind_all", &s->bind_all, err, errlen) == -1)
		return -1;
	if (json_object_object_get_ex(corr, "ports", &arr)) {
		if (!json_object_is_type(arr, json_type_array) ||
		    (n = json_object_array_length(arr)) == 0 ||
		    n > CORR_MAX_PORTS) {
			snprintf(err, errlen, "correlation.ports: expected an "
			    "array of 1 to %d ports", CORR_MAX_PORTS);
			return -1;
		}
		for (i = 0; i < n; i++) {
			v = json_object_array_get_idx(arr, i);
			if (!json_object_is_type(v, json_type_int) ||
			    (port = json_object_get_int64(v)) < 1 ||
			    port > 65535) {
				snprintf(err, errlen, "correlation.ports[%zu]: "
				    "expected an integer from 1 to 65535", i);
				return -1;
			}
			for (j = 0; j < i; j++)
				if (s->ports[j] == (int)port) {
					snprintf(err, errlen,
					    "correlation.ports[%zu]: port %d "
					    "is listed twice", i, (int)port);
					return -1;
				}
			s->ports[i] = (int)port;
		}
		s->nports = (int)n;
	}
	qsort(s->ports, (size_t)s->nports, sizeof(s->ports[0]), corr_port_cmp);
	if (json_object_object_get_ex(corr, "approved_networks", &arr)) {
		if (!json_object_is_type(arr, json_type_array) ||
		    (n = json_object_array_length(arr)) > CORR_MAX_NETWORKS) {
			snprintf(err, errlen, "correlation.approved_networks: "
			    "expected an array of up to %d CIDR networks",
			    CORR_MAX_NETWORKS);
			return -1;
		}
		for (i = 0; i < n; i++) {
			v = json_object_array_get_idx(arr, i);
			if (!json_object_is_type(v, json_type_string)) {
				snprintf(err, errlen,
				    "correlation.approved_networks[%zu]: "
				    "expected a string", i);
				return -1;
			}
			if (cidr_parse(json_object_get_string(v), 0,
			    &s->networks[i], why, sizeof(why)) == -1) {
				snprintf(err, errlen,
				    "correlation.approved_networks[%zu]: %s",
				    i, why);
				return -1;
			}
		}
		s->nnetworks = (int)n;
	}
	return 0;
}

/* The settings as a JSON object. */
struct json_object *
correlation_settings_json(const struct corr_settings *s)
{
	struct json_object	*obj, *arr;
	char			 text[CIDR_TEXT_MAX];
	int			 i;

	obj = json_object_new_object();
	json_add_bool(obj, "enabled", s->enabled);
	arr = json_object_new_array();
	for (i = 0; i < s->nports; i++)
		json_object_array_add(arr, json_object_new_int(s->ports[i]));
	json_object_object_add(obj, "ports", arr);
	json_add_bool(obj, "bind_all", s->bind_all);
	arr = json_object_new_array();
	for (i = 0; i < s->nnetworks; i++)
		json_object_array_add(arr, json_object_new_string(
		    cidr_format(&s->networks[i], text, sizeof(text))));
	json_object_object_add(obj, "approved_networks", arr);
	return obj;
}

/* Is port among the settings' ports? */
static int
corr_has_port(const struct corr_settings *s, int port)
{
	int	 i;

	for (i = 0; i < s->nports; i++)
		if (s->ports[i] == port)
			return 1;
	return 0;
}

/*
 * Addresses
 */

/* Do a and b name the same address (ports aside)? */
static int
corr_addr_equal(const struct sockaddr_storage *a,
    const struct sockaddr_storage *b)
{
	const struct sockaddr_in	*a4, *b4;
	const struct sockaddr_in6	*a6, *b6;

	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		a4 = (const struct sockaddr_in *)(const void *)a;
		b4 = (const struct sockaddr_in *)(const void *)b;
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		a6 = (const struct sockaddr_in6 *)(const void *)a;
		b6 = (const struct sockaddr_in6 *)(const void *)b;
		return memcmp(&a6->sin6_addr, &b6->sin6_addr,
		    sizeof(a6->sin6_addr)) == 0 &&
		    a6->sin6_scope_id == b6->sin6_scope_id;
	}
	return 0;
}

/* Set the port of an address. */
static void
corr_addr_set_port(struct sockaddr_storage *ss, int port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)(void *)ss)->sin_port =
		    htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)(void *)ss)->sin6_port =
		    htons((uint16_t)port);
}

/* The port of an address. */
static int
corr_addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)ss)->
		    sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)ss)->
		    sin6_port);
	return 0;
}

/*
 * Format an address ("10.0.0.5", "fe80::1%eth0"), with ":port" (and
 * brackets for IPv6) when with_port is set. Returns buf.
 */
static const char *
corr_addr_text(const struct sockaddr_storage *ss, int with_port, char *buf,
    size_t len)
{
	const struct sockaddr_in6	*sin6;
	char				 a[INET6_ADDRSTRLEN];
	char				 scope[IF_NAMESIZE + 2] = "";
	char				 ifname[IF_NAMESIZE];

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)ss)->sin_addr, a, sizeof(a));
		if (with_port)
			snprintf(buf, len, "%s:%d", a, corr_addr_port(ss));
		else
			snprintf(buf, len, "%s", a);
		return buf;
	}
	if (ss->ss_family != AF_INET6) {
		snprintf(buf, len, "?");
		return buf;
	}
	sin6 = (const struct sockaddr_in6 *)(const void *)ss;
	inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
	if (sin6->sin6_scope_id != 0) {
		if (if_indextoname(sin6->sin6_scope_id, ifname) == NULL)
			snprintf(ifname, sizeof(ifname), "%u",
			    (unsigned int)sin6->sin6_scope_id);
		snprintf(scope, sizeof(scope), "%%%s", ifname);
	}
	if (with_port)
		snprintf(buf, len, "[%s%s]:%d", a, scope, corr_addr_port(ss));
	else
		snprintf(buf, len, "%s%s", a, scope);
	return buf;
}

/* Is this a wildcard address (0.0.0.0 or ::)? */
static int
corr_addr_is_any(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)ss)->
		    sin_addr.s_addr == htonl(INADDR_ANY);
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)
		    (const void *)ss)->sin6_addr);
	return 0;
}

/* Add a target for addr unless it is there already. Returns the count. */
static int
corr_target_add(struct corr_target *t, int n, const struct sockaddr_storage *ss)
{
	struct sockaddr_storage	 a = *ss;
	struct sockaddr_in6	*sin6;
	int			 i;

	corr_addr_set_port(&a, 0);
	sin6 = (struct sockaddr_in6 *)(void *)&a;
	/* Only link-local addresses need their interface. */
	if (a.ss_family == AF_INET6 && !IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
		sin6->sin6_scope_id = 0;
	for (i = 0; i < n; i++)
		if (corr_addr_equal(&t[i].addr, &a))
			return n;
	if (n >= CORR_MAX_TARGETS)
		return n;
	memset(&t[n], 0, sizeof(t[n]));
	t[n].addr = a;
	t[n].len = a.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	corr_addr_text(&t[n].addr, 0, t[n].text, sizeof(t[n].text));
	return n + 1;
}

/*
 * The addresses to listen on: the wildcards without approved networks,
 * else every interface address inside one of them. *skipped counts the
 * matching addresses beyond CORR_MAX_TARGETS. Returns the count.
 */
static int
corr_targets(struct correlation *c, struct corr_target *t, int *skipped)
{
	struct sockaddr_storage	 ss;
	struct route_addr	*addrs = NULL;
	int			 i, j, n = 0, count;

	*skipped = 0;
	if (c->settings.nnetworks == 0) {
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = AF_INET;
		n = corr_target_add(t, n, &ss);
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = AF_INET6;
		return corr_target_add(t, n, &ss);
	}
	if (c->env->route == NULL ||
	    (count = route_addresses(c->env->route, &addrs)) < 0)
		return 0;
	for (i = 0; i < count; i++)
		for (j = 0; j < c->settings.nnetworks; j++) {
			if (!cidr_contains(&c->settings.networks[j],
			    (struct sockaddr *)&addrs[i].addr))
				continue;
			if (n == CORR_MAX_TARGETS)
				(*skipped)++;
			else
				n = corr_target_add(t, n, &addrs[i].addr);
			break;
		}
	free(addrs);
	return n;
}

/*
 * Listeners
 */

/* Close a listener, logging why. */
static void
corr_listener_close(struct corr_listener *l, const char *why)
{
	struct correlation	*c = l->corr;

	log_file_printf(c->log, LOG_LEVEL_INFO, "listener %s closed: %s "
	    "(%lu connections served)", l->name, why, l->accepted);
	TAILQ_REMOVE(&c->listeners, l, entry);
	c->nlisteners--;
	if (l->ev != NULL)
		event_free(l->ev);
	if (l->fd != -1)
		close(l->fd);
	free(l);
}

/* Refuse a connection at once with a reset. */
static void
corr_reset(int fd)
{
	struct linger	 lg = { 1, 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* Find (or make room for) the limits entry of a source. NULL: full. */
static struct corr_source *
corr_source_get(struct correlation *c, const struct sockaddr_storage *ss)
{
	struct corr_source	*s, *spare = NULL;
	struct timespec		 now;
	const uint8_t		*a;
	double			 idle;
	int			 i, len;

	if (ss->ss_family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)
		    (const void *)ss)->sin_addr;
		len = 4;
	} else {
		a = ((const struct sockaddr_in6 *)(const void *)ss)->
		    sin6_addr.s6_addr;
		len = 16;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = 0; i < CORR_MAX_SOURCES; i++) {
		s = &c->sources[i];
		if (!s->in_use) {
			if (spare == NULL)
				spare = s;
			continue;
		}
		if (s->family == ss->ss_family && memcmp(s->addr, a,
		    (size_t)len) == 0)
			return s;
		/* An idle source whose bucket is full again can go. */
		idle = (double)(now.tv_sec - s->refilled.tv_sec);
		if (spare == NULL && s->active == 0 && s->refused == 0 &&
		    s->tokens + idle * CORR_RATE_PER_SEC >= CORR_RATE_BURST &&
		    (s->reported == 0 || now.tv_sec - s->reported >=
		    CORR_REPORT_SEC))
			spare = s;
	}
	if (spare == NULL)
		return NULL;
	memset(spare, 0, sizeof(*spare));
	spare->in_use = 1;
	spare->family = ss->ss_family;
	memcpy(spare->addr, a, (size_t)len);
	spare->tokens = CORR_RATE_BURST;
	spare->refilled = now;
	return spare;
}

/* Take a token from the source's bucket. Returns 1, or 0 if empty. */
static int
corr_source_take(struct corr_source *s)
{
	struct timespec	 now;
	double		 elapsed;

	clock_gettime(CLOCK_MONOTONIC, &now);
	elapsed = (double)(now.tv_sec - s->refilled.tv_sec) +
	    (double)(now.tv_nsec - s->refilled.tv_nsec) / 1e9;
	s->refilled = now;
	s->tokens += elapsed * CORR_RATE_PER_SEC;
	if (s->tokens > CORR_RATE_BURST)
		s->tokens = CORR_RATE_BURST;
	if (s->tokens < 1.0)
		return 0;
	s->tokens -= 1.0;
	return 1;
}

/*
 * A connection was refused by a limit: count it, and say so in
 * agentid.log and as E802 at most once per source per CORR_REPORT_SEC
 * (and once every CORR_REPORT_MIN_SEC overall).
 */
static void
corr_refused(struct correlation *c, struct corr_source *s,
    enum corr_limit kind, const char *peer, const char *listener)
{
	time_t		*last, now = clock_mono_sec();
	unsigned long	 more;
	char		 limit[128];

	c->refused[kind]++;
	last = s != NULL ? &s->reported : &c->table_full_reported;
	if (s != NULL)
		s->refused++;
	if (*last != 0 && now - *last < CORR_REPORT_SEC)
		return;
	more = s != NULL && s->refused > 1 ? s->refused - 1 : 0;
	corr_limit_text(kind, limit, sizeof(limit));
	log_file_printf(c->log, LOG_LEVEL_WARN, "limit hit: refused the "
	    "connection from %s to %s (%s%s); %lu more refused from it "
	    "since the last report", peer, listener, limit,
	    s == NULL ? "; too many sources" : "", more);
	*last = now;
	if (s != NULL)
		s->refused = 0;
	if (c->last_report != 0 && now - c->last_report < CORR_REPORT_MIN_SEC)
		return;
	c->last_report = now;
	checkin_error(c->env->checkin, ERR_CORRELATION_LIMIT, "refused "
	    "connections from %s to %s: %s", peer, listener, limit);
}

/* Is peer one of our own health check connections? */
static int
corr_is_probe(struct correlation *c, const struct sockaddr_storage *peer)
{
	struct corr_probe	*p;

	TAILQ_FOREACH(p, &c->probes, entry)
		if (p->locallen > 0 && corr_addr_equal(&p->local, peer) &&
		    corr_addr_port(&p->local) == corr_addr_port(peer))
			return 1;
	return 0;
}

/*
 * (Re)arm a connection's event for what, until CORR_TIMEOUT_SEC after
 * it was accepted. Returns 0, or -1.
 */
static int
corr_conn_arm(struct corr_conn *cn, short what,
    event_callback_fn cb)
{
	struct timespec	 now;
	struct timeval	 tv;
	long long	 left_ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	left_ms = (long long)CORR_TIMEOUT_SEC * 1000 -
	    ((long long)(now.tv_sec - cn->accepted.tv_sec) * 1000 +
	    (now.tv_nsec - cn->accepted.tv_nsec) / 1000000);
	if (left_ms < 0)
		left_ms = 0;
	tv.tv_sec = (time_t)(left_ms / 1000);
	tv.tv_usec = (suseconds_t)(left_ms % 1000) * 1000;
	if (cn->ev != NULL)
		event_free(cn->ev);
	cn->ev = event_new(cn->corr->env->base, cn->fd, what, cb, cn);
	if (cn->ev == NULL || event_add(cn->ev, &tv) == -1)
		return -1;
	return 0;
}

/*
 * Read and drop what the client sent, closing the connection at its end
 * or when it sent too much. Returns 1 if the connection was closed (and
 * freed), 0 if it waits for more.
 */
static int
corr_conn_drain(struct corr_conn *cn)
{
	char	 scratch[512];
	ssize_t	 n;

	for (;;) {
		n = read(cn->fd, scratch, sizeof(scratch));
		if (n == 0) {
			corr_conn_close(cn, NULL);
			return 1;
		}
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			corr_conn_close(cn, NULL);
			return 1;
		}
		cn->discarded += (size_t)n;
		if (cn->discarded > CORR_DISCARD_MAX) {
			cn->corr->discarded_closes++;
			corr_conn_close(cn, "the client sent more than 1024 "
			    "bytes");
			return 1;
		}
	}
}

/* The line is out: wait for the client to close, dropping its bytes. */
static void
corr_conn_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct corr_conn	*cn = arg;

	if (what & EV_TIMEOUT) {
		cn->corr->timeouts++;
		corr_conn_close(cn, "timed out waiting for the client to "
		    "close");
		return;
	}
	(void)corr_conn_drain(cn);
}

/*
 * Before refusing a connection by a limit, close the connections of
 * source s (all when NULL) whose clients already closed: within one batch
 * of accepts their ends may not have been read yet. Once per batch.
 */
static void
corr_reap(struct correlation *c, struct corr_source *s)
{
	struct corr_conn	*cn, *next;

	if (c->reaped_batch == c->batch)
		return;
	c->reaped_batch = c->batch;
	for (cn = TAILQ_FIRST(&c->conns); cn != NULL; cn = next) {
		next = TAILQ_NEXT(cn, entry);
		if ((s == NULL || cn->source == s) &&
		    cn->written == c->linelen)
			(void)corr_conn_drain(cn);
	}
}

/* Write what is left of the line. Returns 1 done, 0 later, -1 failed. */
static int
corr_conn_write(struct corr_conn *cn)
{
	struct correlation	*c = cn->corr;
	ssize_t			 n;

	while (cn->written < c->linelen) {
		n = write(cn->fd, c->line + cn->written,
		    c->linelen - cn->written);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		cn->written += (size_t)n;
	}
	(void)shutdown(cn->fd, SHUT_WR);
	return 1;
}

/* The socket can take more of the line. */
static void
corr_conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct corr_conn	*cn = arg;
	int			 rc;

	if (what & EV_TIMEOUT) {
		cn->corr->timeouts++;
		corr_conn_close(cn, "timed out writing the line");
		return;
	}
	if ((rc = corr_conn_write(cn)) == -1)
		corr_conn_close(cn, "write failed");
	else if (rc == 1 && corr_conn_arm(cn, EV_READ | EV_PERSIST,
	    corr_conn_drain_cb) == -1)
		corr_conn_close(cn, "out of memory");
}

/* Close and free a connection; how says why when it is not the usual. */
static void
corr_conn_close(struct corr_conn *cn, const char *how)
{
	struct correlation	*c = cn->corr;

	if (how != NULL)
		log_file_printf(c->log, LOG_LEVEL_DEBUG, "connection from %s "
		    "to %s closed: %s", cn->peer, cn->listener, how);
	TAILQ_REMOVE(&c->conns, cn, entry);
	c->nconns--;
	if (cn->source != NULL && cn->source->active > 0)
		cn->source->active--;
	if (cn->ev != NULL)
		event_free(cn->ev);
	close(cn->fd);
	free(cn);
}

/* Admit or refuse one accepted (non-blocking) connection. */
static void
corr_admit(struct corr_listener *l, int fd, const struct sockaddr_storage *peer)
{
	struct correlation	*c = l->corr;
	struct corr_source	*s = NULL;
	struct corr_conn	*cn;
	char			 text[CORR_NAME_LEN];
	int			 is_probe, rc;

	corr_addr_text(peer, 1, text, sizeof(text));
	is_probe = corr_is_probe(c, peer);
	if (!is_probe) {
		if (c->nconns >= CORR_MAX_CONNECTIONS)
			corr_reap(c, NULL);
		if (c->nconns >= CORR_MAX_CONNECTIONS) {
			corr_reset(fd);
			corr_refused(c, corr_source_get(c, peer),
			    CORR_LIMIT_TOTAL, text, l->name);
			return;
		}
		if ((s = corr_source_get(c, peer)) == NULL) {
			corr_reset(fd);
			corr_refused(c, NULL, CORR_LIMIT_TOTAL, text, l->name);
			return;
		}
		if (s->active >= CORR_MAX_PER_SOURCE)
			corr_reap(c, s);
		if (s->active >= CORR_MAX_PER_SOURCE) {
			corr_reset(fd);
			corr_refused(c, s, CORR_LIMIT_SOURCE, text, l->name);
			return;
		}
		if (!corr_source_take(s)) {
			corr_reset(fd);
			corr_refused(c, s, CORR_LIMIT_RATE, text, l->name);
			return;
		}
	}
	if ((cn = calloc(1, sizeof(*cn))) == NULL) {
		corr_reset(fd);
		c->accept_errors++;
		return;
	}
	cn->corr = c;
	cn->fd = fd;
	cn->source = s;
	clock_gettime(CLOCK_MONOTONIC, &cn->accepted);
	strlcpy(cn->peer, text, sizeof(cn->peer));
	strlcpy(cn->listener, l->name, sizeof(cn->listener));
	if (s != NULL)
		s->active++;
	TAILQ_INSERT_TAIL(&c->conns, cn, entry);
	c->nconns++;
	c->accepted++;
	l->accepted++;
	log_file_printf(c->log, LOG_LEVEL_DEBUG, "connection from %s to %s%s",
	    text, l->name, is_probe ? " (health check)" : "");
	if ((rc = corr_conn_write(cn)) == -1)
		corr_conn_close(cn, "write failed");
	else if (corr_conn_arm(cn, rc == 1 ? EV_READ | EV_PERSIST :
	    EV_WRITE | EV_PERSIST, rc == 1 ? corr_conn_drain_cb :
	    corr_conn_write_cb) == -1)
		corr_conn_close(cn, "out of memory");
}

/* A listener is readable: accept a bounded batch of connections. */
static void
corr_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct corr_listener	*l = arg;
	struct correlation	*c = l->corr;
	struct sockaddr_storage	 peer;
	socklen_t		 len;
	int			 i, cfd;

	c->batch++;
	for (i = 0; i < CORR_ACCEPT_BATCH; i++) {
		len = sizeof(peer);
		memset(&peer, 0, sizeof(peer));
		/* Non-blocking and close-on-exec in the same call. */
		cfd = accept4(fd, (struct sockaddr *)&peer, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				c->accept_errors++;
				log_file_printf(c->log, LOG_LEVEL_WARN,
				    "accept on %s: %s", l->name,
				    strerror(errno));
			}
			return;
		}
		if (peer.ss_family != AF_INET && peer.ss_family != AF_INET6) {
			close(cfd);
			continue;
		}
		corr_admit(l, cfd, &peer);
	}
}

/*
 * Open a listener on target t, port. Returns 0, or -errno (-EADDRINUSE
 * when another program has the port).
 */
static int
corr_listen(struct correlation *c, const struct corr_target *t, int port)
{
	struct corr_listener	*l;
	int			 on = 1, err;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -ENOMEM;
	l->corr = c;
	l->addr = t->addr;
	l->len = t->len;
	l->port = port;
	corr_addr_set_port(&l->addr, port);
	corr_addr_text(&l->addr, 1, l->name, sizeof(l->name));
	if ((l->fd = socket(l->addr.ss_family, SOCK_STREAM, 0)) == -1) {
		err = errno;
		free(l);
		return -err;
	}
	(void)setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (l->addr.ss_family == AF_INET6)
		(void)setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
#ifdef IP_FREEBIND
	/* An IPv6 address still in duplicate address detection. */
	if (!corr_addr_is_any(&l->addr))
		(void)setsockopt(l->fd, IPPROTO_IP, IP_FREEBIND, &on,
		    sizeof(on));
#endif
	if (evutil_make_socket_nonblocking(l->fd) == -1 ||
	    evutil_make_socket_closeonexec(l->fd) == -1 ||
	    bind(l->fd, (struct sockaddr *)&l->addr, l->len) == -1 ||
	    listen(l->fd, CORR_BACKLOG) == -1) {
		err = errno;
		close(l->fd);
		free(l);
		return -err;
	}
	l->ev = event_new(c->env->base, l->fd, EV_READ | EV_PERSIST,
	    corr_accept_cb, l);
	if (l->ev == NULL || event_add(l->ev, NULL) == -1) {
		if (l->ev != NULL)
			event_free(l->ev);
		close(l->fd);
		free(l);
		return -ENOMEM;
	}
	l->is_kept = 1;
	TAILQ_INSERT_TAIL(&c->listeners, l, entry);
	c->nlisteners++;
	log_file_printf(c->log, LOG_LEVEL_INFO, "listener %s opened", l->name);
	return 0;
}

/* The listener on target t and port, or NULL. */
static struct corr_listener *
corr_listener_find(struct correlation *c, const struct corr_target *t,
    int port)
{
	struct corr_listener	*l;

	TAILQ_FOREACH(l, &c->listeners, entry)
		if (corr_addr_equal(&l->addr, &t->addr) &&
		    (port == 0 || l->port == port))
			return l;
	return NULL;
}

/* Why the service serves nothing now, or NULL when it should serve. */
static const char *
corr_idle_reason(struct correlation *c)
{
	if (c->is_stopping)
		return "the agent is stopping";
	if (!c->has_settings)
		return "no configuration profile yet";
	if (!c->settings.enabled)
		return "agent scan merge is disabled in the profile";
	if (c->cid[0] == '\0')
		return "the agent has no correlation id (not activated)";
	return NULL;
}

/* Remember a taken port and a failure text for the plan's report. */
static void
corr_plan_note(struct correlation *c, char *failures, size_t len,
    const char *name, int err)
{
	char	 item[512];

	if (err == EADDRINUSE) {
		json_object_array_add(c->taken, json_object_new_string(name));
		snprintf(item, sizeof(item), "%s (port in use by another "
		    "program)", name);
	} else
		snprintf(item, sizeof(item), "%s (%s)", name, strerror(err));
	if (failures[0] != '\0')
		strlcat(failures, ", ", len);
	strlcat(failures, item, len);
}

/* Log the ports found taken when the set changed since the last plan. */
static void
corr_plan_log_taken(struct correlation *c)
{
	const char	*text;

	text = json_object_to_json_string_ext(c->taken,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (strcmp(text, c->taken_text) == 0)
		return;
	if (json_object_array_length(c->taken) > 0)
		log_file_printf(c->log, LOG_LEVEL_WARN, "ports taken by other "
		    "programs: %s", text);
	else if (c->taken_text[0] != '\0' && strcmp(c->taken_text, "[]") != 0)
		log_file_printf(c->log, LOG_LEVEL_INFO, "no port of the "
		    "profile is taken any more");
	strlcpy(c->taken_text, text, sizeof(c->taken_text));
}

/* Raise E801 when the failures changed, clear it when they are gone. */
static void
corr_plan_report(struct correlation *c, const char *failures)
{
	struct timeval	 tv = { CORR_RETRY_SEC, 0 };

	if (failures[0] == '\0') {
		if (c->plan_error[0] != '\0')
			checkin_error_clear(c->env->checkin,
			    ERR_CORRELATION_PORT);
		c->plan_error[0] = '\0';
		evtimer_del(c->retry);
		return;
	}
	if (!evtimer_pending(c->retry, NULL))
		evtimer_add(c->retry, &tv);
	if (strcmp(failures, c->plan_error) == 0)
		return;
	strlcpy(c->plan_error, failures, sizeof(c->plan_error));
	log_file_printf(c->log, LOG_LEVEL_WARN, "E801 %s: %s",
	    error_message(ERR_CORRELATION_PORT), failures);
	checkin_error(c->env->checkin, ERR_CORRELATION_PORT, "%s", failures);
}

/*
 * Bring the listeners in line with the settings, the identity and the
 * addresses: keep the ones that stay, close the ones that go, then open
 * the missing ones (closing first frees ports and addresses for them).
 */
static void
corr_plan(struct correlation *c, const char *why)
{
	struct corr_target	*t;
	struct corr_listener	*l, *next, *best;
	const char		*idle;
	char			 failures[512] = "";
	char			 text[CORR_NAME_LEN + 16];
	int			 i, j, n, skipped, rc, opened, was_serving;

	was_serving = c->is_serving;
	json_object_put(c->taken);
	c->taken = json_object_new_array();
	if ((idle = corr_idle_reason(c)) != NULL) {
		while ((l = TAILQ_FIRST(&c->listeners)) != NULL)
			corr_listener_close(l, idle);
		c->is_serving = 0;
		if (was_serving)
			log_file_printf(c->log, LOG_LEVEL_INFO, "correlation "
			    "id service stopped: %s", idle);
		corr_plan_log_taken(c);
		corr_plan_report(c, "");
		return;
	}
	if ((t = calloc(CORR_MAX_TARGETS, sizeof(*t))) == NULL) {
		log_file_printf(c->log, LOG_LEVEL_WARN, "re-planning the "
		    "listeners (%s): out of memory", why);
		return;
	}
	n = corr_targets(c, t, &skipped);
	log_file_printf(c->log, LOG_LEVEL_DEBUG, "planning listeners (%s): "
	    "%d address%s, %d port%s, bind_all %s", why, n, n == 1 ? "" : "es",
	    c->settings.nports, c->settings.nports == 1 ? "" : "s",
	    c->settings.bind_all ? "on" : "off");
	if (skipped > 0)
		log_file_printf(c->log, LOG_LEVEL_WARN, "%d approved "
		    "address%s not listened on: at most %d addresses",
		    skipped, skipped == 1 ? "" : "es", CORR_MAX_TARGETS);

	/* Keep what stays. */
	TAILQ_FOREACH(l, &c->listeners, entry)
		l->is_kept = 0;
	for (i = 0; i < n; i++) {
		best = NULL;
		TAILQ_FOREACH(l, &c->listeners, entry) {
			if (!corr_addr_equal(&l->addr, &t[i].addr) ||
			    !corr_has_port(&c->settings, l->port))
				continue;
			if (c->settings.bind_all)
				l->is_kept = 1;
			else if (best == NULL || l->port < best->port)
				best = l;
		}
		if (best != NULL)
			best->is_kept = 1;
	}
	for (l = TAILQ_FIRST(&c->listeners); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		if (l->is_kept)
			continue;
		for (i = 0; i < n; i++)
			if (corr_addr_equal(&l->addr, &t[i].addr))
				break;
		if (i == n)
			corr_listener_close(l, c->settings.nnetworks > 0 ?
			    "the address is gone or outside the approved "
			    "networks" : "the approved networks changed");
		else if (!corr_has_port(&c->settings, l->port))
			corr_listener_close(l, "the port is no longer in the "
			    "profile");
		else
			corr_listener_close(l, "bind_all is off: one port per "
			    "address");
	}

	/* Open what is missing. */
	for (i = 0; i < n; i++) {
		if (!c->settings.bind_all && corr_listener_find(c, &t[i], 0))
			continue;
		opened = 0;
		for (j = 0; j < c->settings.nports && !opened; j++) {
			if (corr_listener_find(c, &t[i], c->settings.ports[j]))
				continue;
			if (c->nlisteners >= CORR_MAX_LISTENERS) {
				corr_plan_note(c, failures, sizeof(failures),
				    t[i].text, EMFILE);
				break;
			}
			rc = corr_listen(c, &t[i], c->settings.ports[j]);
			if (rc == 0) {
				opened = !c->settings.bind_all;
				continue;
			}
			if (rc == -EAFNOSUPPORT &&
			    corr_addr_is_any(&t[i].addr)) {
				log_file_printf(c->log, LOG_LEVEL_DEBUG,
				    "no IPv6 on this host: not listening on "
				    "%s", t[i].text);
				break;
			}
			snprintf(text, sizeof(text), "%s%s%s:%d",
			    t[i].addr.ss_family == AF_INET6 ? "[" : "",
			    t[i].text, t[i].addr.ss_family == AF_INET6 ? "]" :
			    "", c->settings.ports[j]);
			if (c->settings.bind_all) {
				corr_plan_note(c, failures, sizeof(failures),
				    text, -rc);
				continue;
			}
			if (-rc == EADDRINUSE)
				json_object_array_add(c->taken,
				    json_object_new_string(text));
			log_file_printf(c->log, LOG_LEVEL_INFO, "cannot listen "
			    "on %s: %s; trying the next port of the list",
			    text, -rc == EADDRINUSE ? "port in use by another "
			    "program" : strerror(-rc));
		}
		if (!c->settings.bind_all && !opened &&
		    !corr_listener_find(c, &t[i], 0)) {
			snprintf(text, sizeof(text), "no port of the list is "
			    "free on %s", t[i].text);
			if (failures[0] != '\0')
				strlcat(failures, ", ", sizeof(failures));
			strlcat(failures, text, sizeof(failures));
		}
	}
	if (n == 0)
		snprintf(failures, sizeof(failures), "no interface address "
		    "lies in the approved networks%s", c->env->route == NULL ?
		    " (interface addresses cannot be followed)" : "");
	free(t);
	c->is_serving = c->nlisteners > 0;
	if (c->is_serving && !was_serving)
		log_file_printf(c->log, LOG_LEVEL_INFO, "correlation id "
		    "service serving on %d listener%s", c->nlisteners,
		    c->nlisteners == 1 ? "" : "s");
	else if (!c->is_serving && was_serving)
		log_file_printf(c->log, LOG_LEVEL_INFO, "correlation id "
		    "service stopped: no listener could stay open");
	corr_plan_log_taken(c);
	corr_plan_report(c, failures);
}

/* Retry the listeners that could not be opened. */
static void
corr_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	corr_plan(arg, "retrying what could not be opened");
}

/*
 * The active settings as an artifact under state_dir/correlation/
 * manifests/, written atomically when it changed.
 */
static void
corr_store_manifest(struct correlation *c)
{
	struct json_object	*doc;
	const char		*text;
	char			 path[PATH_MAX];
	int			 rc;

	doc = correlation_settings_json(&c->settings);
	json_add_int64(doc, "profile_id", c->profile_id);
	json_add_int64(doc, "profile_version", c->profile_version);
	json_add_string(doc, "correlation_id", c->cid[0] ? c->cid : NULL);
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (strcmp(text, c->manifest) == 0) {
		json_object_put(doc);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", c->env->conf->state_dir,
	    CORR_MANIFEST_DIR);
	(void)mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/%s", c->env->conf->state_dir,
	    CORR_MANIFEST_DIR, CORR_MANIFEST_FILE);
	if ((rc = fileio_write_atomic(path, text, strlen(text), 0600)) < 0)
		log_file_printf(c->log, LOG_LEVEL_WARN, "cannot store the "
		    "active correlation profile in %s: %s", path,
		    strerror(-rc));
	else {
		strlcpy(c->manifest, text, sizeof(c->manifest));
		log_file_printf(c->log, LOG_LEVEL_DEBUG, "active correlation "
		    "profile stored in %s", path);
	}
	json_object_put(doc);
}

/*
 * Module operations
 */

/* A profile is in force: check its correlation settings and re-plan. */
static void
corr_profile(void *self, struct json_object *profile)
{
	struct correlation	*c = self;
	struct corr_settings	 s;
	struct json_object	*text;
	char			 err[256];
	int64_t			 id = 0, version = 0;

	json_get_int64(profile, "id", &id);
	json_get_int64(profile, "version", &version);
	if (correlation_settings_parse(profile, &s, err, sizeof(err)) == -1) {
		log_warnx("profile %lld version %lld: %s; the correlation id "
		    "service keeps its previous settings", (long long)id,
		    (long long)version, err);
		log_file_printf(c->log, LOG_LEVEL_WARN, "profile %lld version "
		    "%lld refused: %s; keeping the previous settings",
		    (long long)id, (long long)version, err);
		return;
	}
	if (c->has_settings && memcmp(&s, &c->settings, sizeof(s)) == 0 &&
	    id == c->profile_id && version == c->profile_version)
		return;
	c->settings = s;
	c->has_settings = 1;
	c->profile_id = id;
	c->profile_version = version;
	text = correlation_settings_json(&s);
	log_file_printf(c->log, LOG_LEVEL_INFO, "profile %lld version %lld: "
	    "%s", (long long)id, (long long)version,
	    json_object_to_json_string_ext(text, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(text);
	corr_store_manifest(c);
	corr_plan(c, "profile changed");
}

/* The identity changed: serve its correlation id, or stop. */
static void
corr_identity(void *self, const struct state *st)
{
	struct correlation	*c = self;
	const char		*cid = st != NULL ? st->correlation_id : NULL;
	int			 len;

	if (cid != NULL && !corr_id_is_valid(cid)) {
		log_warnx("correlation id \"%.40s\" in the state is not 32 "
		    "lower-case hex digits; not serving it", cid);
		log_file_printf(c->log, LOG_LEVEL_WARN, "correlation id "
		    "\"%.40s\" is not 32 lower-case hex digits; not serving "
		    "it", cid);
		cid = NULL;
	}
	if (cid == NULL) {
		if (c->cid[0] == '\0')
			return;
		c->cid[0] = '\0';
		c->line[0] = '\0';
		c->linelen = 0;
		corr_store_manifest(c);
		corr_plan(c, "identity removed");
		return;
	}
	if (strcmp(cid, c->cid) == 0)
		return;
	len = corr_wire_format(cid, c->line, sizeof(c->line));
	c->linelen = len > 0 ? (size_t)len : 0;
	strlcpy(c->cid, cid, sizeof(c->cid));
	log_file_printf(c->log, LOG_LEVEL_INFO, "correlation id %s", c->cid);
	if (c->has_settings)
		corr_store_manifest(c);
	corr_plan(c, "identity changed");
}

/* An interface address came or went: re-plan with approved networks. */
static void
corr_address(void *self, int is_added, const struct route_addr *ra)
{
	struct correlation	*c = self;
	char			 text[CORR_NAME_LEN];
	char			 why[CORR_NAME_LEN * 2 + 64];
	int			 i;

	if (!c->has_settings || c->settings.nnetworks == 0)
		return;
	for (i = 0; i < c->settings.nnetworks; i++)
		if (cidr_contains(&c->settings.networks[i],
		    (const struct sockaddr *)&ra->addr))
			break;
	corr_addr_text(&ra->addr, 0, text, sizeof(text));
	snprintf(why, sizeof(why), "address %s %s on %s%s", text,
	    is_added ? "added" : "removed", ra->ifname,
	    i < c->settings.nnetworks ? "" : ", outside the approved "
	    "networks");
	if (i == c->settings.nnetworks) {
		log_file_printf(c->log, LOG_LEVEL_DEBUG, "%s", why);
		return;
	}
	log_file_printf(c->log, LOG_LEVEL_INFO, "%s", why);
	corr_plan(c, why);
}

/* The listeners as a JSON array of "addr:port" (at most max). */
static struct json_object *
corr_listeners_json(struct correlation *c, int max)
{
	struct json_object	*arr = json_object_new_array();
	struct corr_listener	*l;

	TAILQ_FOREACH(l, &c->listeners, entry) {
		if (max-- <= 0)
			break;
		json_object_array_add(arr, json_object_new_string(l->name));
	}
	return arr;
}

/* The heartbeat names the listeners (docs/protocol.md 3.3). */
static void
corr_heartbeat(void *self, struct json_object *body)
{
	struct correlation	*c = self;
	struct json_object	*obj;

	obj = json_object_new_object();
	json_object_object_add(obj, "listeners", corr_listeners_json(c,
	    CORR_HEARTBEAT_MAX));
	json_object_object_add(body, "correlation", obj);
}

/* The service's section of outpostctl status. */
static struct json_object *
corr_status(void *self)
{
	struct correlation	*c = self;
	struct json_object	*st;
	const char		*idle;
	char			 path[PATH_MAX];

	st = json_object_new_object();
	idle = corr_idle_reason(c);
	json_add_string(st, "state", idle != NULL ? "idle" : c->is_serving ?
	    "serving" : "not listening");
	if (idle != NULL)
		json_add_string(st, "reason", idle);
	else if (!c->is_serving || c->plan_error[0] != '\0')
		json_add_string(st, "reason", c->plan_error);
	json_object_object_add(st, "listeners", corr_listeners_json(c,
	    CORR_MAX_LISTENERS));
	json_object_object_add(st, "ports_taken", json_object_get(c->taken));
	json_object_object_add(st, "settings", correlation_settings_json(
	    &c->settings));
	json_add_int64(st, "open_connections", c->nconns);
	json_add_int64(st, "accepted", (int64_t)c->accepted);
	json_add_int64(st, "refused_total_limit",
	    (int64_t)c->refused[CORR_LIMIT_TOTAL]);
	json_add_int64(st, "refused_source_limit",
	    (int64_t)c->refused[CORR_LIMIT_SOURCE]);
	json_add_int64(st, "refused_rate_limit",
	    (int64_t)c->refused[CORR_LIMIT_RATE]);
	json_add_int64(st, "timeouts", (int64_t)c->timeouts);
	json_add_int64(st, "closed_for_input", (int64_t)c->discarded_closes);
	json_add_int64(st, "accept_errors", (int64_t)c->accept_errors);
	snprintf(path, sizeof(path), "%s/%s.log", c->env->conf->log_dir,
	    CORR_LOG_NAME);
	json_add_string(st, "log", path);
	return st;
}

/*
 * Health check: connect to each listener and read the line.
 */

/* End a probe with its line in the report. */
static void
corr_probe_finish(struct corr_probe *p, enum hc_result result,
    const char *hint, const char *fmt, ...)
{
	struct correlation	*c = p->corr;
	char			 message[512];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	hc_add(p->hc, "correlation.listener", result, hint, "%s: %s", p->name,
	    message);
	TAILQ_REMOVE(&c->probes, p, entry);
	if (p->ev != NULL)
		event_free(p->ev);
	if (p->fd != -1)
		close(p->fd);
	hc_release(p->hc);
	free(p);
}

/* A probe's socket is readable (or failed, or timed out). */
static void
corr_probe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct corr_probe	*p = arg;
	char			 cid[CORR_ID_LEN + 1], err[256];
	ssize_t			 n;
	int			 rc;

	if (what & EV_TIMEOUT) {
		corr_probe_finish(p, HC_FAIL, "see agentid.log; is the agent's "
		    "loop busy, or a firewall dropping local connections?",
		    "no answer within %d s (%zu bytes read)",
		    CORR_HC_TIMEOUT_SEC, p->len);
		return;
	}
	n = read(fd, p->buf + p->len, sizeof(p->buf) - p->len);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		corr_probe_finish(p, HC_FAIL, "see agentid.log and `ss -ltn` "
		    "for the port", "%s", strerror(errno));
		return;
	}
	p->len += (size_t)n;
	if (n > 0 && p->len < sizeof(p->buf))
		return;
	/* The service closed (or sent too much): judge what came. */
	rc = corr_wire_parse(p->buf, p->len, cid, err, sizeof(err));
	if (rc == 1 && strcmp(cid, p->corr->cid) == 0)
		corr_probe_finish(p, HC_PASS, NULL, "answers with the agent's "
		    "correlation id");
	else if (rc == 1)
		corr_probe_finish(p, HC_FAIL, "another program answers on the "
		    "port? see `ss -ltnp`", "answers with correlation id %s, "
		    "not the agent's %s", cid, p->corr->cid);
	else if (rc == 0)
		corr_probe_finish(p, HC_FAIL, "see agentid.log (limits hit?)",
		    "the line was cut short after %zu bytes", p->len);
	else
		corr_probe_finish(p, HC_FAIL, "another program answers on the "
		    "port? see `ss -ltnp`", "%s", err);
}

/* Start one probe of listener l. */
static void
corr_probe_start(struct correlation *c, struct healthcheck *hc,
    struct corr_listener *l)
{
	struct corr_probe	*p;
	struct sockaddr_storage	 to;
	struct timeval		 tv = { CORR_HC_TIMEOUT_SEC, 0 };
	int			 is_any;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		hc_add(hc, "correlation.listener", HC_FAIL, "the agent is out "
		    "of memory", "%s: not checked", l->name);
		return;
	}
	p->corr = c;
	p->hc = hc;
	p->fd = -1;
	strlcpy(p->name, l->name, sizeof(p->name));
	hc_hold(hc);
	TAILQ_INSERT_TAIL(&c->probes, p, entry);
	to = l->addr;
	is_any = corr_addr_is_any(&to);
	if (is_any && to.ss_family == AF_INET)
		((struct sockaddr_in *)(void *)&to)->sin_addr.s_addr =
		    htonl(INADDR_LOOPBACK);
	else if (is_any)
		((struct sockaddr_in6 *)(void *)&to)->sin6_addr =
		    in6addr_loopback;
	if ((p->fd = socket(to.ss_family, SOCK_STREAM, 0)) == -1 ||
	    evutil_make_socket_nonblocking(p->fd) == -1) {
		corr_probe_finish(p, HC_FAIL, "see agentid.log", "socket: %s",
		    strerror(errno));
		return;
	}
	evutil_make_socket_closeonexec(p->fd);
	if (connect(p->fd, (struct sockaddr *)&to, l->len) == -1 &&
	    errno != EINPROGRESS) {
		if (is_any && (errno == EADDRNOTAVAIL || errno == ENETUNREACH))
			corr_probe_finish(p, HC_SKIP, NULL, "no loopback "
			    "address of this family to check it through (%s)",
			    strerror(errno));
		else
			corr_probe_finish(p, HC_FAIL, "see agentid.log and "
			    "`ss -ltn` for the port", "connect: %s",
			    strerror(errno));
		return;
	}
	p->locallen = sizeof(p->local);
	if (getsockname(p->fd, (struct sockaddr *)&p->local,
	    &p->locallen) == -1)
		p->locallen = 0;
	p->ev = event_new(c->env->base, p->fd, EV_READ | EV_PERSIST,
	    corr_probe_cb, p);
	if (p->ev == NULL || event_add(p->ev, &tv) == -1)
		corr_probe_finish(p, HC_FAIL, "the agent is out of memory",
		    "not checked");
}

/* Add the service's lines to a health check. */
static void
corr_healthcheck(void *self, struct healthcheck *hc)
{
	struct correlation	*c = self;
	struct corr_listener	*l;
	const char		*idle;

	if ((idle = corr_idle_reason(c)) != NULL) {
		hc_add(hc, "correlation.service", HC_SKIP, NULL, "not "
		    "serving: %s", idle);
		return;
	}
	if (c->nlisteners == 0) {
		hc_add(hc, "correlation.service", HC_FAIL, "see agentid.log; "
		    "`ss -ltnp` shows who holds the ports; check the "
		    "profile's correlation ports and approved_networks",
		    "enabled but not listening: %s", c->plan_error);
		return;
	}
	if (c->plan_error[0] != '\0')
		hc_add(hc, "correlation.service", HC_WARN, "see agentid.log; "
		    "`ss -ltnp` shows who holds the ports", "%d listener%s, "
		    "but: %s", c->nlisteners, c->nlisteners == 1 ? "" : "s",
		    c->plan_error);
	else
		hc_add(hc, "correlation.service", HC_PASS, NULL, "%d "
		    "listener%s, %lu connections served", c->nlisteners,
		    c->nlisteners == 1 ? "" : "s", c->accepted);
	TAILQ_FOREACH(l, &c->listeners, entry)
		corr_probe_start(c, hc, l);
}

/* The configuration was reloaded: move agentid.log with agent.log. */
static void
corr_reconfigure(void *self)
{
	struct correlation	*c = self;
	struct log_settings	 settings;

	agent_conf_log_settings(c->env->conf, &settings);
	if (log_file_configure(c->log, c->env->conf->log_dir, &settings) == -1)
		log_warn("reload: cannot move %s.log to %s", CORR_LOG_NAME,
		    c->env->conf->log_dir);
}

/* Stop serving and free everything. */
static void
corr_free(void *self)
{
	struct correlation	*c = self;
	struct corr_conn	*cn;
	struct corr_probe	*p;

	if (c == NULL)
		return;
	c->is_stopping = 1;
	while ((p = TAILQ_FIRST(&c->probes)) != NULL)
		corr_probe_finish(p, HC_SKIP, NULL, "the agent is stopping");
	while ((cn = TAILQ_FIRST(&c->conns)) != NULL)
		corr_conn_close(cn, "the agent is stopping");
	corr_plan(c, "the agent is stopping");
	log_file_printf(c->log, LOG_LEVEL_INFO, "agentid service stopped "
	    "(%lu connections served)", c->accepted);
	if (c->retry != NULL)
		event_free(c->retry);
	json_object_put(c->taken);
	free(c->sources);
	log_file_close(c->log);
	free(c);
}

const struct agent_module_ops correlation_ops = {
	.name = "correlation",
	.profile = corr_profile,
	.identity = corr_identity,
	.heartbeat = corr_heartbeat,
	.address = corr_address,
	.status = corr_status,
	.healthcheck = corr_healthcheck,
	.reconfigure = corr_reconfigure,
	.free = corr_free
};

/* Create the service; it serves once a profile enables it. */
struct correlation *
correlation_new(const struct agent_env *env)
{
	struct correlation	*c;
	struct log_settings	 settings;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("correlation id service");
		return NULL;
	}
	c->env = env;
	TAILQ_INIT(&c->listeners);
	TAILQ_INIT(&c->conns);
	TAILQ_INIT(&c->probes);
	corr_settings_default(&c->settings);
	c->taken = json_object_new_array();
	c->sources = calloc(CORR_MAX_SOURCES, sizeof(*c->sources));
	c->retry = evtimer_new(env->base, corr_retry_cb, c);
	agent_conf_log_settings(env->conf, &settings);
	c->log = log_file_open(env->conf->log_dir, CORR_LOG_NAME, &settings);
	if (c->sources == NULL || c->retry == NULL || c->log == NULL) {
		log_warn("correlation id service: cannot start (%s/%s.log)",
		    env->conf->log_dir, CORR_LOG_NAME);
		if (c->log != NULL)
			log_file_close(c->log);
		if (c->retry != NULL)
			event_free(c->retry);
		json_object_put(c->taken);
		free(c->sources);
		free(c);
		return NULL;
	}
	log_file_printf(c->log, LOG_LEVEL_INFO, "agentid service started "
	    "(outpostd %s, pid %ld); waiting for the profile and identity",
	    PACKAGE_VERSION, (long)getpid());
	return c;
}
