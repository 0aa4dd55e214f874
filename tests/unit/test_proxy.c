/*
 * test_proxy.c: proxy.conf parsing, the five-proxy limit, URL parsing and
 * masking, no_proxy matching, refusal of a password file others can
 * read, the environment fallback and the order of proxies tried.
 */
#include "config.h"

#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "proxy.h"

static char	test_dir[] = "/tmp/test_proxy.XXXXXX";
static char	errors[8192];
static int	nerrors;

/* Collect "file:line: reason" lines into errors[]. */
static void
collect_error(const char *file, int line, const char *reason, void *arg)
{
	size_t	 len = strlen(errors);

	snprintf(errors + len, sizeof(errors) - len, "%s:%d: %s\n", file, line,
	    reason);
	nerrors++;
}

/* Write text to DIR/name with mode; returns the path (static buffer). */
static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char	 path[256];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s", test_dir, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

/* Parse text as a proxy file; returns the parser's result. */
static int
parse_text(const char *text, mode_t mode, struct proxy_config *pc)
{
	errors[0] = '\0';
	nerrors = 0;
	return proxy_config_parse_file(pc, write_file("proxy.conf", text,
	    mode), collect_error, NULL);
}

/* URLs: user info, IPv6, percent escapes, masking. */
static void
test_parse_url(void **state)
{
	struct proxy	 p, q;
	char		 err[256];

	assert_int_equal(proxy_parse_url("http://proxy.corp:3128", &p, err,
	    sizeof(err)), 0);
	assert_string_equal(p.url, "http://proxy.corp:3128");
	assert_string_equal(p.host, "proxy.corp");
	assert_int_equal(p.port, 3128);
	assert_null(p.user);
	assert_null(p.password);
	assert_string_equal(p.masked, "http://proxy.corp:3128");
	proxy_clear(&p);

	assert_int_equal(proxy_parse_url("http://bob:p%40ss%3Aw@10.1.2.3:8080/",
	    &p, err, sizeof(err)), 0);
	assert_string_equal(p.url, "http://10.1.2.3:8080");
	assert_string_equal(p.user, "bob");
	assert_string_equal(p.password, "p@ss:w");
	assert_string_equal(p.masked, "http://bob:****@10.1.2.3:8080");
	proxy_clear(&p);

	assert_int_equal(proxy_parse_url("HTTP://u:a:b@[::1]:3128", &p, err,
	    sizeof(err)), 0);
	assert_string_equal(p.url, "http://[::1]:3128");
	assert_string_equal(p.host, "::1");
	assert_string_equal(p.password, "a:b");
	assert_string_equal(p.masked, "http://u:****@[::1]:3128");

	assert_int_equal(proxy_copy(&q, &p), 0);
	proxy_clear(&p);
	assert_string_equal(q.url, "http://[::1]:3128");
	assert_string_equal(q.host, "::1");
	assert_int_equal(q.port, 3128);
	assert_string_equal(q.user, "u");
	assert_string_equal(q.password, "a:b");
	assert_string_equal(q.masked, "http://u:****@[::1]:3128");
	proxy_clear(&q);
	assert_null(q.url);

	assert_int_equal(proxy_parse_url("http://u@h:1", &p, err,
	    sizeof(err)), 0);
	assert_string_equal(p.user, "u");
	assert_string_equal(p.password, "");
	assert_string_equal(p.masked, "http://u@h:1");
	proxy_clear(&p);
}

