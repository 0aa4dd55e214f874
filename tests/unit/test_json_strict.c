/*
 * test_json_strict.c: unit tests of src/common/json-strict.c, the RFC 8259
 * pass run before json-c: every class json-c's strict mode lets through
 * (single quotes, NaN and Infinity, "1.", duplicate member names, raw
 * control characters, invalid UTF-8, lone surrogates, \u0000, integers
 * past 64 bits, 1e400) refused, the other syntax errors too, the refused
 * value named by its field path, good documents (escapes, surrogate
 * pairs, four-byte UTF-8, the int64 bounds, 64 levels) accepted; and the
 * repair of strings that are not UTF-8 in a parsed document.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "json-strict.h"
#include "utf8.h"

/* Check text (NUL-terminated) and return the result, err filled. */
static enum json_strict_result
check(const char *text, struct json_strict_error *err)
{
	return json_strict_check(text, strlen(text), err);
}

/* Documents that are RFC 8259 JSON and acceptable. */
static void
test_good(void **unused)
{
	static const char *const good[] = {
		"{}", "[]", "0", "-0", "\"\"", "true", "null", " {\"a\" : 1 } \r\n",
		"{\"a\":[1,2.5,-3e10,4E+2,5e-2,0.0],\"b\":{\"c\":null}}",
		"{\"s\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00\"}",
		"{\"k\":\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
		"{\"max\":9223372036854775807,\"min\":-9223372036854775808}",
		"{\"big\":1e308,\"tiny\":1e-400,\"long\":0.000001}",
		"{\"a\":1,\"A\":2,\"a \":3,\"\\u0062\":4}",
		"[{\"a\":1},{\"a\":2}]",
		"{\"\xef\xbf\xbe\":\"\xef\xbf\xbf\"}",
	};
	struct json_strict_error	 err;
	size_t				 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (check(good[i], &err) != JSON_STRICT_OK)
			fail_msg("refused %s: %s", good[i], err.message);
	}
}

/* What json-c takes and RFC 8259 does not: invalid_json. */
static void
test_syntax(void **unused)
{
	static const char *const bad[] = {
		/* single quotes, comments, trailing commas, bare words */
		"{'a':1}", "{\"a\":'x'}", "{/*c*/\"a\":1}", "{\"a\":1 // c\n}",
		"{\"a\":1,}", "[1,2,]", "[,1]", "{,}", "{\"a\":NaN}",
		"{\"a\":Infinity}", "{\"a\":-Infinity}", "{\"a\":undefined}",
		"{\"a\":tru}", "{\"a\":True}", "{a:1}",
		/* duplicate member names, however spelt */
		"{\"a\":1,\"a\":2}", "{\"a\":1,\"\\u0061\":2}",
		"{\"x\":{\"b\":1,\"c\":2,\"b\":3}}",
		/* past the names compared one by one, and escaped */
		"{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,"
		"\"h\":8,\"i\":9,\"j\":0,\"a\":10}",
		"{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,"
		"\"h\":8,\"i\":9,\"j\":0,\"\\u0068\":10}",
		/* numbers */
		"{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}",
		"{\"a\":0x10}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":1e+}",
		"{\"a\":--1}",
		/* strings */
		"{\"a\":\"\x01\"}", "{\"a\":\"tab\there\"}", "{\"a\":\"\\x41\"}",
		"{\"a\":\"\\u12\"}", "{\"a\":\"\\uzzzz\"}", "{\"a\":\"open}",
		/* structure */
		"", " ", "{", "[", "{\"a\"}", "{\"a\" 1}", "{\"a\":1 \"b\":2}",
		"{\"a\":1}}", "{\"a\":1}x", "{\"a\":1}{}", "[1] [2]",
		"\xef\xbb\xbf{}",
	};
	struct json_strict_error	 err;
	size_t				 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (check(bad[i], &err) != JSON_STRICT_SYNTAX)
			fail_msg("not refused as syntax: %s", bad[i]);
		assert_non_null(strstr(err.message, "offset"));
	}
	/* A raw NUL inside the text (strlen would stop at it). */
	assert_int_equal(json_strict_check("{\"a\":\"x\0y\"}", 11, &err),
	    JSON_STRICT_SYNTAX);
	assert_int_equal(check("{\"a\":1,\"a\":2}", &err), JSON_STRICT_SYNTAX);
	assert_non_null(strstr(err.message, "duplicate member name a"));
}

