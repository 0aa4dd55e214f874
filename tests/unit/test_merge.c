/*
 * test_merge.c: unit tests of scan-merge.c, the platform's scan merge:
 * addresses compared in their canonical form, and a real in-memory store
 * deciding merges, address_mismatch and conflicts through the handler.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "api.h"
#include "compat.h"
#include "jsonutil.h"
#include "log.h"
#include "platform.h"
#include "scan-merge.h"
#include "store.h"

/* Canonical addresses: case, zeros, zones; garbage refused. */
static void
test_canonical(void **unused)
{
	char	 buf[64];

	assert_int_equal(scan_merge_address_canonical("192.0.2.10", buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "192.0.2.10");
	assert_int_equal(scan_merge_address_canonical("2001:DB8:0:0::0:1", buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "2001:db8::1");
	assert_int_equal(scan_merge_address_canonical("fe80::1%eth0", buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "fe80::1");
	assert_int_equal(scan_merge_address_canonical("192.0.2.300", buf,
	    sizeof(buf)), -1);
	assert_int_equal(scan_merge_address_canonical("web-01", buf,
	    sizeof(buf)), -1);
	assert_int_equal(scan_merge_address_canonical("", buf, sizeof(buf)),
	    -1);
	assert_int_equal(scan_merge_address_canonical("fe80::1%", buf,
	    sizeof(buf)), -1);
	assert_int_equal(scan_merge_address_canonical("192.0.2.1%eth0", buf,
	    sizeof(buf)), 0);
}

static struct api	 api;
static char		 agent_id[PLATFORM_UUID_LEN + 1];
static char		 cid[PLATFORM_CORRELATION_LEN + 1];

/* An in-memory platform with an agent reporting 192.0.2.10, 2001:db8::10. */
static int
setup(void **unused)
{
	struct agent_new	 a;
	char			 err[256];

	memset(&api, 0, sizeof(api));
	if ((api.store = store_open(":memory:", err, sizeof(err))) == NULL)
		return -1;
	memset(&a, 0, sizeof(a));
	strlcpy(a.id, "3f0c8a4e-5d7b-4c1e-9a2f-0b6d1e8c7a55", sizeof(a.id));
	strlcpy(a.customer_id, "c0d9e8f7-1a2b-4c3d-9e8f-7a6b5c4d3e2f",
	    sizeof(a.customer_id));
	strlcpy(a.key_id, "6a1d2c4e-0f3b-4b7a-8e51-2f9d7c3b1a60",
	    sizeof(a.key_id));
	memset(a.cred_hash, 'a', 64);
	strlcpy(a.correlation_id, "5b0e2a7c9d1f4e3a8b6c0d2e4f6a8b1c",
	    sizeof(a.correlation_id));
	a.profile_id = 1;
	a.tags = "[]";
	a.hostname = "web-01";
	a.host = "{\"hostname\":\"web-01\",\"ip_addresses\":[\"192.0.2.10\","
	    "\"2001:DB8::10\"]}";
	a.now = 1732180000;
	if (store_agent_insert(api.store, &a) != 0)
		return -1;
	/* The inventory's interfaces add 198.51.100.10. */
	if (store_inventory_put(api.store, a.id, 1, "{\"interfaces\":[{\"name\":"
	    "\"eth1\",\"addresses\":[{\"address\":\"198.51.100.10\","
	    "\"prefixlen\":24,\"family\":\"inet\"}]},{\"name\":\"bad\","
	    "\"addresses\":\"x\"}]}", 1732180000) != 0)
		return -1;
	strlcpy(agent_id, a.id, sizeof(agent_id));
	strlcpy(cid, a.correlation_id, sizeof(cid));
	return 0;
}

/* Close the store. */
static int
teardown(void **unused)
{
	store_close(api.store);
	return 0;
}

/* Submit body through the handler; returns the status, answer in *out. */
static int
submit(const char *body, struct json_object **out)
{
	struct api_request	 req;
	struct api_response	 res;
	char			 err[128];
	int			 status;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.now = 1732180300;
	req.json = json_parse_object(body, strlen(body), err, sizeof(err));
	assert_non_null(req.json);
	scan_merge_submit(&api, &req, &res);
	status = res.status;
	*out = json_object_get(res.json);
	json_object_put(req.json);
	req.json = NULL;
	api_response_clear(&res);
	return status;
}

/* A boolean member of an answer. */
static int
member_bool(struct json_object *o, const char *key)
{
	int	 v = -1;

	json_get_bool(o, key, &v);
	return v;
}

/* The merge: off, on, address known in either source, or not. */
static void
test_merge(void **unused)
{
	struct json_object	*out, *list, *asset;
	char			 body[512];

	/* Off: stored, not merged. */
	snprintf(body, sizeof(body), "{\"target\":\"192.0.2.10\","
	    "\"correlation_id\":\"%s\"}", cid);
	assert_int_equal(submit(body, &out), 201);
	assert_int_equal(member_bool(out, "merged"), 0);
	assert_null(json_get_string(out, "agent_id"));
	json_object_put(out);

	assert_int_equal(store_setting_set(api.store, "accept_correlation_id",
	    "true"), 0);
	/* On, the target is a reported address (activation facts). */
	assert_int_equal(submit(body, &out), 201);
	assert_int_equal(member_bool(out, "merged"), 1);
	assert_string_equal(json_get_string(out, "agent_id"), agent_id);
	assert_int_equal(member_bool(out, "address_mismatch"), 0);
	json_object_put(out);
	/* A reported IPv6 address, written differently. */
	snprintf(body, sizeof(body), "{\"target\":\"web-01\",\"address\":"
	    "\"2001:db8:0::10\",\"correlation_id\":\"%s\"}", cid);
	assert_int_equal(submit(body, &out), 201);
	assert_int_equal(member_bool(out, "address_mismatch"), 0);
	json_object_put(out);
	/* An inventory interface address. */
	snprintf(body, sizeof(body), "{\"target\":\"198.51.100.10\","
	    "\"correlation_id\":\"%s\",\"scanner\":\"s1\",\"ports\":"
	    "[{\"port\":10001,\"protocol\":\"tcp\"}]}", cid);
	assert_int_equal(submit(body, &out), 201);
	assert_int_equal(member_bool(out, "address_mismatch"), 0);
	json_object_put(out);
	/* Not reported: merged, flagged. A name with no address: flagged. */
	snprintf(body, sizeof(body), "{\"target\":\"203.0.113.5\","
	    "\"correlation_id\":\"%s\",\"scanner\":\"s2\",\"scanned_at\":"
	    "1732190000,\"ports\":[{\"port\":10002}]}", cid);
	assert_int_equal(submit(body, &out), 201);
	assert_int_equal(member_bool(out, "merged"), 1);
	assert_int_equal(member_bool(out, "address_mismatch"), 1);
	json_object_put(out);
	snprintf(body, sizeof(body), "{\"target\":\"web-01\","
	    "\"correlation_id\":\"%s\"}", cid);
	assert_int_equal(submit(body, &out), 201);
	assert_int_equal(member_bool(out, "address_mismatch"), 1);
	json_object_put(out);

	/* The asset: every merged scan, the newest one in detail. */
	list = store_asset_list(api.store);
	assert_non_null(list);
	assert_int_equal(json_object_array_length(list), 2);
	asset = json_object_array_get_idx(list, 0);
	assert_string_equal(json_get_string(asset, "agent_id"), agent_id);
	assert_int_equal(json_object_array_length(json_object_object_get(asset,
	    "scan_ids")), 5);
	assert_int_equal(member_bool(asset, "address_mismatch"), 1);
	assert_string_equal(json_get_string(json_object_object_get(asset,
	    "last_scan"), "scanner"), "s2");
	assert_string_equal(json_object_to_json_string_ext(
	    json_object_object_get(json_object_object_get(asset, "last_scan"),
	    "open_ports"), JSON_C_TO_STRING_PLAIN), "[10002]");
	asset = json_object_array_get_idx(list, 1);
	assert_string_equal(json_get_string(asset, "asset_id"),
	    "scan:192.0.2.10");
	assert_string_equal(json_get_string(asset, "correlation_id"), cid);
	json_object_put(list);

	/* Refusals name the field. */
	assert_int_equal(submit("{\"target\":\"h\",\"ports\":[{\"port\":22,"
	    "\"service\":7}]}", &out), 400);
	assert_string_equal(json_get_string(out, "field"), "ports[0].service");
	json_object_put(out);
	assert_int_equal(submit("{\"target\":\"h\",\"address\":\"h\"}", &out),
	    400);
	assert_string_equal(json_get_string(out, "field"), "address");
	json_object_put(out);
	assert_int_equal(submit("{\"target\":\"h\",\"extra\":1}", &out), 400);
	assert_string_equal(json_get_string(out, "field"), "extra");
	json_object_put(out);
}

/*
 * A conflict (the ports of a host answered with different ids): stored
 * and shown as such, merged into no agent, even one it names.
 */
static void
test_conflict(void **unused)
{
	struct json_object	*out, *list, *scan, *asset, *last;
	char			 body[512];

	assert_int_equal(store_setting_set(api.store, "accept_correlation_id",
	    "true"), 0);
	snprintf(body, sizeof(body), "{\"target\":\"192.0.2.10\","
	    "\"correlation_ids\":[\"%s\",\"7c1d0e2f3a4b5c6d7e8f9a0b1c2d3e4f\"],"
	    "\"ports\":[{\"port\":10001,\"correlation_id\":\"%s\"},"
	    "{\"port\":10002,\"correlation_id\":"
	    "\"7c1d0e2f3a4b5c6d7e8f9a0b1c2d3e4f\"}]}", cid, cid);
	assert_int_equal(submit(body, &out), 201);
	assert_int_equal(member_bool(out, "merged"), 0);
	assert_int_equal(member_bool(out, "correlation_conflict"), 1);
	assert_null(json_get_string(out, "agent_id"));
	assert_null(json_get_string(out, "correlation_id"));
	assert_int_equal(json_object_array_length(json_object_object_get(out,
	    "correlation_ids")), 2);
	json_object_put(out);

	list = store_scan_list(api.store, NULL, -1, -1, 10);
	scan = json_object_array_get_idx(list, 0);
	assert_int_equal(member_bool(scan, "correlation_conflict"), 1);
	assert_int_equal(member_bool(scan, "merged"), 0);
	assert_int_equal(json_object_array_length(json_object_object_get(scan,
	    "correlation_ids")), 2);
	assert_string_equal(json_get_string(json_object_array_get_idx(
	    json_object_object_get(scan, "ports"), 1), "correlation_id"),
	    "7c1d0e2f3a4b5c6d7e8f9a0b1c2d3e4f");
	json_object_put(list);

	list = store_asset_list(api.store);
	asset = json_object_array_get_idx(list, 0);
	assert_string_equal(json_get_string(asset, "agent_id"), agent_id);
	assert_int_equal(json_object_array_length(json_object_object_get(asset,
	    "scan_ids")), 0);
	asset = json_object_array_get_idx(list, 1);
	assert_string_equal(json_get_string(asset, "asset_id"),
	    "scan:192.0.2.10");
	assert_int_equal(member_bool(asset, "correlation_conflict"), 1);
	assert_null(json_get_string(asset, "correlation_id"));
	last = json_object_object_get(asset, "last_scan");
	assert_int_equal(member_bool(last, "correlation_conflict"), 1);
	assert_int_equal(json_object_array_length(json_object_object_get(last,
	    "correlation_ids")), 2);
	json_object_put(list);

	/* One id, an id beside the conflict, an id twice, a bad id. */
	snprintf(body, sizeof(body), "{\"target\":\"h\",\"correlation_ids\":"
	    "[\"%s\"]}", cid);
	assert_int_equal(submit(body, &out), 400);
	assert_string_equal(json_get_string(out, "field"), "correlation_ids");
	json_object_put(out);
	snprintf(body, sizeof(body), "{\"target\":\"h\",\"correlation_id\":"
	    "\"%s\",\"correlation_ids\":[\"%s\",\"%s\"]}", cid, cid,
	    "7c1d0e2f3a4b5c6d7e8f9a0b1c2d3e4f");
	assert_int_equal(submit(body, &out), 400);
	json_object_put(out);
	snprintf(body, sizeof(body), "{\"target\":\"h\",\"correlation_ids\":"
	    "[\"%s\",\"%s\"]}", cid, cid);
	assert_int_equal(submit(body, &out), 400);
	assert_string_equal(json_get_string(out, "field"),
	    "correlation_ids[1]");
	json_object_put(out);
	assert_int_equal(submit("{\"target\":\"h\",\"correlation_ids\":"
	    "[\"x\",\"y\"]}", &out), 400);
	assert_string_equal(json_get_string(out, "field"),
	    "correlation_ids[0]");
	json_object_put(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical),
		cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflict, setup,
		    teardown),
	};

	log_init("test_merge", 1, LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
