/*
 * fuzz_api.c: libFuzzer target for the request handlers of both APIs.
 * Input: byte 0 picks the method, byte 1 the credential (none, admin
 * token, a valid agent credential, or the rest of the first line), then
 * the request path up to '\n', then the body. Each input runs inside a
 * transaction on an in-memory platform that is rolled back afterwards.
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
#include "jsonutil.h"
#include "log.h"
#include "pki.h"
#include "platform.h"
#include "store.h"

#define FUZZ_TOKEN	"0123456789abcdef0123456789abcdef"

static struct api	 fuzz_api;
static char		 fuzz_cred[128];
static char		 fuzz_key[PLATFORM_UUID_LEN + 1];
static char		 fuzz_customer[PLATFORM_UUID_LEN + 1];

/* Run one request through the dispatch. Returns the status. */
static int
fuzz_call(enum api_method m, const char *path, const char *auth,
    const char *body, size_t len, struct json_object **out)
{
	struct api_request	 req;
	struct api_response	 res;
	char			*q;
	int			 status;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.method = m;
	req.path = path;
	if ((q = strchr(path, '?')) != NULL)
		req.query = q + 1;
	req.authorization = auth;
	req.if_none_match = "\"p1v1\"";
	req.body = body;
	req.body_len = len;
	req.now = (int64_t)time(NULL);
	if (api_prepare(&fuzz_api, &req, &res) == 0)
		api_execute(&fuzz_api, &req, &res);
	if (res.json != NULL)
		json_object_to_json_string(res.json);
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
	if (fuzz_call(API_POST, "/agent/v1/activate", NULL, body,
	    strlen(body), &obj) != 201)
		abort();
	snprintf(fuzz_cred, sizeof(fuzz_cred), "%s",
	    json_get_string(obj, "credential"));
	json_object_put(obj);
	snprintf(auth, sizeof(auth), "Bearer %s", fuzz_cred);
	snprintf(fuzz_cred, sizeof(fuzz_cred), "%s", auth);
	if (store_commit(fuzz_api.store) == -1)
		abort();
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
	char			*path, auth[256];
	const char		*authp = NULL;
	size_t			 plen;

	if (!ready) {
		fuzz_init();
		ready = 1;
	}
	if (size < 3)
		return 0;
	nl = memchr(data + 2, '\n', size - 2);
	plen = nl != NULL ? (size_t)(nl - (data + 2)) : size - 2;
	if ((path = malloc(plen + 1)) == NULL)
		return 0;
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
	if (store_begin(fuzz_api.store) == 0) {
		fuzz_call(methods[data[0] % 5], path, authp,
		    nl != NULL ? (const char *)nl + 1 : NULL,
		    nl != NULL ? size - (size_t)(nl + 1 - data) : 0, NULL);
		store_rollback(fuzz_api.store);
	}
	free(path);
	return 0;
}
