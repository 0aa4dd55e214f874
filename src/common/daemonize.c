/*
 * daemonize.c: fork into the background with a readiness pipe
 * (daemonize.h), for outpostd and outpost-platform.
 *
 * daemon(3) returns in the child at once and lets the parent exit 0
 * whatever happens next. Here the fork comes first and the parent stays
 * until the child has set itself up: a start that fails (a bad
 * certificate, a port in use) makes the command fail with the child's
 * message on the terminal, and a successful one returns only once the pid
 * file is written and the daemon serves. The child is the process that
 * sets everything up, so whatever records its own pid (the kernel audit
 * pid claim of the agent) records the daemon's.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "daemonize.h"
#include "log.h"

/* Fork; the parent waits for the child's word. Returns the fd in the child. */
int
daemonize_begin(void)
{
	int	 fds[2];
	char	 c = 0;
	ssize_t	 n;

	if (pipe(fds) == -1)
		fatal("pipe");
	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		close(fds[1]);
		do
			n = read(fds[0], &c, 1);
		while (n == -1 && errno == EINTR);
		_exit(n == 1 && c == 'o' ? 0 : 1);
	}
	close(fds[0]);
	(void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	if (setsid() == -1)
		fatal("setsid");
	if (chdir("/") == -1)
		fatal("chdir /");
	return fds[1];
}

/* Tell the parent we are ready, and let go of the terminal. */
void
daemonize_ready(int fd)
{
	int	 null;

	if (write(fd, "o", 1) != 1)
		log_warn("readiness pipe");
	close(fd);
	if ((null = open("/dev/null", O_RDWR)) != -1) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	log_set_stderr(0);
}
