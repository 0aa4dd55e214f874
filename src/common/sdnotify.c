/*
 * sdnotify.c: readiness and stopping notices to the service manager
 * (sdnotify.h).
 *
 * systemd starts a Type=notify service with $NOTIFY_SOCKET naming an
 * AF_UNIX datagram socket, either a path ("/run/systemd/notify") or an
 * abstract name written with a leading '@'. The service sends "READY=1"
 * once it really serves and "STOPPING=1" when it begins to stop; systemd
 * holds back the units ordered after it until the first arrives. That is
 * the whole protocol the daemons need, so they speak it here in a few
 * lines instead of linking libsystemd (as OpenSSH's sshd and many others
 * do). File descriptors passing and the watchdog are not used. vsock
 * addresses ("vsock:CID:PORT", for virtual machines) are not supported
 * and give -EAFNOSUPPORT.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "sdnotify.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0
#endif

/*
 * Fill sun from a $NOTIFY_SOCKET value. Returns the address length, or
 * -errno when the value names no AF_UNIX socket we can reach.
 */
static int
sdnotify_address(const char *path, struct sockaddr_un *sun)
{
	size_t	 len;

	if (strncmp(path, "vsock:", 6) == 0)
		return -EAFNOSUPPORT;
	if (path[0] != '/' && path[0] != '@')
		return -EINVAL;
	len = strlen(path);
	if (len >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len);
	/* An abstract name: a leading NUL, no terminating one. */
	if (path[0] == '@') {
		sun->sun_path[0] = '\0';
		return (int)(offsetof(struct sockaddr_un, sun_path) + len);
	}
	return (int)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

/* Send state to $NOTIFY_SOCKET. Returns 1 when sent, 0 without it, -errno. */
int
sdnotify(const char *state)
{
	struct sockaddr_un	 sun;
	const char		*path;
	ssize_t			 n;
	int			 fd, len, saved;

	path = getenv("NOTIFY_SOCKET");
	if (path == NULL || *path == '\0')
		return 0;
	if ((len = sdnotify_address(path, &sun)) < 0)
		return len;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1)
		return -errno;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	do
		n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		    (struct sockaddr *)&sun, (socklen_t)len);
	while (n == -1 && errno == EINTR);
	saved = errno;
	close(fd);
	if (n == -1)
		return -saved;
	return n == (ssize_t)strlen(state) ? 1 : -EMSGSIZE;
}

/* Send state, logging a failure (not the absence of a service manager). */
static void
sdnotify_log(const char *state)
{
	int	 rc;

	if ((rc = sdnotify(state)) < 0)
		log_warnx("cannot send \"%s\" to the service manager at "
		    "NOTIFY_SOCKET=%s: %s", state, getenv("NOTIFY_SOCKET"),
		    strerror(-rc));
}

/* The loop runs: ready. */
static void
sdnotify_ready_cb(evutil_socket_t fd, short what, void *arg)
{
	sdnotify_log("READY=1");
}

/* Send "READY=1" from the loop's first pass. Returns 0, or -1. */
int
sdnotify_ready_on(struct event_base *base)
{
	struct timeval	 now = { 0, 0 };

	return event_base_once(base, -1, EV_TIMEOUT, sdnotify_ready_cb, NULL,
	    &now);
}

/* Send "STOPPING=1", logging a failure. */
void
sdnotify_stopping(void)
{
	sdnotify_log("STOPPING=1");
}
