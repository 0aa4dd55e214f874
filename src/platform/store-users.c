/*
 * store-users.c: who may use the admin API: users with their role and
 * scrypt password hash (users.c makes and checks it), their API tokens
 * (only the SHA-256 of the secret is kept), sign-in sessions (kept by the
 * SHA-256 of the cookie's id, with the CSRF token and both expiries), and
 * the failed sign-ins counted per user name and per client address. Every
 * piece of this state is in the database, so several platform nodes on
 * one database share it.
 */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "compat.h"
#include "jsonutil.h"
#include "store-sqlite.h"

const char *const store_users_sql[ST_COUNT] = {
	[ST_USER_INSERT] =
	    "INSERT INTO users (name, role, password, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?4)",
	[ST_USER_SELECT] =
	    "SELECT id, name, role, password FROM users WHERE name = ?1",
	[ST_USER_SELECT_ID] =
	    "SELECT id, name, role, password FROM users WHERE id = ?1",
	[ST_USER_PASSWORD] =
	    "UPDATE users SET password = ?2, updated_at = ?3 WHERE id = ?1",
	[ST_USER_ROLE] =
	    "UPDATE users SET role = ?2, updated_at = ?3 WHERE id = ?1",
	[ST_USER_SIGNED_IN] =
	    "UPDATE users SET last_sign_in_at = ?2 WHERE id = ?1",
	[ST_USER_DELETE] = "DELETE FROM users WHERE id = ?1",
	[ST_USER_ADMINS] = "SELECT count(*) FROM users WHERE role = 'admin'",
	[ST_USER_LIST] =
	    "SELECT u.name, u.role, u.created_at, u.updated_at,"
	    " u.last_sign_in_at, (SELECT count(*) FROM api_tokens t"
	    " WHERE t.user_id = u.id AND t.revoked_at IS NULL),"
	    " (SELECT count(*) FROM sessions s WHERE s.user_id = u.id)"
	    " FROM users u WHERE ?1 IS NULL OR u.name = ?1 ORDER BY u.name",
	[ST_TOKEN_INSERT] =
	    "INSERT INTO api_tokens (id, user_id, name, hash, read_only,"
	    " created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_TOKEN_SELECT] =
	    "SELECT t.id, t.name, t.hash, t.user_id, u.name, u.role,"
	    " t.read_only, t.expires_at, t.last_used_at, t.revoked_at"
	    " FROM api_tokens t JOIN users u ON u.id = t.user_id"
	    " WHERE t.id = ?1",
	[ST_TOKEN_TOUCH] =
	    "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1",
	[ST_TOKEN_REVOKE] =
	    "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1"
	    " AND revoked_at IS NULL",
	[ST_TOKEN_LIST] =
	    "SELECT t.id, t.name, u.name, t.read_only, t.created_at,"
	    " t.expires_at, t.last_used_at, t.revoked_at"
	    " FROM api_tokens t JOIN users u ON u.id = t.user_id"
	    " WHERE (?1 IS NULL OR u.name = ?1) AND (?2 IS NULL OR t.id = ?2)"
	    " ORDER BY t.created_at, t.id",
	[ST_TOKEN_DELETE_USER] = "DELETE FROM api_tokens WHERE user_id = ?1",
	[ST_SESSION_INSERT] =
	    "INSERT INTO sessions (id, user_id, csrf, address, created_at,"
	    " last_seen, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
	[ST_SESSION_SELECT] =
	    "SELECT s.user_id, u.name, u.role, s.csrf, s.created_at,"
	    " s.last_seen, s.expires_at"
	    " FROM sessions s JOIN users u ON u.id = s.user_id"
	    " WHERE s.id = ?1",
	[ST_SESSION_TOUCH] =
	    "UPDATE sessions SET last_seen = ?2 WHERE id = ?1",
	[ST_SESSION_DELETE] = "DELETE FROM sessions WHERE id = ?1",
	[ST_SESSION_DELETE_USER] =
	    "DELETE FROM sessions WHERE user_id = ?1"
	    " AND (?2 IS NULL OR id <> ?2)",
	[ST_SESSION_PRUNE] =
	    "DELETE FROM sessions WHERE expires_at <= ?1"
	    " OR last_seen <= ?1 - ?2",
	[ST_SIGNIN_SELECT] =
	    "SELECT failures, first_at, locked_until FROM signin_failures"
	    " WHERE key = ?1",
	[ST_SIGNIN_PUT] =
	    "INSERT OR REPLACE INTO signin_failures (key, failures, first_at,"
	    " locked_until) VALUES (?1, ?2, ?3, ?4)",
	[ST_SIGNIN_DELETE] = "DELETE FROM signin_failures WHERE key = ?1",
	[ST_SIGNIN_PRUNE] =
	    "DELETE FROM signin_failures WHERE locked_until <= ?1"
	    " AND first_at <= ?1 - ?2",
};

