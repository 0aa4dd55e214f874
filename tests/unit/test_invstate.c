/*
 * test_invstate.c: unit tests of src/agent/invstate.c, what the agent
 * keeps of the inventory the platform holds: canonical digests of the
 * sections, full and delta records applied to them, the items of the
 * array sections and their diff (checked against the platform's side,
 * invitem_apply() of src/common/invitem.c), and inventory.json (round
 * trip, corruption refused).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "invitem.h"
#include "invstate.h"
#include "jsonutil.h"

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
	snprintf(dir, sizeof(dir), "/tmp/test_invstate.XXXXXX");
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

	snprintf(dir, sizeof(dir), "/tmp/test_invstate.XXXXXX");
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
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_state_file),
		cmocka_unit_test(test_items),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
