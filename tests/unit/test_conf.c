/*
 * test_conf.c: unit tests of src/common/conf.c, the table-driven engine
 * of outpost's "key = value" files, through a table of its own (every
 * value parser once): the size parser, defaults, the syntax of a line
 * (comments, quoting, blanks), every error reported with its line, the
 * value parsers and their refusals, over-long lines and a missing file.
 * outpost.conf's table is tested by test_agent_conf.c.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "conf-util.h"
#include "log.h"

/* A configuration with a field of every kind the engine parses. */
struct test_conf {
	char		*name;
	char		*path;
	char		*url;
	char		*pin;
	int		 count;
	int		 flag;
	uint64_t	 size;
	enum log_level	 log_level;
	char		*tag;
};

static const struct conf_range count_range = { 1, 10 };
static const struct conf_range size_range = { 1024, 1048576 };

#define F(field)	offsetof(struct test_conf, field)

static const struct conf_key test_keys[] = {
	{ "name", conf_parse_string, F(name), "none", NULL, 0 },
	{ "path", conf_parse_path, F(path), "/var/lib/test", NULL, 0 },
	{ "url", conf_parse_url, F(url), "", NULL, 0 },
	{ "pin", conf_parse_hex_sha256, F(pin), "", NULL, 0 },
	{ "count", conf_parse_int, F(count), "3", &count_range, 0 },
	{ "flag", conf_parse_bool, F(flag), "no", NULL, 0 },
	{ "size", conf_parse_size, F(size), "4K", &size_range, 0 },
	{ "log_level", conf_parse_log_level, F(log_level), "info", NULL, 0 },
	{ "tag", conf_parse_string, F(tag), NULL, NULL, 1 },
	{ NULL, NULL, 0, NULL, NULL, 0 }
};

/* Parse text with test_keys into conf. Returns conf_parse_file's count. */
static int
load(const char *text, struct test_conf *conf, struct errlist *e)
{
	const char	*path = write_temp(text);
	int		 rc;

	memset(conf, 0, sizeof(*conf));
	rc = conf_parse_file(path, test_keys, conf, collect_cb, e);
	unlink(path);
	return rc;
}

/* Sizes: digits with K, M or G (powers of 1024); garbage and overflow. */
static void
test_size_parse(void **state)
{
	uint64_t	 n;

	assert_int_equal(conf_size_parse("10M", &n), 0);
	assert_true(n == 10ULL * 1024 * 1024);
	assert_int_equal(conf_size_parse("512K", &n), 0);
	assert_true(n == 512ULL * 1024);
	assert_int_equal(conf_size_parse("1G", &n), 0);
	assert_true(n == 1024ULL * 1024 * 1024);
	assert_int_equal(conf_size_parse("64k", &n), 0);
	assert_true(n == 65536);
	assert_int_equal(conf_size_parse("10MiB", &n), 0);
	assert_true(n == 10ULL * 1024 * 1024);
	assert_int_equal(conf_size_parse("4096", &n), 0);
	assert_true(n == 4096);
	assert_int_equal(conf_size_parse("", &n), -1);
	assert_int_equal(conf_size_parse("M", &n), -1);
	assert_int_equal(conf_size_parse("10X", &n), -1);
	assert_int_equal(conf_size_parse("-1", &n), -1);
	assert_int_equal(conf_size_parse("1.5M", &n), -1);
	assert_int_equal(conf_size_parse("10 M", &n), -1);
	assert_int_equal(conf_size_parse("99999999999999999999", &n), -1);
	assert_int_equal(conf_size_parse("99999999999G", &n), -1);
}

