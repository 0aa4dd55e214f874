/*
 * daemonize.h: going to the background the way an init script can rely
 * on: the parent exits only once the daemon says it is ready (0) or dies
 * first (1), so "start" reports a failure and returns after the pid file
 * is written.
 */
#ifndef OUTPOST_DAEMONIZE_H
#define OUTPOST_DAEMONIZE_H

/*
 * Fork into the background, before the daemon sets anything up (so the
 * process that opens sockets and reads its own pid is the one that
 * stays). The parent waits until the child calls daemonize_ready() (it
 * exits 0) or exits (it exits 1). In the child: a new session, "/" as
 * the working directory. Returns the readiness descriptor in the child;
 * exits on failure.
 */
int	daemonize_begin(void);
/*
 * Tell the waiting parent the daemon is ready, close the descriptor and
 * let go of the terminal (stdio to /dev/null, no more log lines on
 * stderr).
 */
void	daemonize_ready(int fd);

#endif /* OUTPOST_DAEMONIZE_H */
