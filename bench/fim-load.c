/*
 * fim-load.c: the file load of bench/fim-e2e.sh.
 *
 *   fim-load [-n count] dir
 *
 * In dir, creates count empty files f00000, f00001, ... (open(2) with
 * O_CREAT | O_EXCL, then close), then deletes them all (unlink(2)), as
 * fast as it can, and prints how long each phase took. Exits non-zero if
 * any call fails, so the ground truth is exactly count creates and count
 * deletes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Seconds on the monotonic clock. */
static double
load_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Create then delete count files in dir; print the time of each phase. */
int
main(int argc, char *argv[])
{
	char	 name[32];
	double	 t0, t1, t2;
	long	 count = 50000, i;
	int	 ch, fd;

	while ((ch = getopt(argc, argv, "n:")) != -1) {
		switch (ch) {
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1 || count < 1 || count > 100000)
		goto usage;
	if (chdir(argv[optind]) == -1) {
		fprintf(stderr, "fim-load: %s: %s\n", argv[optind],
		    strerror(errno));
		return 1;
	}
	t0 = load_now();
	for (i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "f%05ld", i);
		if ((fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644)) ==
		    -1) {
			fprintf(stderr, "fim-load: create %s: %s\n", name,
			    strerror(errno));
			return 1;
		}
		close(fd);
	}
	t1 = load_now();
	for (i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "f%05ld", i);
		if (unlink(name) == -1) {
			fprintf(stderr, "fim-load: delete %s: %s\n", name,
			    strerror(errno));
			return 1;
		}
	}
	t2 = load_now();
	printf("creates %ld s %.3f deletes %ld s %.3f\n", count, t1 - t0,
	    count, t2 - t1);
	return 0;
usage:
	fprintf(stderr, "usage: fim-load [-n count] dir\n");
	return 2;
}
