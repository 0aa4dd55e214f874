/*
 * session.c: who is calling the admin API, and whether they may.
 *
 * Authentication (api_prepare): "Authorization: Bearer" with the admin
 * token (DIR/admin.token, the admin role) or a user's API token
 * (users.c); without that header, the session cookie a sign-in set. A
 * session is kept in the database by the SHA-256 of its random id, with
 * a CSRF token, an absolute expiry (session_lifetime) and an idle expiry
 * (session_idle_timeout, measured from the last request, noted at most
 * every minute).
 *
 * Authorization (api_execute), for every request but a GET: a request
 * made with the session cookie must come from the platform's own origin
 * (Origin, else Referer, must be https://<Host>; Sec-Fetch-Site, when
 * sent, same-origin) and carry the session's CSRF token in X-CSRF-Token;
 * then the admin role is needed (a reader gets 403 naming its role), but
 * on the routes every role may use (AUTH_USER: the session itself, one's
 * own API tokens).
 *
 * Sign-in (POST /api/v1/session): failures are counted per user name
 * (known or not) and per client address (IPv6 by /64) over 15 minutes;
 * at signin_max_failures (or signin_address_max_failures) the name (or
 * address) is refused with 429 for signin_lockout seconds. Each attempt
 * is counted before its password is checked, so attempts in flight
 * cannot pass the limit; a success forgets the name's count. An unknown
 * name costs the same scrypt work as a known one and gets the same
 * answer as a wrong password. The password check runs on the server's
 * worker thread (api_defer). Everything is in the database, so several
 * platform nodes on one database share sessions and limits.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "compat.h"
#include "jsonutil.h"
#include "log.h"
#include "pki.h"
#include "session.h"
#include "store.h"
#include "users.h"

#define SESSION_TOUCH_MAX	60	/* seconds between notes of a use */
#define SESSION_KEY_MAX		(8 + PLATFORM_USER_MAX + 1)

/* A sign-in whose password is checked on the worker thread. */
struct signin_job {
	struct api_job	 job;
	char		 password[USERS_PASSWORD_MAX + 1];
	char		 hash[USERS_HASH_MAX];	/* the user's, or a dummy */
	char		 user_key[SESSION_KEY_MAX];
	char		 addr_key[SESSION_KEY_MAX];
	int		 verified;		/* 1, 0, or -1 */
};

/* Answer 401 invalid_token with the reason. Returns -1. */
static int
session_bad_token(struct api_response *res, const char *why)
{
	api_error(res, 401, "invalid_token", NULL, "%s", why);
	return -1;
}

/* Answer 401 invalid_session and clear the cookie. Returns -1. */
static int
session_bad_session(struct api_response *res, const char *why)
{
	api_error(res, 401, "invalid_session", NULL, "%s; sign in again", why);
	snprintf(res->set_cookie, sizeof(res->set_cookie), "%s=; Path=/; "
	    "Max-Age=0; Secure; HttpOnly; SameSite=Strict", SESSION_COOKIE);
	return -1;
}

/* Whether a use noted at last should be noted again at now. Returns 1/0. */
static int
session_touch_due(int64_t last, int64_t now, int64_t idle)
{
	int64_t	 every = idle / 4;

	if (every > SESSION_TOUCH_MAX)
		every = SESSION_TOUCH_MAX;
	if (every < 1)
		every = 1;
	return now - last >= every;
}

/* Authenticate "Bearer <token>". Returns 0, or -1 with the answer set. */
static int
session_auth_bearer(struct api *api, struct api_request *req,
    struct api_response *res)
{
	struct api_principal	*who = &req->who;
	struct token_row	 t;
	const char		*tok;
	char			 id[PLATFORM_TOKEN_ID_LEN + 1], hash[65];
	int			 rc;

