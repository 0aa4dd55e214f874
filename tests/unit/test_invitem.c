/*
 * test_invitem.c: unit tests of src/common/invitem.c, the items of the
 * inventory's array sections shared by the agent and the platform: the
 * section table, key texts (key members in table order, null ones left
 * out), the order of a section, the check of a put or delete item, and
 * invitem_apply() (puts and deletes by key, everything checked before
 * the stored sections are touched, 1 when a full snapshot is needed).
 * tests/unit/test_invstate.c checks the agent's diff against it.
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

#include "invitem.h"

/* Plain JSON text of obj (json-c's buffer, valid until obj changes). */
static const char *
text(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* Parse JSON text, which must be good. */
static struct json_object *
parse(const char *s)
{
	struct json_object	*obj;

	obj = json_tokener_parse(s);
	assert_non_null(obj);
	return obj;
}

/* The six sections, found by name at their index; nothing else is one. */
static void
test_sections(void **unused)
{
	static const char *const names[INVITEM_SECTIONS] = { "packages",
	    "interfaces", "listening", "users", "groups", "kernel_modules" };
	const struct invitem_section	*sec;
	size_t				 i;

	for (i = 0; i < INVITEM_SECTIONS; i++) {
		sec = invitem_find(names[i]);
		assert_non_null(sec);
		assert_ptr_equal(sec, &invitem_sections[i]);
		assert_string_equal(sec->name, names[i]);
		assert_int_equal(invitem_index(sec), i);
	}
	assert_null(invitem_find("os"));
	assert_null(invitem_find("host"));
	assert_null(invitem_find(""));
	assert_null(invitem_find("Packages"));
	sec = invitem_find("packages");
	assert_int_equal(sec->nkeys, 3);
	assert_string_equal(sec->keys[0].name, "name");
	assert_int_equal(sec->keys[0].is_required, 1);
	assert_string_equal(sec->keys[1].name, "arch");
	assert_int_equal(sec->keys[1].is_required, 0);
	assert_string_equal(sec->keys[2].name, "ecosystem");
	sec = invitem_find("listening");
	assert_int_equal(sec->keys[2].type, INVITEM_INT);
}

/* Key texts: the key members in the table's order, null ones left out. */
static void
test_key_text(void **unused)
{
	static const struct {
		const char	*section;
		const char	*item;
		const char	*key;
	} cases[] = {
		{ "packages", "{\"version\":\"1\",\"ecosystem\":\"deb\","
		    "\"arch\":\"amd64\",\"name\":\"a\"}",
		    "{\"name\":\"a\",\"arch\":\"amd64\",\"ecosystem\":\"deb\"}" },
		{ "packages", "{\"name\":\"c\",\"version\":\"1\",\"arch\":null,"
		    "\"ecosystem\":\"deb\"}",
		    "{\"name\":\"c\",\"ecosystem\":\"deb\"}" },
		{ "listening", "{\"pid\":1,\"port\":22,\"address\":\"::\","
		    "\"protocol\":\"tcp6\",\"process\":\"sshd\"}",
		    "{\"protocol\":\"tcp6\",\"address\":\"::\",\"port\":22}" },
		{ "users", "{\"uid\":1000,\"name\":\"alice\",\"shell\":\"/bin/sh\"}",
		    "{\"name\":\"alice\"}" },
		{ "kernel_modules", "{\"size\":4}", "{}" },
	};
	const struct invitem_section	*sec;
	struct json_object		*item;
	char				*key;
	size_t				 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sec = invitem_find(cases[i].section);
		item = parse(cases[i].item);
		key = invitem_key_text(sec, item);
		assert_non_null(key);
		assert_string_equal(key, cases[i].key);
		free(key);
		json_object_put(item);
	}
}

/*
 * The order of a section: by the key members in turn, an absent member
 * first, integers by value; strictly increasing, so a key twice is out
 * of order.
 */
