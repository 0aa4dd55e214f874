/*
 * cid-epoll.c: the reference for bench/correlation-accept.sh, a minimal
 * single-threaded epoll(7) server that answers like the agent's
 * correlation ID service and does nothing else.
 *
 *   cid-epoll [-a address] port correlation-id
 *
 * One non-blocking listening socket (backlog 128, as the agent's), level
 * triggered; on each wake-up accept4(2) until EAGAIN, write the line
 * "OUTPOST-CID/1 <id>\r\n" and close. No limits, no timers, no log. It
 * prints "ready" once listening and runs until killed.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "correlation-wire.h"

#define EPOLL_BACKLOG	128	/* CORR_BACKLOG of src/agent/correlation.c */

/* Print the usage and exit 2. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: cid-epoll [-a address] port "
	    "correlation-id\n");
	exit(2);
}

/* Open the listening socket on address:port. Returns the fd; exits on error. */
static int
epoll_listen(const char *address, int port)
{
	struct sockaddr_in	 sin;
	int			 fd, on = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, address, &sin.sin_addr) != 1) {
		fprintf(stderr, "cid-epoll: bad IPv4 address %s\n", address);
		exit(2);
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, EPOLL_BACKLOG) == -1) {
		fprintf(stderr, "cid-epoll: listen on %s:%d: %s\n", address,
		    port, strerror(errno));
		exit(1);
	}
	return fd;
}

/* Serve the line on port until killed. */
int
main(int argc, char *argv[])
{
	struct epoll_event	 ev, events[16];
	const char		*address = "127.0.0.1";
	char			 line[CORR_WIRE_LEN + 1];
	int			 ch, ep, lfd, cfd, n, i, len;

	while ((ch = getopt(argc, argv, "a:")) != -1) {
		switch (ch) {
		case 'a':
			address = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();
	if ((len = corr_wire_format(argv[1], line, sizeof(line))) <= 0) {
		fprintf(stderr, "cid-epoll: %s is not a correlation id\n",
		    argv[1]);
		return 2;
	}
	lfd = epoll_listen(address, atoi(argv[0]));
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("cid-epoll: epoll_create1");
		return 1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) == -1) {
		perror("cid-epoll: epoll_ctl");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if ((n = epoll_wait(ep, events, 16, -1)) == -1) {
			if (errno == EINTR)
				continue;
			perror("cid-epoll: epoll_wait");
			return 1;
		}
		for (i = 0; i < n; i++) {
			while ((cfd = accept4(lfd, NULL, NULL,
			    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
				if (write(cfd, line, (size_t)len) != len)
					perror("cid-epoll: write");
				close(cfd);
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				perror("cid-epoll: accept4");
		}
	}
}