	if (strncasecmp(req->authorization, "Bearer ", 7) != 0)
		return session_bad_token(res, "send Authorization: Bearer "
		    "<token>");
	tok = req->authorization + 7;
	if (api->admin_token[0] != '\0' && pki_equal(tok, api->admin_token)) {
		who->via = VIA_ADMIN_TOKEN;
		who->role = ROLE_ADMIN;
		return 0;
	}
	if (users_token_parse(tok, id, hash) == -1)
		return session_bad_token(res, "missing or wrong admin token");
	if ((rc = store_token_get(api->store, id, &t)) == -1) {
		api_store_error(res);
		return -1;
	}
	if (rc == 1 || !pki_equal(hash, t.hash) ||
	    users_role_parse(t.role, &who->role) == -1)
		return session_bad_token(res, "wrong API token");
	if (t.revoked_at != 0)
		return session_bad_token(res, "this API token was revoked");
	if (t.expires_at != 0 && t.expires_at <= req->now)
		return session_bad_token(res, "this API token expired");
	if (t.read_only)
		who->role = ROLE_READER;
	who->via = VIA_TOKEN;
	who->user_id = t.user_id;
	strlcpy(who->user, t.user, sizeof(who->user));
	strlcpy(who->token_id, t.id, sizeof(who->token_id));
	strlcpy(who->token_name, t.name, sizeof(who->token_name));
	if (session_touch_due(t.last_used_at, req->now,
	    4 * SESSION_TOUCH_MAX) &&
	    store_token_touch(api->store, t.id, req->now) == -1) {
		api_store_error(res);
		return -1;
	}
	return 0;
}

/*
 * Authenticate the session whose cookie holds id. Returns 0, or -1 with
 * the answer set.
 */
static int
session_auth_cookie(struct api *api, struct api_request *req,
    struct api_response *res, const char id[65])
{
	struct api_principal	*who = &req->who;
	struct session_row	 s;
	int64_t			 idle = api->limits.session_idle_timeout;
	char			 hash[65];
	int			 rc;

	pki_sha256_hex(id, 64, hash);
	if ((rc = store_session_get(api->store, hash, &s)) == -1) {
		api_store_error(res);
		return -1;
	}
	if (rc == 1)
		return session_bad_session(res, "no such session");
	if (s.expires_at <= req->now || s.last_seen + idle <= req->now)
		return session_bad_session(res, "the session expired");
	if (users_role_parse(s.role, &who->role) == -1)
		return session_bad_session(res, "the user has no role");
	who->via = VIA_SESSION;
	who->user_id = s.user_id;
	strlcpy(who->user, s.user, sizeof(who->user));
	strlcpy(who->session, hash, sizeof(who->session));
	strlcpy(who->csrf, s.csrf, sizeof(who->csrf));
	who->expires_at = s.expires_at;
	if (session_touch_due(s.last_seen, req->now, idle) &&
	    store_session_touch(api->store, hash, req->now) == -1) {
		api_store_error(res);
		return -1;
	}
	return 0;
}

/*
 * Find the session cookie in a Cookie header into id. Returns 0, 1 (no
 * such cookie), or -1 (there, but not 64 lower-case hex digits).
 */
int
session_cookie_find(const char *h, char id[65])
{
	const char	*p = h, *end, *v;
	size_t		 nlen = strlen(SESSION_COOKIE), vlen;

	if (h == NULL)
		return 1;
	while (*p != '\0') {
		p += strspn(p, " \t;");
		end = p + strcspn(p, ";");
		if ((size_t)(end - p) > nlen && p[nlen] == '=' &&
		    strncmp(p, SESSION_COOKIE, nlen) == 0) {
			v = p + nlen + 1;
			vlen = (size_t)(end - v);
			while (vlen > 0 && (v[vlen - 1] == ' ' ||
			    v[vlen - 1] == '\t'))
				vlen--;
			if (vlen != 64 || strspn(v, "0123456789abcdef") < 64)
				return -1;
			memcpy(id, v, 64);
			id[64] = '\0';
			return 0;
		}
		p = end;
	}
	return 1;
}

/*
 * Authenticate a request to the admin API: token, else session cookie.
 * Fills req->who. Returns 0, or -1 with a 401 (or 503) answer.
 */
int
session_authenticate(struct api *api, struct api_request *req,
    struct api_response *res)
{
	char	 id[65];
	int	 rc;