/* Strings and numbers refused with the path of their member. */
static void
test_field(void **unused)
{
	static const struct {
		const char	*text;
		const char	*field;
		const char	*message;
	} cases[] = {
		{ "{\"h\":\"\xc0\xaf\"}", "h", "overlong" },
		{ "{\"h\":\"\xe0\x80\xaf\"}", "h", "overlong" },
		{ "{\"h\":\"\xed\xa0\x80\"}", "h", "surrogate" },
		{ "{\"h\":\"\xf4\x90\x80\x80\"}", "h", "above U+10FFFF" },
		{ "{\"h\":\"\xf5\x80\x80\x80\"}", "h", "above U+10FFFF" },
		{ "{\"h\":\"ab\xe2\x82\"}", "h", "invalid UTF-8 byte" },
		{ "{\"h\":\"\x80\"}", "h", "invalid UTF-8 byte" },
		{ "{\"h\":\"\xff\"}", "h", "above U+10FFFF" },
		{ "{\"h\":\"\\u0000\"}", "h", "NUL" },
		{ "{\"h\":\"\\ud800\"}", "h", "lone UTF-16 surrogate" },
		{ "{\"h\":\"\\udc00\\ud800\"}", "h", "lone UTF-16 surrogate" },
		{ "{\"h\":\"\\ud800\\u0041\"}", "h", "lone UTF-16 surrogate" },
		{ "{\"host\":{\"hostname\":\"a\",\"os\":\"\xed\xbf\xbf\"}}",
		    "host.os", "surrogate" },
		{ "{\"events\":[{\"path\":\"/a\"},{\"path\":\"\\u0000\"}]}",
		    "events[1].path", "NUL" },
		{ "{\"a\":[[1],[2,\"\xc1\x81\"]]}", "a[1][1]", "overlong" },
		{ "{\"x\":{\"\xc0\x80\":1}}", "x", "member name" },
		{ "{\"n\":9223372036854775808}", "n", "out of range" },
		{ "{\"n\":-9223372036854775809}", "n", "out of range" },
		{ "{\"n\":18446744073709551616}", "n", "out of range" },
		{ "{\"n\":100000000000000000000000}", "n", "out of range" },
		{ "{\"d\":{\"v\":1e400}}", "d.v", "out of range" },
		{ "{\"d\":-1.5e309}", "d", "out of range" },
		{ "[0,1,99999999999999999999]", "[2]", "out of range" },
	};
	struct json_strict_error	 err;
	size_t				 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (check(cases[i].text, &err) != JSON_STRICT_FIELD)
			fail_msg("not refused as a field: %s (%s)",
			    cases[i].text, err.message);
		assert_string_equal(err.field, cases[i].field);
		if (strstr(err.message, cases[i].message) == NULL)
			fail_msg("%s: message \"%s\" lacks \"%s\"",
			    cases[i].text, err.message, cases[i].message);
	}
	/* Not JSON anywhere wins over a refused value before it. */
	assert_int_equal(check("{\"h\":\"\xc0\xaf\",}", &err),
	    JSON_STRICT_SYNTAX);
	/* The first refused value is the one named. */
	assert_int_equal(check("{\"a\":\"\\u0000\",\"b\":\"\xc0\xaf\"}", &err),
	    JSON_STRICT_FIELD);
	assert_string_equal(err.field, "a");
}

/* Nesting: 64 levels are fine, 65 are not JSON here. */
static void
test_depth(void **unused)
{
	struct json_strict_error	 err;
	char				 buf[256];
	int				 i;

	for (i = 0; i < JSON_STRICT_MAX_DEPTH; i++) {
		buf[i] = '[';
		buf[2 * JSON_STRICT_MAX_DEPTH - 1 - i] = ']';
	}
	assert_int_equal(json_strict_check(buf, 2 * JSON_STRICT_MAX_DEPTH,
	    &err), JSON_STRICT_OK);
	memmove(buf + 1, buf, 2 * JSON_STRICT_MAX_DEPTH);
	buf[0] = '[';
	buf[2 * JSON_STRICT_MAX_DEPTH + 1] = ']';
	assert_int_equal(json_strict_check(buf, 2 * JSON_STRICT_MAX_DEPTH + 2,
	    &err), JSON_STRICT_SYNTAX);
	assert_non_null(strstr(err.message, "nested deeper"));
}

/* A long field path is cut on a character boundary. */
static void
test_long_path(void **unused)
{
	struct json_strict_error	 err;
	char				 doc[1024];
	size_t				 n;
	int				 i;

	n = (size_t)snprintf(doc, sizeof(doc), "{");
	for (i = 0; i < 10; i++)
		n += (size_t)snprintf(doc + n, sizeof(doc) - n,
		    "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\":{");
	n += (size_t)snprintf(doc + n, sizeof(doc) - n, "\"x\":\"\xc0\xaf\"");
	for (i = 0; i < 11; i++)
		doc[n++] = '}';
	assert_int_equal(json_strict_check(doc, n, &err), JSON_STRICT_FIELD);
	assert_true(strlen(err.field) < JSON_STRICT_FIELD_MAX);
	assert_true(strlen(err.field) > 200);
	assert_int_equal(utf8_check(err.field, strlen(err.field), NULL),
	    UTF8_OK);
}

