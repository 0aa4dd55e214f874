/*
 * logstress.c: drive the rotating logger from a libevent loop, for the
 * black-box tests tests/log-*.sh.
 *
 *   logstress [options] load     write -l numbered lines in batches of -b
 *                                from the loop while other timers log too
 *   logstress [options] stall    fill the file to -S bytes, rotate it and
 *                                measure the loop while it is compressed
 *   logstress [options] trickle  write a numbered line every -i ms until
 *                                SIGTERM; SIGUSR1 calls log_retry_failed(),
 *                                SIGUSR2 writes log_status_json() to -j
 *
 * Numbered lines read "seq=NNNNNNNN ...". Every mode measures the longest
 * gap between two runs of a 1 ms timer and prints "max_gap_ms=X" on
 * stdout, with the other figures of the mode, when it ends.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

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
#include <json-c/json.h>

#include "log.h"

/* Everything the callbacks share. */
struct stress {
	struct event_base	*base;
	struct log_file		*lf;
	struct event		*producer;	/* writes the numbered lines */
	struct event		*ticker;	/* 1 ms: measures the loop */
	struct event		*chatter;	/* 3 ms: other log lines */
	struct event		*sigterm, *sigint, *sigusr1, *sigusr2;
	const char		*status_path;
	long			 lines;		/* to write (load) */
	long			 batch;
	long			 seq;		/* next number */
	int			 pad;		/* filler bytes per line */
	int			 interval_ms;	/* trickle period */
	uint64_t		 fill;		/* stall: bytes before rotate */
	int			 is_compressing; /* stall: measuring */
	struct timespec		 compress_start;
	double			 compress_ms;
	struct timespec		 last_tick;
	double			 max_gap_ms;
	long			 ticks;
};

static const char	 filler[] = "the quick brown fox jumps over the lazy "
    "dog while the agent uploads its inventory to the platform ";

/* Print usage and exit 2. */
static void
stress_usage(void)
{
	fprintf(stderr, "usage: logstress [-d dir] [-n name] [-s max_size] "
	    "[-r rotations] [-z level] [-l lines] [-b batch] [-p pad]\n"
	    "\t[-S fill] [-i interval_ms] [-j status.json] "
	    "load|stall|trickle\n");
	exit(2);
}

/* Returns milliseconds from a to b. */
static double
stress_ms(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1e3 + (b->tv_nsec - a->tv_nsec) / 1e6;
}

/* Write the next numbered line. */
static void
stress_line(struct stress *st)
{
	int	 pad = st->pad > 0 ? (int)(st->seq * 7 % (st->pad + 1)) : 0;

	if (pad > (int)sizeof(filler) - 1)
		pad = (int)sizeof(filler) - 1;
	log_debug("seq=%08ld%s%.*s", st->seq, pad > 0 ? " " : "", pad,
	    filler);
	st->seq++;
}

/* 1 ms timer: record the longest gap between two runs. */
static void
stress_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stress	*st = arg;
	struct timespec	 now;
	double		 gap;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (st->ticks++ > 0) {
		gap = stress_ms(&st->last_tick, &now);
		if (gap > st->max_gap_ms &&
		    (st->fill == 0 || st->is_compressing))
			st->max_gap_ms = gap;
	}
	st->last_tick = now;
	if (st->fill != 0 && st->is_compressing &&
	    log_pending_compressions() == 0) {
		st->is_compressing = 0;
		st->compress_ms = stress_ms(&st->compress_start, &now);
		event_base_loopbreak(st->base);
	}
}

/* 3 ms timer: other subsystems logging at other levels meanwhile. */
static void
stress_chatter_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stress	*st = arg;

	log_info("chatter: heartbeat sent after line %ld", st->seq);
	log_file_printf(st->lf, LOG_LEVEL_DEBUG, "chatter: debug %s",
	    "curl socket action");
}

/* Producer: write a batch of numbered lines, re-arm until done. */
static void
stress_produce_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stress	*st = arg;
	struct timeval	 zero = { 0, 0 };
	long		 i;

	for (i = 0; i < st->batch && st->seq < st->lines; i++)
		stress_line(st);
	if (st->seq < st->lines)
		(void)evtimer_add(st->producer, &zero);
	else
		event_base_loopbreak(st->base);
}

/* Trickle: one numbered line per period. */
static void
stress_trickle_cb(evutil_socket_t fd, short what, void *arg)
{
	stress_line(arg);
}

/* Write the log status to st->status_path atomically. */
static void
stress_write_status(struct stress *st)
{
	struct json_object	*arr;
	char			 tmp[4096];
	FILE			*fp;

	if (st->status_path == NULL || (arr = log_status_json()) == NULL)
		return;
	(void)snprintf(tmp, sizeof(tmp), "%s.tmp", st->status_path);
	if ((fp = fopen(tmp, "w")) != NULL) {
		fprintf(fp, "%s\n", json_object_to_json_string_ext(arr,
		    JSON_C_TO_STRING_PLAIN));
		if (fclose(fp) == 0)
			(void)rename(tmp, st->status_path);
	}
	json_object_put(arr);
}

/* Signals: TERM/INT stop, USR1 retries failed files, USR2 dumps status. */
static void
stress_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct stress	*st = arg;

	switch (sig) {
	case SIGUSR1:
		log_retry_failed();
		break;
	case SIGUSR2:
		stress_write_status(st);
		break;
	default:
		event_base_loopbreak(st->base);
		break;
	}
}