	memset(&req->who, 0, sizeof(req->who));
	if (req->authorization != NULL)
		return session_auth_bearer(api, req, res);
	if ((rc = session_cookie_find(req->cookie, id)) == 0)
		return session_auth_cookie(api, req, res, id);
	if (rc == -1)
		return session_bad_session(res, "malformed session cookie");
	return session_bad_token(res, "send Authorization: Bearer <admin "
	    "token or API token>, or sign in (POST /api/v1/session)");
}

/*
 * Copy "host[:port]" of s (up to the first '/', without ":443") into
 * out. Returns 0, or -1 when empty, too long or holding what no host
 * has.
 */
static int
session_hostport(const char *s, char *out, size_t outlen)
{
	size_t	 len = strcspn(s, "/");

	if (len == 0 || len >= outlen || strcspn(s, "?#@ \t\\") < len)
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	if (len > 4 && strcmp(out + len - 4, ":443") == 0)
		out[len - 4] = '\0';
	return 0;
}

/*
 * Whether origin (an Origin header, or the start of a Referer URL) is
 * https://<host>, the origin of a request with that Host header. Returns
 * 1/0.
 */
int
session_same_origin(const char *origin, const char *host)
{
	char	 a[256], b[256];

	if (origin == NULL || host == NULL ||
	    strncasecmp(origin, "https://", 8) != 0 ||
	    session_hostport(origin + 8, a, sizeof(a)) == -1 ||
	    strchr(host, '/') != NULL ||
	    session_hostport(host, b, sizeof(b)) == -1)
		return 0;
	return strcasecmp(a, b) == 0;
}

/*
 * Refuse a request from another site: Sec-Fetch-Site other than
 * same-origin, or Origin (else Referer) other than https://<Host>; with
 * required, a request with neither header too. Returns 0, or -1 with a
 * 403 answer.
 */
static int
session_origin_check(struct api_request *req, struct api_response *res,
    int required)
{
	const char	*origin = req->origin != NULL ? req->origin :
	    req->referer;

	if (req->fetch_site != NULL &&
	    strcmp(req->fetch_site, "same-origin") != 0) {
		api_error(res, 403, "csrf_failed", NULL, "refused a request "
		    "from another site (Sec-Fetch-Site: %.32s)",
		    req->fetch_site);
		return -1;
	}
	if (origin == NULL) {
		if (!required)
			return 0;
		api_error(res, 403, "csrf_failed", NULL, "a request made with "
		    "the session cookie needs an Origin header");
		return -1;
	}
	if (!session_same_origin(origin, req->host)) {
		api_error(res, 403, "csrf_failed", NULL, "%s %.80s is not this "
		    "platform's origin (https://%.80s)", req->origin != NULL ?
		    "Origin" : "Referer", origin,
		    req->host != NULL ? req->host : "?");
		return -1;
	}
	return 0;
}

/*
 * The checks of a write made with the session cookie: the origin, then
 * the CSRF token. Returns 0, or -1 with a 403 answer.
 */
static int
session_csrf(struct api_request *req, struct api_response *res)
{
	if (session_origin_check(req, res, 1) == -1)
		return -1;
	if (req->csrf_token == NULL || req->csrf_token[0] == '\0') {
		api_error(res, 403, "csrf_failed", NULL, "a request made with "
		    "the session cookie needs the " SESSION_CSRF_HEADER
		    " header (csrf_token of GET /api/v1/session)");
		return -1;
	}
	if (!pki_equal(req->csrf_token, req->who.csrf)) {
		api_error(res, 403, "csrf_failed", NULL, "wrong "
		    SESSION_CSRF_HEADER);
		return -1;
	}
	return 0;
}

/*
 * May the authenticated caller do this? Every request but a GET: the
 * CSRF checks for a session, then the admin role unless the route lets
 * every role in. Returns 0, or -1 with a 403 answer.
 */
int
session_authorize(struct api *api, struct api_request *req,
    struct api_response *res)
{
	const struct api_route	*r = req->route;