/* Comments and blank lines only: the table's defaults; strings freed. */
static void
test_defaults(void **state)
{
	struct test_conf	 conf;
	struct errlist		 e = { .n = 0 };

	assert_int_equal(load("# a comment\n\n   \n\t# another\n", &conf, &e),
	    0);
	assert_int_equal(e.n, 0);
	assert_string_equal(conf.name, "none");
	assert_string_equal(conf.path, "/var/lib/test");
	assert_string_equal(conf.url, "");
	assert_string_equal(conf.pin, "");
	assert_int_equal(conf.count, 3);
	assert_int_equal(conf.flag, 0);
	assert_true(conf.size == 4096);
	assert_int_equal(conf.log_level, LOG_LEVEL_INFO);
	assert_null(conf.tag);
	conf_free_strings(test_keys, &conf);
	assert_null(conf.name);
	assert_null(conf.path);
	assert_null(conf.url);
	assert_null(conf.pin);
}

/*
 * The syntax of a line: blanks around key and value, a quoted value
 * keeps its blanks and '#', a trailing comment after a blank or tab, a
 * repeatable key given twice keeps the last value.
 */
static void
test_syntax(void **state)
{
	struct test_conf	 conf;
	struct errlist		 e = { .n = 0 };

	assert_int_equal(load(
	    "  name   =   \"a # b  \"  \n"
	    "path=/etc/test # trailing\n"
	    "count = 4\t# tab\n"
	    "flag = YES\n"
	    "tag = one\n"
	    "tag = two\n"
	    "url = https://h.example:8443/x\n", &conf, &e), 0);
	assert_int_equal(e.n, 0);
	assert_string_equal(conf.name, "a # b  ");
	assert_string_equal(conf.path, "/etc/test");
	assert_int_equal(conf.count, 4);
	assert_int_equal(conf.flag, 1);
	assert_string_equal(conf.tag, "two");
	assert_string_equal(conf.url, "https://h.example:8443/x");
	conf_free_strings(test_keys, &conf);
	assert_null(conf.tag);
}

/* Every error of a file, each with its line; the good lines still count. */
static void
test_errors(void **state)
{
	struct test_conf	 conf;
	struct errlist		 e = { .n = 0 };

	assert_int_equal(load("just words\n# fine\ncolour = blue\n"
	    "count = 5\ncount = 6\nsize = 10X\n= 1\nflag = on\n", &conf, &e),
	    5);
	assert_int_equal(e.n, 5);
	assert_int_equal(e.lines[0], 1);
	/* The line is never quoted: the file may not be a configuration. */
	assert_string_equal(e.reasons[0], "expected \"key = value\"");
	assert_int_equal(e.lines[1], 3);
	assert_string_equal(e.reasons[1], "unknown key \"colour\"");
	assert_int_equal(e.lines[2], 5);
	assert_string_equal(e.reasons[2], "count given more than once");
	assert_int_equal(e.lines[3], 6);
	assert_string_equal(e.reasons[3],
	    "size: \"10X\" is not a size (use e.g. 512K, 10M, 1G)");
	assert_int_equal(e.lines[4], 7);
	assert_string_equal(e.reasons[4],
	    "unknown key (not shown: not a key name)");
	assert_int_equal(conf.count, 5);
	assert_int_equal(conf.flag, 1);
	conf_free_strings(test_keys, &conf);
}

