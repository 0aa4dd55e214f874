/*
 * audit-parse-ref.c: libauparse (audit-userspace) on a corpus of audit
 * log lines, the reference side of bench/audit-parse.sh.
 *
 *   audit-parse-ref [-r runs] corpus.log
 *
 * The corpus is read into memory before the clock starts. Timed: a new
 * auparse_init(AUSOURCE_FEED) state fed the corpus in 64 KiB pieces with
 * auparse_feed(), as a daemon reading a stream would; it splits the lines,
 * groups the records of an event by serial and calls back at EOE; the
 * callback visits every field of every record of the event (its name and
 * value), so each record is parsed. Prints one line per run:
 *
 *   records N events N fields N cpu_s S wall_s S
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <auparse.h>

#include "audit-parse-util.h"

#define PARSE_CHUNK	65536

/* What the event callback counted. */
struct parse_count {
	uint64_t	events;
	uint64_t	records;
	uint64_t	fields;
	uint64_t	bytes;
};

/* An event is ready: visit every field of every record. */
static void
parse_event_cb(auparse_state_t *au, auparse_cb_event_t type, void *arg)
{
	struct parse_count	*c = arg;
	const char		*name, *value;

	if (type != AUPARSE_CB_EVENT_READY)
		return;
	c->events++;
	if (auparse_first_record(au) <= 0)
		return;
	do {
		c->records++;
		if (auparse_first_field(au) <= 0)
			continue;
		do {
			name = auparse_get_field_name(au);
			value = auparse_get_field_str(au);
			if (name != NULL && value != NULL) {
				c->fields++;
				c->bytes += strlen(value);
			}
		} while (auparse_next_field(au) > 0);
	} while (auparse_next_record(au) > 0);
}

/* Count the lines (records) of the corpus. */
static size_t
parse_lines(const char *buf, size_t len)
{
	const char	*p = buf, *end = buf + len, *eol;
	size_t		 n = 0;

	while (p < end) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if (eol > p)
			n++;
		p = eol + 1;
	}
	return n;
}

/* Feed the corpus to a new auparse state once; print the figures. */
static void
parse_run(const char *buf, size_t len, size_t lines)
{
	auparse_state_t		*au;
	struct parse_count	 c;
	double			 cpu, wall;
	size_t			 off, n;

	memset(&c, 0, sizeof(c));
	cpu = parse_clock(CLOCK_PROCESS_CPUTIME_ID);
	wall = parse_clock(CLOCK_MONOTONIC);
	if ((au = auparse_init(AUSOURCE_FEED, NULL)) == NULL) {
		fprintf(stderr, "audit-parse-ref: auparse_init: %s\n",
		    strerror(errno));
		exit(1);
	}
	auparse_add_callback(au, parse_event_cb, &c, NULL);
	for (off = 0; off < len; off += n) {
		n = len - off < PARSE_CHUNK ? len - off : PARSE_CHUNK;
		if (auparse_feed(au, buf + off, n) != 0) {
			fprintf(stderr, "audit-parse-ref: auparse_feed "
			    "failed at byte %zu\n", off);
			exit(1);
		}
	}
	auparse_flush_feed(au);
	auparse_destroy(au);
	cpu = parse_clock(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	wall = parse_clock(CLOCK_MONOTONIC) - wall;
	printf("records %zu events %" PRIu64 " fields %" PRIu64
	    " cpu_s %.6f wall_s %.6f\n", lines, c.events, c.fields, cpu,
	    wall);
	fflush(stdout);
}

/* Read the corpus and time -r runs over it. */
int
main(int argc, char *argv[])
{
	const char	*path;
	char		*buf;
	size_t		 len, lines;
	int		 runs, i;

	path = parse_args("audit-parse-ref", argc, argv, &runs);
	buf = parse_slurp("audit-parse-ref", path, &len);
	lines = parse_lines(buf, len);
	for (i = 0; i < runs; i++)
		parse_run(buf, len, lines);
	free(buf);
	return 0;
}
