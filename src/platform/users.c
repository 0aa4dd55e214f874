/*
 * users.c: the users of the admin API: their names and roles (admin reads
 * and changes, reader only reads), their passwords and their API tokens,
 * with the handlers of /api/v1/users and /api/v1/tokens.
 *
 * A password is kept as a scrypt hash (RFC 7914, through OpenSSL 3's
 * EVP_KDF "SCRYPT") in the PHC string format,
 * "$scrypt$ln=16,r=8,p=1$<salt>$<hash>" (unpadded base64): N = 2^ln, a
 * random 16-byte salt per password, a 32-byte hash. New hashes use N from
 * platform.conf (password_scrypt_n, default 65536: 64 MiB per hash),
 * r = 8, p = 1; a stored hash keeps the parameters it was made
 * with. Hashing runs on the server's worker thread (api_defer), never on
 * the event loop. Passwords are never logged nor stored anywhere else.
 *
 * An API token is "opt_<id>_<secret>": 16 hex digits naming it, then 64
 * hex digits (32 random bytes) of which only the SHA-256 is kept, shown
 * once when it is made. It acts with its user's current role, or as a
 * reader when made read-only; revoking it stops it at the next request.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "api.h"
#include "compat.h"
#include "jsonutil.h"
#include "log.h"
#include "pki.h"
#include "store.h"
#include "users.h"

#define USERS_SALT_LEN		16
#define USERS_KEY_LEN		32
#define USERS_KEY_MAX		64
#define USERS_SCRYPT_R		8
#define USERS_SCRYPT_P		1
#define USERS_TOKEN_MAX_AGE	(10LL * 366 * 86400)	/* expires_in */

/* A password to hash off the event loop, then a user to create or change. */
struct users_job {
	struct api_job	 job;
	char		 name[PLATFORM_USER_MAX + 1];
	char		 role[8];	/* "" when the role is not changed */
	char		 password[USERS_PASSWORD_MAX + 1];
	char		 hash[USERS_HASH_MAX];
	uint64_t	 n;
	int		 creating;
	int		 rc;		/* of the hashing */
};

/* Whether name is a user name: 1..64 of [A-Za-z0-9._@-], alnum first. */
int
users_name_valid(const char *name)
{
	size_t	 len = strlen(name);

	return len > 0 && len <= PLATFORM_USER_MAX &&
	    isalnum((unsigned char)name[0]) &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._@-") == len;
}

/* Parse "admin" or "reader" into *role. Returns 0, or -1. */
int
users_role_parse(const char *s, enum api_role *role)
{
	if (strcmp(s, "admin") == 0)
		*role = ROLE_ADMIN;
	else if (strcmp(s, "reader") == 0)
		*role = ROLE_READER;
	else
		return -1;
	return 0;
}

/* What is wrong with a new password. Returns the reason, or NULL. */
const char *
users_password_problem(const char *pw)
{
	size_t	 len = strlen(pw);

	if (len < USERS_PASSWORD_MIN)
		return "a password needs at least 8 bytes";
	if (len > USERS_PASSWORD_MAX)
		return "a password has at most 1024 bytes";
	return NULL;
}

/* Unpadded base64 of len bytes into out (4 * len / 3 + 2 bytes). */
static void
users_b64(const unsigned char *in, size_t len, char *out)
{
	int	 n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);

	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
}

/*
 * Decode the unpadded base64 of s (len characters) into out (max bytes).
 * Returns the number of bytes, or -1.
 */