static void
test_order(void **unused)
{
	static const struct {
		const char	*section;
		const char	*array;
		int		 is_ordered;
	} cases[] = {
		{ "packages", "[]", 1 },
		{ "packages", "[{\"name\":\"a\",\"arch\":\"amd64\"},"
		    "{\"name\":\"a\",\"arch\":\"i386\"},{\"name\":\"b\"}]", 1 },
		{ "packages", "[{\"name\":\"b\"},{\"name\":\"a\"}]", 0 },
		{ "packages", "[{\"name\":\"a\"},{\"name\":\"a\"}]", 0 },
		{ "packages", "[{\"name\":\"c\"},{\"name\":\"c\","
		    "\"arch\":\"amd64\"}]", 1 },
		{ "packages", "[{\"name\":\"c\",\"arch\":\"amd64\"},"
		    "{\"name\":\"c\"}]", 0 },
		{ "packages", "[{\"name\":\"a\"},\"b\"]", 0 },
		{ "packages", "{\"name\":\"a\"}", 0 },
		{ "listening", "[{\"protocol\":\"tcp\",\"address\":\"0.0.0.0\","
		    "\"port\":22},{\"protocol\":\"tcp\",\"address\":\"0.0.0.0\","
		    "\"port\":100}]", 1 },
		{ "listening", "[{\"protocol\":\"tcp\",\"address\":\"0.0.0.0\","
		    "\"port\":100},{\"protocol\":\"udp\",\"address\":\"0.0.0.0\","
		    "\"port\":22}]", 1 },
		{ "users", "[{\"name\":\"alice\",\"uid\":9},{\"name\":\"bob\","
		    "\"uid\":1}]", 1 },
	};
	struct json_object	*arr;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		arr = parse(cases[i].array);
		assert_int_equal(invitem_is_ordered(invitem_find(
		    cases[i].section), arr), cases[i].is_ordered);
		json_object_put(arr);
	}
}

/* Put and delete items: key members typed and present; deletes only keys. */
static void
test_check(void **unused)
{
	static const struct {
		const char	*section;
		const char	*item;
		int		 is_delete;
		const char	*field;		/* NULL: good */
		const char	*msg;
	} cases[] = {
		{ "packages", "{\"name\":\"a\",\"version\":\"1\"}", 0, NULL,
		    NULL },
		{ "packages", "{\"name\":\"a\",\"arch\":\"amd64\"}", 1, NULL,
		    NULL },
		{ "packages", "[1]", 0, "at", "expected an object" },
		{ "packages", "{\"version\":\"1\"}", 0, "at.name",
		    "required (a key member)" },
		{ "packages", "{\"name\":\"\"}", 0, "at.name",
		    "expected a string of 1..256 bytes without NUL" },
		{ "packages", "{\"name\":\"a\",\"arch\":7}", 0, "at.arch",
		    "expected a string of 1..256 bytes without NUL" },
		{ "packages", "{\"name\":\"a\\u0000b\"}", 0, "at.name",
		    "expected a string of 1..256 bytes without NUL" },
		{ "packages", "{\"name\":\"a\",\"version\":\"1\"}", 1,
		    "at.version", "a delete holds only the key members of "
		    "packages" },
		{ "listening", "{\"protocol\":\"tcp\",\"address\":\"::\","
		    "\"port\":\"22\"}", 0, "at.port", "expected an integer" },
		{ "listening", "{\"protocol\":\"tcp\",\"port\":22}", 1,
		    "at.address", "required (a key member)" },
	};
	struct json_object	*item;
	char			 field[128], msg[256], name[300];
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		item = parse(cases[i].item);
		field[0] = msg[0] = '\0';
		if (cases[i].field == NULL)
			assert_int_equal(invitem_check(invitem_find(
			    cases[i].section), item, "at", cases[i].is_delete,
			    field, sizeof(field), msg, sizeof(msg)), 0);
		else {
			assert_int_equal(invitem_check(invitem_find(
			    cases[i].section), item, "at", cases[i].is_delete,
			    field, sizeof(field), msg, sizeof(msg)), -1);
			assert_string_equal(field, cases[i].field);
			assert_string_equal(msg, cases[i].msg);
		}
		json_object_put(item);
	}

	/* 256 bytes of key are fine, 257 are not. */
	memset(name, 'x', sizeof(name));
	name[256] = '\0';
	item = json_object_new_object();
	json_object_object_add(item, "name", json_object_new_string(name));
	assert_int_equal(invitem_check(invitem_find("users"), item, "at", 0,
	    field, sizeof(field), msg, sizeof(msg)), 0);
	name[256] = 'x';
	name[257] = '\0';
	json_object_object_add(item, "name", json_object_new_string(name));
	assert_int_equal(invitem_check(invitem_find("users"), item, "at", 0,
	    field, sizeof(field), msg, sizeof(msg)), -1);
	assert_string_equal(field, "at.name");
	json_object_put(item);
}

