/*
 * session.h: who is calling the admin API (session.c): authentication by
 * the admin token, a user's API token or a sign-in session cookie; the
 * role and CSRF checks of every write; sign-in (with its rate limits),
 * sign-out and the session's own endpoint, /api/v1/session.
 */
#ifndef OUTPOST_SESSION_H
#define OUTPOST_SESSION_H

#include <stdint.h>

#include "api.h"

#define SESSION_COOKIE		"__Host-outpost_session"
#define SESSION_CSRF_HEADER	"X-CSRF-Token"
#define SESSION_FAILURE_WINDOW	900	/* seconds failures are counted */

int	 session_authenticate(struct api *, struct api_request *,
	    struct api_response *);
int	 session_authorize(struct api *, struct api_request *,
	    struct api_response *);
int	 session_cookie_find(const char *, char [65]);
int	 session_same_origin(const char *origin, const char *host);
int	 session_prune(struct api *, int64_t now);

api_handler	 session_get;
api_handler	 session_signin;
api_handler	 session_signout;

#endif /* OUTPOST_SESSION_H */
