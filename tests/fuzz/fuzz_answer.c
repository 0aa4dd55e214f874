/*
 * fuzz_answer.c: libFuzzer targets for every answer the agent parses,
 * through its answer contract (answer.c) and on to the code that uses
 * it. One source, built once per answer with FUZZ_ANSWER set:
 *
 *	answer_activate		POST /agent/v1/activate: the identity checks,
 *				then the profile it carries
 *	answer_heartbeat	POST /agent/v1/heartbeat: commands, intervals
 *	answer_profile		GET /agent/v1/profile: the profile parser
 *	answer_manifest		GET /agent/v1/manifests/TYPE: byte 0 picks the
 *				type; byte 1 whether the rest is a manifest as
 *				served, or a body the target signs itself so
 *				that the checks after the signature are reached
 *	answer_ack		the inventory, fim-events and errors uploads'
 *				acknowledgements (byte 0 picks one)
 *
 * For the contract targets byte 0 (after any selector) picks the status
 * among the contract's, 304, 302 and 500. Whatever the input, a verdict
 * of ERR_NONE must mean that the members hold their contract, and what
 * the code after it takes must be within its documented bounds.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "answer.h"
#include "jsonutil.h"
#include "log.h"
#include "manifest.h"
#include "mansig.h"
#include "profile.h"
#include "state.h"

#define FUZZ_CUSTOMER	"c0d9e8f7-1a2b-4c3d-9e8f-7a6b5c4d3e2f"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Judge data as the answer of kind, with status picked by sel. */
static enum error_code
fuzz_judge(enum answer_kind kind, uint8_t sel, const uint8_t *data,
    size_t size, struct answer *a)
{
	static const long	 others[] = { 304, 302, 500 };
	const struct answer_contract *c = answer_contract(kind);
	struct answer_wire	 w;
	char			*body;

	if ((body = malloc(size + 1)) == NULL)
		abort();
	memcpy(body, data, size);
	body[size] = '\0';
	memset(&w, 0, sizeof(w));
	w.method = c->method;
	w.path = c->path;
	w.status = sel % 4 == 0 ? c->status : others[sel % 4 - 1];
	w.transport = w.status >= 400 ? ERR_HTTP : ERR_NONE;
	w.transport_detail = "fuzz";
	w.content_type = "application/json";
	w.location = "https://fuzz.example/";
	w.body = body;
	w.body_len = size;
	w.is_conditional = sel & 4;
	answer_judge(c, &w, a);
	if (a->error == ERR_NONE && !a->is_not_modified && !c->is_raw) {
		char	 err[256];

		if (a->json == NULL || answer_check_members(c->members,
		    a->json, err, sizeof(err)) == -1)
			abort();
	}
	if (a->error != ERR_NONE && (a->detail == NULL ||
	    a->detail[0] == '\0'))
		abort();
	/* The answer's strings are in the body: keep it to the end. */
	free(body);
	return a->error;
}

/* Parse a checked profile and check what it holds. */
static void
fuzz_profile_check(struct json_object *doc)
{
	struct profile	 p;
	char		 err[256];

	profile_default(&p);
	if (profile_parse(&p, doc, err, sizeof(err)) == 0) {
		if (p.text == NULL ||
		    p.heartbeat_interval < PROFILE_HEARTBEAT_MIN ||
		    p.heartbeat_interval > PROFILE_HEARTBEAT_MAX ||
		    p.inventory_interval < PROFILE_INVENTORY_MIN ||
		    p.inventory_interval > PROFILE_INVENTORY_MAX)
			abort();
	}
	profile_clear(&p);
}

#if FUZZ_ANSWER == 1
/* The activation answer. */
static void
fuzz_one(const uint8_t *data, size_t size)
{
	struct answer		 a;
	struct json_object	*profile;
	struct state		 st;
	char			 err[256];

	if (size < 1)
		return;
	if (fuzz_judge(ANSWER_ACTIVATE, data[0], data + 1,
	    size - 1, &a) != ERR_NONE || a.is_not_modified) {
		answer_clear(&a);
		return;
	}
	if (answer_activation(a.json, FUZZ_CUSTOMER, &st, err,
	    sizeof(err)) == 0) {
		if (!answer_is_uuid(st.agent_id) ||
		    strlen(st.credential) != 101 ||
		    strncmp(st.credential, st.agent_id, 36) != 0 ||
		    strlen(st.correlation_id) != 32 ||
		    strcmp(st.customer_id != NULL ? st.customer_id :
		    FUZZ_CUSTOMER, FUZZ_CUSTOMER) != 0 ||
		    strlen(st.manifest_public_key) > 4096)
			abort();
		state_free(&st);
	} else if (st.agent_id != NULL || err[0] == '\0')
		abort();
	if (json_object_object_get_ex(a.json, "profile", &profile) &&
	    answer_check_members(answer_contract(ANSWER_PROFILE)->members,
	    profile, err, sizeof(err)) == 0)
		fuzz_profile_check(profile);
	answer_clear(&a);
}
#elif FUZZ_ANSWER == 2
/* The heartbeat answer. */
static void
fuzz_one(const uint8_t *data, size_t size)
{
	struct answer_heartbeat	 hb;
	struct answer		 a;
	int64_t			 v;
	int			 clamped;

	if (size < 1)
		return;
	if (fuzz_judge(ANSWER_HEARTBEAT, data[0], data + 1,
	    size - 1, &a) != ERR_NONE) {
		answer_clear(&a);
		return;
	}
	answer_heartbeat(a.json, &hb);
	if (!answer_is_uuid(hb.agent_id) || !hb.has_server_time ||
	    hb.server_time < 0 || hb.profile_version == 0)
		abort();
	if (hb.has_interval) {
		v = answer_clamp(hb.interval, PROFILE_HEARTBEAT_MIN,
		    PROFILE_HEARTBEAT_MAX, &clamped);
		if (v < PROFILE_HEARTBEAT_MIN || v > PROFILE_HEARTBEAT_MAX ||
		    clamped != (v != hb.interval))
			abort();
	}
	answer_clear(&a);
}
#elif FUZZ_ANSWER == 3
/* The profile answer. */
static void
fuzz_one(const uint8_t *data, size_t size)
{
	struct answer	 a;

	if (size < 1)
		return;
	if (fuzz_judge(ANSWER_PROFILE, data[0], data + 1,
	    size - 1, &a) != ERR_NONE || a.is_not_modified) {
		answer_clear(&a);
		return;
	}
	fuzz_profile_check(a.json);
	answer_clear(&a);
}
#elif FUZZ_ANSWER == 4
static EVP_PKEY	*fuzz_key;