/* The value parsers: what each accepts, stores and refuses (and why). */
static void
test_parsers(void **state)
{
	static const struct {
		const char	*key;
		const char	*value;
		const char	*error;		/* NULL: accepted */
	} cases[] = {
		{ "count", "10", NULL },
		{ "count", "11", "11 is out of range 1..10" },
		{ "count", "0", "0 is out of range 1..10" },
		{ "count", "x", "\"x\" is not a number" },
		{ "count", "4x", "\"4x\" is not a number" },
		{ "count", "", "\"\" is not a number" },
		{ "flag", "off", NULL },
		{ "flag", "True", NULL },
		{ "flag", "maybe", "\"maybe\" is not yes or no" },
		{ "size", "1M", NULL },
		{ "size", "512", "512 is out of range 1024..1048576 bytes" },
		{ "size", "2M", "2M is out of range 1024..1048576 bytes" },
		{ "path", "", NULL },
		{ "path", "relative/x", "\"relative/x\" is not an absolute "
		    "path" },
		{ "url", "", NULL },
		{ "url", "http://h", "\"http://h\" is not an https:// URL" },
		{ "url", "https://", "\"https://\" has no host" },
		{ "url", "https://:8443", "\"https://:8443\" has no host" },
		{ "url", "https://h/a b", "\"https://h/a b\" has characters "
		    "not allowed in a URL" },
		{ "pin", "abc", "expected 64 hex digits (SHA-256), got 3 "
		    "characters" },
		{ "pin", "g123456789abcdef0123456789abcdef0123456789abcdef"
		    "0123456789abcdef", "\"g\" is not a hex digit" },
		{ "log_level", "warn", NULL },
		{ "log_level", "loud", "\"loud\" is not one of error, warn, "
		    "info, debug" },
	};
	const struct conf_key	*row;
	struct test_conf	 conf;
	char			 err[CONF_ERRLEN];
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (row = test_keys; strcmp(row->name, cases[i].key) != 0;
		    row++)
			;
		memset(&conf, 0, sizeof(conf));
		err[0] = '\0';
		rc = row->parse(cases[i].value, (char *)&conf + row->offset,
		    row->arg, err, sizeof(err));
		if (cases[i].error == NULL)
			assert_int_equal(rc, 0);
		else {
			assert_int_equal(rc, -1);
			assert_string_equal(err, cases[i].error);
		}
		conf_free_strings(test_keys, &conf);
	}

	/* What was stored. */
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(conf_parse_hex_sha256("ABCDEF0123456789abcdef012345"
	    "6789abcdef0123456789abcdef0123456789", &conf.pin, NULL, err,
	    sizeof(err)), 0);
	assert_string_equal(conf.pin, "abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789");
	assert_int_equal(conf_parse_bool("ON", &conf.flag, NULL, err,
	    sizeof(err)), 0);
	assert_int_equal(conf.flag, 1);
	assert_int_equal(conf_parse_size("64k", &conf.size, NULL, err,
	    sizeof(err)), 0);
	assert_true(conf.size == 65536);
	assert_int_equal(conf_parse_int("-7", &conf.count, NULL, err,
	    sizeof(err)), 0);
	assert_int_equal(conf.count, -7);
	assert_int_equal(conf_parse_int("3000000000", &conf.count, NULL, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "3000000000 is out of range");
	assert_int_equal(conf_parse_log_level("error", &conf.log_level, NULL,
	    err, sizeof(err)), 0);
	assert_int_equal(conf.log_level, LOG_LEVEL_ERROR);
	free(conf.pin);
}

/* A line too long is one error on its line; the next line still counts. */
static void
test_long_line(void **state)
{
	struct test_conf	 conf;
	struct errlist		 e = { .n = 0 };
	char			*text;

	text = malloc(10000);
	memset(text, 'a', 9000);
	strcpy(text + 9000, "\nlog_level = warn\n");
	assert_int_equal(load(text, &conf, &e), 1);
	assert_int_equal(e.lines[0], 1);
	assert_string_equal(e.reasons[0], "line longer than 4095 bytes");
	assert_int_equal(conf.log_level, LOG_LEVEL_WARN);
	conf_free_strings(test_keys, &conf);
	free(text);
}

/* A file that cannot be opened: -1, one error without a line. */
static void
test_missing_file(void **state)
{
	struct test_conf	 conf;
	struct errlist		 e = { .n = 0 };

	memset(&conf, 0, sizeof(conf));
	assert_int_equal(conf_parse_file("/nonexistent/test.conf", test_keys,
	    &conf, collect_cb, &e), -1);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.lines[0], 0);
	assert_non_null(strstr(e.reasons[0], "cannot open: "));
	conf_free_strings(test_keys, &conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_parse),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
