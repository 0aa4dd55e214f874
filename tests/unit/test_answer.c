/*
 * test_answer.c: the answer contracts (answer.c): the budget scan, the
 * judgement of statuses, bodies and members, the in-place manifest
 * envelope and its signature, the activation and heartbeat answers.
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
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "answer.h"
#include "mansig.h"
#include "state.h"

#define ID	"3f0c8a4e-5d7b-4c1e-9a2f-0b6d1e8c7a55"
#define SECRET	"9f1c9f1c9f1c9f1c9f1c9f1c9f1c9f1c9f1c9f1c9f1c9f1c9f1c9f1c9f1c9f1c"
#define CID	"5b0e2a7c9d1f4e3a8b6c0d2e4f6a8b1c"
#define CUST	"c0d9e8f7-1a2b-4c3d-9e8f-7a6b5c4d3e2f"

/* Scan text against b. Returns the code. */
static enum error_code
scan(const char *text, const struct answer_budget *b)
{
	char	 err[256];

	return answer_scan(text, strlen(text), b, err, sizeof(err));
}

/* The budget scan: syntax, and each limit on its own. */
static void
test_scan(void **unused)
{
	struct answer_budget	 b = { 4096, 3, 8, 3, 8 };
	const char		*longnum = "{\"a\":123456789012345678901234"
	    "56789012345678901234567890123456789012345678901}";
	char			 err[256];

	assert_int_equal(scan("{}", &b), ERR_NONE);
	assert_int_equal(scan(" {\"a\":[1,-2.5e3,true,null],\"b\":{}} ", &b),
	    ERR_NONE);
	assert_int_equal(scan("", &b), ERR_BAD_RESPONSE);
	assert_int_equal(scan("[]", &b), ERR_BAD_RESPONSE);
	assert_int_equal(scan("{\"a\":1}x", &b), ERR_BAD_RESPONSE);
	assert_int_equal(scan("{\"a\":01}", &b), ERR_BAD_RESPONSE);
	assert_int_equal(scan("{\"a\":[1,]}", &b), ERR_BAD_RESPONSE);
	assert_int_equal(scan("{\"a\"}", &b), ERR_BAD_RESPONSE);
	assert_int_equal(scan("{\"a\":\"\x01\"}", &b), ERR_BAD_RESPONSE);
	assert_int_equal(scan("{\"a\":\"\\x\"}", &b), ERR_BAD_RESPONSE);
	assert_int_equal(scan("{\"a\":tru}", &b), ERR_BAD_RESPONSE);
	assert_int_equal(scan("{\"a\":[1}", &b), ERR_BAD_RESPONSE);
	assert_int_equal(scan("{\"a\":", &b), ERR_BAD_RESPONSE);
	/* Nesting: the object itself is depth 1. */
	assert_int_equal(scan("{\"a\":[[1]]}", &b), ERR_NONE);
	assert_int_equal(scan("{\"a\":[[[1]]]}", &b), ERR_ANSWER_OVER_LIMIT);
	/* Values and containers. */
	assert_int_equal(scan("{\"a\":[1,2,3,4,5,6,7]}", &b), ERR_NONE);
	assert_int_equal(scan("{\"a\":[1,2,3,4,5,6,7,8]}", &b),
	    ERR_ANSWER_OVER_LIMIT);
	assert_int_equal(scan("{\"a\":[{},{}],\"b\":[]}", &b),
	    ERR_ANSWER_OVER_LIMIT);
	/* Strings and names, as sent. */
	assert_int_equal(scan("{\"abcdefgh\":\"12345678\"}", &b), ERR_NONE);
	assert_int_equal(scan("{\"abcdefghi\":1}", &b), ERR_ANSWER_OVER_LIMIT);
	assert_int_equal(scan("{\"a\":\"123456789\"}", &b),
	    ERR_ANSWER_OVER_LIMIT);
	/* Bytes, and the length of a number. */
	b.max_bytes = 4;
	assert_int_equal(scan("{\"a\":1}", &b), ERR_ANSWER_OVER_LIMIT);
	b.max_bytes = 4096;
	assert_int_equal(answer_scan(longnum, strlen(longnum), &b, err,
	    sizeof(err)), ERR_ANSWER_OVER_LIMIT);
	assert_non_null(strstr(err, "a number longer than 64"));
}

