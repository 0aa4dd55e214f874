/*
 * fuzz_api.c: libFuzzer target for the request handlers of both APIs, so
 * for every request body the platform parses (activation, heartbeat,
 * errors, inventory full and delta, fim-events, scans, every admin body).
 * Input: byte 0 picks the method, byte 1 the credential (none, admin
 * token, a valid agent credential, or the rest of the first line), then
 * the request path up to '\n', then the body. @AGENT@, @CRED@, @KEY@ and
 * @CUSTOMER@ in the input stand for the platform's agent id, its
 * credential, activation key and customer, so seeds reach past the
 * checks of ids (the agent has a reactivate command pending, so a
 * re-activation with its credential as proof re-keys it). Each input runs
 * inside a transaction on an in-memory platform that is rolled back
 * afterwards. Every answer must be strict JSON (json-strict.c).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "api-admin.h"
#include "api.h"
#include "json-strict.h"
#include "jsonutil.h"
#include "log.h"
#include "pki.h"
#include "platform.h"
#include "store.h"

#define FUZZ_TOKEN	"0123456789abcdef0123456789abcdef"

static struct api	 fuzz_api;
static char		 fuzz_cred[128];
static char		 fuzz_raw_cred[128];
static char		 fuzz_agent[PLATFORM_UUID_LEN + 1];
static char		 fuzz_key[PLATFORM_UUID_LEN + 1];
static char		 fuzz_customer[PLATFORM_UUID_LEN + 1];

/* Every answer with a body is strict JSON; abort otherwise. */
static void
fuzz_check_answer(struct api_response *res)
{
	struct json_strict_error	 err;
	const char			*text;

	if (res->status == 304 || (text = api_response_text(res)) == NULL)
		return;
	if (json_strict_check_flags(text, strlen(text),
	    JSON_STRICT_ANY_INTEGER, &err) != JSON_STRICT_OK) {
		fprintf(stderr, "answer %d is not strict JSON (%s): %s\n",
		    res->status, err.message, text);
		abort();
	}
}

/* Run one request through the dispatch. Returns the status. */
static int
fuzz_call(enum api_method m, const char *path, const char *query,
    const char *auth, const char *body, size_t len, struct json_object **out)
{
	struct api_request	 req;
	struct api_response	 res;
	int			 status;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.method = m;
	req.path = path;
	req.query = query;
	req.authorization = auth;
	req.if_none_match = "\"p1v1\"";
	req.body = body;
	req.body_len = len;
	req.now = (int64_t)time(NULL);
	if (api_prepare(&fuzz_api, &req, &res) == 0)
		api_execute(&fuzz_api, &req, &res);
	fuzz_check_answer(&res);
	status = res.status;
	if (out != NULL)
		*out = json_object_get(res.json);
	api_request_clear(&req);
	api_response_clear(&res);
	return status;
}

/* Make the in-memory platform with one agent, once. */
static void
fuzz_init(void)
{
	struct json_object	*obj = NULL;
	char			 err[PLATFORM_ERRLEN], body[512], auth[160];
	char			 path[128];

	log_init("fuzz_api", 0, LOG_LEVEL_ERROR);
	if ((fuzz_api.store = store_open(":memory:", err,
	    sizeof(err))) == NULL)
		abort();
	if ((fuzz_api.signer = EVP_PKEY_Q_keygen(NULL, NULL,
	    "ED25519")) == NULL)
		abort();
	fuzz_api.public_pem = pki_public_pem(fuzz_api.signer);
	snprintf(fuzz_api.admin_token, sizeof(fuzz_api.admin_token), "%s",
	    FUZZ_TOKEN);
	if (store_begin(fuzz_api.store) == -1 ||
	    api_admin_seed(&fuzz_api, fuzz_customer, fuzz_key) == -1)
		abort();
	snprintf(body, sizeof(body), "{\"activation_id\":\"%s\","
	    "\"customer_id\":\"%s\",\"host\":{\"hostname\":\"fuzz\"}}",
	    fuzz_key, fuzz_customer);
	if (fuzz_call(API_POST, "/agent/v1/activate", NULL, NULL, body,
	    strlen(body), &obj) != 201)
		abort();
	snprintf(fuzz_raw_cred, sizeof(fuzz_raw_cred), "%s",
	    json_get_string(obj, "credential"));
	snprintf(fuzz_agent, sizeof(fuzz_agent), "%s",
	    json_get_string(obj, "agent_id"));
	json_object_put(obj);
	snprintf(auth, sizeof(auth), "Bearer %s", fuzz_raw_cred);
	snprintf(fuzz_cred, sizeof(fuzz_cred), "%s", auth);
	snprintf(path, sizeof(path), "/api/v1/agents/%s", fuzz_agent);
	if (fuzz_call(API_PATCH, path, NULL, "Bearer " FUZZ_TOKEN,
	    "{\"reactivate\":true}", 19, NULL) != 200 ||
	    store_commit(fuzz_api.store) == -1)
		abort();
}

