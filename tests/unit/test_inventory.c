/*
 * test_inventory.c: the inventory's pure parts: the dpkg status parser,
 * the line parsers of invparse.c, canonical digests, inventory.json.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "compat.h"
#include "dpkg.h"
#include "invparse.h"
#include "invstate.h"
#include "jsonutil.h"

/*
 * Feed text to the dpkg parser line by line. Returns the number of
 * installed packages, or -1 with the error in err; names them in names.
 */
static int
feed_dpkg(const char *text, char *err, size_t errlen, char *names,
    size_t nameslen)
{
	struct dpkg_parser	 p;
	struct dpkg_package	 pkg;
	const char		*line = text, *nl;
	int			 rc, n = 0, at_end = 0;

	names[0] = '\0';
	dpkg_parser_init(&p);
	while (!at_end) {
		if (*line == '\0') {
			rc = dpkg_parser_end(&p, &pkg, err, errlen);
			at_end = 1;
		} else {
			if ((nl = strchr(line, '\n')) == NULL)
				nl = line + strlen(line);
			rc = dpkg_parser_line(&p, line, (size_t)(nl - line),
			    &pkg, err, errlen);
			line = *nl == '\n' ? nl + 1 : nl;
		}
		if (rc == -1) {
			dpkg_parser_free(&p);
			return -1;
		}
		if (rc == 0)
			continue;
		if (dpkg_package_is_installed(&pkg)) {
			n++;
			strlcat(names, pkg.name, nameslen);
			strlcat(names, "=", nameslen);
			strlcat(names, pkg.version, nameslen);
			if (pkg.source != NULL) {
				strlcat(names, "/", nameslen);
				strlcat(names, pkg.source, nameslen);
			}
			strlcat(names, " ", nameslen);
		}
		dpkg_package_free(&pkg);
	}
	dpkg_parser_free(&p);
	return n;
}

/* Paragraphs, statuses, continuation lines, CRLF, the last paragraph. */
static void
test_dpkg_good(void **unused)
{
	char	 err[256], names[512];

	assert_int_equal(feed_dpkg(
	    "Package: a\nStatus: install ok installed\nVersion: 1:2.0-1\n"
	    "Description: x\n more\n .\n\n\n"
	    "package: b\nstatus: hold ok installed\nversion: 3\n"
	    "Source: bsrc (2)\n\n"
	    "Package: c\nStatus: deinstall ok config-files\nVersion: 1\n\n"
	    "Package: d\r\nStatus: install ok installed\r\nVersion: 4\r\n",
	    err, sizeof(err), names, sizeof(names)), 3);
	assert_string_equal(names, "a=1:2.0-1 b=3/bsrc d=4 ");
}

/* Garbage is refused with the line number and why. */
static void
test_dpkg_garbage(void **unused)
{
	static const struct {
		const char	*text;
		const char	*error;
	} cases[] = {
		{ "Package: a\nno colon here\n", "line 2: expected \"Field: "
		    "value\", got \"no colon here\"" },
		{ " continuation\n", "line 1: continuation line outside a "
		    "field" },
		{ "Package: a\nPackage: b\n", "line 2: duplicate Package "
		    "field" },
		{ "Version: 1\nStatus: install ok installed\n\n", "line 1: "
		    "paragraph has no Package field" },
		{ "Package: a\nStatus: install ok\n", "line 2: Status "
		    "\"install ok\" has fewer than three words" },
		{ "Package: a\nStatus: install ok weird\n", "line 2: Status "
		    "\"install ok weird\": unknown state \"weird\"" },
		{ "Package: a\nStatus: install ok installed\n\n",
		    "line 1: installed package a has no Version field" },
		{ "Package: a b\n", "line 1: Package \"a b\" contains a blank "
		    "or control character" },
		{ "Package:\n", "line 1: Package has an empty value" },
		{ "Package: a\n Version: 1\n", "line 2: Package cannot "
		    "continue on another line" },
		{ "Package: a\nX-Note: a\n b\n", NULL },	/* fine */
		{ "#comment: x\n", "line 1: bad field name \"#comment\"" },
		{ "Package: a\nVersion: 1\n version continued\n", "line 3: "
		    "Version cannot continue on another line" },
	};
	char	 err[256], names[256];
	size_t	 i;
	int	 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		rc = feed_dpkg(cases[i].text, err, sizeof(err), names,
		    sizeof(names));
		if (cases[i].error == NULL) {
			assert_int_not_equal(rc, -1);
			continue;
		}
		assert_int_equal(rc, -1);
		assert_string_equal(err, cases[i].error);
	}
}

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