/* Judge body (status, content type) against the contract of kind. */
static enum error_code
judge(enum answer_kind kind, long status, const char *type, const char *body,
    int conditional, struct answer *a)
{
	const struct answer_contract	*c = answer_contract(kind);
	struct answer_wire		 w;

	memset(&w, 0, sizeof(w));
	w.method = c->method;
	w.path = c->path;
	w.transport = status >= 400 ? ERR_HTTP : ERR_NONE;
	w.transport_detail = "transport detail";
	w.status = status;
	w.content_type = type;
	w.location = "https://portal.example/login\r\nX";
	w.body = body;
	w.body_len = body != NULL ? strlen(body) : 0;
	w.is_conditional = conditional;
	answer_judge(c, &w, a);
	return a->error;
}

/* Statuses: only the contract's, 304 only to a conditional request. */
static void
test_judge_status(void **unused)
{
	struct answer	 a;
	const char	*hb = "{\"agent_id\":\"" ID "\",\"commands\":[],"
		    "\"server_time\":1}";

	assert_int_equal(judge(ANSWER_HEARTBEAT, 200, "application/json", hb,
	    0, &a), ERR_NONE);
	assert_non_null(a.json);
	answer_clear(&a);
	assert_int_equal(judge(ANSWER_HEARTBEAT, 302, "text/html", "<html>",
	    0, &a), ERR_REDIRECTED);
	assert_non_null(strstr(a.detail, "redirect to https://portal.example/"
	    "login??X, not followed"));
	answer_clear(&a);
	assert_int_equal(judge(ANSWER_ERRORS, 204, NULL, NULL, 0, &a),
	    ERR_UNEXPECTED_STATUS);
	assert_non_null(strstr(a.detail, "HTTP 204, expected 200"));
	answer_clear(&a);
	assert_int_equal(judge(ANSWER_ACTIVATE, 200, "application/json", "{}",
	    0, &a), ERR_UNEXPECTED_STATUS);
	answer_clear(&a);
	assert_int_equal(judge(ANSWER_PROFILE, 304, NULL, NULL, 1, &a),
	    ERR_NONE);
	assert_true(a.is_not_modified);
	answer_clear(&a);
	assert_int_equal(judge(ANSWER_PROFILE, 304, NULL, NULL, 0, &a),
	    ERR_UNEXPECTED_STATUS);
	answer_clear(&a);
	assert_int_equal(judge(ANSWER_HEARTBEAT, 304, NULL, NULL, 1, &a),
	    ERR_UNEXPECTED_STATUS);
	answer_clear(&a);
	/* A platform error body, and a proxy's page. */
	assert_int_equal(judge(ANSWER_HEARTBEAT, 401, "application/json",
	    "{\"error\":\"credential_revoked\",\"message\":\"x\\ny\"}", 0, &a),
	    ERR_CREDENTIAL_REVOKED);
	assert_string_equal(a.api_error, "credential_revoked");
	assert_non_null(strstr(a.detail, "credential_revoked: x?y"));
	answer_clear(&a);
	assert_int_equal(judge(ANSWER_ERRORS, 400, "text/html", "<html>", 0,
	    &a), ERR_HTTP);
	assert_null(a.api_error);
	assert_non_null(strstr(a.detail, "not a platform error body"));
	answer_clear(&a);
}

/* Bodies: empty, not JSON, over the budget, members missing or wrong. */
static void
test_judge_body(void **unused)
{
	struct answer	 a;

	assert_int_equal(judge(ANSWER_INVENTORY, 200, "application/json", "",
	    0, &a), ERR_BAD_RESPONSE);
	assert_non_null(strstr(a.detail, "empty body"));
	answer_clear(&a);
	assert_int_equal(judge(ANSWER_INVENTORY, 200, "text/html",
	    "{\"inventory_version\":1}", 0, &a), ERR_BAD_RESPONSE);
	answer_clear(&a);
	assert_int_equal(judge(ANSWER_INVENTORY, 200,
	    "application/json; charset=utf-8", "{\"inventory_version\":1}", 0,
	    &a), ERR_NONE);
	answer_clear(&a);
	assert_int_equal(judge(ANSWER_INVENTORY, 200, "application/json",
	    "{\"status\":\"initial_scan_complete\"}", 0, &a),
	    ERR_ANSWER_INVALID);
	assert_non_null(strstr(a.detail, "member \"inventory_version\" "
	    "missing"));
	assert_null(a.json);
	answer_clear(&a);
	assert_int_equal(judge(ANSWER_INVENTORY, 200, "application/json",
	    "{\"inventory_version\":0}", 0, &a), ERR_ANSWER_INVALID);
	answer_clear(&a);
	assert_int_equal(judge(ANSWER_FIM_EVENTS, 200, "application/json",
	    "{\"sequence\":\"17\",\"stored\":1}", 0, &a), ERR_ANSWER_INVALID);
	answer_clear(&a);
	assert_int_equal(judge(ANSWER_HEARTBEAT, 200, "application/json",
	    "{\"agent_id\":\"" ID "\",\"commands\":[1],\"server_time\":1}", 0,
	    &a), ERR_ANSWER_INVALID);
	answer_clear(&a);
	assert_int_equal(judge(ANSWER_HEARTBEAT, 200, "application/json",
	    "{\"a\":[[[[[[[[[[1]]]]]]]]]]}", 0, &a), ERR_ANSWER_OVER_LIMIT);
	answer_clear(&a);
	/* A signed manifest is the caller's to parse. */
	assert_int_equal(judge(ANSWER_MANIFEST_FIM, 200, "application/json",
	    "{\"x\":[1]}", 0, &a), ERR_NONE);
	assert_null(a.json);
	answer_clear(&a);
}