/* Parse a number option or exit. Returns it. */
static long long
stress_number(const char *s)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		stress_usage();
	return v;
}

/* Run one mode (see the top of the file). Returns 0, or 1 on failure. */
int
main(int argc, char **argv)
{
	struct stress		 st;
	struct log_settings	 ls = { LOG_DEFAULT_MAX_SIZE,
	    LOG_DEFAULT_ROTATIONS, LOG_DEFAULT_COMPRESSION };
	struct timeval		 ms1 = { 0, 1000 }, ms3 = { 0, 3000 };
	struct timeval		 zero = { 0, 0 }, period;
	struct stat		 sb;
	const char		*dir = ".", *name = "agent", *mode;
	char			 path[4096];
	int			 ch, i;

	memset(&st, 0, sizeof(st));
	st.lines = 200000;
	st.batch = 100;
	st.pad = 60;
	st.interval_ms = 2;
	while ((ch = getopt(argc, argv, "b:d:i:j:l:n:p:r:s:S:z:")) != -1) {
		switch (ch) {
		case 'b':
			st.batch = (long)stress_number(optarg);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'i':
			st.interval_ms = (int)stress_number(optarg);
			break;
		case 'j':
			st.status_path = optarg;
			break;
		case 'l':
			st.lines = (long)stress_number(optarg);
			break;
		case 'n':
			name = optarg;
			break;
		case 'p':
			st.pad = (int)stress_number(optarg);
			break;
		case 'r':
			ls.rotations = (int)stress_number(optarg);
			break;
		case 's':
			ls.max_size = (uint64_t)stress_number(optarg);
			break;
		case 'S':
			st.fill = (uint64_t)stress_number(optarg);
			break;
		case 'z':
			ls.compression_level = (int)stress_number(optarg);
			break;
		default:
			stress_usage();
		}
	}
	if (optind + 1 != argc || st.batch < 1)
		stress_usage();
	mode = argv[optind];

	signal(SIGPIPE, SIG_IGN);
	log_init("logstress", 0, LOG_LEVEL_DEBUG);
	if ((st.base = event_base_new()) == NULL) {
		fprintf(stderr, "logstress: event_base_new failed\n");
		return 1;
	}
	if ((st.lf = log_file_open(dir, name, &ls)) == NULL) {
		fprintf(stderr, "logstress: %s/%s.log: %s\n", dir, name,
		    strerror(errno));
		event_base_free(st.base);
		return 1;
	}
	log_set_main(st.lf);
	log_set_event_base(st.base);

	st.ticker = event_new(st.base, -1, EV_PERSIST, stress_tick_cb, &st);
	st.chatter = event_new(st.base, -1, EV_PERSIST, stress_chatter_cb,
	    &st);
	st.sigterm = evsignal_new(st.base, SIGTERM, stress_signal_cb, &st);
	st.sigint = evsignal_new(st.base, SIGINT, stress_signal_cb, &st);
	st.sigusr1 = evsignal_new(st.base, SIGUSR1, stress_signal_cb, &st);
	st.sigusr2 = evsignal_new(st.base, SIGUSR2, stress_signal_cb, &st);
	evsignal_add(st.sigterm, NULL);
	evsignal_add(st.sigint, NULL);
	evsignal_add(st.sigusr1, NULL);
	evsignal_add(st.sigusr2, NULL);
	evtimer_add(st.ticker, &ms1);

	if (strcmp(mode, "load") == 0) {
		st.producer = evtimer_new(st.base, stress_produce_cb, &st);
		evtimer_add(st.chatter, &ms3);
		evtimer_add(st.producer, &zero);
	} else if (strcmp(mode, "stall") == 0) {
		ls.max_size = 0;
		(void)log_file_configure(st.lf, dir, &ls);
		if (st.fill == 0)
			st.fill = 10 * 1024 * 1024;
		(void)snprintf(path, sizeof(path), "%s/%s.log", dir, name);
		do {
			for (i = 0; i < 1000; i++)
				stress_line(&st);
		} while (stat(path, &sb) == 0 &&
		    (uint64_t)sb.st_size < st.fill);
		st.is_compressing = 1;
		(void)clock_gettime(CLOCK_MONOTONIC, &st.compress_start);
		if (log_rotate_all() == -1) {
			fprintf(stderr, "logstress: rotation failed\n");
			st.is_compressing = 0;
		}
		if (log_pending_compressions() == 0) {
			fprintf(stderr, "logstress: compressed at once\n");
			st.is_compressing = 0;
		}
	} else if (strcmp(mode, "trickle") == 0) {
		period.tv_sec = st.interval_ms / 1000;
		period.tv_usec = (st.interval_ms % 1000) * 1000;
		st.producer = event_new(st.base, -1, EV_PERSIST,
		    stress_trickle_cb, &st);
		evtimer_add(st.producer, &period);
		/* Tell the test we are ready. */
		stress_write_status(&st);
	} else
		stress_usage();

	if (st.fill == 0 || st.is_compressing)
		event_base_dispatch(st.base);

	printf("lines=%ld max_gap_ms=%.1f", st.seq, st.max_gap_ms);
	if (st.fill != 0)
		printf(" compress_ms=%.1f", st.compress_ms);
	printf("\n");
	fflush(stdout);

	if (st.producer != NULL)
		event_free(st.producer);
	event_free(st.ticker);
	event_free(st.chatter);
	event_free(st.sigterm);
	event_free(st.sigint);
	event_free(st.sigusr1);
	event_free(st.sigusr2);
	log_shutdown();
	event_base_free(st.base);
	return 0;
}
