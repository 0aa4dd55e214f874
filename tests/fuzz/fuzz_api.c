/*
 * fuzz_api.c: libFuzzer target for the request handlers of both APIs.
 * Input: byte 0 picks the method, byte 1 the credential (none, admin
 * token, a valid agent credential, "Bearer " and the rest of the first
 * line, an admin's API token, an admin's session cookie with its CSRF
 * token and origin, a reader's, or the rest of the first line as Cookie,
 * Origin and X-CSRF-Token), then the request path up to '\n', then the
 * body. @AGENT@, @CRED@, @KEY@ and @CUSTOMER@ in the input stand for the
 * platform's agent id, its credential, activation key and customer, so
 * seeds reach past the checks of ids (the agent has a reactivate command
 * pending, so a re-activation with its credential as proof re-keys it).
 * A deferred job (sign-in, a new password) runs in place. Each input runs
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
#include "session.h"
#include "store.h"
#include "users.h"

#define FUZZ_TOKEN	"0123456789abcdef0123456789abcdef"
#define FUZZ_HOST	"localhost:8443"
#define FUZZ_ORIGIN	"https://" FUZZ_HOST

/* A signed-in user: the Cookie header and the CSRF token. */
struct fuzz_session {
	char	 cookie[128];
	char	 csrf[65];
};

/* What a request sends besides method, path and body. */
struct fuzz_hdrs {
	const char	*authorization;
	const char	*cookie;
	const char	*origin;
	const char	*csrf;
};

static struct api	 fuzz_api;
static char		 fuzz_cred[128];
static char		 fuzz_raw_cred[128];
static char		 fuzz_agent[PLATFORM_UUID_LEN + 1];
static char		 fuzz_user_token[128];
static struct fuzz_session fuzz_admin, fuzz_reader;
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

/*
 * Run one request through the dispatch, a deferred job in place. Returns
 * the status; *out gets the answer (when not NULL), cookie its
 * Set-Cookie (when not NULL).
 */
static int
fuzz_call(enum api_method m, const char *path, const struct fuzz_hdrs *h,
    const char *body, size_t len, struct json_object **out, char *cookie)
{
	struct api_request	 req;
	struct api_response	 res;
	struct api_job		*job;
	char			*p, *q;
	int			 status;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	/* The path without its query, as evhttp hands it over. */
	if ((p = strdup(path)) == NULL)
		return 0;
	req.method = m;
	req.path = p;
	if ((q = strchr(p, '?')) != NULL) {
		*q = '\0';
		req.query = q + 1;
	}
	req.authorization = h->authorization;
	req.cookie = h->cookie;
	req.origin = h->origin;
	req.csrf_token = h->csrf;
	req.host = FUZZ_HOST;
	snprintf(req.address, sizeof(req.address), "192.0.2.1");
	req.if_none_match = "\"p1v1\"";
	req.body = body;
	req.body_len = len;
	req.now = (int64_t)time(NULL);
	if (api_prepare(&fuzz_api, &req, &res) == 0)
		api_execute(&fuzz_api, &req, &res);
	if ((job = res.job) != NULL) {
		res.job = NULL;
		job->run(job);
		api_resume(&fuzz_api, job, &res);
		api_job_free(job);
	}
	fuzz_check_answer(&res);
	status = res.status;
	if (out != NULL)
		*out = json_object_get(res.json);
	if (cookie != NULL)
		snprintf(cookie, 128, "%.*s", 23 + 64, res.set_cookie);
	api_request_clear(&req);
	api_response_clear(&res);
	free(p);
	return status;
}

/* Add a user and sign it in into s (with fuzz_call). */
static void
fuzz_user(const char *name, const char *role, struct fuzz_session *s)
{
	struct fuzz_hdrs	 h = { NULL, NULL, NULL, NULL };
	struct json_object	*obj = NULL;
	char			 hash[USERS_HASH_MAX], body[256];

	if (users_password_hash("fuzz-password", fuzz_api.limits.scrypt_n,
	    hash, sizeof(hash)) == -1 ||
	    store_user_add(fuzz_api.store, name, role, hash, 0, NULL) != 0)
		abort();
	snprintf(body, sizeof(body), "{\"name\":\"%s\","
	    "\"password\":\"fuzz-password\"}", name);
	if (fuzz_call(API_POST, "/api/v1/session", &h, body, strlen(body),
	    &obj, s->cookie) != 201)
		abort();
	snprintf(s->csrf, sizeof(s->csrf), "%s",
	    json_get_string(obj, "csrf_token"));
	json_object_put(obj);
}

