/*
 * test_correlation.c: the pure parts of the correlation ID service and
 * outpost-scan: CIDR networks, the wire line, port lists and address
 * ranges.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "cidr.h"
#include "correlation-wire.h"
#include "scan-target.h"

#define CID	"5b0e2a7c9d1f4e3a8b6c0d2e4f6a8b1c"

/* A sockaddr for a literal address. */
static struct sockaddr_storage
addr(const char *text)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else {
		assert_int_equal(inet_pton(AF_INET6, text, &sin6->sin6_addr),
		    1);
		sin6->sin6_family = AF_INET6;
	}
	return ss;
}

/* CIDR parsing: good networks, and garbage refused with a reason. */
static void
test_cidr_parse(void **unused)
{
	struct cidr	 n;
	char		 err[128], buf[CIDR_TEXT_MAX];

	assert_int_equal(cidr_parse("10.0.0.0/8", 0, &n, err, sizeof(err)), 0);
	assert_int_equal(n.family, AF_INET);
	assert_int_equal(n.prefixlen, 8);
	assert_string_equal(cidr_format(&n, buf, sizeof(buf)), "10.0.0.0/8");
	assert_int_equal(cidr_parse("2001:DB8::/32", 0, &n, err, sizeof(err)),
	    0);
	assert_string_equal(cidr_format(&n, buf, sizeof(buf)),
	    "2001:db8::/32");
	assert_int_equal(cidr_parse("0.0.0.0/0", 0, &n, err, sizeof(err)), 0);
	assert_int_equal(cidr_parse("192.0.2.1", 1, &n, err, sizeof(err)), 0);
	assert_int_equal(n.prefixlen, 32);

	assert_int_equal(cidr_parse("192.0.2.1", 0, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ADDRESS/PREFIX"));
	assert_int_equal(cidr_parse("10.0.0.1/8", 0, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "host bits"));
	assert_int_equal(cidr_parse("10.0.0.0/33", 0, &n, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "0 to 32"));
	assert_int_equal(cidr_parse("::/129", 0, &n, err, sizeof(err)), -1);
	assert_int_equal(cidr_parse("10.0.0.0/", 0, &n, err, sizeof(err)), -1);
	assert_int_equal(cidr_parse("10.0.0.0/-1", 0, &n, err, sizeof(err)),
	    -1);
	assert_int_equal(cidr_parse("10.0.0.0/08x", 0, &n, err, sizeof(err)),
	    -1);
	assert_int_equal(cidr_parse("host/24", 0, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not an IPv4 or IPv6 address"));
	assert_int_equal(cidr_parse("", 0, &n, err, sizeof(err)), -1);
}

/* CIDR matching, across prefix lengths and families. */
static void
test_cidr_contains(void **unused)
{
	struct sockaddr_storage	 a;
	struct cidr		 n;
	char			 err[128];

	assert_int_equal(cidr_parse("198.51.100.0/24", 0, &n, err,
	    sizeof(err)), 0);
	a = addr("198.51.100.7");
	assert_int_equal(cidr_contains(&n, (struct sockaddr *)&a), 1);
	a = addr("198.51.101.7");
	assert_int_equal(cidr_contains(&n, (struct sockaddr *)&a), 0);
	a = addr("::ffff:198.51.100.7");
	assert_int_equal(cidr_contains(&n, (struct sockaddr *)&a), 0);

	assert_int_equal(cidr_parse("10.128.0.0/9", 0, &n, err, sizeof(err)),
	    0);
	a = addr("10.200.1.1");
	assert_int_equal(cidr_contains(&n, (struct sockaddr *)&a), 1);
	a = addr("10.127.255.255");
	assert_int_equal(cidr_contains(&n, (struct sockaddr *)&a), 0);

	assert_int_equal(cidr_parse("2001:db8:7::/64", 0, &n, err,
	    sizeof(err)), 0);
	a = addr("2001:db8:7::7");
	assert_int_equal(cidr_contains(&n, (struct sockaddr *)&a), 1);
	a = addr("2001:db8:8::7");
	assert_int_equal(cidr_contains(&n, (struct sockaddr *)&a), 0);

	assert_int_equal(cidr_parse("0.0.0.0/0", 0, &n, err, sizeof(err)), 0);
	a = addr("203.0.113.9");
	assert_int_equal(cidr_contains(&n, (struct sockaddr *)&a), 1);
}

/* The wire line: formatted exactly, parsed strictly, byte by byte. */
static void
test_wire(void **unused)
{
	char	 buf[CORR_WIRE_LEN + 1], cid[CORR_ID_LEN + 1], err[256];
	int	 len;

	len = corr_wire_format(CID, buf, sizeof(buf));
	assert_int_equal(len, CORR_WIRE_LEN);
	assert_string_equal(buf, "OUTPOST-CID/1 " CID "\r\n");
	assert_int_equal(corr_wire_format("XYZ", buf, sizeof(buf)), -1);
	assert_int_equal(corr_wire_format(CID, buf, 10), -1);

	assert_int_equal(corr_wire_parse(buf, (size_t)len, cid, err,
	    sizeof(err)), 1);
	assert_string_equal(cid, CID);
	assert_int_equal(corr_wire_parse(buf, 20, cid, err, sizeof(err)), 0);
	assert_int_equal(corr_wire_parse(buf, 0, cid, err, sizeof(err)), 0);
	assert_int_equal(corr_wire_parse("SSH-2.0-OpenSSH\r\n", 17, cid, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "byte 0"));
	assert_non_null(strstr(err, "not an outpost correlation service"));
	assert_int_equal(corr_wire_parse("OUTPOST-CID/1 5B0E", 18, cid, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "byte 15"));
	assert_int_equal(corr_wire_parse("OUTPOST-CID/1 " CID "\n", 47, cid,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "expected CR"));
	assert_int_equal(corr_wire_parse("OUTPOST-CID/1 " CID "\r\r", 48, cid,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "expected LF"));
	assert_int_equal(corr_wire_parse("OUTPOST-CID/1 " CID "\r\nX", 49, cid,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "1 unexpected bytes"));

	assert_int_equal(corr_id_is_valid(CID), 1);
	assert_int_equal(corr_id_is_valid(CID "0"), 0);
	assert_int_equal(corr_id_is_valid("5B0E2A7C9D1F4E3A8B6C0D2E4F6A8B1C"),
	    0);
	assert_int_equal(corr_id_is_valid(NULL), 0);
}

/* Port lists for outpost-scan -p. */
static void
test_ports(void **unused)
{
	int	 ports[SCAN_MAX_PORTS];
	char	 err[256];

	assert_int_equal(scan_ports_parse("10001-10005", ports, SCAN_MAX_PORTS,
	    err, sizeof(err)), 5);
	assert_int_equal(ports[0], 10001);
	assert_int_equal(ports[4], 10005);
	assert_int_equal(scan_ports_parse("22,10001,22,80-81", ports,
	    SCAN_MAX_PORTS, err, sizeof(err)), 4);
	assert_int_equal(ports[0], 22);
	assert_int_equal(ports[1], 80);
	assert_int_equal(ports[3], 10001);
	assert_int_equal(scan_ports_parse("65535", ports, SCAN_MAX_PORTS, err,
	    sizeof(err)), 1);

	assert_int_equal(scan_ports_parse("", ports, SCAN_MAX_PORTS, err,
	    sizeof(err)), -1);
	assert_int_equal(scan_ports_parse("0", ports, SCAN_MAX_PORTS, err,
	    sizeof(err)), -1);
	assert_int_equal(scan_ports_parse("65536", ports, SCAN_MAX_PORTS, err,
	    sizeof(err)), -1);
	assert_int_equal(scan_ports_parse("10-5", ports, SCAN_MAX_PORTS, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "LOW-HIGH"));
	assert_int_equal(scan_ports_parse("22,,23", ports, SCAN_MAX_PORTS, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "offset 3"));
	assert_int_equal(scan_ports_parse("22;23", ports, SCAN_MAX_PORTS, err,
	    sizeof(err)), -1);
	assert_int_equal(scan_ports_parse("1-2000", ports, SCAN_MAX_PORTS, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "more than 1024"));
	assert_int_equal(scan_ports_parse("0000022", ports, SCAN_MAX_PORTS,
	    err, sizeof(err)), -1);
}

/* CIDR ranges for outpost-scan targets. */
static void
test_ranges(void **unused)
{
	struct scan_range	 r;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 err[256], text[INET6_ADDRSTRLEN];

	assert_int_equal(scan_range_parse("192.0.2.0/24", &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.count, 254);
	scan_range_addr(&r, 0, &ss, &len);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, text,
	    sizeof(text));
	assert_string_equal(text, "192.0.2.1");
	scan_range_addr(&r, 253, &ss, &len);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, text,
	    sizeof(text));
	assert_string_equal(text, "192.0.2.254");

	assert_int_equal(scan_range_parse("192.0.2.4/31", &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.count, 2);
	assert_int_equal(scan_range_parse("192.0.2.4/32", &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.count, 1);
	assert_int_equal(scan_range_parse("10.0.0.0/16", &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.count, 65534);
	scan_range_addr(&r, 255, &ss, &len);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, text,
	    sizeof(text));
	assert_string_equal(text, "10.0.1.0");

	assert_int_equal(scan_range_parse("2001:db8::ff00/120", &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.count, 256);
	scan_range_addr(&r, 255, &ss, &len);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, text,
	    sizeof(text));
	assert_string_equal(text, "2001:db8::ffff");

	assert_int_equal(scan_range_parse("10.0.0.0/15", &r, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "more than 65536"));
	assert_int_equal(scan_range_parse("2001:db8::/64", &r, err,
	    sizeof(err)), -1);
	assert_int_equal(scan_range_parse("10.0.0.1/24", &r, err,
	    sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cidr_parse),
		cmocka_unit_test(test_cidr_contains),
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