/* A transfer that failed keeps its own cause, whatever the status. */
static void
test_judge_transport(void **unused)
{
	const struct answer_contract	*c = answer_contract(ANSWER_HEARTBEAT);
	struct answer_wire		 w;
	struct answer			 a;

	memset(&w, 0, sizeof(w));
	w.method = c->method;
	w.path = c->path;
	w.status = 200;
	w.transport = ERR_TIMEOUT;
	w.transport_detail = "https://p/agent/v1/heartbeat via direct: the "
	    "request timed out";
	answer_judge(c, &w, &a);
	assert_int_equal(a.error, ERR_TIMEOUT);
	assert_string_equal(a.detail, w.transport_detail);
	answer_clear(&a);
	w.transport = ERR_RESPONSE_TOO_LARGE;
	answer_judge(c, &w, &a);
	assert_int_equal(a.error, ERR_RESPONSE_TOO_LARGE);
	answer_clear(&a);
	assert_null(answer_contract_find("GET", "/agent/v1/nothing"));
	assert_ptr_equal(answer_contract_find("GET",
	    "/agent/v1/manifests/vulnsigs"),
	    answer_contract(ANSWER_MANIFEST_VULNSIGS));
}

/* Check one member list entry of type against text. */
static int
member(enum answer_type type, const char *json)
{
	struct answer_member	 list[2];
	struct json_object	*obj;
	char			 err[256], text[8192];
	int			 rc;

	memset(list, 0, sizeof(list));
	list[0].name = "v";
	list[0].type = type;
	list[0].is_required = 1;
	list[0].max_len = 4096;
	snprintf(text, sizeof(text), "{\"v\":%s}", json);
	obj = json_tokener_parse(text);
	assert_non_null(obj);
	rc = answer_check_members(list, obj, err, sizeof(err));
	json_object_put(obj);
	return rc;
}

/* The member types that carry identity. */
static void
test_members(void **unused)
{
	EVP_PKEY	*key;
	BIO		*bio;
	char		*pem, json[4096];
	long		 n;

	assert_int_equal(member(ANSWER_UUID, "\"" ID "\""), 0);
	assert_int_equal(member(ANSWER_UUID, "\"3F0C8A4E-5D7B-4C1E-9A2F-"
	    "0B6D1E8C7A55\""), -1);
	assert_int_equal(member(ANSWER_UUID, "\"../../etc/x\""), -1);
	assert_int_equal(member(ANSWER_UUID, "\"" ID "\\r\\n\""), -1);
	assert_int_equal(member(ANSWER_UUID, "null"), -1);
	assert_int_equal(member(ANSWER_HEX32, "\"" CID "\""), 0);
	assert_int_equal(member(ANSWER_HEX32, "\"" CID "0\""), -1);
	assert_int_equal(member(ANSWER_CREDENTIAL, "\"" ID "." SECRET "\""), 0);
	assert_int_equal(member(ANSWER_CREDENTIAL, "\"" ID "." SECRET "0\""),
	    -1);
	assert_int_equal(member(ANSWER_CREDENTIAL, "\"" ID ".9F1C9f1c9f1c9f1c"
	    "9f1c9f1c9f1c9f1c9f1c9f1c9f1c9f1c9f1c9f1c9f1c9f1c9f1c9f1c9f1c9f1c\""),
	    -1);
	assert_int_equal(member(ANSWER_CREDENTIAL, "\"" ID "\\u0000"
	    SECRET "\""), -1);
	assert_int_equal(member(ANSWER_COUNT, "-1"), -1);
	assert_int_equal(member(ANSWER_POSITIVE, "0"), -1);
	assert_int_equal(member(ANSWER_STRINGS, "[\"a\",\"b\"]"), 0);
	assert_int_equal(member(ANSWER_STRINGS, "[\"a\",{}]"), -1);
	assert_int_equal(member(ANSWER_PEM, "\"-----BEGIN PUBLIC KEY-----\\n"
	    "AAAA\\n-----END PUBLIC KEY-----\\n\""), -1);
	key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(key);
	bio = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PUBKEY(bio, key), 1);
	n = BIO_get_mem_data(bio, &pem);
	snprintf(json, sizeof(json), "\"%.*s\"", (int)n, pem);
	/* JSON needs the newlines escaped. */
	{
		char	 esc[4096], *o = esc;
		int	 i;

		for (i = 0; json[i] != '\0'; i++) {
			if (json[i] == '\n') {
				*o++ = '\\';
				*o++ = 'n';
			} else
				*o++ = json[i];
		}
		*o = '\0';
		assert_int_equal(member(ANSWER_PEM, esc), 0);
	}
	BIO_free(bio);
	EVP_PKEY_free(key);
}

