/*
 * users.h: the users of the admin API (users.c): names, roles, scrypt
 * password hashes, API tokens, and the handlers of /api/v1/users and
 * /api/v1/tokens. session.c authenticates with what is here;
 * user-command.c (outpost-platform user) manages users with it.
 */
#ifndef OUTPOST_USERS_H
#define OUTPOST_USERS_H

#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "platform.h"

#define USERS_PASSWORD_MIN	8	/* bytes */
#define USERS_PASSWORD_MAX	1024
#define USERS_HASH_MAX		256	/* bytes of a hash string */
#define USERS_SCRYPT_N		65536	/* the default cost of new hashes */
#define USERS_SCRYPT_N_MIN	16384	/* the bounds platform.conf takes */
#define USERS_SCRYPT_N_MAX	1048576
#define USERS_TOKEN_PREFIX	"opt_"
/* "opt_" <16 hex: id> "_" <64 hex: secret> */
#define USERS_TOKEN_LEN		(4 + PLATFORM_TOKEN_ID_LEN + 1 + 64)

int	 users_name_valid(const char *);
int	 users_role_parse(const char *, enum api_role *);
const char *users_password_problem(const char *);
int	 users_password_hash(const char *, uint64_t n, char *, size_t);
int	 users_password_verify(const char *, const char *hash);
void	 users_password_dummy(uint64_t n, char *, size_t);
int	 users_token_make(char [PLATFORM_TOKEN_ID_LEN + 1],
	    char [USERS_TOKEN_LEN + 1], char [65]);
int	 users_token_parse(const char *, char [PLATFORM_TOKEN_ID_LEN + 1],
	    char [65]);

api_handler	 users_list;
api_handler	 users_get;
api_handler	 users_create;
api_handler	 users_patch;
api_handler	 users_delete;
api_handler	 users_tokens;
api_handler	 users_token_create;
api_handler	 users_token_revoke;

#endif /* OUTPOST_USERS_H */