/* Digests do not depend on member order; they do on values. */
static void
test_digest(void **unused)
{
	struct json_object	*a, *b, *c;
	char			 ha[65], hb[65], hc[65];

	a = json_tokener_parse("{\"x\":1,\"y\":[\"a\\\"b\",null,true]}");
	b = json_tokener_parse("{\"y\":[\"a\\\"b\",null,true],\"x\":1}");
	c = json_tokener_parse("{\"y\":[\"a\\\"b\",null,false],\"x\":1}");
	assert_int_equal(invstate_digest(a, ha), 0);
	assert_int_equal(invstate_digest(b, hb), 0);
	assert_int_equal(invstate_digest(c, hc), 0);
	assert_string_equal(ha, hb);
	assert_string_not_equal(ha, hc);
	assert_int_equal(strlen(ha), 64);
	json_object_put(a);
	json_object_put(b);
	json_object_put(c);
	/* The canonical text of {"a":"é\n"} is {"a":"é\u000a"}. */
	a = json_tokener_parse("{\"a\":\"\\u00e9\\n\"}");
	assert_int_equal(invstate_digest(a, ha), 0);
	/* sha256 of {"a":"\xc3\xa9\u000a"} */
	assert_string_equal(ha,
	    "05116d2706e9b897b92c66f648d21b8d3ed1e6e48f4d999cd0c213c6931bb1d3");
	json_object_put(a);
}

/* Applying full and delta records to digests. */
static void
test_apply(void **unused)
{
	struct json_object	*base, *body, *out;
	char			 err[128], h[65];

	body = json_tokener_parse("{\"type\":\"full\",\"data\":{\"os\":{},"
	    "\"packages\":[1]}}");
	base = invstate_apply(NULL, body, err, sizeof(err));
	assert_non_null(base);
	assert_int_equal(json_object_object_length(base), 2);
	json_object_put(body);
	body = json_tokener_parse("{\"type\":\"delta\",\"base_version\":1,"
	    "\"set\":{\"packages\":[2]},\"remove\":[\"os\"]}");
	out = invstate_apply(base, body, err, sizeof(err));
	assert_non_null(out);
	assert_int_equal(json_object_object_length(out), 1);
	json_object_put(body);
	body = json_tokener_parse("[2]");
	invstate_digest(body, h);
	assert_string_equal(json_get_string(out, "packages"), h);
	json_object_put(body);
	json_object_put(out);
	body = json_tokener_parse("{\"type\":\"partial\"}");
	assert_null(invstate_apply(base, body, err, sizeof(err)));
	json_object_put(body);
	json_object_put(base);
}

/*
 * Item-level deltas: the agent's diff of two package lists, applied by
 * the platform (invitem_apply) to the old list, gives the new list; the
 * agent's items after the delta equal those built from the new list; and
 * the items survive inventory.json.
 */
