/*
 * test_cidr.c: unit tests of src/common/cidr.c, the CIDR networks of the
 * correlation ID service's approved networks and of outpost-scan's
 * targets: parsing (garbage refused with a reason) and matching across
 * prefix lengths and address families.
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

#include "cidr.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cidr_parse),
		cmocka_unit_test(test_cidr_contains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