	if ((r->auth != AUTH_ADMIN && r->auth != AUTH_USER) ||
	    req->method == API_GET)
		return 0;
	if (req->who.via == VIA_SESSION && session_csrf(req, res) == -1)
		return -1;
	if (r->auth == AUTH_ADMIN && req->who.role != ROLE_ADMIN) {
		api_forbidden(req, res, "the %s role can read but not change "
		    "anything", api_role_name(req->who.role));
		return -1;
	}
	return 0;
}

/*
 * The rate-limit keys of a sign-in: "user:<name in lower case>" and
 * "addr:<client address>" (an IPv6 address by its /64; "" when the
 * address is unknown).
 */
static void
session_keys(const char *name, const char *address, char *user_key,
    char *addr_key)
{
	struct in6_addr	 a6;
	char		 buf[INET6_ADDRSTRLEN];
	size_t		 i;

	snprintf(user_key, SESSION_KEY_MAX, "user:%s", name);
	for (i = 5; user_key[i] != '\0'; i++)
		user_key[i] = (char)tolower((unsigned char)user_key[i]);
	addr_key[0] = '\0';
	if (address[0] == '\0')
		return;
	if (inet_pton(AF_INET6, address, &a6) == 1 &&
	    !IN6_IS_ADDR_V4MAPPED(&a6)) {
		memset(a6.s6_addr + 8, 0, 8);
		if (inet_ntop(AF_INET6, &a6, buf, sizeof(buf)) != NULL) {
			snprintf(addr_key, SESSION_KEY_MAX, "addr:%s/64", buf);
			return;
		}
	}
	snprintf(addr_key, SESSION_KEY_MAX, "addr:%s", address);
}

/*
 * Refuse a sign-in while key is locked (what says which: "for this
 * name"). Returns 0, or -1 with a 429 (or 503) answer.
 */
static int
session_check_lock(struct api *api, struct api_request *req,
    struct api_response *res, const char *key, const char *what)
{
	struct signin_row	 r;
	int64_t			 wait;
	int			 rc;

	if (key[0] == '\0')
		return 0;
	if ((rc = store_signin_get(api->store, key, &r)) == -1) {
		api_store_error(res);
		return -1;
	}
	if (rc == 1 || r.locked_until <= req->now)
		return 0;
	wait = r.locked_until - req->now;
	api_error(res, 429, "too_many_attempts", NULL, "too many failed "
	    "sign-ins %s; try again in %lld seconds", what, (long long)wait);
	json_add_int64(res->json, "retry_after", wait);
	res->retry_after = wait;
	return -1;
}

/*
 * Count a sign-in attempt of key as failed (until it succeeds); at max,
 * lock key for the lockout time. Returns 0, or -1.
 */
static int
session_count_attempt(struct api *api, const char *key, int max,
    int64_t now)
{
	struct signin_row	 r;
	int			 rc;

	if (key[0] == '\0' || max <= 0)
		return 0;
	if ((rc = store_signin_get(api->store, key, &r)) == -1)
		return -1;
	if (rc == 1 || r.first_at + SESSION_FAILURE_WINDOW <= now) {
		r.failures = 0;
		r.first_at = now;
	}
	if (++r.failures >= max) {
		r.locked_until = now + api->limits.signin_lockout;
		r.failures = 0;
		r.first_at = now;
	}
	return store_signin_put(api->store, key, &r);
}

/* A sign-in succeeded: the name's count goes, the address's drops. */
static int
session_uncount(struct api *api, const char *user_key, const char *addr_key)
{
	struct signin_row	 r;
	int			 rc;

	if (store_signin_delete(api->store, user_key) == -1)
		return -1;
	if (addr_key[0] == '\0')
		return 0;
	if ((rc = store_signin_get(api->store, addr_key, &r)) != 0)
		return rc == 1 ? 0 : -1;
	if (r.failures > 0)
		r.failures--;
	return store_signin_put(api->store, addr_key, &r);
}

/* The worker thread: check the password, then forget it. */
static void
session_signin_run(struct api_job *job)
{
	struct signin_job	*j = (struct signin_job *)job;

	j->verified = users_password_verify(j->password, j->hash);
	explicit_bzero(j->password, sizeof(j->password));
}

