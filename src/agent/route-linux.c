/*
 * route-linux.c: interface addresses from a libnl-route cache manager
 * driven by the event base, so address changes are seen as they happen.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>

#include "log.h"
#include "route.h"

/* The tracker: a cache manager with the route/addr cache. */
struct route {
	struct nl_cache_mngr	*mngr;
	struct nl_cache		*cache;
	struct event		*ev;
	route_change_fn		 fn;
	void			*arg;
};

/* Fill ra from a libnl address object. Returns 0, or -1 if not IP. */
static int
route_from_nl(struct nl_object *obj, struct route_addr *ra)
{
	struct rtnl_addr	*a = (struct rtnl_addr *)obj;
	struct nl_addr		*local;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	unsigned int		 len;

	memset(ra, 0, sizeof(*ra));
	if ((local = rtnl_addr_get_local(a)) == NULL)
		return -1;
	len = nl_addr_get_len(local);
	switch (nl_addr_get_family(local)) {
	case AF_INET:
		if (len != sizeof(sin->sin_addr))
			return -1;
		sin = (struct sockaddr_in *)&ra->addr;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, nl_addr_get_binary_addr(local), len);
		break;
	case AF_INET6:
		if (len != sizeof(sin6->sin6_addr))
			return -1;
		sin6 = (struct sockaddr_in6 *)&ra->addr;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, nl_addr_get_binary_addr(local), len);
		sin6->sin6_scope_id = (uint32_t)rtnl_addr_get_ifindex(a);
		break;
	default:
		return -1;
	}
	ra->prefixlen = rtnl_addr_get_prefixlen(a);
	ra->ifindex = (unsigned int)rtnl_addr_get_ifindex(a);
	if (if_indextoname(ra->ifindex, ra->ifname) == NULL)
		snprintf(ra->ifname, sizeof(ra->ifname), "if%u", ra->ifindex);
	return 0;
}

/* A change in the address cache: tell the caller. */
static void
route_change_cb(struct nl_cache *cache, struct nl_object *obj, int action,
    void *arg)
{
	struct route		*route = arg;
	struct route_addr	 ra;
	char			 text[INET6_ADDRSTRLEN];

	if (action != NL_ACT_NEW && action != NL_ACT_DEL)
		return;
	if (route_from_nl(obj, &ra) == -1)
		return;
	log_debug("address %s: %s/%d on %s",
	    action == NL_ACT_NEW ? "added" : "removed",
	    route_addr_ntop(&ra, text, sizeof(text)), ra.prefixlen, ra.ifname);
	if (route->fn != NULL)
		route->fn(action == NL_ACT_NEW, &ra, route->arg);
}

/* The netlink socket is readable: let the cache manager apply updates. */
static void
route_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct route	*route = arg;
	int		 rc;

	if ((rc = nl_cache_mngr_data_ready(route->mngr)) < 0)
		log_warnx("route netlink: %s", nl_geterror(rc));
}

/* Start following the host's addresses. Returns the tracker, or NULL. */
struct route *
route_open(struct event_base *base, route_change_fn fn, void *arg)
{
	struct route	*route;
	int		 rc;

	if ((route = calloc(1, sizeof(*route))) == NULL)
		return NULL;
	route->fn = fn;
	route->arg = arg;
	rc = nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, NL_AUTO_PROVIDE,
	    &route->mngr);
	if (rc < 0) {
		log_warnx("route netlink: cache manager: %s", nl_geterror(rc));
		goto fail;
	}
	rc = nl_cache_mngr_add(route->mngr, "route/addr", route_change_cb,
	    route, &route->cache);
	if (rc < 0) {
		log_warnx("route netlink: address cache: %s", nl_geterror(rc));
		goto fail;
	}
	route->ev = event_new(base, nl_cache_mngr_get_fd(route->mngr),
	    EV_READ | EV_PERSIST, route_read_cb, route);
	if (route->ev == NULL || event_add(route->ev, NULL) == -1)
		goto fail;
	return route;
fail:
	route_close(route);
	errno = EIO;
	return NULL;
}

/* Stop following and free everything. */
void
route_close(struct route *route)
{
	if (route == NULL)
		return;
	if (route->ev != NULL)
		event_free(route->ev);
	if (route->mngr != NULL)
		nl_cache_mngr_free(route->mngr);
	free(route);
}

/* How addresses are tracked. */
const char *
route_backend(void)
{
	return "netlink";
}

/* The array route_addresses() builds from the cache. */
struct route_collect {
	struct route_addr	*addrs;
	int			 n;
	int			 cap;
	int			 failed;
};

/* Add one cached address to the array being built. */
static void
route_collect_cb(struct nl_object *obj, void *arg)
{
	struct route_collect	*c = arg;
	struct route_addr	*grown;

	if (c->failed)
		return;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		grown = reallocarray(c->addrs, (size_t)c->cap,
		    sizeof(*c->addrs));
		if (grown == NULL) {
			c->failed = 1;
			return;
		}
		c->addrs = grown;
	}
	if (route_from_nl(obj, &c->addrs[c->n]) == 0)
		c->n++;
}

/* Copy the current addresses. Returns the count, or -1. */
int
route_addresses(struct route *route, struct route_addr **out)
{
	struct route_collect	 c = { NULL, 0, 0, 0 };

	nl_cache_foreach(route->cache, route_collect_cb, &c);
	if (c.failed) {
		free(c.addrs);
		errno = ENOMEM;
		return -1;
	}
	*out = c.addrs;
	return c.n;
}
