/*
 * correlation-plan.c: which listeners of the correlation ID service are
 * open. They are planned from three inputs: the profile's settings, the
 * identity (its correlation id) and, with approved networks, the
 * interface addresses. corr_plan() compares what should be open with
 * what is, keeps what stays, closes what goes (saying why) and opens what
 * is missing, so a change never drops a listener that stays. Bind All
 * opens every port of the list; otherwise the lowest free one. Ports
 * found taken are reported (E801) and retried every CORR_RETRY_SEC.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "compat.h"
#include "correlation-int.h"
#include "jsonutil.h"
#include "log.h"
#include "report.h"
#include "route.h"

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

/* Do a and b name the same address (ports aside)? */
int
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
int
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
const char *
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
int
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

/* Close a listener, logging why. */
void
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
const char *
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
			report_clear(c->env->report,
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
	report_error(c->env->report, ERR_CORRELATION_PORT, "%s", failures);
}

/*
 * Bring the listeners in line with the settings, the identity and the
 * addresses: keep the ones that stay, close the ones that go, then open
 * the missing ones (closing first frees ports and addresses for them).
 */
void
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
void
corr_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	corr_plan(arg, "retrying what could not be opened");
}