/*
 * Apply ITEMS to the stored sections DOC. Returns what invitem_apply()
 * returned; *out is DOC afterwards as plain text (static buffer).
 */
static int
apply(const char *doc, const char *items, const char **out, char *field,
    char *msg)
{
	static char		 buf[1024];
	struct json_object	*d, *i;
	int			 rc;

	d = parse(doc);
	i = parse(items);
	field[0] = msg[0] = '\0';
	rc = invitem_apply(d, i, field, 128, msg, 256);
	snprintf(buf, sizeof(buf), "%s", text(d));
	*out = buf;
	json_object_put(d);
	json_object_put(i);
	return rc;
}

/*
 * Puts replace the item of their key or are added, deletes remove it,
 * the section is sorted again, other sections stay. A delete of an item
 * (or into a section) not held asks for a full snapshot; a bad delta is
 * refused naming the field; either way nothing is applied.
 */
static void
test_apply(void **unused)
{
	static const char *doc = "{\"os\":{\"id\":\"debian\"},\"packages\":["
	    "{\"name\":\"a\",\"version\":\"1\"},{\"name\":\"b\","
	    "\"version\":\"1\"},{\"name\":\"c\",\"version\":\"1\"}]}";
	static const struct {
		const char	*items;
		int		 rc;
		const char	*field;		/* rc 0: the doc after */
		const char	*msg;		/* a part of it */
	} cases[] = {
		{ "{\"packages\":{\"put\":[{\"name\":\"bb\",\"version\":\"1\"},"
		    "{\"name\":\"a\",\"version\":\"2\"}],\"delete\":"
		    "[{\"name\":\"b\"}]}}", 0,
		    "{\"os\":{\"id\":\"debian\"},\"packages\":[{\"name\":\"a\","
		    "\"version\":\"2\"},{\"name\":\"bb\",\"version\":\"1\"},"
		    "{\"name\":\"c\",\"version\":\"1\"}]}", NULL },
		{ "{\"packages\":{}}", 0, NULL, NULL },
		{ "{}", 0, NULL, NULL },
		{ "{\"packages\":{\"delete\":[{\"name\":\"zz\"}]}}", 1,
		    "items.packages.delete[0]", "the item {\"name\":\"zz\"} is "
		    "not held" },
		{ "{\"packages\":{\"put\":[{\"name\":\"a\",\"version\":\"3\"}]},"
		    "\"users\":{\"put\":[{\"name\":\"alice\"}]}}", 1,
		    "items.users", "the section is not held as an array" },
		{ "[]", -1, "items", "expected an object" },
		{ "{\"os\":{\"put\":[]}}", -1, "items.os",
		    "not a section with item changes" },
		{ "{\"packages\":[]}", -1, "items.packages",
		    "expected an object with put and delete" },
		{ "{\"packages\":{\"replace\":[]}}", -1,
		    "items.packages.replace", "unknown member (put or delete)" },
		{ "{\"packages\":{\"put\":{}}}", -1, "items.packages.put",
		    "expected an array" },
		{ "{\"packages\":{\"put\":[{\"name\":\"a\",\"version\":\"3\"}],"
		    "\"delete\":[{\"name\":\"a\"}]}}", -1,
		    "items.packages.delete[0]",
		    "names the same item as items.packages.put[0]" },
		{ "{\"packages\":{\"put\":[{\"name\":\"x\"},{\"name\":\"x\"}]}}",
		    -1, "items.packages.put[1]",
		    "names the same item as items.packages.put[0]" },
		{ "{\"packages\":{\"put\":[{\"name\":\"a\",\"version\":\"3\"}]},"
		    "\"listening\":{\"put\":[{\"protocol\":\"tcp\"}]}}", -1,
		    "items.listening.put[0].address", "required" },
	};
	struct json_object	*d;
	const char		*out;
	char			 field[128], msg[256], *before;
	size_t			 i;
	int			 rc;

	d = parse(doc);
	before = strdup(text(d));
	json_object_put(d);
	assert_non_null(before);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = apply(doc, cases[i].items, &out, field, msg);
		assert_int_equal(rc, cases[i].rc);
		if (rc == 0) {
			assert_string_equal(out, cases[i].field != NULL ?
			    cases[i].field : before);
			continue;
		}
		/* Nothing applied. */
		assert_string_equal(out, before);
		assert_string_equal(field, cases[i].field);
		assert_non_null(strstr(msg, cases[i].msg));
	}
	free(before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_key_text),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_apply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