/* Forget and free a sign-in job. */
static void
session_signin_forget(struct signin_job *j)
{
	explicit_bzero(j, sizeof(*j));
	free(j);
}

/* Free a sign-in job (job->free). */
static void
session_signin_free(struct api_job *job)
{
	session_signin_forget((struct signin_job *)job);
}

/*
 * Open a session for user u: the cookie and the answer. Returns 0, or -1
 * with the answer set.
 */
static int
session_open(struct api *api, struct api_request *req,
    struct api_response *res, const struct user_row *u)
{
	char	 id[65], hash[65], csrf[65];
	int64_t	 expires = req->now + api->limits.session_lifetime;

	if (pki_random_hex(id, 32) == -1 || pki_random_hex(csrf, 32) == -1) {
		api_error(res, 500, "internal_error", NULL, "no randomness");
		return -1;
	}
	pki_sha256_hex(id, 64, hash);
	if (store_session_add(api->store, hash, u->id, csrf,
	    req->address[0] != '\0' ? req->address : NULL, req->now,
	    expires) == -1 ||
	    store_user_signed_in(api->store, u->id, req->now) == -1) {
		explicit_bzero(id, sizeof(id));
		api_store_error(res);
		return -1;
	}
	snprintf(res->set_cookie, sizeof(res->set_cookie), "%s=%s; Path=/; "
	    "Max-Age=%lld; Secure; HttpOnly; SameSite=Strict", SESSION_COOKIE,
	    id, (long long)api->limits.session_lifetime);
	explicit_bzero(id, sizeof(id));
	res->json = json_object_new_object();
	json_add_string(res->json, "user", u->name);
	json_add_string(res->json, "role", u->role);
	json_add_string(res->json, "csrf_token", csrf);
	json_add_int64(res->json, "expires_at", expires);
	json_add_int64(res->json, "idle_timeout",
	    api->limits.session_idle_timeout);
	res->status = 201;
	return 0;
}

/* Back on the loop: open the session, or refuse the sign-in. */
static void
session_signin_done(struct api *api, struct api_job *job,
    struct api_response *res)
{
	struct signin_job	*j = (struct signin_job *)job;
	struct api_request	*req = &job->req;
	struct user_row		 u;
	const char		*from = req->address[0] != '\0' ?
	    req->address : "?";
	int			 rc = 1;

	if (j->verified == -1)
		log_warnx("the password hash of user %s is not one this "
		    "platform reads", req->who.user);
	/* The user may have changed (or gone) meanwhile. */
	if (j->verified == 1 && (rc = store_user_get(api->store,
	    req->who.user, &u)) == -1) {
		api_store_error(res);
		return;
	}
	if (j->verified != 1 || rc == 1 || strcmp(u.password, j->hash) != 0 ||
	    users_role_parse(u.role, &req->who.role) == -1) {
		api_error(res, 401, "sign_in_failed", NULL,
		    "wrong user name or password");
		log_info("failed sign-in as %s from %s",
		    users_name_valid(req->who.user) ? req->who.user :
		    "(not a user name)", from);
		return;
	}
	req->who.user_id = u.id;
	strlcpy(req->who.user, u.name, sizeof(req->who.user));
	if (session_uncount(api, j->user_key, j->addr_key) == -1) {
		api_store_error(res);
		return;
	}
	if (session_open(api, req, res, &u) == 0)
		log_info("user %s signed in from %s", u.name, from);
}

/*
 * POST /api/v1/session {"name", "password"}: sign in. 201 with the
 * session cookie and the CSRF token; 401 sign_in_failed for an unknown
 * name or a wrong password alike; 429 while the name or the address is
 * locked.
 */
void
session_signin(struct api *api, struct api_request *req,
    struct api_response *res)
{
	static const char *const fields[] = { "name", "password", NULL };
	struct signin_job	*j;
	struct user_row		 u;
	const char		*name, *pw;
	int			 rc;

