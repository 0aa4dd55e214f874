/*
 * audit-parse-util.h: what both drivers of bench/audit-parse.sh share:
 * their command line, a clock in seconds and reading the corpus.
 */
#ifndef OUTPOST_AUDIT_PARSE_UTIL_H
#define OUTPOST_AUDIT_PARSE_UTIL_H

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Seconds on a clock. */
static double
parse_clock(clockid_t id)
{
	struct timespec	 ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read a whole file into a NUL-terminated buffer. Exits on error. */
static char *
parse_slurp(const char *prog, const char *path, size_t *lenp)
{
	struct stat	 sb;
	char		*buf;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &sb) == -1) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		exit(1);
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(1);
	}
	while (off < (size_t)sb.st_size &&
	    (n = read(fd, buf + off, (size_t)sb.st_size - off)) > 0)
		off += (size_t)n;
	close(fd);
	buf[off] = '\0';
	*lenp = off;
	return buf;
}

/*
 * Read "prog [-r runs] corpus.log": the number of runs into *runs, the
 * corpus's path returned. Exits with a usage line on anything else.
 */
static const char *
parse_args(const char *prog, int argc, char *argv[], int *runs)
{
	int	 ch;

	*runs = 1;
	while ((ch = getopt(argc, argv, "r:")) != -1) {
		if (ch != 'r')
			goto usage;
		*runs = atoi(optarg);
	}
	if (argc - optind != 1 || *runs < 1)
		goto usage;
	return argv[optind];
usage:
	fprintf(stderr, "usage: %s [-r runs] corpus.log\n", prog);
	exit(2);
}

#endif
