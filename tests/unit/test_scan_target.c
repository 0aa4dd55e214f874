/*
 * test_scan_target.c: unit tests of src/scan/scan-target.c, what
 * outpost-scan makes of its command line: port lists (-p) and the
 * addresses of a CIDR range target.
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

#include "scan-target.h"

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
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