static int
users_unb64(const char *s, size_t len, unsigned char *out, size_t max)
{
	static const char	 alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	char			 buf[128];
	unsigned char		 raw[96];
	size_t			 pad = (4 - len % 4) % 4;
	int			 n;

	if (len == 0 || pad == 3 || len + pad >= sizeof(buf) ||
	    len * 3 / 4 > max)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (strspn(buf, alphabet) != len)
		return -1;
	memset(buf + len, '=', pad);
	buf[len + pad] = '\0';
	/* Whole groups of three: the padding decodes to zeros, dropped. */
	n = EVP_DecodeBlock(raw, (unsigned char *)buf, (int)(len + pad));
	if (n < (int)pad)
		return -1;
	n -= (int)pad;
	memcpy(out, raw, (size_t)n);
	OPENSSL_cleanse(raw, sizeof(raw));
	return n;
}

/* log2 of n when n is a power of two in 2..2^20. Returns it, or -1. */
static int
users_log2(uint64_t n)
{
	int	 ln;

	for (ln = 1; ln <= 20; ln++)
		if (n == (uint64_t)1 << ln)
			return ln;
	return -1;
}

/*
 * scrypt of pw with salt and N = 2^ln, r, p into out (outlen bytes).
 * Returns 0, or -1.
 */
static int
users_scrypt(const char *pw, const unsigned char *salt, size_t saltlen,
    int ln, uint32_t r, uint32_t p, unsigned char *out, size_t outlen)
{
	OSSL_PARAM	 params[7], *q = params;
	EVP_KDF		*kdf;
	EVP_KDF_CTX	*ctx = NULL;
	uint64_t	 n = (uint64_t)1 << ln;
	uint64_t	 maxmem = 128 * (uint64_t)r * (n + p + 2) + (1 << 20);
	int		 rc = -1;

	if ((kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL)) == NULL ||
	    (ctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto done;
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	    (void *)pw, strlen(pw));
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)salt, saltlen);
	*q++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	*q++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
	*q++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p);
	*q++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM,
	    &maxmem);
	*q = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, outlen, params) == 1)
		rc = 0;
done:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