	if (api_check_fields(res, req->json, NULL, fields) == -1 ||
	    api_get_string(res, req->json, NULL, "name", 1, PLATFORM_USER_MAX,
	    &name) == -1 ||
	    api_get_string(res, req->json, NULL, "password", 1,
	    USERS_PASSWORD_MAX, &pw) == -1)
		return;
	req->who.via = VIA_SIGNIN;
	strlcpy(req->who.user, name, sizeof(req->who.user));
	if (session_origin_check(req, res, 0) == -1)
		return;
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		api_error(res, 500, "internal_error", NULL, "out of memory");
		return;
	}
	session_keys(name, req->address, j->user_key, j->addr_key);
	if (session_check_lock(api, req, res, j->user_key,
	    "for this user name") == -1 ||
	    session_check_lock(api, req, res, j->addr_key,
	    "from this address") == -1)
		goto fail;
	if (session_count_attempt(api, j->user_key,
	    api->limits.signin_max_failures, req->now) == -1 ||
	    session_count_attempt(api, j->addr_key,
	    api->limits.signin_address_max_failures, req->now) == -1 ||
	    (rc = users_name_valid(name) ? store_user_get(api->store, name,
	    &u) : 1) == -1) {
		api_store_error(res);
		goto fail;
	}
	if (rc == 0)
		strlcpy(j->hash, u.password, sizeof(j->hash));
	else
		users_password_dummy(api->limits.scrypt_n, j->hash,
		    sizeof(j->hash));
	strlcpy(j->password, pw, sizeof(j->password));
	j->job.run = session_signin_run;
	j->job.done = session_signin_done;
	j->job.free = session_signin_free;
	if (api_defer(req, res, &j->job) == 0)
		return;
fail:
	session_signin_forget(j);
}

/* DELETE /api/v1/session: sign out; the cookie is cleared. */
void
session_signout(struct api *api, struct api_request *req,
    struct api_response *res)
{
	if (req->who.via != VIA_SESSION) {
		api_error(res, 404, "not_found", NULL, "no session to end: "
		    "this request was made with a token");
		return;
	}
	if (store_session_delete(api->store, req->who.session) == -1) {
		api_store_error(res);
		return;
	}
	snprintf(res->set_cookie, sizeof(res->set_cookie), "%s=; Path=/; "
	    "Max-Age=0; Secure; HttpOnly; SameSite=Strict", SESSION_COOKIE);
	res->json = json_object_new_object();
	json_add_string(res->json, "user", req->who.user);
	json_add_bool(res->json, "signed_out", 1);
	res->status = 200;
	log_info("user %s signed out", req->who.user);
}

/*
 * GET /api/v1/session: who the caller is (user, role, how authenticated)
 * and, with a session, its CSRF token and expiry.
 */
void
session_get(struct api *api, struct api_request *req, struct api_response *res)
{
	static const char *const via[] = {
		[VIA_NONE] = "none", [VIA_ADMIN_TOKEN] = "admin_token",
		[VIA_TOKEN] = "token", [VIA_SESSION] = "session",
		[VIA_SIGNIN] = "password"
	};
	struct api_principal	*who = &req->who;

	res->json = json_object_new_object();
	json_add_string(res->json, "user", who->user[0] != '\0' ? who->user :
	    NULL);
	json_add_string(res->json, "role", api_role_name(who->role));
	json_add_string(res->json, "auth", via[who->via]);
	if (who->via == VIA_SESSION) {
		json_add_string(res->json, "csrf_token", who->csrf);
		json_add_int64(res->json, "expires_at", who->expires_at);
		json_add_int64(res->json, "idle_timeout",
		    api->limits.session_idle_timeout);
	}
	if (who->via == VIA_TOKEN) {
		json_add_string(res->json, "token_id", who->token_id);
		json_add_string(res->json, "token_name", who->token_name);
	}
	res->status = 200;
}

/*
 * Forget expired sessions and old sign-in failures (the maintenance
 * timer). Returns 0, or -1.
 */
int
session_prune(struct api *api, int64_t now)
{
	if (store_session_prune(api->store, now,
	    api->limits.session_idle_timeout) == -1 ||
	    store_signin_prune(api->store, now, SESSION_FAILURE_WINDOW) == -1)
		return -1;
	return 0;
}
