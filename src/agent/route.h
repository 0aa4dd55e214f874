/*
 * route.h: the host's interface addresses, kept current.
 *
 * Linux: a libnl-route cache manager on the event base follows address
 * changes live (route-linux.c). Elsewhere, or built with --disable-netlink:
 * getifaddrs(3), re-read on a timer (route-portable.c).
 */
#ifndef OUTPOST_ROUTE_H
#define OUTPOST_ROUTE_H

#include <sys/socket.h>

#include <net/if.h>
#include <netinet/in.h>

struct event_base;
struct json_object;
struct route;

/* One interface address. */
struct route_addr {
	struct sockaddr_storage	 addr;
	int			 prefixlen;
	char			 ifname[IF_NAMESIZE];
	unsigned int		 ifindex;
};

/* Called for each address added (is_added = 1) or removed (0). */
typedef void	(*route_change_fn)(int is_added, const struct route_addr *,
		    void *arg);

/*
 * Start following the host's addresses on base; changes go to fn (may be
 * NULL). Returns the tracker, or NULL with errno set.
 */
struct route	*route_open(struct event_base *, route_change_fn, void *arg);
/* Stop following and free everything. */
void		 route_close(struct route *);
/* How addresses are tracked: "netlink" or "getifaddrs". */
const char	*route_backend(void);
/*
 * Copy the current addresses into a new array (*out, freed by the caller).
 * Returns the count, or -1 with errno set.
 */
int		 route_addresses(struct route *, struct route_addr **out);
/* Format an address as text ("192.0.2.1", "fe80::1%eth0"). */
const char	*route_addr_ntop(const struct route_addr *, char *, size_t);
/* The addresses as a JSON array of {"interface","address","prefixlen"}. */
struct json_object *route_status_json(struct route *);

#endif /* OUTPOST_ROUTE_H */