/*
 * The input with @AGENT@, @CRED@, @KEY@ and @CUSTOMER@ replaced. Returns
 * a new buffer (its length in *outlen), or NULL.
 */
static uint8_t *
fuzz_expand(const uint8_t *data, size_t size, size_t *outlen)
{
	static const char *const names[] = {
		"@AGENT@", "@CRED@", "@KEY@", "@CUSTOMER@"
	};
	const char	*values[] = {
		fuzz_agent, fuzz_raw_cred, fuzz_key, fuzz_customer
	};
	uint8_t		*out;
	size_t		 i, o = 0, k, n;

	/* A name of 5 bytes or more becomes at most 101. */
	if ((out = malloc(size * 21 + 1)) == NULL)
		return NULL;
	for (i = 0; i < size;) {
		for (k = 0; k < 4; k++) {
			n = strlen(names[k]);
			if (size - i >= n && memcmp(data + i, names[k], n) == 0)
				break;
		}
		if (k == 4) {
			out[o++] = data[i++];
			continue;
		}
		memcpy(out + o, values[k], strlen(values[k]));
		o += strlen(values[k]);
		i += strlen(names[k]);
	}
	*outlen = o;
	return out;
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* libFuzzer entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum api_method methods[] = {
		API_GET, API_POST, API_PATCH, API_DELETE, API_PUT
	};
	static int		 ready;
	const uint8_t		*nl;
	uint8_t			*input;
	char			*path, *query, auth[256];
	const char		*authp = NULL;
	size_t			 plen;

	if (!ready) {
		fuzz_init();
		ready = 1;
	}
	if (size < 3 || (input = fuzz_expand(data, size, &size)) == NULL)
		return 0;
	data = input;
	nl = memchr(data + 2, '\n', size - 2);
	plen = nl != NULL ? (size_t)(nl - (data + 2)) : size - 2;
	if ((path = malloc(plen + 1)) == NULL) {
		free(input);
		return 0;
	}
	memcpy(path, data + 2, plen);
	path[plen] = '\0';
	switch (data[1] % 4) {
	case 1:
		authp = "Bearer " FUZZ_TOKEN;
		break;
	case 2:
		authp = fuzz_cred;
		break;
	case 3:
		snprintf(auth, sizeof(auth), "Bearer %s", path);
		authp = auth;
		break;
	}
	/* The path as evhttp hands it: the query string apart. */
	if ((query = strchr(path, '?')) != NULL)
		*query++ = '\0';
	if (store_begin(fuzz_api.store) == 0) {
		fuzz_call(methods[data[0] % 5], path, query, authp,
		    nl != NULL ? (const char *)nl + 1 : NULL,
		    nl != NULL ? size - (size_t)(nl + 1 - data) : 0, NULL);
		store_rollback(fuzz_api.store);
	}
	free(path);
	free(input);
	return 0;
}
