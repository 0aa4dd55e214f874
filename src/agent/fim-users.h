/*
 * fim-users.h: user names of the uids in audit events, looked up once
 * each (fim-users.c).
 */
#ifndef OUTPOST_FIM_USERS_H
#define OUTPOST_FIM_USERS_H

#include <stdint.h>

#define FIM_USERS		64

/* A user name looked up once. */
struct fim_user {
	int64_t		 uid;
	char		 name[64];
};

/* The cache: FIM_USERS names, then a slot by uid is reused. */
struct fim_users {
	struct fim_user	 users[FIM_USERS];
	int		 n;
};

/* The user name of uid: "" if unknown or negative (kept in the cache). */
const char	*fim_users_name(struct fim_users *, int64_t uid);

#endif /* OUTPOST_FIM_USERS_H */