/* Bind an integer, or NULL when it is 0, to parameter i. */
static void
store_bind_time(sqlite3_stmt *st, int i, int64_t v)
{
	if (v == 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/*
 * Insert a user; its id into *id (may be NULL). Returns 0, 1 (the name,
 * compared without case, is taken), or -1.
 */
int
store_user_add(struct store *s, const char *name, const char *role,
    const char *password, int64_t now, int64_t *id)
{
	sqlite3_stmt	*st = store_stmt(s, ST_USER_INSERT);
	int		 rc;

	store_bind_text(st, 1, name);
	store_bind_text(st, 2, role);
	store_bind_text(st, 3, password);
	sqlite3_bind_int64(st, 4, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT)
		return 1;
	if (rc != SQLITE_DONE)
		return store_fail(s, "insert user");
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* Read a user row of statement which. Returns 0, 1 (none), or -1. */
static int
store_user_read(struct store *s, sqlite3_stmt *st, struct user_row *u)
{
	int	 rc;

	memset(u, 0, sizeof(*u));
	if ((rc = store_row(s, st, "select user")) == 0) {
		u->id = sqlite3_column_int64(st, 0);
		strlcpy(u->name, store_col_text(st, 1), sizeof(u->name));
		strlcpy(u->role, store_col_text(st, 2), sizeof(u->role));
		strlcpy(u->password, store_col_text(st, 3),
		    sizeof(u->password));
	}
	sqlite3_reset(st);
	return rc;
}

/* The user called name (any case). Returns 0, 1 (none), or -1. */
int
store_user_get(struct store *s, const char *name, struct user_row *u)
{
	sqlite3_stmt	*st = store_stmt(s, ST_USER_SELECT);

	store_bind_text(st, 1, name);
	return store_user_read(s, st, u);
}

/* The user with id. Returns 0, 1 (none), or -1. */
int
store_user_get_id(struct store *s, int64_t id, struct user_row *u)
{
	sqlite3_stmt	*st = store_stmt(s, ST_USER_SELECT_ID);

	sqlite3_bind_int64(st, 1, id);
	return store_user_read(s, st, u);
}

/* Run statement which on (id, text, now). Returns 0, or -1. */
static int
store_user_set(struct store *s, enum store_stmt which, int64_t id,
    const char *text, int64_t now, const char *what)
{
	sqlite3_stmt	*st = store_stmt(s, which);

	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, text);
	sqlite3_bind_int64(st, 3, now);
	return store_exec(s, st, what);
}

/* Replace a user's password hash. Returns 0, or -1. */
int
store_user_set_password(struct store *s, int64_t id, const char *password,
    int64_t now)
{
	return store_user_set(s, ST_USER_PASSWORD, id, password, now,
	    "update password");
}

/* Change a user's role. Returns 0, or -1. */
int
store_user_set_role(struct store *s, int64_t id, const char *role,
    int64_t now)
{
	return store_user_set(s, ST_USER_ROLE, id, role, now, "update role");
}

/* Note a user's sign-in. Returns 0, or -1. */
int
store_user_signed_in(struct store *s, int64_t id, int64_t now)
{
	sqlite3_stmt	*st = store_stmt(s, ST_USER_SIGNED_IN);

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return store_exec(s, st, "update sign-in");
}

/* Delete a user with its tokens and sessions. Returns 0, or -1. */
int
store_user_delete(struct store *s, int64_t id)
{
	sqlite3_stmt	*st;
	enum store_stmt	 which[] = {
		ST_TOKEN_DELETE_USER, ST_SESSION_DELETE_USER, ST_USER_DELETE
	};
	size_t		 i;

	for (i = 0; i < nitems(which); i++) {
		st = store_stmt(s, which[i]);
		sqlite3_bind_int64(st, 1, id);
		if (store_exec(s, st, "delete user") == -1)
			return -1;
	}
	return 0;
}

/* The number of admins into *count. Returns 0, or -1. */
int
store_user_admins(struct store *s, int64_t *count)
{
	sqlite3_stmt	*st = store_stmt(s, ST_USER_ADMINS);

	if (store_row(s, st, "count admins") != 0)
		return -1;
	*count = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

/* The API object of the current user row. Returns it (new). */
static struct json_object *
store_user_row(sqlite3_stmt *st)
{
	struct json_object	*obj = json_object_new_object();

	json_add_string(obj, "name", store_col_text(st, 0));
	json_add_string(obj, "role", store_col_text(st, 1));
	json_add_int64(obj, "created_at", sqlite3_column_int64(st, 2));
	json_add_int64(obj, "updated_at", sqlite3_column_int64(st, 3));
	store_add_int(obj, "last_sign_in_at", st, 4);
	json_add_int64(obj, "tokens", sqlite3_column_int64(st, 5));
	json_add_int64(obj, "sessions", sqlite3_column_int64(st, 6));
	return obj;
}

/*
 * The users (name NULL), or the one called name, as API objects. Returns
 * a new array, or NULL on error.
 */
struct json_object *
store_user_list(struct store *s, const char *name)
{
	sqlite3_stmt	*st = store_stmt(s, ST_USER_LIST);

	store_bind_text(st, 1, name);
	return store_rows(s, st, store_user_row, "list users");
}

/* Insert an API token (t->user_id is its user). Returns 0, or -1. */
int
store_token_add(struct store *s, const struct token_row *t, int64_t now)
{
	sqlite3_stmt	*st = store_stmt(s, ST_TOKEN_INSERT);

	store_bind_text(st, 1, t->id);
	sqlite3_bind_int64(st, 2, t->user_id);
	store_bind_text(st, 3, t->name);
	store_bind_text(st, 4, t->hash);
	sqlite3_bind_int(st, 5, t->read_only);
	sqlite3_bind_int64(st, 6, now);
	store_bind_time(st, 7, t->expires_at);
	return store_exec(s, st, "insert token");
}

/* The API token id with its user. Returns 0, 1 (none), or -1. */
int
store_token_get(struct store *s, const char *id, struct token_row *t)
{
	sqlite3_stmt	*st = store_stmt(s, ST_TOKEN_SELECT);
	int		 rc;

	memset(t, 0, sizeof(*t));
	store_bind_text(st, 1, id);
	if ((rc = store_row(s, st, "select token")) == 0) {
		strlcpy(t->id, store_col_text(st, 0), sizeof(t->id));
		strlcpy(t->name, store_col_text(st, 1), sizeof(t->name));
		strlcpy(t->hash, store_col_text(st, 2), sizeof(t->hash));
		t->user_id = sqlite3_column_int64(st, 3);
		strlcpy(t->user, store_col_text(st, 4), sizeof(t->user));
		strlcpy(t->role, store_col_text(st, 5), sizeof(t->role));
		t->read_only = sqlite3_column_int(st, 6);
		t->expires_at = sqlite3_column_int64(st, 7);
		t->last_used_at = sqlite3_column_int64(st, 8);
		t->revoked_at = sqlite3_column_int64(st, 9);
	}
	sqlite3_reset(st);
	return rc;
}

/* Run statement which on (text id, now). Returns 0, or -1. */
static int
store_id_time(struct store *s, enum store_stmt which, const char *id,
    int64_t now, const char *what)
{
	sqlite3_stmt	*st = store_stmt(s, which);

	store_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return store_exec(s, st, what);
}

/* Note a use of an API token. Returns 0, or -1. */
int
store_token_touch(struct store *s, const char *id, int64_t now)
{
	return store_id_time(s, ST_TOKEN_TOUCH, id, now, "update token");
}

/* Revoke an API token (a revoked one keeps its time). Returns 0, or -1. */
int
store_token_revoke(struct store *s, const char *id, int64_t now)
{
	return store_id_time(s, ST_TOKEN_REVOKE, id, now, "revoke token");
}

/* The API object of the current token row, without secret. Returns it. */
static struct json_object *
store_token_row(sqlite3_stmt *st)
{
	struct json_object	*obj = json_object_new_object();

	json_add_string(obj, "token_id", store_col_text(st, 0));
	json_add_string(obj, "name", store_col_text(st, 1));
	json_add_string(obj, "user", store_col_text(st, 2));
	json_add_bool(obj, "read_only", sqlite3_column_int(st, 3));
	json_add_int64(obj, "created_at", sqlite3_column_int64(st, 4));
	store_add_int(obj, "expires_at", st, 5);
	store_add_int(obj, "last_used_at", st, 6);
	store_add_int(obj, "revoked_at", st, 7);
	return obj;
}

/*
 * The API tokens, of user (or every user's when NULL), or the one token
 * id, as API objects without their secret. Returns a new array, or NULL.
 */
struct json_object *
store_token_list(struct store *s, const char *user, const char *id)
{
	sqlite3_stmt	*st = store_stmt(s, ST_TOKEN_LIST);

	store_bind_text(st, 1, user);
	store_bind_text(st, 2, id);
	return store_rows(s, st, store_token_row, "list tokens");
}

/* Insert a session. Returns 0, or -1. */
int
store_session_add(struct store *s, const char *id_hash, int64_t user_id,
    const char *csrf, const char *address, int64_t now, int64_t expires_at)
{
	sqlite3_stmt	*st = store_stmt(s, ST_SESSION_INSERT);

	store_bind_text(st, 1, id_hash);
	sqlite3_bind_int64(st, 2, user_id);
	store_bind_text(st, 3, csrf);
	store_bind_text(st, 4, address);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, expires_at);
	return store_exec(s, st, "insert session");
}

/* The session with id_hash and its user. Returns 0, 1 (none), or -1. */
int
store_session_get(struct store *s, const char *id_hash,
    struct session_row *r)
{
	sqlite3_stmt	*st = store_stmt(s, ST_SESSION_SELECT);
	int		 rc;

	memset(r, 0, sizeof(*r));
	store_bind_text(st, 1, id_hash);
	if ((rc = store_row(s, st, "select session")) == 0) {
		r->user_id = sqlite3_column_int64(st, 0);
		strlcpy(r->user, store_col_text(st, 1), sizeof(r->user));
		strlcpy(r->role, store_col_text(st, 2), sizeof(r->role));
		strlcpy(r->csrf, store_col_text(st, 3), sizeof(r->csrf));
		r->created_at = sqlite3_column_int64(st, 4);
		r->last_seen = sqlite3_column_int64(st, 5);
		r->expires_at = sqlite3_column_int64(st, 6);
	}
	sqlite3_reset(st);
	return rc;
}

/* Note activity on a session (for its idle expiry). Returns 0, or -1. */
int
store_session_touch(struct store *s, const char *id_hash, int64_t now)
{
	return store_id_time(s, ST_SESSION_TOUCH, id_hash, now,
	    "update session");
}

/* End a session. Returns 0, or -1. */
int
store_session_delete(struct store *s, const char *id_hash)
{
	return store_exec_id(s, ST_SESSION_DELETE, id_hash, "delete session");
}

/*
 * End every session of a user but except_hash's (NULL: all). Returns 0,
 * or -1.
 */
int
store_session_delete_user(struct store *s, int64_t user_id,
    const char *except_hash)
{
	sqlite3_stmt	*st = store_stmt(s, ST_SESSION_DELETE_USER);

	sqlite3_bind_int64(st, 1, user_id);
	store_bind_text(st, 2, except_hash);
	return store_exec(s, st, "delete sessions");
}

/* Forget the sessions expired at now (idle ones too). Returns 0, or -1. */
int
store_session_prune(struct store *s, int64_t now, int64_t idle)
{
	sqlite3_stmt	*st = store_stmt(s, ST_SESSION_PRUNE);

	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, idle);
	return store_exec(s, st, "prune sessions");
}

/* The failed sign-ins of key. Returns 0, 1 (none), or -1. */
int
store_signin_get(struct store *s, const char *key, struct signin_row *r)
{
	sqlite3_stmt	*st = store_stmt(s, ST_SIGNIN_SELECT);
	int		 rc;

	memset(r, 0, sizeof(*r));
	store_bind_text(st, 1, key);
	if ((rc = store_row(s, st, "select sign-in failures")) == 0) {
		r->failures = sqlite3_column_int64(st, 0);
		r->first_at = sqlite3_column_int64(st, 1);
		r->locked_until = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return rc;
}

/* Store the failed sign-ins of key. Returns 0, or -1. */
int
store_signin_put(struct store *s, const char *key, const struct signin_row *r)
{
	sqlite3_stmt	*st = store_stmt(s, ST_SIGNIN_PUT);

	store_bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, r->failures);
	sqlite3_bind_int64(st, 3, r->first_at);
	sqlite3_bind_int64(st, 4, r->locked_until);
	return store_exec(s, st, "update sign-in failures");
}

/* Forget the failed sign-ins of key. Returns 0, or -1. */
int
store_signin_delete(struct store *s, const char *key)
{
	return store_exec_id(s, ST_SIGNIN_DELETE, key,
	    "delete sign-in failures");
}

/*
 * Forget the failures counted before now - window whose lock is over.
 * Returns 0, or -1.
 */
int
store_signin_prune(struct store *s, int64_t now, int64_t window)
{
	sqlite3_stmt	*st = store_stmt(s, ST_SIGNIN_PRUNE);

	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, window);
	return store_exec(s, st, "prune sign-in failures");
}