/* Many members: duplicates found past the first rehash of the set. */
static void
test_many_members(void **unused)
{
	struct json_strict_error	 err;
	char				*doc;
	size_t				 n = 0, cap = 1 << 20;
	int				 i;

	doc = malloc(cap);
	assert_non_null(doc);
	doc[n++] = '{';
	for (i = 0; i < 20000; i++)
		n += (size_t)snprintf(doc + n, cap - n, "%s\"k%d\":%d",
		    i > 0 ? "," : "", i, i);
	doc[n++] = '}';
	assert_int_equal(json_strict_check(doc, n, &err), JSON_STRICT_OK);
	n--;
	n += (size_t)snprintf(doc + n, cap - n, ",\"k12345\":0}");
	assert_int_equal(json_strict_check(doc, n, &err), JSON_STRICT_SYNTAX);
	assert_non_null(strstr(err.message, "k12345"));
	free(doc);
}

/* UTF-8: the checker, and the repair of ill-formed bytes. */
static void
test_utf8(void **unused)
{
	size_t	 off, n;
	char	*s;

	assert_int_equal(utf8_check("plain ascii text", 16, NULL), UTF8_OK);
	assert_int_equal(utf8_check("0123456789\xc0\xaf", 12, &off),
	    UTF8_OVERLONG);
	assert_int_equal(off, 10);
	assert_int_equal(utf8_check("abcdefgh\0ijk", 12, &off), UTF8_NUL);
	assert_int_equal(off, 8);
	assert_int_equal(utf8_check("\xf0\x9f\x98", 3, &off), UTF8_TRUNCATED);
	assert_int_equal(utf8_check("\xed\x9f\xbf\xee\x80\x80", 6, NULL),
	    UTF8_OK);
	s = utf8_sanitize("a\xc0\xaf" "b\xe2\x82\xac", 7, &n);
	assert_string_equal(s, "a\xef\xbf\xbd\xef\xbf\xbd" "b\xe2\x82\xac");
	assert_int_equal(n, strlen(s));
	free(s);
}

/* A stored document with bad strings (and member names) is repaired. */
static void
test_sanitize(void **unused)
{
	struct json_strict_error	 err;
	struct json_object		*obj, *clean, *v;
	const char			*text;

	obj = json_object_new_object();
	json_object_object_add(obj, "ok", json_object_new_string("fine"));
	json_object_object_add(obj, "bad\xff", json_object_new_string(
	    "x\xed\xa0\x80y"));
	v = json_object_new_array();
	json_object_array_add(v, json_object_new_string_len("a\0b", 3));
	json_object_array_add(v, NULL);
	json_object_array_add(v, json_object_new_int64(7));
	json_object_object_add(obj, "arr", v);
	assert_false(json_strict_is_clean(obj));
	clean = json_strict_sanitize(obj);
	assert_true(json_strict_is_clean(clean));
	text = json_object_to_json_string_ext(clean, JSON_C_TO_STRING_PLAIN);
	assert_int_equal(utf8_check(text, strlen(text), NULL), UTF8_OK);
	assert_string_equal(text, "{\"ok\":\"fine\",\"bad\xef\xbf\xbd\":"
	    "\"x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdy\",\"arr\":["
	    "\"a\xef\xbf\xbd" "b\",null,7]}");
	assert_int_equal(json_strict_check(text, strlen(text), &err),
	    JSON_STRICT_OK);
	json_object_put(clean);
	json_object_put(obj);
}

/* A text on its way out: only the bad bytes go, the rest is as it was. */
static void
test_repair(void **unused)
{
	static const char	 text[] = "{\"host\":{\"hostname\":\"web\xe9\"},"
	    "\"n\":18446744073709551615,\"a\":[1,\"ok\"]}";
	struct json_strict_error	 err;
	size_t			 len;
	char			*fixed;

	fixed = json_strict_repair(text, sizeof(text) - 1, &len);
	assert_non_null(fixed);
	assert_int_equal(len, strlen(fixed));
	assert_string_equal(fixed, "{\"host\":{\"hostname\":\"web\xef\xbf\xbd\"},"
	    "\"n\":18446744073709551615,\"a\":[1,\"ok\"]}");
	assert_int_equal(json_strict_check_flags(fixed, len,
	    JSON_STRICT_ANY_INTEGER, &err), JSON_STRICT_OK);
	free(fixed);
	assert_null(json_strict_repair("{\"a\":", 5, &len));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_field),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_long_path),
		cmocka_unit_test(test_many_members),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_repair),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