static void
test_items(void **unused)
{
	const struct invitem_section *sec = invitem_find("packages");
	struct invstate_items	 now;
	struct invstate		 st, back;
	struct json_object	*old, *new, *doc, *put, *del, *ops, *items;
	struct json_object	*body;
	char			 field[128], msg[256], err[128], dir[64];
	long			 n;
	size_t			 i;

	old = json_tokener_parse("[{\"name\":\"a\",\"version\":\"1\","
	    "\"arch\":\"amd64\",\"ecosystem\":\"deb\"},{\"name\":\"b\","
	    "\"version\":\"1\",\"arch\":\"amd64\",\"ecosystem\":\"deb\"},"
	    "{\"name\":\"c\",\"version\":\"1\",\"arch\":null,"
	    "\"ecosystem\":\"deb\"}]");
	new = json_tokener_parse("[{\"name\":\"a\",\"version\":\"2\","
	    "\"arch\":\"amd64\",\"ecosystem\":\"deb\"},{\"name\":\"aa\","
	    "\"version\":\"1\",\"arch\":\"amd64\",\"ecosystem\":\"deb\"},"
	    "{\"name\":\"c\",\"version\":\"1\",\"arch\":null,"
	    "\"ecosystem\":\"deb\"}]");
	assert_non_null(sec);
	assert_int_equal(invstate_init(&st, "agent-1"), 0);
	body = json_object_new_object();
	json_add_string(body, "type", "full");
	doc = json_object_new_object();
	json_object_object_add(doc, "packages", json_object_get(old));
	json_object_object_add(body, "data", doc);
	assert_int_equal(invstate_items_apply(&st, body), 0);
	json_object_put(body);
	assert_true(st.items[invitem_index(sec)].is_known);
	assert_int_equal(st.items[invitem_index(sec)].n, 3);

	/* a changed, aa new, b gone, c the same. */
	assert_int_equal(invstate_items_build(sec, new, &now), 0);
	n = invstate_items_diff(&st.items[invitem_index(sec)], &now, new,
	    &put, &del);
	assert_int_equal(n, 3);
	assert_int_equal(json_object_array_length(put), 2);
	assert_string_equal(json_object_to_json_string_ext(del,
	    JSON_C_TO_STRING_PLAIN), "[{\"name\":\"b\",\"arch\":\"amd64\","
	    "\"ecosystem\":\"deb\"}]");
	ops = json_object_new_object();
	json_object_object_add(ops, "put", put);
	json_object_object_add(ops, "delete", del);
	items = json_object_new_object();
	json_object_object_add(items, "packages", ops);

	/* The platform's side. */
	doc = json_object_new_object();
	json_object_object_add(doc, "packages", json_object_get(old));
	assert_int_equal(invitem_apply(doc, items, field, sizeof(field), msg,
	    sizeof(msg)), 0);
	assert_string_equal(json_object_to_json_string(json_object_object_get(
	    doc, "packages")), json_object_to_json_string(new));
	/* Applied twice: b is not held any more. */
	assert_int_equal(invitem_apply(doc, items, field, sizeof(field), msg,
	    sizeof(msg)), 1);
	assert_string_equal(field, "items.packages.delete[0]");
	json_object_put(doc);

	/* The agent's side: the items of the new list. */
	body = json_object_new_object();
	json_add_string(body, "type", "delta");
	json_object_object_add(body, "items", items);
	assert_int_equal(invstate_items_apply(&st, body), 0);
	json_object_put(body);
	assert_int_equal(st.items[invitem_index(sec)].n, now.n);
	for (i = 0; i < now.n; i++) {
		assert_string_equal(st.items[invitem_index(sec)].v[i].key,
		    now.v[i].key);
		assert_memory_equal(st.items[invitem_index(sec)].v[i].digest,
		    now.v[i].digest, INVSTATE_DIGEST_SIZE);
	}

	/* Through inventory.json. */
	snprintf(dir, sizeof(dir), "/tmp/test_inventory.XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(invstate_save(dir, &st), 0);
	assert_int_equal(invstate_load(dir, &back, err, sizeof(err)), 0);
	assert_int_equal(back.items[invitem_index(sec)].n, now.n);
	for (i = 0; i < now.n; i++)
		assert_memory_equal(back.items[invitem_index(sec)].v[i].digest,
		    now.v[i].digest, INVSTATE_DIGEST_SIZE);
	assert_false(back.items[invitem_index(invitem_find("users"))].is_known);
	invstate_free(&back);
	assert_int_equal(invstate_remove(dir), 0);
	rmdir(dir);

	/* Out of key order, or a key twice: the section goes whole. */
	invstate_items_free(&now);
	doc = json_tokener_parse("[{\"name\":\"b\"},{\"name\":\"a\"}]");
	assert_int_equal(invstate_items_build(sec, doc, &now), 1);
	json_object_put(doc);
	doc = json_tokener_parse("[{\"name\":\"a\"},{\"name\":\"a\"}]");
	assert_int_equal(invstate_items_build(sec, doc, &now), 1);
	json_object_put(doc);
	invstate_free(&st);
	json_object_put(old);
	json_object_put(new);
}

/* inventory.json round trip and corruption. */
static void
test_state_file(void **unused)
{
	struct invstate	 st, back;
	char		 dir[64], err[128], *text, *text2;
	static const char *const bad[] = {
		"{",
		"{\"format\":2}",
		"{\"format\":1,\"acked\":{}}",
		"{\"format\":1,\"acked\":{\"inventory_version\":1,"
		    "\"sequence\":1,\"time\":0,\"digests\":{\"os\":\"xyz\"}},"
		    "\"last_scan\":0}",
		"{\"format\":1,\"acked\":{\"inventory_version\":-1,"
		    "\"sequence\":1,\"time\":0,\"digests\":{}},"
		    "\"last_scan\":0}",
		"{\"format\":1,\"acked\":{\"inventory_version\":1,"
		    "\"sequence\":1,\"time\":0,\"digests\":{}},\"pending\":"
		    "{\"sequence\":0},\"last_scan\":0}",
		"{\"format\":1,\"acked\":{\"inventory_version\":1,"
		    "\"sequence\":1,\"time\":0,\"digests\":{},\"items\":"
		    "{\"packages\":{\"not json\":\"0123456789abcdef0123456789"
		    "abcdef0123456789abcdef0123456789abcdef\"}}},\"last_scan\":0}",
		"{\"format\":1,\"acked\":{\"inventory_version\":1,"
		    "\"sequence\":1,\"time\":0,\"digests\":{},\"items\":"
		    "{\"os\":{}}},\"last_scan\":0}",
		NULL
	};
	int		 i;

	snprintf(dir, sizeof(dir), "/tmp/test_inventory.XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(invstate_init(&st, "agent-1"), 0);
	st.acked_version = 4;
	st.acked_sequence = 9;
	json_add_string(st.acked, "os", "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef");
	st.pending_sequence = 10;
	st.pending_base = 4;
	st.pending = json_object_new_object();
	st.last_scan = 1700000000;
	assert_int_equal(invstate_save(dir, &st), 0);
	assert_int_equal(invstate_load(dir, &back, err, sizeof(err)), 0);
	assert_string_equal(back.agent_id, "agent-1");
	assert_int_equal(back.acked_version, 4);
	assert_int_equal(back.acked_sequence, 9);
	assert_int_equal(back.pending_sequence, 10);
	assert_int_equal(back.pending_is_full, 0);
	assert_int_equal(back.last_scan, 1700000000);
	text = invstate_text(&back);
	text2 = invstate_text(&st);
	assert_string_equal(text, text2);
	free(text);
	free(text2);
	invstate_free(&back);
	invstate_free(&st);
	for (i = 0; bad[i] != NULL; i++) {
		err[0] = '\0';
		assert_int_equal(invstate_parse(bad[i], strlen(bad[i]), &back,
		    err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(invstate_remove(dir), 0);
	assert_int_equal(invstate_load(dir, &back, err, sizeof(err)),
	    -ENOENT);
	assert_int_equal(invstate_remove(dir), 0);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpkg_good),
		cmocka_unit_test(test_dpkg_garbage),
		cmocka_unit_test(test_os_release),
		cmocka_unit_test(test_passwd_group),
		cmocka_unit_test(test_proc_net),
		cmocka_unit_test(test_small_formats),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_state_file),
		cmocka_unit_test(test_items),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
