/*
 * route-common.c: the parts of route.h shared by every implementation.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "route.h"

/* Format an address as text. Returns buf. */
const char *
route_addr_ntop(const struct route_addr *ra, char *buf, size_t len)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	buf[0] = '\0';
	if (ra->addr.ss_family == AF_INET) {
		sin = (const struct sockaddr_in *)&ra->addr;
		inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)len);
	} else if (ra->addr.ss_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)&ra->addr;
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, (socklen_t)len);
	}
	return buf;
}

/* The current addresses as a JSON array. */
struct json_object *
route_status_json(struct route *route)
{
	struct json_object	*arr, *item;
	struct route_addr	*addrs = NULL;
	char			 text[INET6_ADDRSTRLEN];
	int			 i, n;

	arr = json_object_new_array();
	if (route == NULL || (n = route_addresses(route, &addrs)) < 0)
		return arr;
	for (i = 0; i < n; i++) {
		item = json_object_new_object();
		json_object_object_add(item, "interface",
		    json_object_new_string(addrs[i].ifname));
		json_object_object_add(item, "address",
		    json_object_new_string(route_addr_ntop(&addrs[i], text,
		    sizeof(text))));
		json_object_object_add(item, "prefixlen",
		    json_object_new_int(addrs[i].prefixlen));
		json_object_array_add(arr, item);
	}
	free(addrs);
	return arr;
}
