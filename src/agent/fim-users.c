/*
 * fim-users.c: the user names of the uids in audit events, looked up once
 * each. A FIM event names the user and the login user of the process; a
 * burst of events comes from few users, so a small table (FIM_USERS
 * entries, then a slot chosen by uid is reused) saves a getpwuid_r() per
 * event. A name that changes later is not seen until its slot is reused.
 */
#include "config.h"

#include <pwd.h>
#include <stdint.h>
#include <string.h>

#include "compat.h"
#include "fim-users.h"

/* The user name of uid, from the cache ("" if unknown). */
const char *
fim_users_name(struct fim_users *c, int64_t uid)
{
	struct passwd	 pw, *res = NULL;
	char		 buf[1024];
	struct fim_user	*u;
	int		 i;

	if (uid < 0)
		return "";
	for (i = 0; i < c->n; i++)
		if (c->users[i].uid == uid)
			return c->users[i].name;
	u = &c->users[c->n < FIM_USERS ? c->n++ : (int)(uid % FIM_USERS)];
	u->uid = uid;
	u->name[0] = '\0';
	if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 &&
	    res != NULL)
		strlcpy(u->name, pw.pw_name, sizeof(u->name));
	return u->name;
}