/* Bad URLs are refused with a reason. */
static void
test_parse_url_bad(void **state)
{
	static const char *const bad[] = {
		"proxy:3128", "https://proxy:3128", "socks5://proxy:1080",
		"http://proxy", "http://proxy:", "http://proxy:0",
		"http://proxy:65536", "http://proxy:12ab", "http://:3128",
		"http://pro xy:3128", "http://proxy:3128/path", "http://[::1:3128",
		"http://[zz]:3128", "http://:pw@proxy:3128", "",
	};
	struct proxy	 p;
	char		 err[256];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		memset(&p, 0, sizeof(p));
		assert_int_equal(proxy_parse_url(bad[i], &p, err, sizeof(err)),
		    -1);
		assert_true(err[0] != '\0');
		assert_null(p.url);
	}
	assert_int_equal(proxy_parse_url("https://proxy:3128", &p, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "only http:// proxies are supported");
	assert_int_equal(proxy_parse_url("http://u:pa/ss@proxy:3128", &p, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "percent-encode '/'"));
	assert_int_equal(proxy_parse_url("http://u:pa%2Fss@proxy:3128", &p,
	    err, sizeof(err)), 0);
	assert_string_equal(p.password, "pa/ss");
	proxy_clear(&p);
	assert_int_equal(proxy_parse_url("http://proxy:99999", &p, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "bad port \"99999\""));
	/* Percent-escapes are checked: two hex digits after each '%'. */
	assert_int_equal(proxy_parse_url("http://u:pa%zzss@proxy:3128", &p,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad percent-escape"));
	assert_int_equal(proxy_parse_url("http://u%4:pw@proxy:3128", &p,
	    err, sizeof(err)), -1);
	assert_int_equal(proxy_parse_url("http://u:pw%@proxy:3128", &p,
	    err, sizeof(err)), -1);
	assert_int_equal(proxy_parse_url("http://u:100%25@proxy:3128", &p,
	    err, sizeof(err)), 0);
	assert_string_equal(p.password, "100%");
	proxy_clear(&p);
}

/* proxy_mask_url hides any password, keeps everything else. */
static void
test_mask(void **state)
{
	char	 buf[128];

	assert_string_equal(proxy_mask_url("http://u:secret@h:1", buf,
	    sizeof(buf)), "http://u:****@h:1");
	assert_string_equal(proxy_mask_url("http://h:1", buf, sizeof(buf)),
	    "http://h:1");
	assert_string_equal(proxy_mask_url("http://u@h:1/x", buf,
	    sizeof(buf)), "http://u@h:1/x");
	assert_string_equal(proxy_mask_url("u:secret@h:1", buf, sizeof(buf)),
	    "u:****@h:1");
	assert_string_equal(proxy_mask_url("http://u:s@cret@h:1", buf,
	    sizeof(buf)), "http://u:****@h:1");
	assert_null(strstr(proxy_mask_url("http://u:secret@h:1", buf, 12),
	    "secret"));
}

/* A complete file: lines, a ';' list, order, fail-open, no_proxy. */
static void
test_parse_file(void **state)
{
	struct proxy_config	 pc;

	assert_int_equal(parse_text(
	    "# proxies\n"
	    "https_proxy = http://a.example:3128\n"
	    "https_proxy = http://b.example:3128 ; http://c.example:8080\n"
	    "proxy_order = random\n"
	    "proxy_fail_open = yes\n"
	    "no_proxy = localhost, .corp.example, 10.0.0.0/8\n",
	    0644, &pc), 0);
	assert_int_equal(pc.list.count, 3);
	assert_string_equal(pc.list.proxies[0].url, "http://a.example:3128");
	assert_string_equal(pc.list.proxies[1].url, "http://b.example:3128");
	assert_string_equal(pc.list.proxies[2].url, "http://c.example:8080");
	assert_int_equal(pc.order, PROXY_ORDER_RANDOM);
	assert_int_equal(pc.fail_open, 1);
	assert_int_equal(pc.bypass.count, 3);
	assert_non_null(strstr(pc.source, "proxy.conf"));
	proxy_config_free(&pc);

	/* Defaults. */
	assert_int_equal(parse_text("https_proxy = http://a:1\n", 0600, &pc),
	    0);
	assert_int_equal(pc.order, PROXY_ORDER_SEQUENTIAL);
	assert_int_equal(pc.fail_open, 0);
	assert_int_equal(pc.bypass.count, 0);
	proxy_config_free(&pc);

	/* An empty file: no proxies, direct. */
	assert_int_equal(parse_text("", 0600, &pc), 0);
	assert_int_equal(pc.list.count, 0);
	proxy_config_free(&pc);
}

/* Five proxies are fine, a sixth is an error on its line. */
static void
test_five_proxies(void **state)
{
	struct proxy_config	 pc;

	assert_int_equal(parse_text(
	    "https_proxy = http://p1:1;http://p2:2\n"
	    "https_proxy = http://p3:3\n"
	    "https_proxy = http://p4:4 ; http://p5:5\n", 0600, &pc), 0);
	assert_int_equal(pc.list.count, 5);
	proxy_config_free(&pc);

	assert_int_equal(parse_text(
	    "https_proxy = http://p1:1;http://p2:2\n"
	    "https_proxy = http://p3:3\n"
	    "https_proxy = http://p4:4 ; http://p5:5\n"
	    "https_proxy = http://p6:6\n", 0600, &pc), 1);
	assert_non_null(strstr(errors, "proxy.conf:4: https_proxy: more than "
	    "5 proxies (at most 5 are allowed)"));
	proxy_config_free(&pc);

	assert_int_equal(parse_text(
	    "https_proxy = http://p1:1;http://p2:2;http://p3:3;http://p4:4;"
	    "http://p5:5;http://p6:6\n", 0600, &pc), 1);
	assert_non_null(strstr(errors, "proxy.conf:1: "));
	proxy_config_free(&pc);
}

/* Errors name the file and line; passwords never appear in them. */
static void
test_file_errors(void **state)
{
	struct proxy_config	 pc;

	assert_int_equal(parse_text(
	    "https_proxy = http://u:topsecret@p1\n"
	    "proxy_order = roundrobin\n"
	    "proxy_fail_open = maybe\n"
	    "colour = blue\n"
	    "no_proxy = 10.0.0.0/33\n"
	    "https_proxy = ftp://p2:21\n"
	    "proxy_order = sequential\n"
	    "just some words\n", 0600, &pc), 8);
	assert_non_null(strstr(errors, "proxy.conf:1: https_proxy: "
	    "\"http://u:****@p1\": missing port"));
	assert_null(strstr(errors, "topsecret"));
	assert_non_null(strstr(errors, "proxy.conf:2: proxy_order: "
	    "\"roundrobin\" is not sequential or random"));
	assert_non_null(strstr(errors, "proxy.conf:3: proxy_fail_open: "));
	assert_non_null(strstr(errors, "proxy.conf:4: unknown key \"colour\""));
	assert_non_null(strstr(errors, "proxy.conf:5: no_proxy: bad prefix "
	    "length \"/33\""));
	assert_non_null(strstr(errors, "proxy.conf:6: https_proxy: "
	    "\"ftp://p2:21\": only http:// proxies are supported"));
	assert_non_null(strstr(errors, "proxy.conf:7: proxy_order given more "
	    "than once"));
	assert_non_null(strstr(errors, "proxy.conf:8: expected"));
	proxy_config_free(&pc);

	errors[0] = '\0';
	assert_int_equal(proxy_config_parse_file(&pc, "/nonexistent/proxy.conf",
	    collect_error, NULL), -1);
	assert_non_null(strstr(errors, "/nonexistent/proxy.conf:0: cannot "
	    "open"));
	proxy_config_free(&pc);
}

/* A password in a file group or others can access is refused. */
static void
test_password_permissions(void **state)
{
	struct proxy_config	 pc;
	const char		*text = "https_proxy = http://u:pw@p:1\n";
	char			 want[512];

	assert_int_equal(parse_text(text, 0600, &pc), 0);
	proxy_config_free(&pc);
	assert_int_equal(parse_text(text, 0400, &pc), 0);
	proxy_config_free(&pc);

	assert_int_equal(parse_text(text, 0644, &pc), 1);
	snprintf(want, sizeof(want), "%s/proxy.conf:0: holds a proxy password "
	    "but group or others have access to it (mode 0644); refused: run "
	    "\"chmod 600 %s/proxy.conf\"", test_dir, test_dir);
	assert_non_null(strstr(errors, want));
	proxy_config_free(&pc);
	assert_int_equal(parse_text(text, 0640, &pc), 1);
	proxy_config_free(&pc);
	assert_int_equal(parse_text(text, 0604, &pc), 1);
	proxy_config_free(&pc);

	/* No password: any mode will do. */
	assert_int_equal(parse_text("https_proxy = http://u@p:1\n", 0644, &pc),
	    0);
	proxy_config_free(&pc);

	/* proxy_config_load refuses it too, and proxy_check_file counts. */
	write_file("proxy.conf", text, 0644);
	snprintf(want, sizeof(want), "%s/proxy.conf", test_dir);
	assert_int_equal(proxy_config_load(&pc, want, collect_error, NULL),
	    -1);
	assert_int_equal(pc.list.count, 0);
	assert_int_equal(proxy_check_file(want), 1);
	chmod(want, 0600);
	assert_int_equal(proxy_check_file(want), 0);
	assert_int_equal(proxy_check_file("/nonexistent/proxy.conf"), 1);
}

/* Parse a no_proxy value into a fresh list. */
static void
bypass(const char *value, struct proxy_bypass_list *bl)
{
	char	 err[256];

	memset(bl, 0, sizeof(*bl));
	assert_int_equal(proxy_bypass_parse(value, bl, err, sizeof(err)), 0);
}

/* Free a list made by bypass(). */
static void
bypass_free(struct proxy_bypass_list *bl)
{
	size_t	 i;

	for (i = 0; i < bl->count; i++)
		free(bl->rules[i].name);
	free(bl->rules);
}

/* no_proxy: exact names, .domain suffixes, v4 and v6 networks. */
static void
test_no_proxy(void **state)
{
	struct proxy_bypass_list	 bl;
	char				 err[256];

	bypass("Platform.Example.com, .corp.example,*.lab.example, "
	    "10.0.0.0/8 192.168.1.7\tfd00::/8, [2001:db8::1], 172.16.0.0/12",
	    &bl);
	assert_int_equal(bl.count, 8);
	assert_true(proxy_bypass_match(&bl, "platform.example.com"));
	assert_true(proxy_bypass_match(&bl, "PLATFORM.example.com."));
	assert_false(proxy_bypass_match(&bl, "x.platform.example.com"));
	assert_false(proxy_bypass_match(&bl, "example.com"));
	assert_true(proxy_bypass_match(&bl, "a.corp.example"));
	assert_true(proxy_bypass_match(&bl, "a.b.corp.example"));
	assert_true(proxy_bypass_match(&bl, "corp.example"));
	assert_false(proxy_bypass_match(&bl, "notcorp.example"));
	assert_false(proxy_bypass_match(&bl, "corp.example.net"));
	assert_true(proxy_bypass_match(&bl, "x.lab.example"));
	assert_true(proxy_bypass_match(&bl, "10.200.3.4"));
	assert_false(proxy_bypass_match(&bl, "11.0.0.1"));
	assert_true(proxy_bypass_match(&bl, "192.168.1.7"));
	assert_false(proxy_bypass_match(&bl, "192.168.1.8"));
	assert_true(proxy_bypass_match(&bl, "172.31.255.255"));
	assert_false(proxy_bypass_match(&bl, "172.32.0.0"));
	assert_true(proxy_bypass_match(&bl, "fd12:3456::1"));
	assert_true(proxy_bypass_match(&bl, "[fd12:3456::1]"));
	assert_false(proxy_bypass_match(&bl, "fe80::1"));
	assert_true(proxy_bypass_match(&bl, "2001:db8::1"));
	assert_false(proxy_bypass_match(&bl, "2001:db8::2"));
	/* A name never matches a network: no DNS here. */
	assert_false(proxy_bypass_match(&bl, "ten.example"));
	assert_false(proxy_bypass_match(&bl, NULL));
	bypass_free(&bl);

	bypass("*", &bl);
	assert_true(proxy_bypass_match(&bl, "anything.example"));
	bypass_free(&bl);

	bypass("0.0.0.0/0", &bl);
	assert_true(proxy_bypass_match(&bl, "203.0.113.9"));
	assert_false(proxy_bypass_match(&bl, "::1"));
	bypass_free(&bl);

	bypass("", &bl);
	assert_false(proxy_bypass_match(&bl, "localhost"));
	bypass_free(&bl);

	memset(&bl, 0, sizeof(bl));
	assert_int_equal(proxy_bypass_parse("10.0.0.0/33", &bl, err,
	    sizeof(err)), -1);
	assert_int_equal(proxy_bypass_parse("fd00::/129", &bl, err,
	    sizeof(err)), -1);
	assert_int_equal(proxy_bypass_parse("host/8", &bl, err, sizeof(err)),
	    -1);
	assert_int_equal(proxy_bypass_parse("bad!host", &bl, err,
	    sizeof(err)), -1);
	assert_int_equal(proxy_bypass_parse(".", &bl, err, sizeof(err)), -1);
	bypass_free(&bl);
}

/* Without a file, https_proxy/HTTPS_PROXY and no_proxy/NO_PROXY apply. */
static void
test_env(void **state)
{
	struct proxy_config	 pc;
	char			 path[256];

	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	snprintf(path, sizeof(path), "%s/absent.conf", test_dir);

	assert_int_equal(proxy_config_load(&pc, path, collect_error, NULL), 0);
	assert_int_equal(pc.list.count, 0);
	assert_string_equal(pc.source, "environment");
	proxy_config_free(&pc);

	setenv("HTTPS_PROXY", "upper.example:3128", 1);
	setenv("NO_PROXY", ".internal", 1);
	assert_int_equal(proxy_config_load(&pc, path, collect_error, NULL), 0);
	assert_int_equal(pc.list.count, 1);
	assert_string_equal(pc.list.proxies[0].url,
	    "http://upper.example:3128");
	assert_true(proxy_bypass_match(&pc.bypass, "a.internal"));
	proxy_config_free(&pc);

	setenv("https_proxy", "http://u:pw@lower.example:8080/", 1);
	setenv("no_proxy", "localhost", 1);
	assert_int_equal(proxy_config_load(&pc, NULL, collect_error, NULL), 0);
	assert_int_equal(pc.list.count, 1);
	assert_string_equal(pc.list.proxies[0].url,
	    "http://lower.example:8080");
	assert_string_equal(pc.list.proxies[0].password, "pw");
	assert_true(proxy_bypass_match(&pc.bypass, "localhost"));
	assert_false(proxy_bypass_match(&pc.bypass, "a.internal"));
	proxy_config_free(&pc);

	/* A file, when present, wins over the environment. */
	write_file("present.conf", "https_proxy = http://file.example:1\n",
	    0600);
	snprintf(path, sizeof(path), "%s/present.conf", test_dir);
	assert_int_equal(proxy_config_load(&pc, path, collect_error, NULL), 0);
	assert_int_equal(pc.list.count, 1);
	assert_string_equal(pc.list.proxies[0].url, "http://file.example:1");
	assert_int_equal(pc.bypass.count, 0);
	proxy_config_free(&pc);

	/* A file without https_proxy lines (the shipped example) leaves the
	 * environment's proxies in force, with its own no_proxy if any. */
	write_file("commented.conf", "#https_proxy = http://x:1\n"
	    "proxy_fail_open = yes\n", 0600);
	snprintf(path, sizeof(path), "%s/commented.conf", test_dir);
	assert_int_equal(proxy_config_load(&pc, path, collect_error, NULL), 0);
	assert_int_equal(pc.list.count, 1);
	assert_string_equal(pc.list.proxies[0].url,
	    "http://lower.example:8080");
	assert_true(pc.fail_open);
	assert_true(proxy_bypass_match(&pc.bypass, "localhost"));
	assert_non_null(strstr(pc.source, "no https_proxy line"));
	proxy_config_free(&pc);
	write_file("commented.conf", "no_proxy = .corp\n", 0600);
	assert_int_equal(proxy_config_load(&pc, path, collect_error, NULL), 0);
	assert_int_equal(pc.list.count, 1);
	assert_true(proxy_bypass_match(&pc.bypass, "a.corp"));
	assert_false(proxy_bypass_match(&pc.bypass, "localhost"));
	proxy_config_free(&pc);

	/* A bad environment value is an error naming the variable. */
	setenv("https_proxy", "socks5://x:1", 1);
	errors[0] = '\0';
	assert_int_equal(proxy_config_load(&pc, NULL, collect_error, NULL),
	    -1);
	assert_non_null(strstr(errors, "environment:0: https_proxy: "));
	proxy_config_free(&pc);

	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
}

/* The order of proxies one request tries. */
static void
test_plan(void **state)
{
	struct proxy_config	 pc;
	int			 order[PROXY_MAX];

	assert_int_equal(parse_text(
	    "https_proxy = http://p0:1;http://p1:1;http://p2:1\n"
	    "no_proxy = .direct.example\n", 0600, &pc), 0);
	assert_int_equal(proxy_plan(&pc, "platform.example", 7, order), 3);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 2);
	pc.order = PROXY_ORDER_RANDOM;
	assert_int_equal(proxy_plan(&pc, "platform.example", 7, order), 3);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 0);
	assert_int_equal(proxy_plan(&pc, "platform.example", 2, order), 3);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[2], 1);
	assert_int_equal(proxy_plan(&pc, "x.direct.example", 0, order), 0);
	proxy_config_free(&pc);

	assert_int_equal(parse_text("", 0600, &pc), 0);
	assert_int_equal(proxy_plan(&pc, "platform.example", 0, order), 0);
	proxy_config_free(&pc);
}

/* Make the private directory. */
static int
setup(void **state)
{
	return mkdtemp(test_dir) == NULL ? -1 : 0;
}

/* Remove the private directory. */
static int
teardown(void **state)
{
	char	 path[256];

	snprintf(path, sizeof(path), "%s/proxy.conf", test_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/present.conf", test_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/example.conf", test_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bad.conf", test_dir);
	unlink(path);
	return rmdir(test_dir);
}

/* Run every test. Returns the number of failures. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_url),
		cmocka_unit_test(test_parse_url_bad),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_five_proxies),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_password_permissions),
		cmocka_unit_test(test_no_proxy),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_plan),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