/* Format a hash string into out. Returns 0, or -1 if it does not fit. */
static int
users_format(int ln, const unsigned char *salt, const unsigned char *key,
    size_t keylen, char *out, size_t outlen)
{
	char	 s64[32], k64[96];
	int	 n;

	users_b64(salt, USERS_SALT_LEN, s64);
	users_b64(key, keylen, k64);
	n = snprintf(out, outlen, "$scrypt$ln=%d,r=%d,p=%d$%s$%s", ln,
	    USERS_SCRYPT_R, USERS_SCRYPT_P, s64, k64);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/*
 * Hash password pw with a new random salt and N = n into out, as a hash
 * string. Safe on any thread. Returns 0, or -1.
 */
int
users_password_hash(const char *pw, uint64_t n, char *out, size_t outlen)
{
	unsigned char	 salt[USERS_SALT_LEN], key[USERS_KEY_LEN];
	int		 ln = users_log2(n), rc = -1;

	if (ln != -1 && RAND_bytes(salt, sizeof(salt)) == 1 &&
	    users_scrypt(pw, salt, sizeof(salt), ln, USERS_SCRYPT_R,
	    USERS_SCRYPT_P, key, sizeof(key)) == 0)
		rc = users_format(ln, salt, key, sizeof(key), out, outlen);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/*
 * A hash string of the cost of n that no password matches, to spend the
 * same time on an unknown user as on a known one.
 */
void
users_password_dummy(uint64_t n, char *out, size_t outlen)
{
	unsigned char	 zero[USERS_KEY_LEN];
	int		 ln = users_log2(n);

	memset(zero, 0, sizeof(zero));
	if (users_format(ln == -1 ? 16 : ln, zero, zero, sizeof(zero), out,
	    outlen) == -1)
		out[0] = '\0';
}

/*
 * Read the number after prefix at *sp, within 1..max, and step past it.
 * Returns it, or -1.
 */
static long
users_param(const char **sp, const char *prefix, long max)
{
	size_t	 len = strlen(prefix);
	char	*end;
	long	 v;

	if (strncmp(*sp, prefix, len) != 0 ||
	    !isdigit((unsigned char)(*sp)[len]))
		return -1;
	v = strtol(*sp + len, &end, 10);
	if (v < 1 || v > max || end - (*sp + len) > 7)
		return -1;
	*sp = end;
	return v;
}

/*
 * Whether password pw matches hash string h, compared in constant time.
 * Safe on any thread. Returns 1 (match), 0 (no match), or -1 (h is not a
 * hash string this program makes).
 */
int
users_password_verify(const char *pw, const char *h)
{
	unsigned char	 salt[64], want[USERS_KEY_MAX], got[USERS_KEY_MAX];
	const char	*p = h, *dollar;
	long		 ln, r, par;
	int		 saltlen, keylen, rc = -1;

	if (strncmp(p, "$scrypt$", 8) != 0)
		return -1;
	p += 8;
	if ((ln = users_param(&p, "ln=", 20)) == -1 ||
	    (r = users_param(&p, ",r=", 32)) == -1 ||
	    (par = users_param(&p, ",p=", 16)) == -1 || *p++ != '$' ||
	    /* At most 1 GiB of memory. */
	    128 * r * ((long)1 << ln) > (1L << 30))
		return -1;
	if ((dollar = strchr(p, '$')) == NULL ||
	    (saltlen = users_unb64(p, (size_t)(dollar - p), salt,
	    sizeof(salt))) < 4 ||
	    (keylen = users_unb64(dollar + 1, strlen(dollar + 1), want,
	    sizeof(want))) < 16)
		return -1;
	if (users_scrypt(pw, salt, (size_t)saltlen, (int)ln, (uint32_t)r,
	    (uint32_t)par, got, (size_t)keylen) == 0)
		rc = CRYPTO_memcmp(got, want, (size_t)keylen) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return rc;
}

/*
 * Make a new API token: its id, the token to show once, and the SHA-256
 * (hex) of its secret to keep. Returns 0, or -1.
 */
int
users_token_make(char id[PLATFORM_TOKEN_ID_LEN + 1],
    char token[USERS_TOKEN_LEN + 1], char hash[65])
{
	char	 secret[65];

	if (pki_random_hex(id, PLATFORM_TOKEN_ID_LEN / 2) == -1 ||
	    pki_random_hex(secret, 32) == -1)
		return -1;
	snprintf(token, USERS_TOKEN_LEN + 1, USERS_TOKEN_PREFIX "%s_%s", id,
	    secret);
	pki_sha256_hex(secret, 64, hash);
	explicit_bzero(secret, sizeof(secret));
	return 0;
}

/*
 * Split an API token into its id and the SHA-256 (hex) of its secret.
 * Returns 0, or -1 when s is not of the token's form.
 */
int
users_token_parse(const char *s, char id[PLATFORM_TOKEN_ID_LEN + 1],
    char hash[65])
{
	static const char	 hex[] = "0123456789abcdef";
	const char		*secret;

	if (strlen(s) != USERS_TOKEN_LEN ||
	    strncmp(s, USERS_TOKEN_PREFIX, 4) != 0 ||
	    s[4 + PLATFORM_TOKEN_ID_LEN] != '_')
		return -1;
	secret = s + 4 + PLATFORM_TOKEN_ID_LEN + 1;
	if (strspn(s + 4, hex) != PLATFORM_TOKEN_ID_LEN ||
	    strspn(secret, hex) != 64)
		return -1;
	memcpy(id, s + 4, PLATFORM_TOKEN_ID_LEN);
	id[PLATFORM_TOKEN_ID_LEN] = '\0';
	pki_sha256_hex(secret, 64, hash);
	return 0;
}

/*
 * Answer with the user called name (status on success). Returns 0, or -1
 * with a 404 or 503 answer.
 */
static int
users_answer(struct api *api, struct api_response *res, const char *name,
    int status)
{
	struct json_object	*arr;

	if ((arr = store_user_list(api->store, name)) == NULL) {
		api_store_error(res);
		return -1;
	}
	if (json_object_array_length(arr) == 0) {
		json_object_put(arr);
		api_error(res, 404, "not_found", NULL, "no such user");
		return -1;
	}
	res->json = json_object_get(json_object_array_get_idx(arr, 0));
	json_object_put(arr);
	res->status = status;
	return 0;
}

/*
 * The user of the path into u. Returns 0, or -1 with a 404 or 503
 * answer.
 */
static int
users_param_user(struct api *api, struct api_request *req,
    struct api_response *res, struct user_row *u)
{
	int	 rc;

	if (req->params[0] == NULL || !users_name_valid(req->params[0]) ||
	    (rc = store_user_get(api->store, req->params[0], u)) == 1) {
		api_error(res, 404, "not_found", NULL, "no such user");
		return -1;
	}
	if (rc == -1) {
		api_store_error(res);
		return -1;
	}
	return 0;
}

/*
 * Refuse to leave the platform without an admin: u is deleted (new_role
 * NULL) or gets new_role. Returns 0, or -1 with a 409 (or 503) answer.
 */
static int
users_keep_an_admin(struct api *api, struct api_response *res,
    const struct user_row *u, const char *new_role)
{
	int64_t	 admins;

	if (strcmp(u->role, "admin") != 0 ||
	    (new_role != NULL && strcmp(new_role, "admin") == 0))
		return 0;
	if (store_user_admins(api->store, &admins) == -1) {
		api_store_error(res);
		return -1;
	}
	if (admins <= 1) {
		api_error(res, 409, "conflict", new_role != NULL ? "role" :
		    NULL, "%s is the last admin", u->name);
		return -1;
	}
	return 0;
}

/* GET /api/v1/users: every user, without secrets. */
void
users_list(struct api *api, struct api_request *req, struct api_response *res)
{
	struct json_object	*arr;

	if ((arr = store_user_list(api->store, NULL)) == NULL) {
		api_store_error(res);
		return;
	}
	res->json = json_object_new_object();
	json_add_int64(res->json, "count",
	    (int64_t)json_object_array_length(arr));
	json_object_object_add(res->json, "users", arr);
	res->status = 200;
}

/* GET /api/v1/users/{name} */
void
users_get(struct api *api, struct api_request *req, struct api_response *res)
{
	if (req->params[0] == NULL || !users_name_valid(req->params[0])) {
		api_error(res, 404, "not_found", NULL, "no such user");
		return;
	}
	users_answer(api, res, req->params[0], 200);
}

/* The worker thread: hash the job's password, then forget it. */
static void
users_job_run(struct api_job *job)
{
	struct users_job	*j = (struct users_job *)job;

	j->rc = users_password_hash(j->password, j->n, j->hash,
	    sizeof(j->hash));
	explicit_bzero(j->password, sizeof(j->password));
}

/* Forget and free a users job. */
static void
users_job_forget(struct users_job *j)
{
	explicit_bzero(j, sizeof(*j));
	free(j);
}

/* Free a users job (job->free). */
static void
users_job_free(struct api_job *job)
{
	users_job_forget((struct users_job *)job);
}

/* Back on the loop: create or change the user with the new hash. */
static void
users_job_done(struct api *api, struct api_job *job, struct api_response *res)
{
	struct users_job	*j = (struct users_job *)job;
	struct api_request	*req = &job->req;
	struct user_row		 u;
	int			 rc;

	if (j->rc == -1) {
		log_warnx("cannot hash the password of user %s", j->name);
		api_error(res, 500, "internal_error", NULL,
		    "cannot hash the password");
		return;
	}
	if (j->creating) {
		if ((rc = store_user_add(api->store, j->name, j->role, j->hash,
		    req->now, NULL)) == 1) {
			api_error(res, 409, "conflict", "name",
			    "a user named \"%s\" exists", j->name);
			return;
		}
		if (rc == -1) {
			api_store_error(res);
			return;
		}
		log_info("user %s (%s) created by %s", j->name, j->role,
		    req->who.user[0] != '\0' ? req->who.user : "admin.token");
		users_answer(api, res, j->name, 201);
		return;
	}
	if (users_param_user(api, req, res, &u) == -1 ||
	    (j->role[0] != '\0' &&
	    users_keep_an_admin(api, res, &u, j->role) == -1))
		return;
	/* A new password ends the user's other sessions. */
	if ((j->role[0] != '\0' && store_user_set_role(api->store, u.id,
	    j->role, req->now) == -1) ||
	    store_user_set_password(api->store, u.id, j->hash,
	    req->now) == -1 ||
	    store_session_delete_user(api->store, u.id,
	    req->who.user_id == u.id && req->who.session[0] != '\0' ?
	    req->who.session : NULL) == -1) {
		api_store_error(res);
		return;
	}
	api_summary(res, "password changed");
	log_info("password of user %s changed", u.name);
	users_answer(api, res, u.name, 200);
}

/* Hand password pw over to be hashed, then j's change. Sets the answer. */
static void
users_defer(struct api *api, struct api_request *req,
    struct api_response *res, struct users_job *j, const char *pw)
{
	j->job.run = users_job_run;
	j->job.done = users_job_done;
	j->job.free = users_job_free;
	j->n = api->limits.scrypt_n;
	strlcpy(j->password, pw, sizeof(j->password));
	if (api_defer(req, res, &j->job) == -1)
		users_job_forget(j);
}

/* Check a "role" member into role (unchanged when absent). Returns 0, -1. */
static int
users_check_role(struct api_response *res, struct json_object *in,
    int required, char role[8])
{
	enum api_role	 r;
	const char	*s;

	if (api_get_string(res, in, NULL, "role", required, 8, &s) == -1)
		return -1;
	if (s != NULL && users_role_parse(s, &r) == -1) {
		api_error(res, 400, "invalid_field", "role",
		    "expected admin or reader");
		return -1;
	}
	if (s != NULL)
		strlcpy(role, s, 8);
	return 0;
}

/* Check a "password" member. Returns it (NULL: absent), or sets a 400. */
static int
users_check_password(struct api_response *res, struct json_object *in,
    int required, const char **pw)
{
	const char	*why;

	if (api_get_string(res, in, NULL, "password", required,
	    USERS_PASSWORD_MAX, pw) == -1)
		return -1;
	if (*pw != NULL && (why = users_password_problem(*pw)) != NULL) {
		api_error(res, 400, "invalid_field", "password", "%s", why);
		return -1;
	}
	return 0;
}

/* POST /api/v1/users: a new user {"name", "role", "password"}. */
void
users_create(struct api *api, struct api_request *req,
    struct api_response *res)
{
	static const char *const fields[] = {
		"name", "role", "password", NULL
	};
	struct users_job	*j;
	struct user_row		 u;
	const char		*name, *pw;
	char			 role[8] = "";
	int			 rc;

	if (api_check_fields(res, req->json, NULL, fields) == -1 ||
	    api_get_string(res, req->json, NULL, "name", 1, PLATFORM_USER_MAX,
	    &name) == -1 ||
	    users_check_role(res, req->json, 1, role) == -1 ||
	    users_check_password(res, req->json, 1, &pw) == -1)
		return;
	if (!users_name_valid(name)) {
		api_error(res, 400, "invalid_field", "name", "expected 1 to 64 "
		    "of A-Z a-z 0-9 . _ @ -, starting with a letter or digit");
		return;
	}
	if ((rc = store_user_get(api->store, name, &u)) == 0) {
		api_error(res, 409, "conflict", "name",
		    "a user named \"%s\" exists", u.name);
		return;
	}
	if (rc == -1) {
		api_store_error(res);
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		api_error(res, 500, "internal_error", NULL, "out of memory");
		return;
	}
	j->creating = 1;
	strlcpy(j->name, name, sizeof(j->name));
	strlcpy(j->role, role, sizeof(j->role));
	users_defer(api, req, res, j, pw);
}

/* PATCH /api/v1/users/{name}: {"role"} and/or {"password"}. */
void
users_patch(struct api *api, struct api_request *req,
    struct api_response *res)
{
	static const char *const fields[] = { "role", "password", NULL };
	struct users_job	*j;
	struct user_row		 u;
	const char		*pw;
	char			 role[8] = "";

	if (users_param_user(api, req, res, &u) == -1 ||
	    api_check_fields(res, req->json, NULL, fields) == -1 ||
	    users_check_role(res, req->json, 0, role) == -1 ||
	    users_check_password(res, req->json, 0, &pw) == -1 ||
	    (role[0] != '\0' && users_keep_an_admin(api, res, &u, role) == -1))
		return;
	if (pw == NULL) {
		if (role[0] != '\0' && store_user_set_role(api->store, u.id,
		    role, req->now) == -1) {
			api_store_error(res);
			return;
		}
		if (role[0] != '\0')
			log_info("user %s is now %s", u.name, role);
		users_answer(api, res, u.name, 200);
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		api_error(res, 500, "internal_error", NULL, "out of memory");
		return;
	}
	strlcpy(j->name, u.name, sizeof(j->name));
	strlcpy(j->role, role, sizeof(j->role));
	users_defer(api, req, res, j, pw);
}

/* DELETE /api/v1/users/{name}: the user, its tokens and its sessions. */
void
users_delete(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct user_row	 u;

	if (users_param_user(api, req, res, &u) == -1 ||
	    users_keep_an_admin(api, res, &u, NULL) == -1)
		return;
	if (store_user_delete(api->store, u.id) == -1) {
		api_store_error(res);
		return;
	}
	log_info("user %s deleted", u.name);
	res->json = json_object_new_object();
	json_add_string(res->json, "name", u.name);
	json_add_bool(res->json, "deleted", 1);
	res->status = 200;
}

/* GET /api/v1/tokens[?user=NAME]: API tokens, without their secrets. */
void
users_tokens(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct json_object	*arr;
	char			 user[PLATFORM_USER_MAX + 1];
	int			 rc;

	if ((rc = api_query_get(req->query, "user", user,
	    sizeof(user))) == -1) {
		api_error(res, 400, "invalid_query", "user", "bad value");
		return;
	}
	if ((arr = store_token_list(api->store, rc == 0 ? user : NULL,
	    NULL)) == NULL) {
		api_store_error(res);
		return;
	}
	res->json = json_object_new_object();
	json_add_int64(res->json, "count",
	    (int64_t)json_object_array_length(arr));
	json_object_object_add(res->json, "tokens", arr);
	res->status = 200;
}

/*
 * The user a new token is for: "user" (admins may name anyone, others
 * only themselves), else the caller. Returns 0 with u set, or -1 with the
 * answer set.
 */
static int
users_token_owner(struct api *api, struct api_request *req,
    struct api_response *res, struct user_row *u)
{
	const char	*name;
	int		 rc;

	if (api_get_string(res, req->json, NULL, "user", 0, PLATFORM_USER_MAX,
	    &name) == -1)
		return -1;
	if (name == NULL && req->who.user_id == 0) {
		api_error(res, 400, "invalid_field", "user",
		    "required with the admin token, which is no user's");
		return -1;
	}
	if (name == NULL)
		rc = store_user_get_id(api->store, req->who.user_id, u);
	else if (!users_name_valid(name))
		rc = 1;
	else
		rc = store_user_get(api->store, name, u);
	if (rc == 1) {
		api_error(res, 400, "invalid_field", "user", "no such user");
		return -1;
	}
	if (rc == -1) {
		api_store_error(res);
		return -1;
	}
	if (u->id != req->who.user_id && req->who.role != ROLE_ADMIN) {
		api_forbidden(req, res, "only an admin can make tokens for "
		    "another user");
		return -1;
	}
	return 0;
}

/*
 * POST /api/v1/tokens: a new API token {"name", "read_only",
 * "expires_in", "user"}, shown once. A reader makes read-only tokens.
 */
void
users_token_create(struct api *api, struct api_request *req,
    struct api_response *res)
{
	static const char *const fields[] = {
		"name", "read_only", "expires_in", "user", NULL
	};
	struct token_row	 t;
	struct user_row		 u;
	struct json_object	*arr;
	const char		*name;
	char			 token[USERS_TOKEN_LEN + 1];
	int64_t			 expires_in = 0;

	memset(&t, 0, sizeof(t));
	t.read_only = req->who.role != ROLE_ADMIN;
	if (api_check_fields(res, req->json, NULL, fields) == -1 ||
	    api_get_string(res, req->json, NULL, "name", 1, PLATFORM_USER_MAX,
	    &name) == -1 ||
	    api_get_bool(res, req->json, NULL, "read_only", 0,
	    &t.read_only) == -1 ||
	    api_get_int(res, req->json, NULL, "expires_in", 0, 60,
	    USERS_TOKEN_MAX_AGE, &expires_in) == -1 ||
	    users_token_owner(api, req, res, &u) == -1)
		return;
	if (!t.read_only && req->who.role != ROLE_ADMIN) {
		api_forbidden(req, res, "a reader can make read-only tokens "
		    "only");
		return;
	}
	if (users_token_make(t.id, token, t.hash) == -1) {
		api_error(res, 500, "internal_error", NULL, "no randomness");
		return;
	}
	strlcpy(t.name, name, sizeof(t.name));
	t.user_id = u.id;
	t.expires_at = expires_in > 0 ? req->now + expires_in : 0;
	if (store_token_add(api->store, &t, req->now) == -1 ||
	    (arr = store_token_list(api->store, NULL, t.id)) == NULL) {
		explicit_bzero(token, sizeof(token));
		api_store_error(res);
		return;
	}
	res->json = json_object_get(json_object_array_get_idx(arr, 0));
	json_object_put(arr);
	json_add_string(res->json, "token", token);
	explicit_bzero(token, sizeof(token));
	res->status = 201;
	api_summary(res, "token %s for %s", t.id, u.name);
	log_info("API token %s (%s) made for user %s%s", t.id, t.name, u.name,
	    t.read_only ? ", read-only" : "");
}

/*
 * DELETE /api/v1/tokens/{id}: revoke a token, at once. Its user may, and
 * admins.
 */
void
users_token_revoke(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct token_row	 t;
	struct json_object	*arr;
	const char		*id = req->params[0];
	int			 rc;

	if (id == NULL || strlen(id) != PLATFORM_TOKEN_ID_LEN ||
	    (rc = store_token_get(api->store, id, &t)) == 1) {
		api_error(res, 404, "not_found", NULL, "no such token");
		return;
	}
	if (rc == -1) {
		api_store_error(res);
		return;
	}
	if (t.user_id != req->who.user_id && req->who.role != ROLE_ADMIN) {
		api_forbidden(req, res, "only its user or an admin can revoke "
		    "a token");
		return;
	}
	if (store_token_revoke(api->store, t.id, req->now) == -1 ||
	    (arr = store_token_list(api->store, NULL, t.id)) == NULL) {
		api_store_error(res);
		return;
	}
	res->json = json_object_get(json_object_array_get_idx(arr, 0));
	json_object_put(arr);
	res->status = 200;
	api_summary(res, "token %s (%s) of %s", t.id, t.name, t.user);
	if (t.revoked_at == 0)
		log_info("API token %s (%s) of user %s revoked", t.id, t.name,
		    t.user);
}
