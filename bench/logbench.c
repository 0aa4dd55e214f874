/*
 * logbench.c: throughput of the rotating logger against plain fprintf
 * with gzip, for bench/log-rotate.sh.
 *
 *   logbench [-d dir] [-m MiB] [-s max_size] [-z level] [-b batch]
 *
 * Both runs write the same agent-like lines (a seeded generator, varied
 * lengths, every level):
 *
 *   logger   log_file_printf() from a libevent loop, batches of -b lines
 *            per callback, rotation at -s bytes, archives compressed in
 *            slices from the loop; the time includes finishing the last
 *            compression at close. A 1 ms timer measures the longest gap
 *            of the loop, overall and while a compression was pending.
 *   baseline the same lines, stamped the same way, with fprintf(3) to a
 *            file; each time it reaches -s bytes it is closed and piped
 *            through "gzip -6" (waited for) before the next chunk starts.
 *
 * Prints lines/s of both, the ratio logger/baseline and the stalls.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "compat.h"
#include "log.h"

/* The deterministic line generator. */
struct gen {
	uint64_t	 state;
	long		 lines;		/* produced so far */
};

/* The logger run. */
struct bench {
	struct event_base	*base;
	struct log_file		*lf;
	struct event		*producer;
	struct event		*ticker;
	struct gen		 gen;
	long			 lines;		/* to write */
	long			 batch;
	struct timespec		 last_tick;
	long			 ticks;
	double			 max_gap_ms;	/* whole run */
	double			 max_rotation_gap_ms; /* compression pending */
	int			 was_pending;
};

static const char *const bench_paths[] = {
	"/etc/passwd", "/etc/shadow", "/etc/ssh/sshd_config",
	"/usr/bin/sudo", "/var/lib/outpost/state.json",
	"/etc/systemd/system/multi-user.target.wants/outpostd.service",
	"/usr/lib/x86_64-linux-gnu/libssl.so.3", "/etc/hosts",
};
static const char *const bench_packages[] = {
	"openssl", "libc6", "openssh-server", "curl", "libevent-2.1-7",
	"zlib1g", "systemd", "bash", "coreutils", "libjson-c5", "sudo",
	"tzdata", "ca-certificates", "libsqlite3-0", "python3.11",
};
static const char *const bench_errors[] = {
	"Connection refused", "Connection timed out",
	"SSL peer certificate or SSH remote key was not OK",
	"Could not resolve proxy: proxy.corp.example",
	"HTTP 503 Service Unavailable",
};

/* Returns the next pseudo-random number of g. */
static uint64_t
gen_next(struct gen *g)
{
	g->state ^= g->state << 13;
	g->state ^= g->state >> 7;
	g->state ^= g->state << 17;
	return g->state;
}

/* Returns a pseudo-random number below n. */
static unsigned
gen_below(struct gen *g, unsigned n)
{
	return (unsigned)(gen_next(g) % n);
}

/*
 * Make the next agent-like message into buf (size bytes) and its level.
 * Returns the message length.
 */
static int
gen_line(struct gen *g, char *buf, size_t size, enum log_level *level)
{
	unsigned	 kind = gen_below(g, 100), i, n;
	int		 len;

	g->lines++;
	*level = LOG_LEVEL_INFO;
	if (kind < 30) {
		*level = LOG_LEVEL_DEBUG;
		len = snprintf(buf, size, "curl: socket %u action %u, timeout "
		    "%u ms, %u transfers running", gen_below(g, 1024),
		    gen_below(g, 4), gen_below(g, 30000), gen_below(g, 8));
	} else if (kind < 50) {
		len = snprintf(buf, size, "http: POST https://platform.example"
		    ".net/api/v1/agents/%08x-%04x-%04x-%04x-%012llx/heartbeat:"
		    " HTTP %u in %u ms", (unsigned)gen_next(g),
		    gen_below(g, 65536), gen_below(g, 65536),
		    gen_below(g, 65536),
		    (unsigned long long)(gen_next(g) & 0xffffffffffffULL),
		    gen_below(g, 10) ? 200 : 503, gen_below(g, 2000));
	} else if (kind < 65) {
		len = snprintf(buf, size, "fim: %s %s by pid %u (uid %u), "
		    "rule etc-critical, sha256 %016llx%016llx",
		    bench_paths[gen_below(g, nitems(bench_paths))],
		    gen_below(g, 2) ? "modified" : "attributes changed",
		    gen_below(g, 100000), gen_below(g, 2) ? 0 : 1000,
		    (unsigned long long)gen_next(g),
		    (unsigned long long)gen_next(g));
	} else if (kind < 80) {
		len = snprintf(buf, size, "correlation: accepted %u.%u.%u.%u:%u"
		    " on port %u, sent id %016llx", 10 + gen_below(g, 2),
		    gen_below(g, 256), gen_below(g, 256), gen_below(g, 256),
		    1024 + gen_below(g, 64000), 10001 + gen_below(g, 5),
		    (unsigned long long)gen_next(g));
	} else if (kind < 88) {
		*level = LOG_LEVEL_WARN;
		len = snprintf(buf, size, "http: connect to https://platform."
		    "example.net:443 via http://proxy%u.corp.example:3128 "
		    "failed: %s; trying the next proxy (%u of 5)",
		    gen_below(g, 5), bench_errors[gen_below(g, 5)],
		    1 + gen_below(g, 5));
	} else if (kind < 95) {
		len = snprintf(buf, size, "audit: netlink backlog %u, lost %u,"
		    " unicast held by pid %u (auditd); retry in %u s",
		    gen_below(g, 8192), gen_below(g, 10), gen_below(g, 40000),
		    600);
	} else {
		/* A long inventory delta. */
		len = snprintf(buf, size, "inventory: %u packages, delta:",
		    1200 + gen_below(g, 400));
		n = 5 + gen_below(g, 40);
		for (i = 0; i < n && len > 0 && (size_t)len < size - 64; i++)
			len += snprintf(buf + len, size - len,
			    " %s=%u.%u.%u-%u", bench_packages[gen_below(g,
			    nitems(bench_packages))],
			    gen_below(g, 4), gen_below(g, 20),
			    gen_below(g, 30), gen_below(g, 9));
	}
	return len < 0 ? 0 : len;
}