/* Sign body as a type/version manifest with key; the envelope text. */
static char *
signed_envelope(EVP_PKEY *key, const char *type, int64_t version,
    const char *body_json_string, const char *body, int body_first)
{
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	unsigned char	*msg, sig[64], b64[100];
	size_t		 msglen, siglen = sizeof(sig);
	char		*out;

	msg = mansig_message(type, version, body, strlen(body), &msglen);
	assert_non_null(msg);
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, NULL, NULL, key), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &siglen, msg, msglen), 1);
	EVP_MD_CTX_free(ctx);
	free(msg);
	EVP_EncodeBlock(b64, sig, 64);
	if (body_first)
		assert_true(asprintf(&out, "{\"body\":%s,\"signature\":\"%s\","
		    "\"type\":\"%s\",\"version\":%lld}", body_json_string, b64,
		    type, (long long)version) > 0);
	else
		assert_true(asprintf(&out, "{\"type\":\"%s\",\"version\":%lld,"
		    "\"created_at\":1,\"body\":%s,\"signature\":\"%s\"}", type,
		    (long long)version, body_json_string, b64) > 0);
	return out;
}

/* The envelope: lexed in place, verified over the decoded body. */
static void
test_envelope(void **unused)
{
	struct answer_envelope	 e;
	EVP_PKEY		*key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	const char		*body = "{\"a\":\"\xc3\xa9\xf0\x9f\x98\x80\\n\"}";
	char			*text, err[256];
	int			 first;

	assert_non_null(key);
	for (first = 0; first <= 1; first++) {
		text = signed_envelope(key, "fim", 7,
		    "\"{\\\"a\\\":\\\"\\u00e9\\ud83d\\ude00\\\\n\\\"}\"", body,
		    first);
		assert_int_equal(answer_envelope(text, strlen(text), &e, err,
		    sizeof(err)), ERR_NONE);
		assert_string_equal(e.type, "fim");
		assert_int_equal(e.version, 7);
		assert_int_equal(e.body_len, strlen(body));
		assert_memory_equal(e.body, body, e.body_len);
		assert_int_equal(mansig_verify_message(key,
		    (const unsigned char *)e.msg, e.msg_len, e.signature), 1);
		free(text);
	}
	/* Another version under the same signature does not verify. */
	text = signed_envelope(key, "fim", 7, "\"{}\"", "{}", 0);
	text[strstr(text, "\"version\":7") - text + 10] = '8';
	assert_int_equal(answer_envelope(text, strlen(text), &e, err,
	    sizeof(err)), ERR_NONE);
	assert_int_equal(mansig_verify_message(key,
	    (const unsigned char *)e.msg, e.msg_len, e.signature), 0);
	free(text);
	EVP_PKEY_free(key);

#define BAD(s, code) do {						\
	text = strdup(s);						\
	assert_int_equal(answer_envelope(text, strlen(text), &e, err,	\
	    sizeof(err)), code);					\
	free(text);							\
} while (0)
	BAD("{\"type\":\"fim\",\"version\":1,\"body\":\"{}\",\"signature\":"
	    "\"x\",\"more\":[{}]}", ERR_ANSWER_OVER_LIMIT);
	BAD("{\"type\":\"fim\",\"version\":1,\"body\":\"{}\",\"body\":\"{}\","
	    "\"signature\":\"x\"}", ERR_ANSWER_INVALID);
	BAD("{\"type\":\"fim\",\"version\":0,\"body\":\"{}\",\"signature\":"
	    "\"x\"}", ERR_ANSWER_INVALID);
	BAD("{\"type\":\"fim\",\"body\":\"{}\",\"signature\":\"x\"}",
	    ERR_ANSWER_INVALID);
	BAD("{\"type\":\"fim\",\"version\":1,\"body\":\"\\ud800\","
	    "\"signature\":\"x\"}", ERR_BAD_RESPONSE);
	BAD("[{\"type\":\"fim\"}]", ERR_BAD_RESPONSE);
	BAD("{\"type\":\"fim\",\"version\":1,\"body\":\"{}\",\"signature\":"
	    "\"x\"} x", ERR_BAD_RESPONSE);
