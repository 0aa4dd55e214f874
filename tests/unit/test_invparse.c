/*
 * test_invparse.c: unit tests of src/agent/invparse.c, the line parsers
 * of the inventory's files: os-release quoting, passwd and group lines,
 * /proc/net sockets, modules, meminfo, hosts and rpm query lines; each
 * refusal says why.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "invparse.h"

/* os-release quoting. */
static void
test_os_release(void **unused)
{
	struct invparse_span	 key;
	char			 v[64], err[128];

#define OSR(s)	invparse_os_release(s, strlen(s), &key, v, sizeof(v), err, \
		    sizeof(err))
	assert_int_equal(OSR("NAME=\"Debian \\\"x\\\" GNU\""), 1);
	assert_true(invparse_span_is(&key, "NAME"));
	assert_string_equal(v, "Debian \"x\" GNU");
	assert_int_equal(OSR("ID='a b'c"), 1);
	assert_string_equal(v, "a bc");
	assert_int_equal(OSR("VERSION_ID=12  "), 1);
	assert_string_equal(v, "12");
	assert_int_equal(OSR("  # comment"), 0);
	assert_int_equal(OSR(""), 0);
	assert_int_equal(OSR("NAME=a b"), -1);
	assert_string_equal(err, "NAME: unquoted blank in the value");
	assert_int_equal(OSR("NAME=$(reboot)"), -1);
	assert_int_equal(OSR("1NAME=x"), -1);
	assert_int_equal(OSR("NAME"), -1);
	assert_int_equal(OSR("NAME=\"open"), -1);
	assert_string_equal(err, "NAME: unterminated double quote");
	assert_int_equal(OSR("NAME=\"0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789\""), -1);
#undef OSR
}

/* passwd and group lines. */
static void
test_passwd_group(void **unused)
{
	struct invparse_user	 u;
	struct invparse_group	 g;
	char			 err[128];
	const char		*l;

	l = "alice:x:1000:100:Alice:/home/alice:/bin/sh";
	assert_int_equal(invparse_passwd(l, strlen(l), &u, err, sizeof(err)),
	    1);
	assert_true(invparse_span_is(&u.name, "alice"));
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 100);
	assert_true(invparse_span_is(&u.home, "/home/alice"));
	assert_true(invparse_span_is(&u.shell, "/bin/sh"));
	l = "+nis::::::";
	assert_int_equal(invparse_passwd(l, strlen(l), &u, err, sizeof(err)),
	    0);
	l = "bob:x:4294967296:1::/:/bin/sh";
	assert_int_equal(invparse_passwd(l, strlen(l), &u, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "user bob: bad uid \"4294967296\"");
	l = "a:b:c:d:e:f:g:h";
	assert_int_equal(invparse_passwd(l, strlen(l), &u, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "expected 7 colon-separated fields, got "
	    "more than 7");
	l = "adm:x:4:syslog,alice";
	assert_int_equal(invparse_group(l, strlen(l), &g, err, sizeof(err)),
	    1);
	assert_int_equal(g.gid, 4);
	assert_true(invparse_span_is(&g.members, "syslog,alice"));
	l = "adm:x:four:";
	assert_int_equal(invparse_group(l, strlen(l), &g, err, sizeof(err)),
	    -1);
}

/* /proc/net lines as a little-endian kernel prints them. */
static void
test_proc_net(void **unused)
{
	struct invparse_socket	 s;
	char			 err[128], text[64];
	const char		*l;

	l = "   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 "
	    "00:00000000 00000000     0        0 5555 1 0 100 0 0 10 0";
	assert_int_equal(invparse_net(l, strlen(l), AF_INET, &s, err,
	    sizeof(err)), 1);
	inet_ntop(AF_INET, &s.local.v4, text, sizeof(text));
	if (htonl(1) != 1)	/* the line above is little-endian */
		assert_string_equal(text, "127.0.0.1");
	assert_int_equal(s.local_port, 22);
	assert_int_equal(s.state, 10);
	assert_int_equal(s.inode, 5555);
	l = "  sl  local_address rem_address   st tx_queue";
	assert_int_equal(invparse_net(l, strlen(l), AF_INET, &s, err,
	    sizeof(err)), 0);
	l = "   0: 0100007F:0016 00000000:0000 0A";
	assert_int_equal(invparse_net(l, strlen(l), AF_INET, &s, err,
	    sizeof(err)), -1);
	l = "   0: 0100007G:0016 00000000:0000 0A 0:0 0:0 0 0 0 1";
	assert_int_equal(invparse_net(l, strlen(l), AF_INET, &s, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "bad IPv4 address \"0100007G:0016\"");
}

/* Small formats: modules, meminfo, hosts, rpm. */
static void
test_small_formats(void **unused)
{
	struct invparse_span	 name, key, value, addr, names[4];
	struct invparse_rpm	 r;
	uint64_t		 n;
	size_t			 nn;
	char			 err[128];
	const char		*l;

	l = "overlay 151552 1 - Live 0x0";
	assert_int_equal(invparse_module(l, strlen(l), &name, &n, err,
	    sizeof(err)), 1);
	assert_int_equal(n, 151552);
	l = "overlay big 1 - Live 0x0";
	assert_int_equal(invparse_module(l, strlen(l), &name, &n, err,
	    sizeof(err)), -1);
	l = "MemTotal:       16318412 kB";
	assert_int_equal(invparse_colon(l, strlen(l), &key, &value, err,
	    sizeof(err)), 1);
	assert_true(invparse_span_is(&key, "MemTotal"));
	assert_int_equal(invparse_kib(&value, &n), 0);
	assert_int_equal(n, 16318412ULL * 1024);
	value.p = "12 MB";
	value.len = 5;
	assert_int_equal(invparse_kib(&value, &n), -1);
	l = "127.0.1.1 host.example.net host # comment";
	assert_int_equal(invparse_hosts(l, strlen(l), &addr, names, 4, &nn,
	    err, sizeof(err)), 1);
	assert_int_equal(nn, 2);
	assert_true(invparse_span_is(&names[0], "host.example.net"));
	l = "10.0.0.1";
	assert_int_equal(invparse_hosts(l, strlen(l), &addr, names, 4, &nn,
	    err, sizeof(err)), -1);
	l = "openssl\t1\t3.0.7\t24.el9\tx86_64\topenssl-3.0.7-24.el9.src.rpm";
	assert_int_equal(invparse_rpm(l, strlen(l), &r, err, sizeof(err)), 1);
	assert_true(invparse_span_is(&r.epoch, "1"));
	l = "bash\t(none)\t5.1.8\t6.el9\tx86_64\tbash-5.1.8-6.el9.src.rpm";
	assert_int_equal(invparse_rpm(l, strlen(l), &r, err, sizeof(err)), 1);
	l = "bash\tone\t5.1.8\t6.el9\tx86_64\tx";
	assert_int_equal(invparse_rpm(l, strlen(l), &r, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "package bash: bad epoch \"one\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_os_release),
		cmocka_unit_test(test_passwd_group),
		cmocka_unit_test(test_proc_net),
		cmocka_unit_test(test_small_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
