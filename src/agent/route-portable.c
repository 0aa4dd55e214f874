/*
 * route-portable.c: interface addresses from getifaddrs(3), for systems
 * without netlink. The list is re-read on a timer and changes reported.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "compat.h"
#include "log.h"
#include "route.h"

#define ROUTE_POLL_SECONDS	30

/* The tracker: the last list read, and the timer that re-reads it. */
struct route {
	struct route_addr	*addrs;
	int			 n;
	struct event		*timer;
	route_change_fn		 fn;
	void			*arg;
};

/* Count the bits set in a netmask of len bytes. */
static int
route_prefixlen(const unsigned char *mask, size_t len)
{
	int	 bits = 0;
	size_t	 i;

	for (i = 0; i < len; i++)
		bits += __builtin_popcount(mask[i]);
	return bits;
}

/* Read the current addresses. Returns the count, or -1. */
static int
route_read(struct route_addr **out)
{
	struct ifaddrs		*ifa, *p;
	struct route_addr	*addrs = NULL, *ra;
	int			 n = 0, cap = 0;

	if (getifaddrs(&ifa) == -1)
		return -1;
	for (p = ifa; p != NULL; p = p->ifa_next) {
		if (p->ifa_addr == NULL || (p->ifa_addr->sa_family != AF_INET &&
		    p->ifa_addr->sa_family != AF_INET6))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			ra = reallocarray(addrs, (size_t)cap, sizeof(*ra));
			if (ra == NULL) {
				free(addrs);
				freeifaddrs(ifa);
				return -1;
			}
			addrs = ra;
		}
		ra = &addrs[n++];
		memset(ra, 0, sizeof(*ra));
		strlcpy(ra->ifname, p->ifa_name, sizeof(ra->ifname));
		ra->ifindex = if_nametoindex(p->ifa_name);
		if (p->ifa_addr->sa_family == AF_INET) {
			memcpy(&ra->addr, p->ifa_addr,
			    sizeof(struct sockaddr_in));
			if (p->ifa_netmask != NULL)
				ra->prefixlen = route_prefixlen(
				    (const unsigned char *)&((struct
				    sockaddr_in *)p->ifa_netmask)->sin_addr, 4);
		} else {
			memcpy(&ra->addr, p->ifa_addr,
			    sizeof(struct sockaddr_in6));
			if (p->ifa_netmask != NULL)
				ra->prefixlen = route_prefixlen(
				    (const unsigned char *)&((struct
				    sockaddr_in6 *)p->ifa_netmask)->sin6_addr,
				    16);
		}
	}
	freeifaddrs(ifa);
	*out = addrs;
	return n;
}

/* Is ra in the list? */
static int
route_contains(const struct route_addr *list, int n,
    const struct route_addr *ra)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (list[i].ifindex == ra->ifindex &&
		    list[i].prefixlen == ra->prefixlen &&
		    memcmp(&list[i].addr, &ra->addr, sizeof(ra->addr)) == 0)
			return 1;
	return 0;
}

/* Re-read the list, report the differences, and re-arm. */
static void
route_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct route		*route = arg;
	struct route_addr	*now;
	struct timeval		 tv = { ROUTE_POLL_SECONDS, 0 };
	int			 i, n;

	if ((n = route_read(&now)) == -1)
		log_warn("getifaddrs");
	else {
		for (i = 0; i < route->n; i++)
			if (!route_contains(now, n, &route->addrs[i]) &&
			    route->fn != NULL)
				route->fn(0, &route->addrs[i], route->arg);
		for (i = 0; i < n; i++)
			if (!route_contains(route->addrs, route->n, &now[i]) &&
			    route->fn != NULL)
				route->fn(1, &now[i], route->arg);
		free(route->addrs);
		route->addrs = now;
		route->n = n;
	}
	evtimer_add(route->timer, &tv);
}

/* Start following the host's addresses. Returns the tracker, or NULL. */
struct route *
route_open(struct event_base *base, route_change_fn fn, void *arg)
{
	struct route	*route;
	struct timeval	 tv = { ROUTE_POLL_SECONDS, 0 };

	if ((route = calloc(1, sizeof(*route))) == NULL)
		return NULL;
	route->fn = fn;
	route->arg = arg;
	if ((route->n = route_read(&route->addrs)) == -1 ||
	    (route->timer = evtimer_new(base, route_poll_cb, route)) == NULL ||
	    evtimer_add(route->timer, &tv) == -1) {
		route->n = 0;
		route_close(route);
		return NULL;
	}
	return route;
}

/* Stop following and free everything. */
void
route_close(struct route *route)
{
	if (route == NULL)
		return;
	if (route->timer != NULL)
		event_free(route->timer);
	free(route->addrs);
	free(route);
}

/* How addresses are tracked. */
const char *
route_backend(void)
{
	return "getifaddrs";
}

/* Copy the current addresses. Returns the count, or -1. */
int
route_addresses(struct route *route, struct route_addr **out)
{
	if (route->n == 0) {
		*out = NULL;
		return 0;
	}
	if ((*out = reallocarray(NULL, (size_t)route->n,
	    sizeof(**out))) == NULL)
		return -1;
	memcpy(*out, route->addrs, (size_t)route->n * sizeof(**out));
	return route->n;
}
