/*
 * fuzz_correlation.c: libFuzzer target for the parsers of the correlation
 * ID service and outpost-scan. Byte 0 picks one: a configuration profile
 * (JSON from the platform, through the agent's profile parser), the
 * correlation line (what a scanned port sends), a port list, or a CIDR
 * network/range.
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cidr.h"
#include "log.h"
#include "profile.h"
#include "correlation-wire.h"
#include "scan-target.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The profile parser, and its correlation settings parsed back. */
static void
fuzz_profile(const char *data, size_t size)
{
	struct json_tokener	*tok;
	struct json_object	*doc, *again;
	struct profile		 p, q;
	char			 err[256];

	if ((tok = json_tokener_new()) == NULL)
		abort();
	doc = json_tokener_parse_ex(tok, data, (int)size);
	json_tokener_free(tok);
	profile_default(&p);
	profile_default(&q);
	if (profile_parse(&p, doc, err, sizeof(err)) == -1) {
		if (err[0] == '\0' || p.text != NULL)
			abort();
	} else if (p.correlation_error[0] == '\0') {
		/* What was accepted round-trips. */
		again = json_object_new_object();
		json_object_object_add(again, "correlation",
		    profile_correlation_json(&p.correlation));
		if (profile_parse(&q, again, err, sizeof(err)) != 0 ||
		    q.correlation_error[0] != '\0' ||
		    memcmp(&p.correlation, &q.correlation,
		    sizeof(p.correlation)) != 0)
			abort();
		json_object_put(again);
	}
	if (p.heartbeat_interval < 10 || p.heartbeat_interval > 86400 ||
	    p.inventory_interval < 60 || p.inventory_interval > 604800)
		abort();
	profile_clear(&p);
	profile_clear(&q);
	json_object_put(doc);
}

/* The wire line. */
static void
fuzz_line(const char *data, size_t size)
{
	char	 cid[CORR_ID_LEN + 1], err[256], line[CORR_WIRE_LEN + 1];
	int	 rc;

	rc = corr_wire_parse(data, size, cid, err, sizeof(err));
	if (rc == 1 && (corr_wire_format(cid, line, sizeof(line)) !=
	    CORR_WIRE_LEN || memcmp(line, data, CORR_WIRE_LEN) != 0))
		abort();
	if (rc == -1 && err[0] == '\0')
		abort();
}

/* Port lists and networks (NUL-terminated text). */
static void
fuzz_text(int which, const char *data, size_t size)
{
	struct sockaddr_storage	 ss;
	struct scan_range	 r;
	struct cidr		 n;
	socklen_t		 len;
	char			*text, err[256];
	int			 ports[SCAN_MAX_PORTS], count, i;

	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (which == 2) {
		count = scan_ports_parse(text, ports, SCAN_MAX_PORTS, err,
		    sizeof(err));
		for (i = 1; i < count; i++)
			if (ports[i] <= ports[i - 1] || ports[i] > 65535)
				abort();
	} else {
		if (cidr_parse(text, 1, &n, err, sizeof(err)) == 0) {
			memset(&ss, 0, sizeof(ss));
			ss.ss_family = (sa_family_t)n.family;
			memcpy(n.family == AF_INET ? (void *)&((struct
			    sockaddr_in *)&ss)->sin_addr : (void *)&((struct
			    sockaddr_in6 *)&ss)->sin6_addr, n.addr,
			    n.family == AF_INET ? 4 : 16);
			if (!cidr_contains(&n, (struct sockaddr *)&ss))
				abort();
		}
		if (scan_range_parse(text, &r, err, sizeof(err)) == 0) {
			if (r.count == 0 || r.count > SCAN_MAX_HOSTS)
				abort();
			scan_range_addr(&r, r.count - 1, &ss, &len);
			if (!cidr_contains(&r.net, (struct sockaddr *)&ss))
				abort();
		}
	}
	free(text);
}

/* Run one input through the parser byte 0 picks. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		fuzz_profile((const char *)data + 1, size - 1);
		break;
	case 1:
		fuzz_line((const char *)data + 1, size - 1);
		break;
	default:
		fuzz_text(data[0] % 4, (const char *)data + 1, size - 1);
		break;
	}
	return 0;
}