/* Make the in-memory platform with one agent, once. */
static void
fuzz_init(void)
{
	struct fuzz_hdrs	 none = { NULL, NULL, NULL, NULL };
	struct fuzz_hdrs	 admin = {
		"Bearer " FUZZ_TOKEN, NULL, NULL, NULL
	};
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
	fuzz_api.limits.session_idle_timeout = 1800;
	fuzz_api.limits.session_lifetime = 43200;
	fuzz_api.limits.signin_max_failures = 5;
	fuzz_api.limits.signin_address_max_failures = 20;
	fuzz_api.limits.signin_lockout = 300;
	fuzz_api.limits.audit_retention = 86400;
	fuzz_api.limits.scrypt_n = 16;	/* fast, for the fuzzer */
	if (store_begin(fuzz_api.store) == -1 ||
	    api_admin_seed(&fuzz_api, fuzz_customer, fuzz_key) == -1)
		abort();
	snprintf(body, sizeof(body), "{\"activation_id\":\"%s\","
	    "\"customer_id\":\"%s\",\"host\":{\"hostname\":\"fuzz\"}}",
	    fuzz_key, fuzz_customer);
	if (fuzz_call(API_POST, "/agent/v1/activate", &none, body,
	    strlen(body), &obj, NULL) != 201)
		abort();
	snprintf(fuzz_raw_cred, sizeof(fuzz_raw_cred), "%s",
	    json_get_string(obj, "credential"));
	snprintf(fuzz_agent, sizeof(fuzz_agent), "%s",
	    json_get_string(obj, "agent_id"));
	json_object_put(obj);
	snprintf(auth, sizeof(auth), "Bearer %s", fuzz_raw_cred);
	snprintf(fuzz_cred, sizeof(fuzz_cred), "%s", auth);
	snprintf(path, sizeof(path), "/api/v1/agents/%s", fuzz_agent);
	if (fuzz_call(API_PATCH, path, &admin, "{\"reactivate\":true}", 19,
	    NULL, NULL) != 200)
		abort();
	fuzz_user("alice", "admin", &fuzz_admin);
	fuzz_user("bob", "reader", &fuzz_reader);
	snprintf(body, sizeof(body), "{\"name\":\"fuzz\",\"user\":\"alice\"}");
	if (fuzz_call(API_POST, "/api/v1/tokens", &admin, body, strlen(body),
	    &obj, NULL) != 201)
		abort();
	snprintf(fuzz_user_token, sizeof(fuzz_user_token), "Bearer %s",
	    json_get_string(obj, "token"));
	json_object_put(obj);
	if (store_commit(fuzz_api.store) == -1)
		abort();
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

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

/* libFuzzer entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum api_method methods[] = {
		API_GET, API_POST, API_PATCH, API_DELETE, API_PUT
	};
	static int		 ready;
	struct fuzz_hdrs	 h = { NULL, NULL, NULL, NULL };
	const uint8_t		*nl;
	uint8_t			*input;
	char			*path, auth[256];
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
	switch (data[1] % 8) {
	case 1:
		h.authorization = "Bearer " FUZZ_TOKEN;
		break;
	case 2:
		h.authorization = fuzz_cred;
		break;
	case 3:
		snprintf(auth, sizeof(auth), "Bearer %s", path);
		h.authorization = auth;
		break;
	case 4:
		h.authorization = fuzz_user_token;
		break;
	case 5:
	case 6:
		h.cookie = data[1] % 8 == 5 ? fuzz_admin.cookie :
		    fuzz_reader.cookie;
		h.csrf = data[1] % 8 == 5 ? fuzz_admin.csrf :
		    fuzz_reader.csrf;
		h.origin = FUZZ_ORIGIN;
		break;
	case 7:
		h.cookie = h.origin = h.csrf = path;
		break;
	}
	if (store_begin(fuzz_api.store) == 0) {
		fuzz_call(methods[data[0] % 5], path, &h,
		    nl != NULL ? (const char *)nl + 1 : NULL,
		    nl != NULL ? size - (size_t)(nl + 1 - data) : 0, NULL,
		    NULL);
		store_rollback(fuzz_api.store);
	}
	free(path);
	free(input);
	return 0;
}