#undef BAD
}

/* The activation answer: identity checked before anything is kept. */
static void
test_activation(void **unused)
{
	struct json_object	*obj;
	struct state		 st;
	EVP_PKEY		*key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	BIO			*bio = BIO_new(BIO_s_mem());
	char			*pem, err[256];
	long			 n;

	PEM_write_bio_PUBKEY(bio, key);
	n = BIO_get_mem_data(bio, &pem);
	obj = json_object_new_object();
	json_object_object_add(obj, "agent_id", json_object_new_string(ID));
	json_object_object_add(obj, "credential",
	    json_object_new_string(ID "." SECRET));
	json_object_object_add(obj, "correlation_id",
	    json_object_new_string(CID));
	json_object_object_add(obj, "manifest_public_key",
	    json_object_new_string_len(pem, (int)n));
	json_object_object_add(obj, "customer_id", json_object_new_string(CUST));
	assert_int_equal(answer_activation(obj, CUST, &st, err, sizeof(err)),
	    0);
	assert_string_equal(st.agent_id, ID);
	assert_string_equal(st.credential, ID "." SECRET);
	assert_string_equal(st.correlation_id, CID);
	state_free(&st);
	/* Another customer than the configured one. */
	assert_int_equal(answer_activation(obj, "00000000-1a2b-4c3d-9e8f-"
	    "7a6b5c4d3e2f", &st, err, sizeof(err)), -1);
	assert_null(st.agent_id);
	/* The credential of another agent. */
	json_object_object_add(obj, "credential", json_object_new_string(
	    "0b6d1e8c-7a55-4c1e-9a2f-3f0c8a4e5d7b." SECRET));
	assert_int_equal(answer_activation(obj, CUST, &st, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "belongs to another agent"));
	assert_null(st.credential);
	json_object_put(obj);
	BIO_free(bio);
	EVP_PKEY_free(key);
}

/* The heartbeat answer: commands, once each; numbers. */
static void
test_heartbeat(void **unused)
{
	struct answer_heartbeat	 hb;
	struct json_object	*obj;

	obj = json_tokener_parse("{\"agent_id\":\"" ID "\",\"commands\":"
	    "[\"reactivate\",\"reactivate\",\"dance\"],\"server_time\":5,"
	    "\"heartbeat_interval\":1,\"profile_version\":4}");
	answer_heartbeat(obj, &hb);
	assert_string_equal(hb.agent_id, ID);
	assert_int_equal(hb.reactivate, 1);
	assert_int_equal(hb.uninstall, 0);
	assert_int_equal(hb.unknown, 1);
	assert_int_equal(hb.profile_id, -1);
	assert_int_equal(hb.profile_version, 4);
	assert_true(hb.has_interval);
	assert_int_equal(hb.interval, 1);
	assert_int_equal(hb.server_time, 5);
	json_object_put(obj);
}

/* Clamps and log-safe copies. */
static void
test_helpers(void **unused)
{
	char	 buf[8];
	int	 is_clamped;

	assert_int_equal(answer_clamp(1, 10, 86400, &is_clamped), 10);
	assert_true(is_clamped);
	assert_int_equal(answer_clamp(60, 10, 86400, &is_clamped), 60);
	assert_false(is_clamped);
	assert_int_equal(answer_clamp(INT64_MAX, 10, 86400, &is_clamped),
	    86400);
	assert_string_equal(answer_printable("a\r\nb\x01\xc3z", buf,
	    sizeof(buf)), "a??b??z");
	assert_string_equal(answer_printable("0123456789", buf, sizeof(buf)),
	    "0123456");
	assert_int_equal(answer_is_uuid(ID), 1);
	assert_int_equal(answer_is_uuid(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_judge_status),
		cmocka_unit_test(test_judge_body),
		cmocka_unit_test(test_judge_transport),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_activation),
		cmocka_unit_test(test_heartbeat),
		cmocka_unit_test(test_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