/* Returns milliseconds from a to b. */
static double
bench_ms(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1e3 + (b->tv_nsec - a->tv_nsec) / 1e6;
}

/* 1 ms timer: the longest gaps of the loop, overall and in rotation. */
static void
bench_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench	*b = arg;
	struct timespec	 now;
	double		 gap;
	int		 pending = log_pending_compressions() > 0;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (b->ticks++ > 0) {
		gap = bench_ms(&b->last_tick, &now);
		if (gap > b->max_gap_ms)
			b->max_gap_ms = gap;
		if ((pending || b->was_pending) &&
		    gap > b->max_rotation_gap_ms)
			b->max_rotation_gap_ms = gap;
	}
	b->was_pending = pending;
	b->last_tick = now;
}

/* Producer: write a batch of lines through the logger, re-arm. */
static void
bench_produce_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench	*b = arg;
	struct timeval	 zero = { 0, 0 };
	enum log_level	 level;
	char		 msg[4096];
	long		 i;

	for (i = 0; i < b->batch && b->gen.lines < b->lines; i++) {
		(void)gen_line(&b->gen, msg, sizeof(msg), &level);
		log_file_printf(b->lf, level, "%s", msg);
	}
	if (b->gen.lines < b->lines)
		(void)evtimer_add(b->producer, &zero);
	else
		event_base_loopbreak(b->base);
}

