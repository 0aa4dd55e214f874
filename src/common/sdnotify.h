/*
 * sdnotify.h: tell the service manager how a daemon is doing, the
 * sd_notify(3) protocol without libsystemd: one datagram of
 * "KEY=value" lines sent to the AF_UNIX socket named by $NOTIFY_SOCKET.
 * Without that variable (not started by systemd with Type=notify) every
 * call does nothing.
 */
#ifndef OUTPOST_SDNOTIFY_H
#define OUTPOST_SDNOTIFY_H

struct event_base;

/*
 * Send state ("READY=1", "STOPPING=1", "STATUS=...", several separated
 * by newlines) to $NOTIFY_SOCKET. Returns 1 when sent, 0 when there is
 * no $NOTIFY_SOCKET, or -errno (a path that is not absolute, not
 * "@abstract", or too long: -EINVAL or -ENAMETOOLONG).
 */
int	sdnotify(const char *state);
/*
 * Send "READY=1" from the first pass of base's event loop, so it goes out
 * once the loop really runs (after everything set up before the
 * dispatch); a failure to send is logged. Returns 0, or -1 when the
 * notice cannot be scheduled.
 */
int	sdnotify_ready_on(struct event_base *base);
/* Send "STOPPING=1", logging a failure. */
void	sdnotify_stopping(void);

#endif /* OUTPOST_SDNOTIFY_H */
