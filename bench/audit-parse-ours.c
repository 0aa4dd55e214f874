/*
 * audit-parse-ours.c: the agent's audit record code on a corpus of audit
 * log lines, for bench/audit-parse.sh.
 *
 *   audit-parse-ours [-r runs] corpus.log
 *
 * The corpus is read and split into records before the clock starts, each
 * as netlink delivers it to the agent: the record type as a number (from
 * "type=NAME") and the text after "msg=" ("audit(SEC.MS:SERIAL): ...").
 * Timed: every record through fim_asm_add() (assembly by serial), and
 * every event it emits through fim_syscall_decode() and fim_changes(), as
 * src/agent/fim-event.c does (without the lookups that need the live
 * system). Prints one line per run:
 *
 *   records N events N changes N cpu_s S wall_s S
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

#include "fim-assemble.h"
#include "fim-change.h"
#include "fim-record.h"

#include "audit-parse-util.h"

#define PARSE_KEY		"outpost-fim"
#define PARSE_MAX_CHANGES	4

/* One record, as netlink hands it over. */
struct parse_record {
	int		 type;
	const char	*text;
	size_t		 len;
};

/* What the event callback counted. */
struct parse_count {
	uint64_t	events;
	uint64_t	syscalls;
	uint64_t	changes;
	uint64_t	undecoded;
};

/* Record type names of the corpus and their numbers (linux/audit.h). */
static const struct {
	const char	*name;
	int		 type;
} parse_types[] = {
	{ "SYSCALL", 1300 }, { "PATH", 1302 }, { "CONFIG_CHANGE", 1305 },
	{ "SOCKADDR", 1306 }, { "CWD", 1307 }, { "EOE", 1320 },
	{ "PROCTITLE", 1327 },
};

/* The number of a record type name of length len, or -1. */
static int
parse_type(const char *name, size_t len)
{
	size_t	 i;

	if (len > 9 && memcmp(name, "UNKNOWN[", 8) == 0)
		return atoi(name + 8);
	for (i = 0; i < sizeof(parse_types) / sizeof(parse_types[0]); i++)
		if (strlen(parse_types[i].name) == len &&
		    memcmp(parse_types[i].name, name, len) == 0)
			return parse_types[i].type;
	return -1;
}

/*
 * Split the corpus into records ("type=NAME msg=TEXT" lines). Returns
 * them and their number in *np; exits on a line it cannot read.
 */
static struct parse_record *
parse_split(char *buf, size_t len, size_t *np)
{
	struct parse_record	*r = NULL;
	size_t			 n = 0, cap = 0, line = 0;
	char			*p = buf, *end = buf + len, *eol, *name, *msg;

	while (p < end) {
		line++;
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		*eol = '\0';
		if (eol == p) {
			p = eol + 1;
			continue;
		}
		if (strncmp(p, "type=", 5) != 0 ||
		    (msg = strstr(p, " msg=")) == NULL) {
			fprintf(stderr, "audit-parse-ours: line %zu: not "
			    "\"type=NAME msg=...\"\n", line);
			exit(1);
		}
		name = p + 5;
		if (n == cap) {
			cap = cap == 0 ? 65536 : cap * 2;
			if ((r = realloc(r, cap * sizeof(*r))) == NULL) {
				fprintf(stderr, "audit-parse-ours: out of "
				    "memory\n");
				exit(1);
			}
		}
		if ((r[n].type = parse_type(name, (size_t)(msg - name))) ==
		    -1) {
			fprintf(stderr, "audit-parse-ours: line %zu: unknown "
			    "record type %.*s\n", line, (int)(msg - name),
			    name);
			exit(1);
		}
		r[n].text = msg + 5;
		r[n].len = (size_t)(eol - r[n].text);
		n++;
		p = eol + 1;
	}
	*np = n;
	return r;
}

/* An assembled event: decode it and find its file changes. */
static void
parse_event_cb(const struct fim_raw_event *ev, void *arg)
{
	static struct fim_change	 ch[PARSE_MAX_CHANGES];
	struct parse_count		*c = arg;
	struct fim_syscall		 sc;
	char				 err[256];
	int				 rc;

	c->events++;
	rc = fim_syscall_decode(ev, &sc, err, sizeof(err));
	if (rc == -1) {
		c->undecoded++;
		return;
	}
	if (rc == 1) {
		c->syscalls++;
		c->changes += (uint64_t)fim_changes(&sc, sc.key != NULL &&
		    strcmp(sc.key, PARSE_KEY) == 0, NULL, NULL, ch,
		    PARSE_MAX_CHANGES);
		fim_syscall_clear(&sc);
	}
}

/* Run the corpus through a new assembler once; print the figures. */
static void
parse_run(const struct parse_record *r, size_t n)
{
	struct fim_assembler	*as;
	struct fim_asm_stats	 st;
	struct parse_count	 c;
	double			 cpu, wall;
	char			 err[256];
	size_t			 i;

	memset(&c, 0, sizeof(c));
	if ((as = fim_asm_new(parse_event_cb, &c, 5000)) == NULL) {
		fprintf(stderr, "audit-parse-ours: out of memory\n");
		exit(1);
	}
	cpu = parse_clock(CLOCK_PROCESS_CPUTIME_ID);
	wall = parse_clock(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++)
		if (fim_asm_add(as, r[i].type, r[i].text, r[i].len, 0,
		    (uint64_t)i / 1000, err, sizeof(err)) == -1) {
			fprintf(stderr, "audit-parse-ours: record %zu "
			    "refused: %s\n", i + 1, err);
			exit(1);
		}
	fim_asm_flush(as);
	cpu = parse_clock(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	wall = parse_clock(CLOCK_MONOTONIC) - wall;
	fim_asm_stats(as, &st);
	fim_asm_free(as);
	if (c.undecoded > 0 || st.duplicates > 0 || st.incomplete > 0) {
		fprintf(stderr, "audit-parse-ours: %" PRIu64 " events not "
		    "decoded, %" PRIu64 " duplicates, %" PRIu64 " without "
		    "EOE\n", c.undecoded, st.duplicates, st.incomplete);
		exit(1);
	}
	printf("records %zu events %" PRIu64 " changes %" PRIu64
	    " cpu_s %.6f wall_s %.6f\n", n, c.events, c.changes, cpu, wall);
	fflush(stdout);
}

/* Read the corpus, split it, and time -r runs over it. */
int
main(int argc, char *argv[])
{
	struct parse_record	*r;
	char			*buf;
	size_t			 len, n;
	const char		*path;
	int			 runs, i;

	path = parse_args("audit-parse-ours", argc, argv, &runs);
	buf = parse_slurp("audit-parse-ours", path, &len);
	r = parse_split(buf, len, &n);
	for (i = 0; i < runs; i++)
		parse_run(r, n);
	free(r);
	free(buf);
	return 0;
}
