/*
 * cid-load.c: the client of bench/correlation-accept.sh, run the same way
 * against the agent's correlation ID service and against bench/cid-epoll.
 *
 *   cid-load [-c concurrency] [-d seconds] [-r] host port correlation-id
 *	Keeps -c (64) connections in flight for -d (3) seconds: each is a
 *	non-blocking connect(2), then reads until the server closes, checks
 *	that exactly "OUTPOST-CID/1 <id>\r\n" came, and closes with
 *	SO_LINGER 0 (a reset, so neither side keeps the connection in
 *	TIME_WAIT and the loopback ephemeral ports do not run out), and a
 *	new one starts. Prints one line:
 *	    served N refused R bad B seconds S rate X
 *	where rate is served connections per second, refused counts
 *	connections reset with nothing sent (the agent's limits) and bad
 *	counts any other answer. Exits 1 if any was bad, if any was
 *	refused without -r, or if none was served.
 *
 *   cid-load -H count [-d seconds] host port
 *	Opens count connections (at most 64 waiting for the server at a
 *	time), reads nothing, prints "held N reset R" once the server has
 *	answered all of them (R: with a reset) and keeps them open -d (60)
 *	seconds or until killed: the idle connections of the memory
 *	figure.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "correlation-wire.h"

#define LOAD_MAX_CONCURRENCY	4096
#define LOAD_HOLD_WINDOW	64	/* connections waiting for the server */

/* One connection in flight. */
struct load_slot {
	int	 fd;
	size_t	 len;
	char	 buf[CORR_WIRE_LEN + 16];
};

/* The run. */
struct load {
	struct sockaddr_in	 to;
	int			 ep;
	char			 line[CORR_WIRE_LEN + 1];
	size_t			 linelen;
	unsigned long		 served;
	unsigned long		 refused;
	unsigned long		 bad;
	int			 is_stopping;
};

/* Print the usage and exit 2. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: cid-load [-c concurrency] [-d seconds] [-r] "
	    "host port correlation-id\n"
	    "       cid-load -H count [-d seconds] host port\n");
	exit(2);
}

/* Seconds of the monotonic clock. */
static double
load_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Raise the soft limit of open files to the hard one. */
static void
load_raise_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Print what a server sent, escaped, as the reason a reply was bad. */
static void
load_report_bad(const struct load_slot *s, const char *why)
{
	size_t	 i;

	fprintf(stderr, "cid-load: bad reply (%s): \"", why);
	for (i = 0; i < s->len; i++) {
		if (s->buf[i] >= 0x20 && s->buf[i] < 0x7f && s->buf[i] != '"')
			fputc(s->buf[i], stderr);
		else
			fprintf(stderr, "\\x%02x", (unsigned char)s->buf[i]);
	}
	fprintf(stderr, "\"\n");
}