/* Pipe path through "gzip -6" into path.gz and remove it. Returns 0/-1. */
static int
bench_gzip(const char *path)
{
	pid_t	 pid;
	int	 status;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		execlp("gzip", "gzip", "-6", "-f", path, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == -1)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/*
 * The baseline: lines with fprintf(3), 10 MiB chunks through gzip -6.
 * Returns the elapsed seconds, or -1.
 */
static double
bench_baseline(const char *dir, long lines, uint64_t max_size)
{
	struct gen	 g = { 0x9e3779b97f4a7c15ULL, 0 };
	struct timespec	 start, end, ts;
	struct tm	 tm;
	enum log_level	 level;
	char		 msg[4096], stamp[32], path[4096], chunk[4096];
	FILE		*fp;
	uint64_t	 size = 0;
	long		 pid = (long)getpid();
	int		 n, nchunk = 0;

	(void)snprintf(path, sizeof(path), "%s/plain.log", dir);
	(void)clock_gettime(CLOCK_MONOTONIC, &start);
	if ((fp = fopen(path, "a")) == NULL)
		return -1;
	while (g.lines < lines) {
		(void)gen_line(&g, msg, sizeof(msg), &level);
		(void)clock_gettime(CLOCK_REALTIME, &ts);
		(void)gmtime_r(&ts.tv_sec, &tm);
		(void)strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		n = fprintf(fp, "%s.%03dZ %s[%ld] %s: %s\n", stamp,
		    (int)(ts.tv_nsec / 1000000), "logbench", pid,
		    log_level_name(level), msg);
		if (n < 0) {
			fclose(fp);
			return -1;
		}
		size += (uint64_t)n;
		if (size >= max_size) {
			if (fclose(fp) != 0)
				return -1;
			(void)snprintf(chunk, sizeof(chunk),
			    "%s/plain-%03d.log", dir, nchunk++);
			if (rename(path, chunk) == -1 ||
			    bench_gzip(chunk) == -1)
				return -1;
			if ((fp = fopen(path, "a")) == NULL)
				return -1;
			size = 0;
		}
	}
	if (fclose(fp) != 0)
		return -1;
	(void)clock_gettime(CLOCK_MONOTONIC, &end);
	return bench_ms(&start, &end) / 1e3;
}

/* Returns how many generated lines make about mib MiB of log. */
static long
bench_count_lines(double mib, size_t prefix)
{
	struct gen	 g = { 0x9e3779b97f4a7c15ULL, 0 };
	enum log_level	 level;
	char		 msg[4096];
	double		 bytes = 0, target = mib * 1024 * 1024;

	while (bytes < target)
		bytes += gen_line(&g, msg, sizeof(msg), &level) + prefix +
		    strlen(log_level_name(level)) + 1;
	return g.lines;
}

/* Print usage and exit 2. */
static void
bench_usage(void)
{
	fprintf(stderr, "usage: logbench [-d dir] [-m MiB] [-s max_size] "
	    "[-z level] [-b batch]\n");
	exit(2);
}

/* Run both writers and print the figures. Returns 0, or 1 on failure. */
int
main(int argc, char **argv)
{
	struct bench		 b;
	struct log_settings	 ls = { LOG_DEFAULT_MAX_SIZE, 1000,
	    LOG_DEFAULT_COMPRESSION };
	struct timeval		 ms1 = { 0, 1000 }, zero = { 0, 0 };
	struct timespec		 start, end;
	const char		*dir = ".";
	char			 sample[128];
	double			 mib = 200, ours, theirs;
	int			 ch, prefix;

	memset(&b, 0, sizeof(b));
	b.batch = 256;
	while ((ch = getopt(argc, argv, "b:d:m:s:z:")) != -1) {
		switch (ch) {
		case 'b':
			b.batch = atol(optarg);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'm':
			mib = atof(optarg);
			break;
		case 's':
			ls.max_size = strtoull(optarg, NULL, 10);
			break;
		case 'z':
			ls.compression_level = atoi(optarg);
			break;
		default:
			bench_usage();
		}
	}
	if (optind != argc || b.batch < 1 || mib <= 0 || ls.max_size == 0)
		bench_usage();
	signal(SIGPIPE, SIG_IGN);

	/* "2026-11-21T09:30:12.345Z logbench[pid] " + level + ": " + "\n" */
	prefix = snprintf(sample, sizeof(sample), "%s logbench[%ld] : \n",
	    "2026-11-21T09:30:12.345Z", (long)getpid());
	b.lines = bench_count_lines(mib, (size_t)prefix - 1);

	log_init("logbench", 0, LOG_LEVEL_DEBUG);
	if ((b.base = event_base_new()) == NULL)
		return 1;
	if ((b.lf = log_file_open(dir, "agent", &ls)) == NULL) {
		fprintf(stderr, "logbench: %s/agent.log: %s\n", dir,
		    strerror(errno));
		return 1;
	}
	log_set_event_base(b.base);
	b.gen.state = 0x9e3779b97f4a7c15ULL;
	b.producer = evtimer_new(b.base, bench_produce_cb, &b);
	b.ticker = event_new(b.base, -1, EV_PERSIST, bench_tick_cb, &b);
	(void)evtimer_add(b.ticker, &ms1);
	(void)evtimer_add(b.producer, &zero);

	(void)clock_gettime(CLOCK_MONOTONIC, &start);
	(void)event_base_dispatch(b.base);
	event_free(b.ticker);
	event_free(b.producer);
	log_shutdown();
	(void)clock_gettime(CLOCK_MONOTONIC, &end);
	event_base_free(b.base);
	ours = bench_ms(&start, &end) / 1e3;

	if ((theirs = bench_baseline(dir, b.lines, ls.max_size)) < 0) {
		fprintf(stderr, "logbench: baseline failed: %s\n",
		    strerror(errno));
		return 1;
	}

	printf("lines:                     %ld (%.0f MiB, max_size %llu, "
	    "level %d)\n", b.lines, mib, (unsigned long long)ls.max_size,
	    ls.compression_level);
	printf("logger (event loop):       %.0f lines/s (%.2f s)\n",
	    b.lines / ours, ours);
	printf("fprintf + gzip -6:         %.0f lines/s (%.2f s)\n",
	    b.lines / theirs, theirs);
	printf("ratio logger/baseline:     %.2f (target >= 0.9)\n",
	    theirs / ours);
	printf("longest stall in rotation: %.1f ms (target <= 50 ms)\n",
	    b.max_rotation_gap_ms);
	printf("longest stall overall:     %.1f ms\n", b.max_gap_ms);
	return 0;
}