/* Sign body as a TYPE manifest with the fuzzer's key. Returns the text. */
static char *
fuzz_sign(const char *type, const uint8_t *body, size_t len)
{
	struct json_object	*s;
	EVP_MD_CTX		*ctx;
	unsigned char		*msg, sig[64], b64[100];
	size_t			 msglen, siglen = sizeof(sig);
	char			*out;

	if ((msg = mansig_message(type, 3, (const char *)body, len,
	    &msglen)) == NULL || (ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, fuzz_key) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, msg, msglen) != 1)
		abort();
	EVP_MD_CTX_free(ctx);
	free(msg);
	EVP_EncodeBlock(b64, sig, 64);
	s = json_object_new_string_len((const char *)body, (int)len);
	if (asprintf(&out, "{\"type\":\"%s\",\"version\":3,\"body\":%s,"
	    "\"signature\":\"%s\"}", type, json_object_to_json_string_ext(s,
	    JSON_C_TO_STRING_PLAIN), b64) == -1)
		abort();
	json_object_put(s);
	return out;
}

/* A manifest, as served or signed here. */
static void
fuzz_one(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "inventory", "fim", "vulnsigs" };
	static const enum answer_kind kinds[] = { ANSWER_MANIFEST_INVENTORY,
	    ANSWER_MANIFEST_FIM, ANSWER_MANIFEST_VULNSIGS };
	struct json_object	*body;
	struct answer		 a;
	const char		*type;
	enum error_code		 code;
	char			*doc, err[256];
	size_t			 len;
	int64_t			 version;

	if (fuzz_key == NULL &&
	    (fuzz_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL)
		abort();
	if (size < 2)
		return;
	type = types[data[0] % 3];
	if (data[1] & 1) {
		doc = fuzz_sign(type, data + 2, size - 2);
		len = strlen(doc);
	} else {
		/* The status line first, as the agent judges it. */
		fuzz_judge(kinds[data[0] % 3], data[1] >> 1, data + 2,
		    size - 2, &a);
		answer_clear(&a);
		if ((doc = malloc(size - 1)) == NULL)
			abort();
		memcpy(doc, data + 2, size - 2);
		doc[size - 2] = '\0';
		len = size - 2;
	}
	code = manifest_verify(fuzz_key, type, doc, len, &version, &body, err,
	    sizeof(err));
	if (code == ERR_NONE) {
		if (version < 1 || (body == NULL) != (data[0] % 3 == 2))
			abort();
	} else if (body != NULL || err[0] == '\0')
		abort();
	json_object_put(body);
	free(doc);
}
#elif FUZZ_ANSWER == 5
/* An upload's acknowledgement. */
static void
fuzz_one(const uint8_t *data, size_t size)
{
	static const enum answer_kind kinds[] = { ANSWER_INVENTORY,
	    ANSWER_FIM_EVENTS, ANSWER_ERRORS };
	struct answer	 a;
	int64_t		 v;

	if (size < 1)
		return;
	if (fuzz_judge(kinds[data[0] % 3], data[0] / 3, data + 1, size - 1,
	    &a) == ERR_NONE && !a.is_not_modified) {
		if (data[0] % 3 == 0 && (json_get_int64(a.json,
		    "inventory_version", &v) == -1 || v < 1))
			abort();
		if (data[0] % 3 != 0 && (json_get_int64(a.json, "sequence",
		    &v) == -1 || v < 1))
			abort();
	}
	answer_clear(&a);
}
#else
#error "FUZZ_ANSWER: 1 activate, 2 heartbeat, 3 profile, 4 manifest, 5 ack"
#endif

/* libFuzzer entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 ready;

	if (!ready) {
		log_init("fuzz_answer", 0, LOG_LEVEL_ERROR);
		ready = 1;
	}
	fuzz_one(data, size);
	return 0;
}
