/*
 * scan-target.h: what outpost-scan is told to probe: port lists
 * ("10001-10005,20000") and address ranges in CIDR notation.
 */
#ifndef OUTPOST_SCAN_TARGET_H
#define OUTPOST_SCAN_TARGET_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "cidr.h"

#define SCAN_MAX_PORTS		1024
#define SCAN_MAX_HOSTS		65536	/* addresses in all targets */

/* The addresses of one CIDR range that are probed. */
struct scan_range {
	struct cidr	 net;
	uint64_t	 first;		/* offset of the first host */
	uint64_t	 count;		/* hosts probed */
};

/*
 * Parse a port list: comma-separated ports and ranges ("10001-10005,
 * 20000"), 1..65535 each. The ports go to ports (ascending, each once).
 * Returns their count, or -1 with the reason in err (more than max
 * ports is an error too).
 */
int	scan_ports_parse(const char *spec, int *ports, int max, char *err,
	    size_t errlen);
/*
 * Parse a CIDR range ("192.0.2.0/24", "2001:db8::/120"). IPv4 ranges of
 * /30 and wider leave out the network and broadcast addresses. A range
 * of more than SCAN_MAX_HOSTS addresses is refused. Returns 0, or -1
 * with the reason in err.
 */
int	scan_range_parse(const char *text, struct scan_range *r, char *err,
	    size_t errlen);
/* The i-th address of r (i < r->count) into ss with its length. */
void	scan_range_addr(const struct scan_range *r, uint64_t i,
	    struct sockaddr_storage *ss, socklen_t *len);

#endif /* OUTPOST_SCAN_TARGET_H */