/* Start a connection in slot s. Returns 0, or -1 (counted as bad). */
static int
load_start(struct load *ld, struct load_slot *s, int index)
{
	struct epoll_event	 ev;

	s->len = 0;
	if ((s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		perror("cid-load: socket");
		ld->bad++;
		return -1;
	}
	if (connect(s->fd, (struct sockaddr *)&ld->to, sizeof(ld->to)) == -1 &&
	    errno != EINPROGRESS) {
		if (errno == ECONNREFUSED)
			ld->refused++;
		else {
			perror("cid-load: connect");
			ld->bad++;
		}
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = (uint32_t)index;
	if (epoll_ctl(ld->ep, EPOLL_CTL_ADD, s->fd, &ev) == -1) {
		perror("cid-load: epoll_ctl");
		exit(1);
	}
	return 0;
}

/* Close slot s with a reset. */
static void
load_close(struct load_slot *s)
{
	struct linger	 lg = { 1, 0 };

	(void)setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(s->fd);
	s->fd = -1;
}

/*
 * Read what came on slot s. Returns 1 when the connection ended (counted
 * and closed), 0 while more is to come.
 */
static int
load_read(struct load *ld, struct load_slot *s)
{
	ssize_t	 n;

	for (;;) {
		n = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
		if (n > 0) {
			s->len += (size_t)n;
			if (s->len < sizeof(s->buf))
				continue;
			load_report_bad(s, "too long");
			ld->bad++;
			break;
		}
		if (n == 0) {
			if (s->len == ld->linelen &&
			    memcmp(s->buf, ld->line, ld->linelen) == 0)
				ld->served++;
			else {
				if (ld->bad == 0)
					load_report_bad(s, "not the line");
				ld->bad++;
			}
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if ((errno == ECONNRESET || errno == ECONNREFUSED) &&
		    s->len == 0)
			ld->refused++;
		else {
			if (ld->bad == 0)
				load_report_bad(s, strerror(errno));
			ld->bad++;
		}
		break;
	}
	load_close(s);
	return 1;
}

/* Keep concurrency connections in flight for seconds. Returns the exit code. */
static int
load_run(struct load *ld, int concurrency, double seconds, int may_refuse)
{
	struct epoll_event	 events[256];
	struct load_slot	*slots;
	double			 start, end, now;
	int			 i, n, timeout_ms;

	if ((slots = calloc((size_t)concurrency, sizeof(*slots))) == NULL ||
	    (ld->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("cid-load");
		return 1;
	}
	start = load_now();
	end = start + seconds;
	for (i = 0; i < concurrency; i++)
		while (load_start(ld, &slots[i], i) == -1)
			if (ld->bad > 0 || !may_refuse || load_now() >= end)
				goto done;
	for (now = start; now < end; now = load_now()) {
		timeout_ms = (int)((end - now) * 1000) + 1;
		if ((n = epoll_wait(ld->ep, events, 256, timeout_ms)) == -1) {
			if (errno == EINTR)
				continue;
			perror("cid-load: epoll_wait");
			return 1;
		}
		for (i = 0; i < n; i++) {
			struct load_slot *s = &slots[events[i].data.u32];

			if (load_read(ld, s) == 0)
				continue;
			while (load_start(ld, s, (int)events[i].data.u32) == -1)
				if (ld->bad > 0 || !may_refuse ||
				    load_now() >= end)
					goto done;
		}
	}
 done:
	now = load_now();
	for (i = 0; i < concurrency; i++)
		if (slots[i].fd != -1)
			load_close(&slots[i]);
	free(slots);
	printf("served %lu refused %lu bad %lu seconds %.3f rate %.1f\n",
	    ld->served, ld->refused, ld->bad, now - start,
	    (double)ld->served / (now - start));
	if (ld->bad > 0 || ld->served == 0 || (ld->refused > 0 && !may_refuse))
		return 1;
	return 0;
}

/*
 * Open count connections and hold them without reading. At most
 * LOAD_HOLD_WINDOW wait for the server at a time (a connection is done
 * waiting when the line, or a reset, is there to be read), so the
 * server's listen queue never overflows into SYN retries. Returns the
 * exit code.
 */
static int
load_hold(struct load *ld, int count, double seconds)
{
	struct epoll_event	 ev, events[LOAD_HOLD_WINDOW];
	double			 end;
	int			 i, n, fd, opened = 0, answered = 0, reset = 0;

	if ((ld->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("cid-load: epoll_create1");
		return 1;
	}
	end = load_now() + 10;
	while (answered < count) {
		while (opened < count && opened - answered < LOAD_HOLD_WINDOW) {
			if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
			    SOCK_CLOEXEC, 0)) == -1 ||
			    (connect(fd, (struct sockaddr *)&ld->to,
			    sizeof(ld->to)) == -1 && errno != EINPROGRESS)) {
				fprintf(stderr, "cid-load: connection %d of "
				    "%d: %s\n", opened + 1, count,
				    strerror(errno));
				return 1;
			}
			memset(&ev, 0, sizeof(ev));
			ev.events = EPOLLIN;
			ev.data.fd = fd;
			if (epoll_ctl(ld->ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
				perror("cid-load: epoll_ctl");
				return 1;
			}
			opened++;
		}
		if (load_now() >= end) {
			fprintf(stderr, "cid-load: only %d of %d connections "
			    "answered within 10 s\n", answered, count);
			return 1;
		}
		if ((n = epoll_wait(ld->ep, events, LOAD_HOLD_WINDOW,
		    100)) == -1) {
			if (errno == EINTR)
				continue;
			perror("cid-load: epoll_wait");
			return 1;
		}
		for (i = 0; i < n; i++) {
			if (events[i].events & (EPOLLERR | EPOLLHUP))
				reset++;
			(void)epoll_ctl(ld->ep, EPOLL_CTL_DEL,
			    events[i].data.fd, NULL);
			answered++;
		}
	}
	printf("held %d reset %d\n", count, reset);
	fflush(stdout);
	sleep((unsigned int)seconds);
	return 0;
}

/* Drive the connections. */
int
main(int argc, char *argv[])
{
	struct load	 ld;
	double		 seconds = -1;
	int		 ch, concurrency = 64, hold = 0, may_refuse = 0, len;

	while ((ch = getopt(argc, argv, "c:d:H:r")) != -1) {
		switch (ch) {
		case 'c':
			concurrency = atoi(optarg);
			if (concurrency < 1 || concurrency > LOAD_MAX_CONCURRENCY)
				usage();
			break;
		case 'd':
			seconds = atof(optarg);
			if (seconds <= 0)
				usage();
			break;
		case 'H':
			if ((hold = atoi(optarg)) < 1)
				usage();
			break;
		case 'r':
			may_refuse = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != (hold ? 2 : 3))
		usage();
	memset(&ld, 0, sizeof(ld));
	ld.to.sin_family = AF_INET;
	ld.to.sin_port = htons((uint16_t)atoi(argv[1]));
	if (inet_pton(AF_INET, argv[0], &ld.to.sin_addr) != 1) {
		fprintf(stderr, "cid-load: bad IPv4 address %s\n", argv[0]);
		return 2;
	}
	load_raise_nofile();
	if (hold)
		return load_hold(&ld, hold, seconds > 0 ? seconds : 60);
	if ((len = corr_wire_format(argv[2], ld.line, sizeof(ld.line))) <= 0) {
		fprintf(stderr, "cid-load: %s is not a correlation id\n",
		    argv[2]);
		return 2;
	}
	ld.linelen = (size_t)len;
	return load_run(&ld, concurrency, seconds > 0 ? seconds : 3,
	    may_refuse);
}
